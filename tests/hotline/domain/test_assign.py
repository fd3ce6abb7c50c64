"""经办人 (issue 17): the lead of the unit holding a ticket names its handler, on transient
objects (no database): who may, whom, in which states, and the event of every (re)assignment."""

from __future__ import annotations

import pytest

from hotline.domain import lifecycle as lc
from hotline.domain.errors import Forbidden, IllegalTransition, InvalidInput
from hotline.domain.events import EventKind
from hotline.models import Role, Status, User
from tests.hotline.domain.test_lifecycle import (
    AGENT,
    LEAD,
    OTHER,
    STAFF,
    STRANGER_LEAD,
    SUPERVISOR,
    T0,
    UNIT,
    ticket,
)

WANG = User(id=13, username="zjj", display_name="王", role=Role.UNIT_STAFF, department_id=UNIT.id,
            active=True)
LI = User(id=21, username="zjj-li", display_name="李", role=Role.UNIT_STAFF,
          department_id=UNIT.id, active=True)
BOSS = User(id=14, username="zjj-lead", display_name="负责人", role=Role.UNIT_LEAD,
            department_id=UNIT.id, active=True)
OUTSIDER = User(id=15, username="cgj", display_name="城管", role=Role.UNIT_STAFF,
                department_id=OTHER.id, active=True)
CENTRE = User(id=10, username="agent", display_name="坐席", role=Role.AGENT, department_id=UNIT.id,
              active=True)


def assigned(t) -> list[dict]:
    return [e.data for e in t.events if e.kind == EventKind.HANDLER_ASSIGNED]


@pytest.mark.parametrize("status", [Status.DISPATCHED, Status.SIGNED])
def test_the_lead_names_a_handler_of_the_unit_and_it_is_an_event(status: Status) -> None:
    t = ticket(status, unit=UNIT)
    t.events = []
    lc.assign(t, LEAD, WANG, at=T0)
    assert t.handler is WANG and t.status == status
    assert assigned(t) == [{"user": "zjj", "from": None}]
    assert t.events[-1].actor == "zjj-lead" and not t.events[-1].public


def test_reassigning_is_an_event_that_names_who_had_it_and_the_lead_may_take_it() -> None:
    t = ticket(Status.SIGNED, unit=UNIT)
    t.events = []
    lc.assign(t, LEAD, WANG, at=T0)
    lc.assign(t, LEAD, LI, at=T0)
    lc.assign(t, LEAD, BOSS, at=T0)
    assert t.handler is BOSS
    assert assigned(t) == [{"user": "zjj", "from": None}, {"user": "zjj-li", "from": "zjj"},
                           {"user": "zjj-lead", "from": "zjj-li"}]


def test_naming_the_same_handler_again_is_a_conflict() -> None:
    t = ticket(Status.SIGNED, unit=UNIT)
    t.events = []
    lc.assign(t, LEAD, WANG, at=T0)
    with pytest.raises(IllegalTransition, match="already the handler"):
        lc.assign(t, LEAD, WANG, at=T0)
    assert len(assigned(t)) == 1


@pytest.mark.parametrize("actor", [STAFF, STRANGER_LEAD, AGENT, SUPERVISOR])
def test_only_the_lead_of_the_unit_holding_the_ticket_assigns(actor: lc.Actor) -> None:
    t = ticket(Status.SIGNED, unit=UNIT)
    t.events = []
    with pytest.raises(Forbidden):
        lc.assign(t, actor, WANG, at=T0)
    assert t.handler is None and t.events == []


@pytest.mark.parametrize("who", [OUTSIDER, CENTRE])
def test_the_handler_must_be_staff_of_that_unit(who: User) -> None:
    t = ticket(Status.SIGNED, unit=UNIT)
    t.events = []
    with pytest.raises(InvalidInput, match="not staff of the unit") as refused:
        lc.assign(t, LEAD, who, at=T0)
    assert refused.value.field == "user" and t.handler is None and t.events == []


def test_a_deactivated_account_is_not_named() -> None:
    gone = User(id=22, username="zjj-old", display_name="旧", role=Role.UNIT_STAFF,
                department_id=UNIT.id, active=False)
    t = ticket(Status.SIGNED, unit=UNIT)
    t.events = []
    with pytest.raises(InvalidInput, match="deactivated"):
        lc.assign(t, LEAD, gone, at=T0)


@pytest.mark.parametrize("status", [Status.PENDING_DISPATCH, Status.RETURNED, Status.REPLIED,
                                    Status.CLOSED])
def test_no_handler_outside_the_units_work(status: Status) -> None:
    t = ticket(status, unit=UNIT)
    t.events = []
    with pytest.raises(IllegalTransition):
        lc.assign(t, LEAD, WANG, at=T0)


def test_a_returned_ticket_leaves_its_handler_behind() -> None:
    t = ticket(Status.SIGNED, unit=UNIT)
    t.events = []
    lc.assign(t, LEAD, WANG, at=T0)
    lc.return_ticket(t, LEAD, reason_code="not_our_duty", reason="不属本单位", at=T0)
    assert t.handler is None and t.department is None


def test_the_named_handler_alone_hears_of_it() -> None:
    """经办人 notice: in the handler's own inbox (a notice to them, of their unit), not the
    unit's; named again before the commit, only the last one named is told."""
    from hotline.domain import notices
    from hotline.domain.effects import Effect, effects_of

    t = ticket(Status.SIGNED, unit=UNIT)
    t.events = []
    lc.assign(t, LEAD, WANG, at=T0)
    (notice,) = notices.of_event(t, t.events[-1])
    assert (notice.kind, notice.user_id, notice.department_id, notice.role) == \
        ("handler_assigned", WANG.id, UNIT.id, None)
    assert t.number in notice.body and "经办人" in notice.body and "zjj-lead" in notice.body
    assert Effect.NOTIFY in effects_of(EventKind.HANDLER_ASSIGNED)
    lc.assign(t, LEAD, LI, at=T0)
    assert notices.of_event(t, t.events[-2]) == []
    assert [n.user_id for n in notices.of_event(t, t.events[-1])] == [LI.id]
