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
    PLANNER,
    STAFF,
    SUPERVISOR,
    T0,
    UNIT,
    replied,
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
    with pytest.raises(IllegalTransition, match="already with a unit"):
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
