"""Life-cycle rules on transient objects (no database): every action against legal and illegal
states and allowed and refused posts, deadlines moved only where the rules say, and an event
for every change."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hotline.domain import lifecycle as lc
from hotline.domain import notices
from hotline.domain.effects import Effect, effects_of
from hotline.domain.errors import Forbidden, IllegalTransition, InvalidInput
from hotline.domain.notices import Notice
from hotline.models import (
    Channel,
    Department,
    Level,
    Line,
    RequestType,
    Status,
    Ticket,
    Urgency,
)
from routing.calendar import SHANGHAI
from tests.hotline.domain.cast import (
    ADMIN,
    AGENT,
    HELPER,
    HELPER_STAFF,
    LEAD,
    OTHER,
    PLANNER,
    STAFF,
    STRANGER,
    STRANGER_LEAD,
    SUPERVISOR,
    UNIT,
)

# Wednesday 2026-09-30 10:00 in Shanghai: the National Day holiday follows.
T0 = datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI).astimezone(UTC)


def cst(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def ticket(status: Status = Status.PENDING_DISPATCH, *, unit: Department | None = None,
           urgency: Urgency = Urgency.NORMAL) -> Ticket:
    t = Ticket(number="20260930-000001", line=Line.L12345, channel=Channel.WEB,
               request_type=RequestType.COMPLAINT, content="路灯不亮", status=status,
               created_at=T0, urgency=urgency, phone="+8613800000000")
    t.department = unit
    return t


def kinds(t: Ticket) -> list[str]:
    return [e.kind for e in t.events]


def notices_of(t: Ticket) -> list[Notice]:
    """The staff notices the unit of work writes for the ticket's events (the NOTIFY effect)."""
    return [n for e in t.events if Effect.NOTIFY in effects_of(e.kind)
            for n in notices.of_event(t, e)]


def dispatched(**kw: Any) -> Ticket:
    t = ticket()
    lc.plan_intake(t, PLANNER, at=T0)
    lc.dispatch(t, AGENT, UNIT, reason={"by": "person"}, planner=PLANNER, at=T0, **kw)
    return t


def signed(**kw: Any) -> Ticket:
    t = dispatched(**kw)
    lc.sign(t, STAFF, at=T0)
    return t


def replied(**kw: Any) -> Ticket:
    t = signed(**kw)
    lc.reply(t, STAFF, "已修复", at=T0)
    return t


# --- the action matrix -------------------------------------------------------------------------

Action = Callable[[Ticket, lc.Actor], None]
ACTIONS: dict[str, Action] = {
    "dispatch": lambda t, a: lc.dispatch(t, a, UNIT, reason={"by": "person"}, planner=PLANNER),
    "sign": lambda t, a: lc.sign(t, a),
    "return": lambda t, a: lc.return_ticket(t, a, reason_code="not_our_duty", reason="非我单位职责"),
    "extend": lambda t, a: lc.request_extension(t, a, days=3, reason="需现场勘查"),
    "reply": lambda t, a: lc.reply(t, a, "已处理"),
    "sign-reply": lambda t, a: lc.sign_and_reply(t, a, "已处理"),
    "review-reply": lambda t, a: lc.review_reply(t, a, accept=True),
    "urge": lambda t, a: lc.urge(t, a, note="请加快", due=datetime.now(UTC) + timedelta(days=1)),
    "close": lambda t, a: lc.close(t, a),
    "reopen": lambda t, a: lc.reopen(t, a, "市民不满意"),
}
LEGAL: dict[str, set[Status]] = {
    "dispatch": {Status.PENDING_DISPATCH, Status.RETURNED},
    "sign": {Status.DISPATCHED},
    "return": {Status.DISPATCHED, Status.SIGNED},
    "extend": {Status.DISPATCHED, Status.SIGNED},
    "reply": {Status.SIGNED},
    "sign-reply": {Status.DISPATCHED},
    "review-reply": {Status.REPLIED},
    "urge": {Status.PENDING_DISPATCH, Status.DISPATCHED, Status.SIGNED, Status.RETURNED},
    "close": {Status.REPLIED},
    "reopen": {Status.REPLIED, Status.CLOSED},
}
ALLOWED: dict[str, set[lc.Actor]] = {
    "dispatch": {AGENT, SUPERVISOR, ADMIN},
    "sign": {STAFF, LEAD},
    "return": {LEAD},  # 退单 and 延期 commit the unit: its lead, not its staff
    "extend": {LEAD},
    "reply": {STAFF, LEAD},
    "sign-reply": {STAFF, LEAD},
    "review-reply": {AGENT, SUPERVISOR, ADMIN},
    "urge": {SUPERVISOR, ADMIN},
    "close": {AGENT, SUPERVISOR, ADMIN},
    "reopen": {AGENT, SUPERVISOR, ADMIN},
}
EVERYONE = (AGENT, SUPERVISOR, ADMIN, STAFF, LEAD, STRANGER)
STATES = [s for s in Status if s != Status.AWAITING_TRANSCRIPTION]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("status", STATES)
def test_action_in_each_state(action: str, status: Status) -> None:
    actor = next(iter(sorted(ALLOWED[action], key=lambda a: a.label)))
    t = ticket(status, unit=UNIT)
    before = len(t.events)
    if status in LEGAL[action]:
        ACTIONS[action](t, actor)
        assert len(t.events) > before  # every change leaves a trace
    else:
        with pytest.raises(IllegalTransition) as err:
            ACTIONS[action](t, actor)
        assert err.value.status == 409 and status.value in err.value.message
        assert len(t.events) == before


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("actor", EVERYONE, ids=lambda a: a.label)
def test_action_for_each_post(action: str, actor: lc.Actor) -> None:
    status = sorted(LEGAL[action])[0]
    t = ticket(status, unit=UNIT)
    if actor in ALLOWED[action]:
        ACTIONS[action](t, actor)
    else:
        with pytest.raises(Forbidden) as err:
            ACTIONS[action](t, actor)
        assert err.value.status == 403
        assert t.status == status


# --- the rules behind the matrix ---------------------------------------------------------------


def test_intake_sets_working_time_deadlines_across_national_day() -> None:
    t = ticket()
    planned = lc.plan_intake(t, PLANNER, at=T0)
    assert planned["policy"] == "general"
    assert t.dispatch_due == T0 + timedelta(hours=24)  # the centre works 7×24
    assert t.reply_due == cst(2026, 10, 15, 17, 30)  # 7 working days, the 10th is a make-up day
    clock = {c.kind: c for c in t.clocks}
    assert clock["reply"].next_check_at == clock["reply"].warn_at < t.reply_due


def test_emergency_counts_calendar_hours() -> None:
    t = ticket(urgency=Urgency.URGENT)
    assert lc.plan_intake(t, PLANNER, at=T0)["policy"] == "emergency"
    assert t.reply_due == T0 + timedelta(hours=2)


def test_sign_and_reply_is_two_events_and_refused_whole() -> None:
    t = dispatched()
    with pytest.raises(InvalidInput):
        lc.sign_and_reply(t, STAFF, "  ")
    assert t.status == Status.DISPATCHED and kinds(t)[-1] == "dispatched"  # not signed either
    with pytest.raises(Forbidden):
        lc.sign_and_reply(t, STRANGER, "已处理")
    assert t.status == Status.DISPATCHED
    lc.sign_and_reply(t, STAFF, "已处理", at=T0)
    assert kinds(t)[-2:] == ["signed", "replied"] and t.status == Status.REPLIED
    assert t.events[-1].note == "已处理"
    assert not lc.reply_approved(t)
    lc.review_reply(t, AGENT, accept=True)
    assert lc.reply_approved(t)


def test_dispatch_starts_sign_clock_and_stops_dispatch_clock() -> None:
    t = dispatched()
    clocks = {c.kind: c for c in t.clocks}
    assert clocks["dispatch"].stopped_at == T0 and clocks["dispatch"].next_check_at is None
    assert t.sign_due == cst(2026, 9, 30, 12, 0)  # 2 working hours end at the noon close
    assert clocks["sign"].department is UNIT
    assert t.events[-1].data["reason"] == {"by": "person"}


def test_two_returns_need_a_supervisor_to_arbitrate() -> None:
    t = dispatched()
    lc.return_ticket(t, LEAD, reason_code="not_our_duty", reason="不归我们管", planner=PLANNER)
    assert t.department is None and t.status == Status.RETURNED
    lc.dispatch(t, AGENT, OTHER, reason={"by": "person"}, planner=PLANNER)
    lc.return_ticket(t, STRANGER_LEAD, reason_code="wrong_district", reason="不在辖区")
    assert kinds(t)[-1] == "arbitration_required" and lc.needs_arbitration(t)
    assert any(n.kind == "arbitration_required" and n.role == "supervisor"
               and n.body == "工单 20260930-000001 已退单 2 次，请仲裁派单。" for n in notices_of(t))
    with pytest.raises(Forbidden):
        lc.dispatch(t, AGENT, UNIT, reason={"by": "person"})
    lc.dispatch(t, SUPERVISOR, HELPER, reason={"by": "person"})
    assert t.events[-1].data["reason"]["arbitration"] is True


def test_unit_staff_ask_their_lead_to_return_or_extend() -> None:
    for act in (ACTIONS["return"], ACTIONS["extend"]):
        with pytest.raises(Forbidden, match="单位负责人"):
            act(signed(), STAFF)
        with pytest.raises(Forbidden, match="承办单位"):  # another unit's lead: not theirs at all
            act(signed(), STRANGER_LEAD)


def test_return_needs_known_reason_code_and_text() -> None:
    with pytest.raises(InvalidInput):
        lc.return_ticket(dispatched(), LEAD, reason_code="bored", reason="x")
    with pytest.raises(InvalidInput):
        lc.return_ticket(dispatched(), LEAD, reason_code="other", reason="  ")


def test_approved_extension_moves_reply_due_refused_does_not() -> None:
    t = signed()
    due = t.reply_due
    lc.request_extension(t, LEAD, days=3, reason="需协调多部门", at=T0)
    assert t.reply_due == due  # asking moves nothing
    with pytest.raises(IllegalTransition):
        lc.request_extension(t, LEAD, days=2, reason="again")
    lc.decide_extension(t, SUPERVISOR, approve=False, note="理由不足", planner=PLANNER, at=T0)
    assert t.reply_due == due and kinds(t)[-1] == "extension_refused"
    lc.request_extension(t, LEAD, days=3, reason="需协调多部门", at=T0)
    lc.decide_extension(t, SUPERVISOR, approve=True, planner=PLANNER, at=T0)
    assert t.reply_due == cst(2026, 10, 20, 17, 30)  # three more working days
    assert kinds(t)[-1] == "extension_approved"
    reply_clock = next(c for c in t.clocks if c.kind == "reply")
    assert reply_clock.due_at == t.reply_due and reply_clock.stage == 0


def test_extension_of_an_overdue_ticket_counts_from_the_approval() -> None:
    """Reply due Thu 2026-10-15 17:30; approved Mon 10-19 10:00 (overdue): three working days
    from the approval, not from the old deadline (which would give Tue 10-20, nearly past)."""
    t = signed()
    lc.request_extension(t, LEAD, days=3, reason="需协调多部门", at=cst(2026, 10, 16, 9, 0))
    approved = cst(2026, 10, 19, 10, 0)
    lc.decide_extension(t, SUPERVISOR, approve=True, planner=PLANNER, at=approved)
    assert t.reply_due == cst(2026, 10, 22, 17, 30) and t.reply_due > approved
    assert t.extensions[0].old_due == cst(2026, 10, 15, 17, 30)
    reply_clock = next(c for c in t.clocks if c.kind == "reply")
    assert reply_clock.due_at == t.reply_due and reply_clock.next_check_at > approved
    notice = notices_of(t)[-1]
    assert notice.kind == "extension_approved" and notice.department_id == UNIT.id
    assert "答复时限将于 2026-10-22 17:30 到期" in notice.body


def test_refused_extension_tells_the_unit_in_the_right_tense() -> None:
    t = signed()
    lc.request_extension(t, LEAD, days=3, reason="需协调", at=T0)
    lc.decide_extension(t, SUPERVISOR, approve=False, note="请按期办结", planner=PLANNER,
                        at=cst(2026, 10, 16, 9, 0))
    assert notices_of(t)[-1].body == ("工单 20260930-000001 的延期申请未获批准，答复时限已于 "
                                        "2026-10-15 17:30 超期。请按期办结")
    t = signed()
    lc.request_extension(t, LEAD, days=3, reason="需协调", at=T0)
    lc.decide_extension(t, SUPERVISOR, approve=False, planner=PLANNER, at=T0)
    assert "答复时限将于 2026-10-15 17:30 到期。" in notices_of(t)[-1].body


def test_urge_deadline_must_be_within_a_year() -> None:
    for due in (T0 + timedelta(days=367), datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)):
        with pytest.raises(InvalidInput, match="366"):
            lc.urge(dispatched(), SUPERVISOR, note="快", due=due, planner=PLANNER, at=T0)
    order = lc.urge(dispatched(), SUPERVISOR, note="快", due=T0 + timedelta(days=366),
                    planner=PLANNER, at=T0)
    assert order.due == T0 + timedelta(days=366)


def test_extension_is_decided_by_supervisors_and_needs_a_request() -> None:
    t = signed()
    with pytest.raises(IllegalTransition):
        lc.decide_extension(t, SUPERVISOR, approve=True)
    lc.request_extension(t, LEAD, days=1, reason="r")
    with pytest.raises(Forbidden):
        lc.decide_extension(t, AGENT, approve=True)
    with pytest.raises(InvalidInput):
        lc.request_extension(signed(), LEAD, days=0, reason="r")


def test_assisting_tasks_block_approval_and_close_until_done_or_waived() -> None:
    t = replied(assisting=[HELPER, OTHER])
    assert [task.department.code for task in lc.open_assist_tasks(t)] == ["a1-gov", "cgj"]
    assert all(task.due is not None and task.due <= t.reply_due for task in t.assist_tasks)
    with pytest.raises(IllegalTransition, match="a1-gov"):
        lc.close(t, AGENT)
    with pytest.raises(IllegalTransition):
        lc.review_reply(t, AGENT, accept=True)
    with pytest.raises(Forbidden):
        lc.assist_reply(t, STAFF, "not mine")
    lc.assist_reply(t, HELPER_STAFF, "已配合现场核查")
    lc.waive_assist(t, AGENT, "cgj", "无需城管参与")
    assert kinds(t)[-2:] == ["assist_done", "assist_waived"]
    lc.close(t, AGENT)
    assert t.status == Status.CLOSED
    assert kinds(t)[-2:] == ["reply_approved", "closed"]  # closing approves an unreviewed reply
    assert all(c.next_check_at is None for c in t.clocks)


def test_assisting_units_must_differ_from_the_lead() -> None:
    with pytest.raises(InvalidInput):
        dispatched(assisting=[UNIT])


def test_review_accepts_once_or_sends_back() -> None:
    t = replied()
    lc.review_reply(t, AGENT, accept=False, note="答复不完整")
    assert t.status == Status.SIGNED and kinds(t)[-1] == "reply_rejected"
    assert next(c for c in t.clocks if c.kind == "reply").next_check_at is not None
    lc.reply(t, STAFF, "已补充答复")
    lc.review_reply(t, AGENT, accept=True)
    event = t.events[-1]
    assert event.kind == "reply_approved" and event.data["answer"] == "已补充答复"
    assert t.phone not in str(event.data)  # events reach the API; the number stays on the ticket
    with pytest.raises(IllegalTransition):
        lc.review_reply(t, AGENT, accept=True)
    lc.close(t, AGENT)
    assert kinds(t).count("reply_approved") == 1  # the citizen is told once


def test_urge_creates_an_order_with_its_own_clock() -> None:
    t = signed()
    due = datetime.now(UTC) + timedelta(hours=8)
    order = lc.urge(t, SUPERVISOR, note="群众反映强烈", due=due, planner=PLANNER)
    clock = next(c for c in t.clocks if c.kind == "urge:1")
    assert (order.seq, clock.due_at, clock.department) == (1, due, UNIT)
    with pytest.raises(InvalidInput):
        lc.urge(t, SUPERVISOR, note="x", due=datetime.now(UTC) - timedelta(hours=1))
    lc.reply(t, STAFF, "已办理")
    assert order.resolved_at is not None and clock.next_check_at is None


def test_reopen_sends_back_to_the_unit_with_new_deadlines() -> None:
    t = replied()
    lc.close(t, AGENT)
    later = cst(2026, 10, 20, 10, 0)
    lc.reopen(t, AGENT, "问题未解决", planner=PLANNER, at=later)
    assert t.status == Status.DISPATCHED and t.department is UNIT
    assert t.reply_due == cst(2026, 10, 29, 17, 30)
    with pytest.raises(InvalidInput):
        lc.reopen(replied(), AGENT, "")


def test_calendar_missing_leaves_deadline_empty_and_alerts_admins() -> None:
    t = ticket()
    t.created_at = datetime(2027, 12, 30, 10, tzinfo=SHANGHAI)
    lc.plan_intake(t, PLANNER, at=t.created_at)
    assert t.reply_due is None and t.dispatch_due is not None  # calendar hours need no calendar
    assert kinds(t) == ["calendar_missing"]
    assert t.events[0].data == {"deadline": "reply", "year": 2027}
    (alert,) = notices_of(t)
    assert alert.role == "admin" and "2027" in alert.body
    chinese = alert.body.split(" / ")[0]
    assert "答复时限" in chinese and "reply" not in chinese  # the clock named as staff read it



@pytest.mark.parametrize("policy", ["general", "emergency", "complex", "utilities"])
def test_planner_window_matches_routing_checkpoint(policy: str) -> None:
    from routing.sla import checkpoint, load_default_policies

    limits = load_default_policies()[policy]
    for limit in (limits.dispatch, limits.sign, limits.reply):
        window = PLANNER.window(T0, limit)
        assert window.warn_at == checkpoint(T0, limit, PLANNER.calendar, 0.75)
        assert window.escalate_at - window.due_at == timedelta(hours=24)


def test_triage_sets_what_the_rules_decide_and_says_why() -> None:
    t = ticket()
    lc.triage(t, reason={"urgency": {"keyword_rule": 7}, "district": "place"},
              urgency=Urgency.URGENT, district="A1", topic_id=None)
    assert (t.urgency, t.district, t.topic_id) == (Urgency.URGENT, "A1", None)
    (event,) = t.events
    assert event.kind == "triaged" and event.actor == "system"
    assert event.data == {"set": {"urgency": "urgent", "district": "A1"},
                          "reason": {"urgency": {"keyword_rule": 7}, "district": "place"}}


def test_triage_sets_the_community_with_its_street_and_a_new_street_drops_it() -> None:
    t = ticket()
    lc.triage(t, reason={"street": "place"}, street="a1-s1", community="a1-s1-c1")
    assert (t.street, t.community) == ("a1-s1", "a1-s1-c1")
    assert t.events[-1].data["set"] == {"street": "a1-s1", "community": "a1-s1-c1"}
    lc.triage(t, reason={"street": "place"}, street="a1-s2")
    assert (t.street, t.community) == ("a1-s2", None)
    assert t.events[-1].data["set"] == {"street": "a1-s2", "community": None}
    lc.triage(t, reason={"district": "place"}, district="a1")  # no street given: kept
    assert t.community is None and t.street == "a1-s2"


def test_triage_that_changes_nothing_leaves_no_event() -> None:
    t = ticket(urgency=Urgency.URGENT)
    lc.triage(t, reason={"urgency": "classifier"}, urgency=Urgency.URGENT)
    lc.triage(t, reason={})
    assert kinds(t) == [] and t.urgency == Urgency.URGENT


@dataclass(frozen=True)
class DueClock:
    ticket_id: int
    number: str
    kind: str
    department_id: int | None
    warn_at: datetime | None
    due_at: datetime | None
    escalate_at: datetime | None
    stage: int


def due_clock(stage: int = 0, department_id: int | None = 2) -> DueClock:
    return DueClock(7, "20260930-000001", "reply", department_id, T0, T0 + timedelta(hours=4),
                    T0 + timedelta(hours=28), stage)


def test_a_late_scan_takes_every_step_it_missed_and_waits_for_the_next() -> None:
    clock = due_clock()
    assert lc.deadline_passed(clock, T0 - timedelta(minutes=1)) == lc.DeadlinePassed((), 0, T0)
    assert lc.deadline_passed(clock, T0) == lc.DeadlinePassed(("warning",), 1, clock.due_at)
    assert lc.deadline_passed(clock, T0 + timedelta(hours=5)) == lc.DeadlinePassed(
        ("warning", "overdue"), 2, clock.escalate_at)
    assert lc.deadline_passed(due_clock(stage=1), T0 + timedelta(days=9)) == lc.DeadlinePassed(
        ("overdue", "escalated"), 3, None)
    assert lc.deadline_passed(due_clock(stage=3), T0 + timedelta(days=9)).steps == ()


def test_a_deadline_step_is_an_event_of_its_unit_escalated_to_the_level_above() -> None:
    units = {1: UNIT, 2: Department(id=2, code="a1-zjj", name="A1区住建局", level=Level.DISTRICT,
                                    parent_id=1)}
    overdue = lc.deadline_step(due_clock(), "overdue", at=T0, mark=5, units=units)
    assert overdue.event == {
        "ticket_id": 7, "at": T0, "actor": "system", "kind": "deadline_overdue", "note": None,
        "public": False, "data": {"deadline": "reply", "due": (T0 + timedelta(hours=4)).isoformat(),
                                  "unit": "a1-zjj"}}
    assert overdue.above is None  # only escalation goes up
    escalated = lc.deadline_step(due_clock(), "escalated", at=T0, mark=6, units=units)
    assert (escalated.kind, escalated.unit, escalated.above, escalated.mark) == (
        "deadline_escalated", units[2], UNIT, 6)
    centre = lc.deadline_step(due_clock(department_id=None), "escalated", at=T0, mark=7, units=units)
    assert centre.unit is None and centre.above is None and centre.event["data"]["unit"] is None
