"""The words and recipients of the staff notices and duty-phone SMS (hotline.domain.notices), on
transient objects: what the NOTIFY and STAFF_SMS effects write, without a database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hotline.domain import lifecycle as lc
from hotline.domain import notices
from hotline.domain.deadlines import Planner, kind_label
from hotline.domain.notices import Notice, StaffText
from hotline.models import Channel, Department, Level, Line, RequestType, Role, Status, Ticket
from routing.calendar import SHANGHAI, WorkingCalendar

UNIT = Department(id=1, code="zjj", name="住建局", level=Level.CITY, active=True)
SUPERVISOR = lc.Actor("supervisor", Role.SUPERVISOR, 11)
LEAD = lc.Actor("zjj-lead", Role.UNIT_LEAD, 14, UNIT.id)
PLANNER = Planner(WorkingCalendar())
T0 = datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI).astimezone(UTC)


def signed() -> Ticket:
    t = Ticket(number="20260930-000001", line=Line.L12345, channel=Channel.WEB,
               request_type=RequestType.COMPLAINT, content="路灯不亮", status=Status.SIGNED,
               created_at=T0)
    t.department = UNIT
    return t


def last_notices(t: Ticket) -> list[Notice]:
    return notices.of_event(t, t.events[-1])


def test_an_extension_request_goes_to_the_supervisors_with_its_reason() -> None:
    t = signed()
    lc.request_extension(t, LEAD, days=3, reason="需协调多部门", at=T0)
    assert last_notices(t) == [Notice("extension_requested", "工单 20260930-000001 申请延期 3 "
                                      "个工作日：需协调多部门", role="supervisor")]


def test_a_supervision_order_is_a_red_notice_to_the_lead_unit() -> None:
    t = signed()
    lc.urge(t, SUPERVISOR, note="群众反映强烈", due=T0 + timedelta(hours=8), at=T0)
    assert last_notices(t) == [Notice("urged", "督办：工单 20260930-000001 须于 2026-09-30 18:00 "
                                      "前办理。群众反映强烈", "red", department_id=UNIT.id)]


def test_the_refusal_keeps_the_deadline_it_names_in_its_event() -> None:
    t = signed()
    t.reply_due = datetime(2026, 10, 15, 17, 30, tzinfo=SHANGHAI)
    lc.request_extension(t, LEAD, days=3, reason="需协调", at=T0)
    lc.decide_extension(t, SUPERVISOR, approve=False, at=T0)
    assert t.events[-1].data == {"days": 3, "reply_due": t.reply_due.isoformat()}
    t.reply_due = None  # a later change does not rewrite what the notice says
    assert "答复时限将于 2026-10-15 17:30 到期" in last_notices(t)[0].body


@dataclass(frozen=True)
class U:
    id: int
    code: str
    name: str
    parent_id: int | None
    duty_phone: str | None


CITY = U(1, "zjj", "市住建局", None, "+8613900000001")
DISTRICT = U(2, "a1-zjj", "A1区住建局", 1, "+8613900000002")
NOW = datetime(2026, 10, 16, 2, 0, tzinfo=UTC)


def step(kind: str, unit: U | None, above: U | None = None,
         deadline: str = "reply") -> lc.DeadlineStep:
    return lc.DeadlineStep(kind, 7, "20260930-000001", deadline, NOW - timedelta(hours=1), NOW,
                           mark=99, unit=unit, above=above)


def test_a_warning_is_yellow_to_the_unit_or_to_the_supervisors_without_one() -> None:
    assert notices.of_step(step("warning", DISTRICT)) == [Notice(
        "deadline_warning", "工单 20260930-000001 答复时限已于 2026-10-16 09:00 超期，请抓紧办理。",
        "yellow", department_id=2)]
    assert [n.role for n in notices.of_step(step("warning", None))] == ["supervisor"]
    assert notices.texts_of_step(step("warning", DISTRICT)) == []


def test_overdue_tells_the_units_lead_and_the_supervisors_and_texts_the_duty_phone() -> None:
    body = "工单 20260930-000001 签收时限已于 2026-10-16 09:00 超期。"
    overdue = step("overdue", DISTRICT, deadline="sign")
    assert notices.of_step(overdue) == [Notice("deadline_overdue", body, "red", 2, "unit_lead"),
                                        Notice("deadline_overdue", body, "red", role="supervisor")]
    assert notices.texts_of_step(overdue) == [StaffText("+8613900000002", f"【12345】{body}请尽快办理。")]


def test_escalation_goes_to_the_level_above_and_its_duty_phone() -> None:
    body = "工单 20260930-000001 答复时限超期未办（A1区住建局），已提级至市住建局。"
    up = step("escalated", DISTRICT, CITY)
    assert notices.of_step(up) == [Notice("deadline_escalated", body, "red", 1),
                                   Notice("deadline_escalated", body, "red", role="supervisor")]
    assert notices.texts_of_step(up) == [StaffText("+8613900000001", f"【12345】{body}")]
    top = step("escalated", CITY)  # nothing above: the supervisors, no SMS
    assert [n.role for n in notices.of_step(top)] == ["supervisor"]
    assert "已提级至督办" in notices.of_step(top)[0].body and notices.texts_of_step(top) == []


def test_clock_kinds_read_as_staff_say_them() -> None:
    assert [kind_label(k) for k in ("sign", "reply", "assist:a1-gov", "urge:2", "other")] == [
        "签收", "答复", "协办(a1-gov)", "督办#2", "other"]
