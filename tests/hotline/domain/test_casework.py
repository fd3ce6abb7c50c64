"""Casework rules on transient objects (no database): progress and internal notes, first
contact (先行联系) and its clock, 挂起 with the suspended span excluded from every clock, and
甄别/申诉 appeals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hotline.domain import lifecycle as lc
from hotline.domain.deadlines import Planner
from hotline.domain.errors import Forbidden, IllegalTransition, InvalidInput
from hotline.domain.events import EventKind
from hotline.models import (
    Channel,
    Department,
    Level,
    Line,
    RequestType,
    Role,
    Status,
    Ticket,
    Urgency,
)
from routing.calendar import SHANGHAI, WorkingCalendar

UNIT = Department(id=1, code="zjj", name="住建局", level=Level.CITY, active=True)
OTHER = Department(id=2, code="cgj", name="城管局", level=Level.CITY, active=True)
HELPER = Department(id=3, code="a1-gov", name="A1区政府", level=Level.DISTRICT, active=True)
AGENT = lc.Actor("agent", Role.AGENT, 10)
SUPERVISOR = lc.Actor("supervisor", Role.SUPERVISOR, 11)
STAFF = lc.Actor("zjj", Role.UNIT_STAFF, 13, UNIT.id)
LEAD = lc.Actor("zjj-lead", Role.UNIT_LEAD, 14, UNIT.id)
STRANGER = lc.Actor("cgj", Role.UNIT_STAFF, 15, OTHER.id)
HELPER_STAFF = lc.Actor("a1-gov", Role.UNIT_STAFF, 16, HELPER.id)
PLANNER = Planner(WorkingCalendar())


def cst(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


# Monday 2026-11-02 10:00 in Shanghai, an ordinary working week.
T0 = cst(2026, 11, 2, 10, 0)


def ticket(urgency: Urgency = Urgency.NORMAL) -> Ticket:
    t = Ticket(number="20261102-000001", line=Line.L12345, channel=Channel.WEB,
               request_type=RequestType.COMPLAINT, content="路灯不亮", status=Status.PENDING_DISPATCH,
               created_at=T0, urgency=urgency, phone="+8613800000000")
    lc.open_ticket(t, lc.SYSTEM, at=T0)
    return t


def dispatched(urgency: Urgency = Urgency.NORMAL, **kw: Any) -> Ticket:
    t = ticket(urgency)
    lc.plan_intake(t, PLANNER, at=T0)
    lc.dispatch(t, AGENT, UNIT, reason={"by": "person"}, planner=PLANNER, at=T0, **kw)
    return t


def signed(urgency: Urgency = Urgency.NORMAL, at: datetime = T0, **kw: Any) -> Ticket:
    t = dispatched(urgency, **kw)
    lc.sign(t, STAFF, planner=PLANNER, at=at)
    return t


def last(t: Ticket) -> Any:
    return t.events[-1]


# --- notes -------------------------------------------------------------------------------------


def test_a_public_note_is_a_public_progress_event() -> None:
    t = signed()
    lc.add_note(t, STAFF, "  已联系物业，预计周五修复 ", public=True, at=T0)
    e = last(t)
    assert (e.kind, e.public, e.note) == (EventKind.PROGRESS_NOTE, True, "已联系物业，预计周五修复")
    assert t.status == Status.SIGNED  # a note changes no state


def test_an_internal_note_is_never_public() -> None:
    t = signed()
    lc.add_note(t, AGENT, "市民情绪激动，注意沟通", public=False, at=T0)
    assert (last(t).kind, last(t).public) == (EventKind.INTERNAL_NOTE, False)


def test_an_assisting_unit_writes_internal_notes_only() -> None:
    t = signed(assisting=[HELPER])
    lc.add_note(t, HELPER_STAFF, "已派人勘查", public=False, at=T0)
    with pytest.raises(Forbidden, match="lead unit"):
        lc.add_note(t, HELPER_STAFF, "告诉市民", public=True, at=T0)


def test_a_unit_not_on_the_ticket_may_not_note() -> None:
    t = signed()
    with pytest.raises(Forbidden):
        lc.add_note(t, STRANGER, "看看", public=False)
    assert last(t).kind == EventKind.SIGNED


@pytest.mark.parametrize("text", ["", "   ", "长" * (lc.MAX_NOTE + 1)])
def test_a_note_needs_text_within_the_limit(text: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        lc.add_note(signed(), STAFF, text, public=False)
    assert exc.value.field == "text"


def test_no_note_on_a_closed_ticket() -> None:
    t = signed()
    t.status = Status.CLOSED
    with pytest.raises(IllegalTransition):
        lc.add_note(t, AGENT, "迟到的备注", public=False)


# --- first contact (先行联系) ------------------------------------------------------------------


def clock(t: Ticket, kind: str) -> Any:
    return next(c for c in t.clocks if c.kind == kind)


def test_sign_for_starts_a_two_working_hour_contact_clock() -> None:
    t = signed(at=cst(2026, 11, 2, 11, 0))  # one working hour before lunch, one after
    c = clock(t, lc.CONTACT)
    assert c.started_at == cst(2026, 11, 2, 11, 0)
    assert c.due_at == cst(2026, 11, 2, 14, 30)
    assert c.department is UNIT and c.next_check_at == c.warn_at


def test_friday_afternoon_contact_is_due_on_monday() -> None:
    t = signed(at=cst(2026, 11, 6, 17, 0))
    assert clock(t, lc.CONTACT).due_at == cst(2026, 11, 9, 10, 30)


def test_an_emergency_counts_its_contact_in_calendar_time() -> None:
    t = signed(Urgency.URGENT, at=cst(2026, 11, 7, 23, 0))  # a Saturday night
    assert clock(t, lc.CONTACT).due_at == cst(2026, 11, 8, 0, 0)  # the shipped hour


def test_the_first_contact_stops_the_clock_in_time() -> None:
    t = signed()
    lc.record_contact(t, STAFF, method="phone", note="市民同意周三上门", at=T0 + timedelta(hours=1))
    e = last(t)
    assert e.kind == EventKind.CONTACTED and not e.public  # the note is internal
    assert e.data == {"method": "phone", "first": True, "within_limit": True}
    c = clock(t, lc.CONTACT)
    assert c.stopped_at == T0 + timedelta(hours=1) and c.next_check_at is None
    lc.record_contact(t, STAFF, method="visit", at=T0 + timedelta(hours=3))
    assert last(t).data == {"method": "visit", "first": False}
    assert lc.contacted(t)


def test_a_late_first_contact_says_so() -> None:
    t = signed()
    lc.record_contact(t, LEAD, method="sms", at=cst(2026, 11, 3, 9, 0))
    assert last(t).data["within_limit"] is False


def test_contact_rules() -> None:
    with pytest.raises(IllegalTransition):
        lc.record_contact(dispatched(), STAFF, method="phone")  # sign for it first
    with pytest.raises(Forbidden):
        lc.record_contact(signed(), STRANGER, method="phone")
    with pytest.raises(Forbidden):
        lc.record_contact(signed(), AGENT, method="phone")
    with pytest.raises(InvalidInput) as exc:
        lc.record_contact(signed(), STAFF, method="telepathy")
    assert exc.value.field == "method"


@pytest.mark.parametrize("end", ["reply", "return"])
def test_answering_or_returning_stops_the_contact_clock(end: str) -> None:
    t = signed()
    if end == "reply":
        lc.reply(t, STAFF, "已修复", at=T0 + timedelta(hours=5))
    else:
        lc.return_ticket(t, LEAD, reason_code="not_our_duty", reason="非本单位", planner=PLANNER,
                         at=T0 + timedelta(hours=5))
    assert clock(t, lc.CONTACT).stopped_at == T0 + timedelta(hours=5)
    assert lc.next_check(clock(t, lc.CONTACT)) is None


@dataclass(frozen=True)
class Due:
    ticket_id: int
    number: str
    kind: str
    department_id: int | None
    warn_at: datetime | None
    due_at: datetime | None
    escalate_at: datetime | None
    stage: int


def test_the_scan_escalates_an_unmade_contact_like_any_clock() -> None:
    c = clock(signed(), lc.CONTACT)
    due = Due(1, "20261102-000001", c.kind, UNIT.id, c.warn_at, c.due_at, c.escalate_at, 0)
    passed = lc.deadline_passed(due, c.due_at + timedelta(minutes=1))
    assert passed.steps == ("warning", "overdue") and passed.next_check_at == c.escalate_at
    step = lc.deadline_step(due, "overdue", at=c.due_at, mark=1,
                            units={UNIT.id: UNIT})  # type: ignore[dict-item]
    assert step.event["data"]["deadline"] == "contact" and step.unit is UNIT
