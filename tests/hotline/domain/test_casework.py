"""Casework rules on transient objects (no database): progress and internal notes, first
contact (先行联系) and its clock, 挂起 with the suspended span excluded from every clock, and
甄别/申诉 appeals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from hotline.domain import lifecycle as lc
from hotline.domain import notices
from hotline.domain.effects import Effect, effects_of
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
from routing.calendar import SHANGHAI
from tests.hotline.domain.cast import (
    AGENT,
    HELPER,
    HELPER_STAFF,
    LEAD,
    PLANNER,
    STAFF,
    STRANGER,
    SUPERVISOR,
    UNIT,
)


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


# --- 挂起 ----------------------------------------------------------------------------------------


def suspended(at: datetime = T0, until: date | None = None) -> Ticket:
    t = signed()
    lc.request_suspension(t, LEAD, reason="等待市民提供产权证明", until=until, at=at)
    lc.decide_suspension(t, SUPERVISOR, approve=True, at=at)
    return t


def test_a_request_changes_no_clock_until_the_centre_approves() -> None:
    t = signed()
    before = [(c.kind, c.due_at, c.next_check_at) for c in t.clocks]
    s = lc.request_suspension(t, LEAD, reason=" 等待市民补充材料 ", at=T0)
    assert (s.status, s.reason, s.department_id) == ("pending", "等待市民补充材料", UNIT.id)
    assert [(c.kind, c.due_at, c.next_check_at) for c in t.clocks] == before
    assert last(t).kind == EventKind.SUSPENSION_REQUESTED
    lc.decide_suspension(t, SUPERVISOR, approve=False, note="理由不充分", at=T0)
    assert s.status == "refused" and last(t).kind == EventKind.SUSPENSION_REFUSED
    assert [(c.kind, c.due_at, c.next_check_at) for c in t.clocks] == before


def test_approval_stops_every_running_clock_for_the_scan() -> None:
    t = signed()
    running = [c for c in t.clocks if c.stopped_at is None]
    lc.request_suspension(t, LEAD, reason="等待", at=T0)
    lc.decide_suspension(t, SUPERVISOR, approve=True, at=T0)
    assert {c.kind for c in running} == {"reply", "contact"}
    # Stopped at the span's start: the scan, the overdue lists and the lights skip them.
    assert all(c.stopped_at == T0 and c.next_check_at is None for c in running)
    assert lc.active_suspension(t).clocks == ["reply", "contact"]
    assert last(t).kind == EventKind.SUSPENDED and last(t).data["clocks"] == ["reply", "contact"]


def test_a_clock_stopped_before_the_span_stays_stopped() -> None:
    t = signed()
    sign_stopped = clock(t, "sign").stopped_at
    lc.request_suspension(t, LEAD, reason="等待", at=T0)
    lc.decide_suspension(t, SUPERVISOR, approve=True, at=T0)
    lc.resume(t, LEAD, planner=PLANNER, at=T0 + timedelta(hours=2))
    assert clock(t, "sign").stopped_at == sign_stopped  # signed: not paused, not restarted


def test_a_contact_during_the_span_keeps_its_clock_stopped() -> None:
    t = suspended(at=T0)
    lc.record_contact(t, STAFF, method="phone", at=T0 + timedelta(days=2))
    assert last(t).data["within_limit"] is True  # no time ran while paused
    lc.resume(t, LEAD, planner=PLANNER, at=T0 + timedelta(days=3))
    assert clock(t, "contact").stopped_at == T0 and clock(t, "reply").stopped_at is None


def test_resume_moves_every_open_deadline_by_the_suspended_working_time() -> None:
    # Suspended Monday 10:00 to Tuesday 10:00: seven working hours (a whole working day).
    t = suspended(at=T0)
    reply, contact = clock(t, "reply"), clock(t, "contact")
    old = {c.kind: (c.warn_at, c.due_at, c.escalate_at) for c in (reply, contact)}
    end = cst(2026, 11, 3, 10, 0)
    lc.resume(t, LEAD, planner=PLANNER, at=end)
    cal = PLANNER.calendar
    for c in (reply, contact):
        warn, due, escalate = old[c.kind]
        # Exactly as much working time is left after the resume as was left at the pause.
        assert cal.working_time_between(end, c.due_at) == cal.working_time_between(T0, due)
        assert cal.working_time_between(end, c.warn_at) == cal.working_time_between(T0, warn)
        assert c.escalate_at - c.due_at == escalate - due
        assert c.next_check_at == c.warn_at and c.stopped_at is None
    assert contact.due_at == cst(2026, 11, 3, 12, 0)  # was Monday 12:00
    assert t.reply_due == reply.due_at == cst(2026, 11, 12, 17, 30)  # a working day later
    s = t.suspensions[0]
    assert (s.status, s.working_seconds, s.calendar_seconds) == ("ended", 7 * 3600, 24 * 3600)
    e = last(t)
    assert e.kind == EventKind.RESUMED and e.data["working_seconds"] == 7 * 3600
    assert e.data["moved"]["reply"] == reply.due_at.isoformat()


def test_a_span_over_a_weekend_and_a_lunch_break_excludes_only_working_time() -> None:
    t = signed()
    start, end = cst(2026, 11, 6, 16, 0), cst(2026, 11, 9, 13, 0)  # Fri 16:00 to Mon 13:00
    lc.request_suspension(t, LEAD, reason="等待鉴定", at=start)
    lc.decide_suspension(t, SUPERVISOR, approve=True, at=start)
    due = clock(t, "reply").due_at
    lc.resume(t, SUPERVISOR, planner=PLANNER, at=end)
    # Friday 16:00-17:30 and Monday 09:00-12:00: four and a half working hours.
    assert t.suspensions[0].working_seconds == int(4.5 * 3600)
    cal = PLANNER.calendar
    assert cal.working_time_between(end, clock(t, "reply").due_at) == \
        cal.working_time_between(start, due)


def test_an_emergency_clock_moves_by_calendar_time() -> None:
    t = signed(Urgency.URGENT)
    due = clock(t, "reply").due_at
    lc.request_suspension(t, LEAD, reason="等待燃气公司", at=T0)
    lc.decide_suspension(t, SUPERVISOR, approve=True, at=T0)
    lc.resume(t, LEAD, planner=PLANNER, at=T0 + timedelta(minutes=40))
    assert clock(t, "reply").due_at == due + timedelta(minutes=40)


def test_time_already_overdue_is_not_forgiven() -> None:
    t = signed()
    late = cst(2026, 11, 2, 15, 0)  # the contact was due at 12:00
    lc.request_suspension(t, LEAD, reason="等待", at=late)
    lc.decide_suspension(t, SUPERVISOR, approve=True, at=late)
    due = clock(t, "contact").due_at
    lc.resume(t, LEAD, planner=PLANNER, at=cst(2026, 11, 3, 15, 0))
    assert clock(t, "contact").due_at == due


def test_shift_past_span_is_the_identity_for_an_empty_span() -> None:
    due = cst(2026, 11, 5, 17, 30)
    assert lc.shift_past_span(due, T0, T0, working=True, planner=PLANNER) == due
    assert lc.shift_past_span(due, T0, T0, working=False, planner=PLANNER) == due


def test_while_suspended_the_ticket_waits() -> None:
    t = suspended()
    for refused in (lambda: lc.reply(t, STAFF, "已处理"),
                    lambda: lc.return_ticket(t, LEAD, reason_code="other", reason="其他"),
                    lambda: lc.request_extension(t, LEAD, days=3, reason="需勘查"),
                    lambda: lc.urge(t, SUPERVISOR, note="快", due=T0 + timedelta(days=1)),
                    lambda: lc.request_suspension(t, LEAD, reason="再挂起")):
        with pytest.raises(IllegalTransition):
            refused()
    lc.add_note(t, STAFF, "已约市民下周见面", public=True)  # notes and contacts go on
    lc.record_contact(t, STAFF, method="phone")


def test_suspension_rules() -> None:
    with pytest.raises(Forbidden):  # the unit's lead asks
        lc.request_suspension(signed(), STAFF, reason="等待")
    with pytest.raises(Forbidden):
        lc.request_suspension(signed(), STRANGER, reason="等待")
    with pytest.raises(IllegalTransition):
        lc.request_suspension(dispatched(), LEAD, reason="等待")
    with pytest.raises(InvalidInput) as exc:
        lc.request_suspension(signed(), LEAD, reason="等待", until=date(2026, 11, 2), at=T0)
    assert exc.value.field == "until"
    with pytest.raises(InvalidInput):
        lc.request_suspension(signed(), LEAD, reason="  ")
    t = signed()
    lc.request_suspension(t, LEAD, reason="等待", at=T0)
    with pytest.raises(Forbidden):  # the centre decides
        lc.decide_suspension(t, LEAD, approve=True)
    with pytest.raises(IllegalTransition):
        lc.decide_suspension(signed(), SUPERVISOR, approve=True)  # nothing pending
    with pytest.raises(IllegalTransition):
        lc.resume(signed(), LEAD, planner=PLANNER)  # not suspended
    with pytest.raises(Forbidden):
        lc.resume(suspended(), STAFF, planner=PLANNER)
    with pytest.raises(Forbidden):
        lc.resume(suspended(), AGENT, planner=PLANNER)


def test_until_is_the_start_of_that_day_in_shanghai() -> None:
    t = signed()
    s = lc.request_suspension(t, LEAD, reason="等待", until=date(2026, 11, 10), at=T0)
    assert s.resume_at == cst(2026, 11, 10, 0, 0)
    assert last(t).data == {"until": "2026-11-10"}


# --- 甄别/申诉 -----------------------------------------------------------------------------------


def replied_ticket() -> Ticket:
    t = signed()
    lc.reply(t, STAFF, "已修复", at=T0)
    return t


def test_an_approved_appeal_names_the_rates_it_excludes() -> None:
    t = replied_ticket()
    a = lc.appeal(t, LEAD, kind="duplicate", reason=" 与 20261101-000003 重复 ", at=T0)
    assert (a.status, a.reason, a.department_id) == ("pending", "与 20261101-000003 重复", UNIT.id)
    assert lc.excluded_rates(t) == frozenset()  # counts as before until decided
    lc.decide_appeal(t, SUPERVISOR, approve=True, note="核实属实", at=T0)
    assert a.status == "approved" and a.decided_by == "supervisor"
    assert lc.excluded_rates(t) == lc.ALL_RATES
    e = last(t)
    assert e.kind == EventKind.APPEAL_APPROVED
    assert e.data == {"kind": "duplicate", "excludes": ["on_time", "response", "satisfaction",
                                                        "solution"]}


def test_an_unfair_rating_leaves_only_the_verdicts_rates() -> None:
    t = replied_ticket()
    t.status = Status.CLOSED  # rated after the close
    lc.appeal(t, LEAD, kind="unfair_rating", reason="市民对政策不满，非办理问题")
    lc.decide_appeal(t, SUPERVISOR, approve=True)
    assert lc.excluded_rates(t) == {"solution", "satisfaction"}
    # A further appeal may still ask for the rest, not for what is already excluded.
    with pytest.raises(IllegalTransition):
        lc.appeal(t, LEAD, kind="unfair_rating", reason="再次")
    lc.appeal(t, LEAD, kind="concluded", reason="终结件")


def test_a_refused_appeal_excludes_nothing_and_says_why() -> None:
    t = replied_ticket()
    lc.appeal(t, LEAD, kind="outside_duty", reason="非本单位职责")
    with pytest.raises(InvalidInput) as exc:
        lc.decide_appeal(t, SUPERVISOR, approve=False)
    assert exc.value.field == "note"
    lc.decide_appeal(t, SUPERVISOR, approve=False, note="属于本单位职责范围")
    assert lc.excluded_rates(t) == frozenset() and last(t).kind == EventKind.APPEAL_REFUSED
    assert last(t).data["excludes"] == []


def test_appeal_rules() -> None:
    with pytest.raises(Forbidden):
        lc.appeal(replied_ticket(), STAFF, kind="duplicate", reason="重复")  # the lead asks
    with pytest.raises(Forbidden):
        lc.appeal(replied_ticket(), STRANGER, kind="duplicate", reason="重复")
    with pytest.raises(IllegalTransition):
        lc.appeal(ticket(), LEAD, kind="duplicate", reason="重复")  # never dispatched
    with pytest.raises(InvalidInput) as exc:
        lc.appeal(replied_ticket(), LEAD, kind="bored", reason="不想办")
    assert exc.value.field == "kind"
    t = replied_ticket()
    lc.appeal(t, LEAD, kind="duplicate", reason="重复")
    with pytest.raises(IllegalTransition):
        lc.appeal(t, LEAD, kind="concluded", reason="终结")  # one pending at a time
    with pytest.raises(Forbidden):
        lc.decide_appeal(t, AGENT, approve=True)  # a supervisor decides
    with pytest.raises(IllegalTransition):
        lc.decide_appeal(replied_ticket(), SUPERVISOR, approve=True)  # nothing pending


def test_every_kind_excludes_a_named_set_of_rates() -> None:
    assert set(lc.APPEAL_EXCLUDES) == set(lc.APPEAL_KINDS) == {
        "unreasonable", "concluded", "duplicate", "outside_duty", "unfair_rating"}
    assert all(rates and rates <= set(lc.RATES) for rates in lc.APPEAL_EXCLUDES.values())


@pytest.mark.parametrize("kind", [EventKind.SUSPENSION_REQUESTED, EventKind.APPEALED])
def test_the_centre_hears_of_requests(kind: EventKind) -> None:
    t = replied_ticket() if kind == EventKind.APPEALED else signed()
    if kind == EventKind.APPEALED:
        lc.appeal(t, LEAD, kind="duplicate", reason="重复")
    else:
        lc.request_suspension(t, LEAD, reason="等待")
    (notice,) = notices.of_event(t, last(t))
    assert notice.role == Role.SUPERVISOR.value and t.number in notice.body
    assert Effect.NOTIFY in effects_of(kind)


# --- with forwarding (转派): the unit doing the work contacts and writes ----------------------


def test_the_unit_a_ticket_is_forwarded_to_contacts_and_writes_to_the_citizen() -> None:
    street = Department(id=9, code="zjj-s1", name="某街道", level=Level.STREET, active=True)
    street.parent = UNIT
    street_staff = lc.Actor("s1", Role.UNIT_STAFF, 19, street.id)
    t = signed()
    lc.forward(t, LEAD, street, planner=PLANNER, at=T0)
    lc.record_contact(t, street_staff, method="visit", at=T0 + timedelta(minutes=30))
    assert last(t).data["within_limit"] is True and clock(t, "contact").stopped_at is not None
    lc.add_note(t, street_staff, "已上门查看，周五前修复", public=True)
    assert last(t).kind == EventKind.PROGRESS_NOTE
    with pytest.raises(Forbidden):  # the parent stays accountable: 挂起 is its lead's
        lc.request_suspension(t, lc.Actor("s1-lead", Role.UNIT_LEAD, 20, street.id),
                              reason="等待")
