"""合并办理 (issue 18) on transient objects: a proposed member follows its master (never
dispatched), supervisors confirm, split and add, and the master's approved answer becomes each
member's own answer (with the answer and follow-up effects, under the member's number)."""

from __future__ import annotations

import pytest

from hotline.domain import lifecycle as lc
from hotline.domain.effects import Effect, effects_of
from hotline.domain.errors import Forbidden, IllegalTransition, InvalidInput
from hotline.domain.events import EventKind
from hotline.models import Status, Ticket
from tests.hotline.domain.test_lifecycle import (
    AGENT,
    HELPER,
    LEAD,
    PLANNER,
    STAFF,
    SUPERVISOR,
    T0,
    UNIT,
    dispatched,
    notices_of,
    replied,
    signed,
    ticket,
)


def member(number: str = "20260930-000002", phone: str = "+8613900000000") -> Ticket:
    t = ticket()
    t.number, t.phone, t.events = number, phone, []
    return t


def group() -> tuple[Ticket, Ticket]:
    master, new = replied(), member()
    lc.propose_incident_member(new, master, 0.42, at=T0)
    return master, new


def test_a_proposed_member_joins_unconfirmed_and_stays_undispatched() -> None:
    master, new = group()
    assert new.incident_master is master and master.incident_members == [new]
    assert not new.incident_confirmed and new.incident_score == 0.42
    assert new.status == Status.PENDING_DISPATCH and new.department is None and not new.clocks
    assert new.events[-1].kind == EventKind.INCIDENT_PROPOSED
    assert new.events[-1].data == {"master": master.number, "score": 0.42}


def test_the_masters_approved_answer_is_each_members_own_answer() -> None:
    master, new = group()
    other = member("20260930-000003", "+8613700000000")
    lc.add_incident_member(master, other, SUPERVISOR, at=T0)
    lc.review_reply(master, AGENT, accept=True, at=T0)
    for m in (new, other):
        event = m.events[-1]
        assert event.kind == EventKind.INCIDENT_ANSWERED and m.status == Status.REPLIED
        assert event.data["answer"] == master.events[-1].data["answer"] and event.public
        assert event.data["master"] == master.number
    # Each member's citizen is told and asked to rate, as for an approved answer of its own.
    assert effects_of(EventKind.INCIDENT_ANSWERED) == (Effect.FOLLOW_UP_ROUND, Effect.ANSWER)


def test_supervisors_confirm_and_split_others_may_not() -> None:
    master, new = group()
    for actor in (AGENT, STAFF):
        with pytest.raises(Forbidden):
            lc.confirm_incident(master, actor, at=T0)
    assert lc.confirm_incident(master, SUPERVISOR, at=T0) == [new.number]
    assert new.incident_confirmed and master.events[-1].kind == EventKind.INCIDENT_CONFIRMED
    lc.split_incident_member(master, new, SUPERVISOR, at=T0)
    assert new.incident_master is None and master.incident_members == []
    assert new.events[-1].kind == EventKind.INCIDENT_SPLIT
    with pytest.raises(InvalidInput, match="no incident group"):
        lc.confirm_incident(master, SUPERVISOR, at=T0)


def test_group_rules_a_master_is_no_member_and_a_ticket_with_a_unit_is_not_merged() -> None:
    master, new = group()
    with pytest.raises(InvalidInput, match="is a member"):
        lc.add_incident_member(new, member("20260930-000004"), SUPERVISOR, at=T0)
    with pytest.raises(IllegalTransition, match="already replied"):
        lc.add_incident_member(member("20260930-000005"), replied(), SUPERVISOR, at=T0)
    with pytest.raises(IllegalTransition, match="master of a group"):
        lc.add_incident_member(member("20260930-000006"), master, SUPERVISOR, at=T0)
    with pytest.raises(InvalidInput, match="own group"):
        lc.add_incident_member(master, master, SUPERVISOR, at=T0)
    with pytest.raises(InvalidInput, match="not in"):
        lc.split_incident_member(master, member("20260930-000007"), SUPERVISOR, at=T0)


def test_a_member_cannot_be_dispatched_on_its_own_until_split() -> None:
    master, new = group()
    with pytest.raises(IllegalTransition, match="follows its master"):
        lc.dispatch(new, AGENT, UNIT, reason={"by": "person"}, planner=PLANNER, at=T0)
    assert new.department is None and new.status == Status.PENDING_DISPATCH
    lc.split_incident_member(master, new, SUPERVISOR, at=T0)
    lc.dispatch(new, AGENT, UNIT, reason={"by": "person"}, planner=PLANNER, at=T0)
    assert new.department is UNIT and new.status == Status.DISPATCHED


def test_an_unhappy_member_redoes_the_master_once_and_waits_for_its_next_answer() -> None:
    master, new = group()
    other = member("20260930-000003", "+8613700000000")
    lc.add_incident_member(master, other, SUPERVISOR, at=T0)
    lc.review_reply(master, AGENT, accept=True, at=T0)
    assert new.status == other.status == Status.REPLIED
    lc.reopen(new, lc.CITIZEN, "水还是没来", planner=PLANNER, at=T0)
    assert new.status == Status.PENDING_DISPATCH and new.department is None and not new.clocks
    assert new.events[-1].kind == EventKind.REOPENED and new.events[-1].data == {
        "master": master.number}
    # The unit gets one redo, on its own case, with the member's number and words.
    assert master.status == Status.DISPATCHED and master.events[-1].kind == EventKind.REOPENED
    assert master.events[-1].note == f"合并件 {new.number}：水还是没来"
    lc.reopen(other, lc.CITIZEN, "也没来水", planner=PLANNER, at=T0)
    assert [e.kind for e in master.events].count(EventKind.REOPENED) == 1  # not twice
    lc.sign_and_reply(master, STAFF, "管道已修复，已恢复供水", at=T0)
    lc.review_reply(master, AGENT, accept=True, at=T0)
    for m in (new, other):  # both callers are answered again, under their own numbers
        assert m.status == Status.REPLIED and m.events[-1].data["answer"] == "管道已修复，已恢复供水"


def test_a_ticket_added_to_a_group_loses_the_clocks_intake_planned_for_it() -> None:
    master, other = replied(), member("20260930-000008")
    lc.plan_intake(other, PLANNER, at=T0)
    assert other.reply_due is not None and any(c.stopped_at is None for c in other.clocks)
    lc.add_incident_member(master, other, SUPERVISOR, at=T0)
    assert all(c.stopped_at == T0 for c in other.clocks)
    assert other.dispatch_due is None and other.reply_due is None


def test_a_caller_who_joins_after_the_approved_answer_gets_it_at_once() -> None:
    master, first = group()
    lc.review_reply(master, AGENT, accept=True, at=T0)
    late = member("20260930-000009", "+8613600000000")
    lc.propose_incident_member(late, master, 0.3, at=T0)
    assert late.status == Status.REPLIED and late.events[-1].kind == EventKind.INCIDENT_ANSWERED
    assert [e.kind for e in first.events].count(EventKind.INCIDENT_ANSWERED) == 1  # not again
    added = member("20260930-000010", "+8613500000000")
    lc.add_incident_member(master, added, SUPERVISOR, at=T0)
    assert added.status == Status.REPLIED


# --- later callers gathered after dispatch, until the unit has answered -------------------------


def with_unit(state: str) -> Ticket:
    """A caller's ticket that went to 住建局 on its own: dispatched, signed or returned."""
    t = signed() if state == "signed" else dispatched(assisting=[HELPER])
    t.number, t.phone = "20260930-000020", "+8613400000000"
    if state == "returned":
        lc.return_ticket(t, LEAD, reason_code="not_our_duty", reason="不归我们管", planner=PLANNER,
                         at=T0)
    return t


@pytest.mark.parametrize("state", ["dispatched", "signed", "returned"])
def test_a_supervisor_adds_a_ticket_its_unit_has_not_answered(state: str) -> None:
    master, late = group()[0], with_unit(state)
    before = late.status
    lc.add_incident_member(master, late, SUPERVISOR, at=T0)
    event = late.events[-1]
    assert late.incident_master is master and late.incident_confirmed
    # Its own task ends: it waits at the centre with no unit, handler or running clock.
    assert late.status == Status.PENDING_DISPATCH and late.department is None
    assert late.handler is None and all(c.stopped_at is not None for c in late.clocks)
    assert late.sign_due is None and late.reply_due is None
    assert not lc.open_assist_tasks(late)
    # The event says what it was, so a split (or a reader) can tell.
    assert event.kind == EventKind.INCIDENT_ADDED and event.from_status == before.value
    assert event.data["status"] == before.value and event.data["master"] == master.number
    told = notices_of(late)[-1] if state != "returned" else None
    if state == "returned":  # back at the centre already: no unit to tell
        assert event.data["department"] is None
        assert not [n for n in notices_of(late) if n.kind == "incident_added"]
    else:
        assert event.data["department"] == UNIT.code and event.data["department_id"] == UNIT.id
        assert told is not None and told.department_id == UNIT.id and told.kind == "incident_added"
        assert told.body == f"工单 {late.number} 已并入 {master.number} 合并办理，无需单独办理。"
    # It follows the master: its citizen gets the master's approved answer.
    lc.review_reply(master, AGENT, accept=True, at=T0)
    assert late.status == Status.REPLIED and late.events[-1].kind == EventKind.INCIDENT_ANSWERED


def test_the_unit_can_no_longer_act_on_a_ticket_taken_into_a_group() -> None:
    master, late = group()[0], with_unit("signed")
    lc.add_incident_member(master, late, SUPERVISOR, at=T0)
    with pytest.raises((IllegalTransition, Forbidden)):
        lc.reply(late, STAFF, "已修复", at=T0)
    with pytest.raises(IllegalTransition, match="follows its master"):
        lc.dispatch(late, AGENT, UNIT, reason={"by": "person"}, planner=PLANNER, at=T0)


def test_a_split_sends_a_taken_member_back_to_be_dispatched_again() -> None:
    master, late = group()[0], with_unit("signed")
    lc.add_incident_member(master, late, SUPERVISOR, at=T0)
    lc.split_incident_member(master, late, SUPERVISOR, at=T0)
    assert late.incident_master is None and late.status == Status.PENDING_DISPATCH
    assert late.events[-1].kind == EventKind.INCIDENT_SPLIT
    lc.dispatch(late, AGENT, UNIT, reason={"by": "person"}, planner=PLANNER, at=T0)
    assert late.status == Status.DISPATCHED and late.department is UNIT


def test_intake_still_proposes_only_tickets_not_yet_with_a_unit() -> None:
    master, late = group()[0], with_unit("dispatched")
    with pytest.raises(IllegalTransition, match="already with a unit"):
        lc.propose_incident_member(late, master, 0.5, at=T0)
    assert late.incident_master is None and late.status == Status.DISPATCHED


def test_refusals_name_what_stops_the_merge() -> None:
    master = group()[0]
    closed = replied()
    closed.number = "20260930-000030"
    lc.review_reply(closed, AGENT, accept=True, at=T0)
    lc.close(closed, AGENT, at=T0)
    with pytest.raises(IllegalTransition, match="already closed"):
        lc.add_incident_member(master, closed, SUPERVISOR, at=T0)
    other_master, other_member = replied(), member("20260930-000031")
    other_master.number = "20260930-000032"
    lc.propose_incident_member(other_member, other_master, 0.3, at=T0)
    with pytest.raises(IllegalTransition, match="master of a group"):
        lc.add_incident_member(master, other_master, SUPERVISOR, at=T0)
    with pytest.raises(IllegalTransition, match="already in a group"):
        lc.add_incident_member(master, other_member, SUPERVISOR, at=T0)
    asking = with_unit("signed")
    lc.request_extension(asking, LEAD, days=3, reason="需协调多部门", at=T0)
    with pytest.raises(IllegalTransition, match="extension request"):
        lc.add_incident_member(master, asking, SUPERVISOR, at=T0)
    waiting = with_unit("signed")
    lc.request_suspension(waiting, LEAD, reason="等待市民提供材料", at=T0)
    with pytest.raises(IllegalTransition, match="suspended"):
        lc.add_incident_member(master, waiting, SUPERVISOR, at=T0)
    for refused in (closed, other_master, other_member, asking, waiting):
        assert refused.incident_master in (None, other_master) and refused not in master.incident_members
    assert asking.status == Status.SIGNED and asking.department is UNIT
