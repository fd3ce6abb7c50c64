"""转派/下派 on transient objects (no database): who may forward to whom and when, the child's
clocks capped by the parent's reply deadline, the child's answer adopted as the parent's reply
or sent back, the child handing its task back, and the parent held to account meanwhile."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hotline.domain import lifecycle as lc
from hotline.domain import notices
from hotline.domain.deadlines import Planner, PolicyChoice, kind_label
from hotline.domain.effects import Effect, effects_of
from hotline.domain.errors import Forbidden, IllegalTransition, InvalidInput
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
    User,
)
from routing.calendar import SHANGHAI, WorkingCalendar
from routing.places import Community
from routing.sla import Limit, SlaPolicy, Unit

# A district with two streets, one street with a unit below it (a level the hierarchy may add:
# the rule walks parent_id, whatever the level is called), and another district's street.
CITY = Department(id=1, code="gov", name="市政府", level=Level.CITY, active=True)
DISTRICT = Department(id=2, code="a1-gov", name="A1区政府", level=Level.DISTRICT, active=True,
                      parent=CITY)
STREET = Department(id=3, code="a1-s1", name="东湖街道", level=Level.STREET, active=True,
                    parent=DISTRICT)
SIBLING = Department(id=4, code="a1-s2", name="西湖街道", level=Level.STREET, active=True,
                     parent=DISTRICT)
BELOW_STREET = Department(id=5, code="a1-s1-c1", name="幸福社区", level=Level.STREET, active=True,
                          parent=STREET)
ELSEWHERE = Department(id=6, code="a2-s1", name="A2区南门街道", level=Level.STREET, active=True,
                       parent=Department(id=7, code="a2-gov", name="A2区政府",
                                         level=Level.DISTRICT, active=True, parent=CITY))
CLOSED_STREET = Department(id=8, code="a1-s9", name="已撤销街道", level=Level.STREET, active=False,
                           parent=DISTRICT)

AGENT = lc.Actor("agent", Role.AGENT, 10)
LEAD = lc.Actor("a1-gov-lead", Role.UNIT_LEAD, 11, DISTRICT.id)
STAFF = lc.Actor("a1-gov", Role.UNIT_STAFF, 12, DISTRICT.id)
CHILD_STAFF = lc.Actor("a1-s1", Role.UNIT_STAFF, 13, STREET.id)
CHILD_LEAD = lc.Actor("a1-s1-lead", Role.UNIT_LEAD, 14, STREET.id)
SIBLING_LEAD = lc.Actor("a1-s2-lead", Role.UNIT_LEAD, 15, SIBLING.id)
PLANNER = Planner(WorkingCalendar())
# Wednesday 2026-09-30 10:00 in Shanghai (the National Day holiday follows).
T0 = datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI).astimezone(UTC)


def signed(*, urgency: Urgency = Urgency.NORMAL, planner: Planner | None = PLANNER) -> Ticket:
    t = Ticket(number="20260930-000001", line=Line.L12345, channel=Channel.WEB,
               request_type=RequestType.COMPLAINT, content="路灯不亮", created_at=T0,
               urgency=urgency, phone="+8613800000000")
    lc.open_ticket(t, AGENT, at=T0)
    if planner is not None:
        lc.plan_intake(t, planner, at=T0)
    lc.dispatch(t, AGENT, DISTRICT, reason={"by": "person"}, planner=planner, at=T0)
    lc.sign(t, STAFF, at=T0)
    return t


def forwarded(**kw: object) -> Ticket:
    t = signed()
    lc.forward(t, LEAD, STREET, note="请东湖街道现场处理", planner=PLANNER, at=T0, **kw)  # type: ignore[arg-type]
    return t


def kinds(t: Ticket) -> list[str]:
    return [e.kind for e in t.events]


def clock(t: Ticket, kind: str) -> lc.DeadlineClock:
    return next(c for c in t.clocks if c.kind == kind)


# --- who forwards to whom ------------------------------------------------------------------------


def test_descendants_follow_the_parent_chain_at_any_depth() -> None:
    assert lc.is_descendant(STREET, DISTRICT) and lc.is_descendant(BELOW_STREET, DISTRICT)
    assert lc.is_descendant(STREET, CITY)
    assert not lc.is_descendant(DISTRICT, STREET)  # upwards is not down
    assert not lc.is_descendant(SIBLING, STREET)
    assert not lc.is_descendant(ELSEWHERE, DISTRICT)
    assert not lc.is_descendant(DISTRICT, DISTRICT)
    assert not lc.is_descendant(STREET, None)


def test_lead_forwards_a_signed_ticket_and_stays_accountable() -> None:
    t = signed()
    reply_due = t.reply_due
    task = lc.forward(t, LEAD, STREET, note=" 请现场处理 ", planner=PLANNER, at=T0)
    assert t.department is DISTRICT and t.status == Status.SIGNED  # 主责 stays with the parent
    assert t.reply_due == reply_due and clock(t, "reply").department is DISTRICT
    assert clock(t, "reply").stopped_at is None  # the parent's own clock keeps running
    assert (task.status, task.seq, task.department, task.parent) == ("pending", 1, STREET, DISTRICT)
    assert task.note == "请现场处理" and task.forwarded_by == "a1-gov-lead"
    event = t.events[-1]
    assert event.kind == "forwarded" and not event.public
    assert event.data["department"] == "a1-s1" and event.data["parent"] == "a1-gov"


def test_forwarding_reaches_a_unit_two_levels_down() -> None:
    t = signed()
    assert lc.forward(t, LEAD, BELOW_STREET, planner=PLANNER, at=T0).department is BELOW_STREET


@pytest.mark.parametrize("unit", [ELSEWHERE, ELSEWHERE.parent, CITY], ids=lambda u: u.code)
def test_forwarding_outside_the_units_descendants_is_forbidden(unit: Department) -> None:
    t = signed()
    before = len(t.events)
    with pytest.raises(Forbidden) as err:
        lc.forward(t, LEAD, unit, planner=PLANNER, at=T0)
    assert err.value.status == 403 and "descendant" in err.value.message
    assert len(t.events) == before and t.forward_tasks == []


def test_forwarding_to_itself_or_an_inactive_unit_is_bad_input() -> None:
    t = signed()
    with pytest.raises(InvalidInput):
        lc.forward(t, LEAD, DISTRICT, planner=PLANNER, at=T0)
    with pytest.raises(InvalidInput, match="inactive"):
        lc.forward(t, LEAD, CLOSED_STREET, planner=PLANNER, at=T0)
    assert t.forward_tasks == []


def test_only_the_lead_units_lead_forwards() -> None:
    t = signed()
    for actor in (STAFF, AGENT, SIBLING_LEAD, CHILD_LEAD):
        with pytest.raises(Forbidden):
            lc.forward(t, actor, STREET, planner=PLANNER, at=T0)
    assert t.forward_tasks == []


@pytest.mark.parametrize("status", [s for s in Status if s != Status.SIGNED])
def test_forwarding_needs_a_signed_ticket(status: Status) -> None:
    t = signed()
    t.status = status
    with pytest.raises(IllegalTransition) as err:
        lc.forward(t, LEAD, STREET, planner=PLANNER, at=T0)
    assert err.value.status == 409


def test_one_forwarded_task_open_at_a_time() -> None:
    t = forwarded()
    with pytest.raises(IllegalTransition, match="a1-s1"):
        lc.forward(t, LEAD, SIBLING, planner=PLANNER, at=T0)


# --- the child's clocks ----------------------------------------------------------------------


def test_child_clocks_run_on_its_own_limits_for_the_child() -> None:
    t = forwarded()
    (task,) = t.forward_tasks
    sign_clock, reply_clock = clock(t, "fsign:1"), clock(t, "freply:1")
    assert sign_clock.department is STREET and reply_clock.department is STREET
    assert task.sign_due == sign_clock.due_at == PLANNER.window(
        T0, PLANNER.choose(t).policy.sign).due_at  # 2 working hours: before the parent's
    assert task.sign_due < t.reply_due
    assert task.reply_due == reply_clock.due_at <= t.reply_due
    assert sign_clock.next_check_at == sign_clock.warn_at  # the scan watches it


def test_child_deadlines_end_no_later_than_the_parents() -> None:
    t = signed()
    later = T0 + timedelta(days=6)  # the child's own 7 working days would outrun the parent's
    task = lc.forward(t, LEAD, STREET, planner=PLANNER, at=later)
    assert PLANNER.window(later, PLANNER.choose(t).policy.reply).due_at > t.reply_due
    assert task.reply_due == clock(t, "freply:1").due_at == t.reply_due
    assert clock(t, "freply:1").warn_at < t.reply_due


def test_an_urgent_childs_sign_deadline_is_capped_too() -> None:
    t = signed(urgency=Urgency.URGENT)  # reply within 2 calendar hours of intake
    at = T0 + timedelta(minutes=90)  # its own 1 h to sign would end 30 min after the parent's
    task = lc.forward(t, LEAD, STREET, planner=PLANNER, at=at)
    assert task.sign_due == task.reply_due == t.reply_due == T0 + timedelta(hours=2)


def test_without_a_planner_the_task_is_due_with_the_parent() -> None:
    t = signed(planner=None)
    task = lc.forward(t, LEAD, STREET, at=T0)
    assert task.reply_due == t.reply_due and not [c for c in t.clocks if c.kind.startswith("f")]


def test_child_clocks_are_labelled_for_staff() -> None:
    assert kind_label("fsign:2") == "转派签收#2" and kind_label("freply:1") == "转派答复#1"


def test_deadline_step_of_a_child_clock_escalates_to_the_level_above() -> None:
    t = forwarded()
    due = clock(t, "freply:1")

    class Row:  # what the scan reads of a due clock
        ticket_id, number, kind, department_id = 1, t.number, due.kind, STREET.id
        warn_at, due_at, escalate_at, stage = due.warn_at, due.due_at, due.escalate_at, 0

    now = due.escalate_at + timedelta(minutes=1)  # type: ignore[operator]
    assert lc.deadline_passed(Row(), now).steps == ("warning", "overdue", "escalated")
    units = {d.id: _Unit(d) for d in (CITY, DISTRICT, STREET)}
    step = lc.deadline_step(Row(), "escalated", at=now, mark=1, units=units)
    assert step.unit.code == "a1-s1" and step.above.code == "a1-gov"  # type: ignore[union-attr]


class _Unit:
    def __init__(self, d: Department) -> None:
        self.id, self.code, self.name, self.duty_phone = d.id, d.code, d.name, d.duty_phone
        self.parent_id = d.parent.id if d.parent else None


# --- the child's work --------------------------------------------------------------------------


def test_child_signs_then_replies_to_the_parent_not_the_citizen() -> None:
    t = forwarded()
    lc.forward_sign(t, CHILD_STAFF, at=T0 + timedelta(hours=1))
    (task,) = t.forward_tasks
    assert task.status == "signed" and clock(t, "fsign:1").stopped_at is not None
    lc.forward_reply(t, CHILD_STAFF, " 已修复路灯 ", at=T0 + timedelta(hours=2))
    assert (task.status, task.answer) == ("replied", "已修复路灯")
    assert clock(t, "freply:1").stopped_at is not None
    assert t.status == Status.SIGNED  # nothing reached the centre or the citizen yet
    assert kinds(t)[-2:] == ["forward_signed", "forward_replied"]
    assert "replied" not in kinds(t) and not t.events[-1].public


def test_child_must_sign_before_replying_and_reply_with_words() -> None:
    t = forwarded()
    with pytest.raises(IllegalTransition):
        lc.forward_reply(t, CHILD_STAFF, "已修复")
    lc.forward_sign(t, CHILD_STAFF)
    with pytest.raises(IllegalTransition):
        lc.forward_sign(t, CHILD_STAFF)
    with pytest.raises(InvalidInput):
        lc.forward_reply(t, CHILD_STAFF, "   ")


@pytest.mark.parametrize("actor", [STAFF, LEAD, SIBLING_LEAD, AGENT], ids=lambda a: a.label)
def test_only_the_child_works_its_task(actor: lc.Actor) -> None:
    t = forwarded()
    with pytest.raises(Forbidden):
        lc.forward_sign(t, actor)
    assert t.forward_tasks[0].status == "pending"


def test_parent_adopts_the_answer_through_the_ordinary_reply() -> None:
    t = forwarded()
    lc.forward_sign(t, CHILD_STAFF, at=T0)
    lc.forward_reply(t, CHILD_STAFF, "已修复路灯", at=T0)
    lc.review_forward(t, LEAD, accept=True, at=T0 + timedelta(hours=3))
    (task,) = t.forward_tasks
    assert task.status == "accepted" and not task.open
    assert t.status == Status.REPLIED and kinds(t)[-2:] == ["forward_accepted", "replied"]
    replied = t.events[-1]
    assert replied.note == "已修复路灯" and replied.public and replied.actor == "a1-gov-lead"
    assert clock(t, "reply").stopped_at is not None
    lc.review_reply(t, AGENT, accept=True)  # the centre reviews it as any answer
    assert kinds(t)[-1] == "reply_approved"


def test_parent_sends_the_answer_back_and_the_childs_clock_runs_again() -> None:
    t = forwarded()
    lc.forward_sign(t, CHILD_STAFF, at=T0)
    lc.forward_reply(t, CHILD_STAFF, "已处理", at=T0)
    with pytest.raises(InvalidInput):
        lc.review_forward(t, LEAD, accept=False, note=" ")
    lc.review_forward(t, LEAD, accept=False, note="未附现场照片", at=T0)
    (task,) = t.forward_tasks
    assert (task.status, task.reason) == ("signed", "未附现场照片")
    reply_clock = clock(t, "freply:1")
    assert reply_clock.stopped_at is None and reply_clock.next_check_at == reply_clock.warn_at
    assert kinds(t)[-1] == "forward_sent_back" and t.status == Status.SIGNED
    lc.forward_reply(t, CHILD_STAFF, "已处理，附照片")
    lc.review_forward(t, LEAD, accept=True)
    assert t.events[-1].note == "已处理，附照片"


def test_review_needs_a_waiting_answer_and_the_parents_lead() -> None:
    t = forwarded()
    with pytest.raises(IllegalTransition, match="no forwarded answer"):
        lc.review_forward(t, LEAD, accept=True)
    lc.forward_sign(t, CHILD_STAFF)
    lc.forward_reply(t, CHILD_STAFF, "已处理")
    for actor in (STAFF, CHILD_LEAD, AGENT):
        with pytest.raises(Forbidden):
            lc.review_forward(t, actor, accept=True)
    assert t.forward_tasks[0].status == "replied"


def test_parent_may_not_answer_or_return_while_the_task_is_open() -> None:
    t = forwarded()
    with pytest.raises(IllegalTransition, match="a1-s1"):
        lc.reply(t, LEAD, "我们自己答复")
    with pytest.raises(IllegalTransition, match="a1-s1"):
        lc.return_ticket(t, LEAD, reason_code="not_our_duty", reason="非本区")
    assert t.status == Status.SIGNED and t.department is DISTRICT


def test_child_returns_its_task_to_the_parent_not_the_centre() -> None:
    t = forwarded()
    with pytest.raises(Forbidden, match="lead"):
        lc.forward_return(t, CHILD_STAFF, "不属本街道")  # commits the unit: its lead
    with pytest.raises(InvalidInput):
        lc.forward_return(t, CHILD_LEAD, "")
    lc.forward_return(t, CHILD_LEAD, "不属本街道", at=T0)
    (task,) = t.forward_tasks
    assert (task.status, task.reason) == ("returned", "不属本街道") and not task.open
    assert clock(t, "fsign:1").stopped_at is not None
    assert clock(t, "freply:1").stopped_at is not None
    assert t.status == Status.SIGNED and t.department is DISTRICT  # back with the parent
    assert kinds(t)[-1] == "forward_returned" and "returned" not in kinds(t)
    lc.forward(t, LEAD, SIBLING, planner=PLANNER, at=T0)  # the parent forwards anew
    assert [x.seq for x in t.forward_tasks] == [1, 2] and clock(t, "fsign:2").department is SIBLING


def test_an_answered_task_cannot_be_returned() -> None:
    t = forwarded()
    lc.forward_sign(t, CHILD_STAFF)
    lc.forward_reply(t, CHILD_STAFF, "已处理")
    with pytest.raises(IllegalTransition):
        lc.forward_return(t, CHILD_LEAD, "不属本街道")


# --- who hears of it -------------------------------------------------------------------------


def _notices(t: Ticket, kind: str) -> list[notices.Notice]:
    (event,) = [e for e in t.events if e.kind == kind]
    assert Effect.NOTIFY in effects_of(event.kind)
    return notices.of_event(t, event)


def test_the_unit_that_must_act_next_is_notified() -> None:
    t = forwarded()
    (to_child,) = _notices(t, "forwarded")
    assert to_child.department_id == STREET.id and "A1区政府" in to_child.body
    assert "请东湖街道现场处理" in to_child.body and "反馈时限" in to_child.body
    lc.forward_sign(t, CHILD_STAFF)
    lc.forward_reply(t, CHILD_STAFF, "已处理")
    (to_parent,) = _notices(t, "forward_replied")
    assert (to_parent.department_id, to_parent.role) == (DISTRICT.id, Role.UNIT_LEAD.value)
    assert "东湖街道" in to_parent.body
    lc.review_forward(t, LEAD, accept=False, note="请附照片")
    (back,) = _notices(t, "forward_sent_back")
    assert back.department_id == STREET.id and "请附照片" in back.body
    lc.forward_return(t, CHILD_LEAD, "不属本街道")
    (returned,) = _notices(t, "forward_returned")
    assert returned.department_id == DISTRICT.id and "不属本街道" in returned.body


def test_after_the_centre_sends_the_adopted_reply_back_the_parent_may_forward_again() -> None:
    t = forwarded()
    lc.forward_sign(t, CHILD_STAFF)
    lc.forward_reply(t, CHILD_STAFF, "已处理")
    lc.review_forward(t, LEAD, accept=True)
    lc.review_reply(t, AGENT, accept=False, note="答复未说明处理时间")
    assert t.status == Status.SIGNED and lc.open_forward(t) is None
    task = lc.forward(t, LEAD, STREET, note="补充处理时间", planner=PLANNER)
    assert task.seq == 2 and task.reply_due <= t.reply_due  # type: ignore[operator]


def test_the_unit_a_ticket_is_forwarded_to_names_its_handler_and_the_parent_no_longer_can() -> None:
    t = forwarded()
    street_person = User(id=13, username="a1-s1", role=Role.UNIT_STAFF, department_id=STREET.id,
                         active=True)
    district_person = User(id=12, username="a1-gov", role=Role.UNIT_STAFF,
                           department_id=DISTRICT.id, active=True)
    with pytest.raises(Forbidden):
        lc.assign(t, LEAD, district_person)  # the work is the street's while its task is open
    with pytest.raises(InvalidInput):
        lc.assign(t, CHILD_LEAD, district_person)  # only the street's own people
    lc.assign(t, CHILD_LEAD, street_person)
    assert t.handler is street_person and kinds(t)[-1] == "handler_assigned"


# --- 挂起 with a forwarded task --------------------------------------------------------------------

SUPERVISOR = lc.Actor("supervisor", Role.SUPERVISOR, 16)


def suspend(t: Ticket, at: datetime = T0) -> None:
    lc.request_suspension(t, LEAD, reason="等待市民提供材料", at=at)
    lc.decide_suspension(t, SUPERVISOR, approve=True, at=at)


def test_while_suspended_no_forwarding_action_runs() -> None:
    """Each would start, stop or run a child clock in the span (挂起: no clock runs)."""
    pending = forwarded()
    suspend(pending)
    signed_task = forwarded()
    lc.forward_sign(signed_task, CHILD_STAFF, at=T0)
    suspend(signed_task)
    answered = forwarded()
    lc.forward_sign(answered, CHILD_STAFF, at=T0)
    lc.forward_reply(answered, CHILD_STAFF, "已修复", at=T0)
    suspend(answered)
    unforwarded = signed()
    suspend(unforwarded)
    refused = {
        "forward": lambda: lc.forward(unforwarded, LEAD, STREET, planner=PLANNER),
        "forward-sign": lambda: lc.forward_sign(pending, CHILD_STAFF),
        "forward-reply": lambda: lc.forward_reply(signed_task, CHILD_STAFF, "已修复"),
        "forward-return": lambda: lc.forward_return(signed_task, CHILD_LEAD, "不属本街道"),
        "forward-review accept": lambda: lc.review_forward(answered, LEAD, accept=True),
        "forward-review send back": lambda: lc.review_forward(answered, LEAD, accept=False,
                                                              note="请补充照片"),
    }
    for name, action in refused.items():
        events = {id(t): len(t.events) for t in (pending, signed_task, answered, unforwarded)}
        with pytest.raises(IllegalTransition) as err:
            action()
        assert "工单已挂起" in err.value.message and "suspended" in err.value.message, name
        assert {id(t): len(t.events) for t in (pending, signed_task, answered,
                                                unforwarded)} == events, name
    assert [c.kind for c in unforwarded.clocks if c.kind.startswith("f")] == []
    assert all(c.stopped_at is not None for c in answered.clocks)  # nothing runs again


def cst(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


def test_resume_gives_the_open_tasks_clocks_their_remaining_time_over_a_weekend() -> None:
    # Received Monday 2026-11-02 10:00, forwarded Friday 15:00, suspended Friday 16:00 to
    # Monday 13:00: four and a half working hours taken out (Friday 16:00-17:30, Monday
    # 09:00-12:00), the weekend and the lunch break not.
    received, at, start, end = (cst(2026, 11, 2, 10, 0), cst(2026, 11, 6, 15, 0),
                                cst(2026, 11, 6, 16, 0), cst(2026, 11, 9, 13, 0))
    t = Ticket(number="20261102-000001", line=Line.L12345, channel=Channel.WEB,
               request_type=RequestType.COMPLAINT, content="路灯不亮", created_at=received,
               urgency=Urgency.NORMAL, phone="+8613800000000")
    lc.open_ticket(t, AGENT, at=received)
    lc.plan_intake(t, PLANNER, at=received)
    lc.dispatch(t, AGENT, DISTRICT, reason={"by": "person"}, planner=PLANNER, at=received)
    lc.sign(t, STAFF, at=received)
    task = lc.forward(t, LEAD, STREET, planner=PLANNER, at=at)
    fsign, freply, reply = clock(t, "fsign:1"), clock(t, "freply:1"), clock(t, "reply")
    before = {c.kind: c.due_at for c in (fsign, freply, reply)}
    assert before["freply:1"] == before["reply"]  # capped by the parent's reply deadline
    suspend(t, at=start)
    assert {"fsign:1", "freply:1"} <= set(lc.active_suspension(t).clocks)
    lc.resume(t, LEAD, planner=PLANNER, at=end)
    cal = PLANNER.calendar
    for c in (fsign, freply, reply):
        assert c.stopped_at is None and c.next_check_at == c.warn_at
        assert cal.working_time_between(end, c.due_at) == \
            cal.working_time_between(start, before[c.kind])
    assert fsign.due_at == cst(2026, 11, 9, 14, 30)  # was Friday 17:00: an hour left
    assert (task.sign_due, task.reply_due) == (fsign.due_at, freply.due_at)
    assert task.reply_due <= t.reply_due == reply.due_at
    assert t.events[-1].data["moved"]["freply:1"] == freply.due_at.isoformat()


def test_after_a_resume_the_childs_clock_still_ends_with_the_parents() -> None:
    """A child sign-for counting working time under a parent's reply counting calendar hours (a
    policy may mix them): each gets back its own remaining time, and the child's would outrun
    the parent's over the evening; the parent's reply deadline still caps it."""
    mixed = Planner(WorkingCalendar(), [PolicyChoice("mixed", SlaPolicy(
        dispatch=Limit(1, Unit.CALENDAR_HOURS), sign=Limit(2, Unit.WORKING_HOURS),
        reply=Limit(4, Unit.CALENDAR_HOURS)))])
    received = cst(2026, 11, 6, 14, 0)  # a Friday: the reply is due at 18:00
    t = Ticket(number="20261106-000001", line=Line.L12345, channel=Channel.WEB,
               request_type=RequestType.COMPLAINT, content="路灯不亮", created_at=received,
               urgency=Urgency.NORMAL, phone="+8613800000000")
    lc.open_ticket(t, AGENT, at=received)
    lc.plan_intake(t, mixed, at=received)
    lc.dispatch(t, AGENT, DISTRICT, reason={"by": "person"}, planner=mixed, at=received)
    lc.sign(t, STAFF, at=received)
    task = lc.forward(t, LEAD, STREET, planner=mixed, at=cst(2026, 11, 6, 16, 0))
    assert task.sign_due == t.reply_due == cst(2026, 11, 6, 18, 0)  # capped when made
    suspend(t, at=cst(2026, 11, 6, 16, 30))
    lc.resume(t, LEAD, planner=mixed, at=cst(2026, 11, 6, 17, 0))
    # The parent's reply: half an hour later. The child's sign-for had one working hour left
    # (16:30-17:30), which would end on Monday at 09:30: the parent's deadline comes first.
    assert t.reply_due == cst(2026, 11, 6, 18, 30)
    assert clock(t, "fsign:1").due_at == task.sign_due == t.reply_due
    assert clock(t, "fsign:1").next_check_at is not None
    assert t.events[-1].data["moved"]["fsign:1"] == t.reply_due.isoformat()


# --- 下派社区: the ticket's community follows the community it is sent to -------------------------

HAPPY = Community("a1-s1-c1", street_code="a1-s1", district_code="a1")
STREET_LEAD = lc.Actor("a1-s1-lead", Role.UNIT_LEAD, 16, STREET.id)


def signed_by_street(*, district: str | None = "a1", street: str | None = "a1-s1",
                     community: str | None = None) -> Ticket:
    """A ticket dispatched straight to the street (直派街乡) and signed by it, where the
    gazetteer left it."""
    t = Ticket(number="20260930-000002", line=Line.L12345, channel=Channel.WEB,
               request_type=RequestType.COMPLAINT, content="楼道灯坏了", created_at=T0,
               urgency=Urgency.NORMAL, phone="+8613800000000", district=district,
               street=street, community=community)
    lc.open_ticket(t, AGENT, at=T0)
    lc.plan_intake(t, PLANNER, at=T0)
    lc.dispatch(t, AGENT, STREET, reason={"by": "person"}, planner=PLANNER, at=T0)
    lc.sign(t, CHILD_STAFF, at=T0)
    return t


def test_forwarding_to_a_community_sets_the_tickets_community_in_the_event() -> None:
    t = signed_by_street()
    lc.forward(t, STREET_LEAD, BELOW_STREET, planner=PLANNER, at=T0, community=HAPPY)
    assert (t.district, t.street, t.community) == ("a1", "a1-s1", "a1-s1-c1")
    event = t.events[-1]
    assert event.kind == "forwarded"
    assert event.data["set"] == {"community": "a1-s1-c1"}
    assert event.data["was"] == {"community": None}


def test_a_different_community_is_replaced_and_a_missing_street_filled() -> None:
    t = signed_by_street(street=None, district=None)
    lc.forward(t, STREET_LEAD, BELOW_STREET, planner=PLANNER, at=T0, community=HAPPY)
    assert (t.district, t.street, t.community) == ("a1", "a1-s1", "a1-s1-c1")
    assert t.events[-1].data["was"] == {"district": None, "street": None, "community": None}
    assert t.street_found == {"by": "forward", "entry": "a1-s1", "unit": "a1-s1-c1"}

    other = signed_by_street(community="a1-s1-c2")
    lc.forward(other, STREET_LEAD, BELOW_STREET, planner=PLANNER, at=T0, community=HAPPY)
    assert other.community == "a1-s1-c1"
    assert other.events[-1].data["set"] == {"community": "a1-s1-c1"}
    assert other.events[-1].data["was"] == {"community": "a1-s1-c2"}


def test_a_ticket_already_in_that_community_or_forwarded_to_no_community_is_left_alone() -> None:
    there = signed_by_street(community="a1-s1-c1")
    lc.forward(there, STREET_LEAD, BELOW_STREET, planner=PLANNER, at=T0, community=HAPPY)
    assert "set" not in there.events[-1].data and there.community == "a1-s1-c1"
    elsewhere = signed_by_street(community="a1-s1-c2")
    lc.forward(elsewhere, STREET_LEAD, BELOW_STREET, planner=PLANNER, at=T0)
    assert elsewhere.community == "a1-s1-c2" and "set" not in elsewhere.events[-1].data


def test_a_refused_forward_leaves_the_community_alone() -> None:
    t = signed_by_street(community="a1-s1-c2")
    with pytest.raises(Forbidden):
        lc.forward(t, CHILD_STAFF, BELOW_STREET, planner=PLANNER, at=T0, community=HAPPY)
    assert t.community == "a1-s1-c2" and t.events[-1].kind == "signed"
