"""合并办理 in the figures (issue 18): an incident group counts once in its unit's response and
on-time rates, while its volume counts everyone who called and each member's citizen's verdict
counts in 解决率 and 满意率 — all for the master's unit and street.

The hand-made fixture (period 2026-03-02..03-08, now 03-10 12:00):

| ticket | unit | status | sign | reply | verdict |
|---|---|---|---|---|---|
| M  (master)   | street S | closed  | in time          | on time | 解决 满意 |
| G1 (member)   | —        | closed  | —                | —       | 未解决 不满意 |
| G2 (member)   | —        | replied | —                | —       | — |
| G3 (member)   | —        | pending | late, for unit B before it was returned (stale) | — | — |
| X  (no group) | B        | signed  | late             | overdue | — |
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from flask import Flask
from sqlalchemy import select

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.domain import lifecycle
from hotline.models import Department, Level, Role, Status, Ticket
from hotline.reporting import figures
from hotline.reporting.figures import Period
from tests.hotline.intake.test_incidents import PLACE, SAME, proposals_on  # noqa: F401
from tests.hotline.intake.test_street_routing import PROPERTY, routed_confidently
from tests.hotline.reporting.test_figures import NOW, _clock, _ticket, _verdict, at
from tests.hotline.tickets.helpers import new_ticket

PERIOD = Period(date(2026, 3, 2), date(2026, 3, 8))


@pytest.fixture
def groups(app: Flask) -> dict[str, int]:
    district = Department(code="dd", name="丙区", level=Level.DISTRICT)
    street = Department(code="ss", name="丁街道", level=Level.STREET, parent=district)
    other = Department(code="ub", name="乙局", level=Level.CITY)
    db.session.add_all([district, street, other])
    master = _ticket(1, at(2), Status.CLOSED, unit=street, district="d1")
    _clock(master, "sign", due=at(2, 12), stopped=at(2, 10))
    _clock(master, "reply", due=at(5), stopped=at(4))
    _verdict(master, 1, "answered", 1, 1)
    g1 = _ticket(2, at(2, 10), Status.CLOSED, district="d1")
    _verdict(g1, 1, "answered", 3, 3)
    g2 = _ticket(3, at(3), Status.REPLIED, district="d1")
    g3 = _ticket(4, at(3, 11), Status.PENDING_DISPATCH, district="d1", reply_due=at(5))
    _clock(g3, "sign", due=at(3, 12), stopped=at(3, 15), unit=other)
    x = _ticket(5, at(4), Status.SIGNED, unit=other, district="d1", reply_due=at(6))
    _clock(x, "sign", due=at(4, 10), stopped=at(4, 11))
    _clock(x, "reply", due=at(6))
    for member in (g1, g2, g3):
        member.incident_master, member.incident_confirmed = master, True
    db.session.commit()
    figures.refresh(db.session, NOW)
    unit_of_work.commit(db.session)
    return {"street": street.id, "other": other.id, "master": master.id}


def test_a_group_counts_once_in_the_rates_and_everyone_in_the_volume(
        groups: dict[str, int]) -> None:
    found = figures.breakdowns(db.session, PERIOD)
    unit = found.by["unit"][groups["street"]]
    assert unit.volume == 4  # the master and its three members: four people called
    assert (unit.dispatched, unit.responded, unit.answered, unit.on_time) == (1, 1, 1, 1)
    assert (unit.response_rate, unit.on_time_rate) == (1.0, 1.0)  # one case, handled in time
    assert (unit.open, unit.overdue) == (0, 0)  # G2 and G3 wait for nothing of the unit's
    assert (unit.rated_satisfied, unit.satisfied, unit.rated_solved, unit.solved) == (2, 1, 2, 1)
    # G3's stale sign clock from its earlier dispatch counts for nobody; the centre has no rows.
    other = found.by["unit"][groups["other"]]
    assert (other.volume, other.dispatched, other.responded, other.overdue) == (1, 1, 0, 1)
    assert None not in found.by["unit"]
    assert (found.total.volume, found.total.dispatched, found.total.answered) == (5, 2, 1)
    # The street that worked the master has its members too.
    assert figures.street_totals(found)[groups["street"]].volume == 4
    assert {d.district: d.open for d in figures.district_load(db.session, NOW)} == {"d1": 1}


def test_a_member_follows_its_master_to_another_unit_at_the_next_refresh(
        groups: dict[str, int]) -> None:
    master = db.session.get_one(Ticket, groups["master"])
    master.department_id = groups["other"]  # e.g. re-dispatched after a return
    db.session.commit()  # the master's updated_at moves; its members did not change
    figures.refresh(db.session)
    unit_of_work.commit(db.session)
    by = figures.breakdowns(db.session, PERIOD).by["unit"]
    assert by[groups["other"]].volume == 5 and groups["street"] not in by


def test_a_split_member_is_a_case_of_its_own_again(groups: dict[str, int]) -> None:
    g3 = db.session.scalars(select(Ticket).where(Ticket.number.endswith("000004"))).one()
    g3.incident_master = None
    db.session.commit()
    figures.refresh(db.session)
    unit_of_work.commit(db.session)
    found = figures.breakdowns(db.session, PERIOD)
    assert found.by["unit"][groups["street"]].volume == 3
    assert found.by["unit"][None].dispatched == 1  # its own (returned) dispatch counts again


def test_the_pipeline_group_counts_once_for_the_unit(app: Flask, reference: None) -> None:
    """Integration: two callers through intake, the unit answers the master once, approved."""
    master = routed_confidently(new_ticket(PROPERTY, address=PLACE))
    member = routed_confidently(new_ticket(SAME, address=PLACE))
    assert member.incident_master is master
    staff = lifecycle.Actor("unit", Role.UNIT_STAFF, None, master.department_id)
    lifecycle.sign_and_reply(master, staff, "已安排保洁，今天清理完毕")
    lifecycle.review_reply(master, lifecycle.Actor("agent", Role.AGENT, None), accept=True)
    unit_of_work.commit(db.session)
    assert member.status == Status.REPLIED
    figures.refresh(db.session)
    unit_of_work.commit(db.session)
    today = figures.today_in_shanghai(datetime.now().astimezone())
    unit = figures.breakdowns(db.session, Period(today, today)).by["unit"][master.department_id]
    assert unit.volume == 2
    assert (unit.dispatched, unit.responded, unit.answered, unit.on_time) == (1, 1, 1, 1)
