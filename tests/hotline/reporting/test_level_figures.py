"""The figures by level on the small built hierarchy of `levels`: which unit and which street
each ticket counts for once forwarded (转派/下派) or dispatched straight to a street (直派街乡)."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask import Flask

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.models import ForwardTask, Ticket
from hotline.reporting import figures
from tests.hotline.reporting.levels import NOW, PERIOD, SH, build_hierarchy, build_tickets


@pytest.fixture
def units(app: Flask) -> dict[str, int]:
    u = build_hierarchy()
    build_tickets(u)
    db.session.commit()
    figures.refresh(db.session, NOW)
    unit_of_work.commit(db.session)
    return {k: d.id for k, d in u.items()}


def test_a_forwarded_ticket_counts_for_its_accountable_unit(units: dict[str, int]) -> None:
    by_unit = figures.breakdowns(db.session, PERIOD).by["unit"]
    assert {k: c.volume for k, c in by_unit.items()} == {
        units["bureau"]: 3, units["west"]: 1, units["bureau_c"]: 1}


def test_the_street_view_counts_the_street_that_did_the_work(units: dict[str, int]) -> None:
    found = figures.breakdowns(db.session, PERIOD)
    drill = figures.by_street(found, "a1")
    assert {k: c.volume for k, c in drill.items()} == {
        ("a1", units["east"]): 2,  # T1 forwarded to it, T4 through its community
        ("a1", units["west"]): 1,  # T2 straight to it; T3's returned task does not count
        ("a1", None): 2}  # T3 kept by the bureau, T5 a city bureau's
    # The drill-down adds up to the district's row of the district view.
    assert sum(c.volume for c in drill.values()) == found.by["district"]["a1"].volume == 5
    assert figures.by_street(found, "a2") == {}
    totals = figures.street_totals(found)
    assert {k: c.volume for k, c in totals.items()} == {units["east"]: 2, units["west"]: 1}
    assert totals[units["east"]].dispatched == 0  # the fixture has no clocks


def test_a_forward_after_the_refresh_moves_the_street_on_the_next_one(
        units: dict[str, int]) -> None:
    t5 = db.session.query(Ticket).filter_by(number="20260303-000005").one()
    db.session.add(ForwardTask(ticket=t5, seq=1, parent_id=units["bureau_c"],
                               department_id=units["west"], status="pending",
                               forwarded_by="lead"))
    t5.updated_at = NOW  # what the life cycle's event does to the ticket
    db.session.commit()
    figures.refresh(db.session, datetime(2026, 3, 10, 12, 1, tzinfo=SH))
    unit_of_work.commit(db.session)
    drill = figures.by_street(figures.breakdowns(db.session, PERIOD), "a1")
    assert drill[("a1", units["west"])].volume == 2 and drill[("a1", None)].volume == 1


def test_street_keys_split_back() -> None:
    assert figures.split_street_key("a1|12") == ("a1", 12)
    assert figures.split_street_key("a1|") == ("a1", None)
    assert figures.split_street_key("|") == (None, None)
