"""The dashboard map's numbers: where tickets pile up (red), by the street they are located in,
every street listed (zeros too), a district's tickets without a street in a row of their own."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from hotline.app.extensions import db
from hotline.models import Place, Status, Ticket, utcnow
from hotline.reporting import street_map
from tests.hotline.tickets.helpers import new_ticket


def test_red_where_overdue_or_open_tickets_pile_up() -> None:
    assert street_map.level(0, 0) == "none"
    assert street_map.level(1, 1) == "yellow"
    assert street_map.level(street_map.RED_OVERDUE, street_map.RED_OVERDUE) == "red"
    assert street_map.level(street_map.RED_OPEN, 0) == "red"
    assert street_map.level(street_map.RED_OPEN - 1, 0) == "none"


def test_tickets_count_in_their_street_or_their_district(app: Flask, reference: None) -> None:
    month_ago = utcnow() - timedelta(days=30)
    for _i in range(3):
        new_ticket("门口路灯坏了", address="A1区东湖街道", received_at=month_ago)
    new_ticket("菜市场门口积水", address="A1区迎春街道")
    new_ticket("A2区有一处路灯坏了")  # a district, no street
    closed = new_ticket("桂花街道路灯坏了")
    db.session.get(Ticket, closed.id).status = Status.CLOSED
    db.session.flush()

    with app.test_request_context():  # the rows' words are in the reader's language
        rows = {r.code: r for r in street_map.streets(db.session, utcnow())}
        table = street_map.table(list(rows.values()))
    streets = db.session.scalars(select(Place).where(Place.kind == "street")).all()
    assert {p.code for p in streets} <= set(rows)  # every street, quiet ones with zeros
    assert (rows["a1-s1"].open, rows["a1-s1"].overdue, rows["a1-s1"].level) == (3, 3, "red")
    assert (rows["a1-s2"].open, rows["a1-s2"].overdue, rows["a1-s2"].level) == (1, 0, "none")
    assert (rows["a1-s4"].open, rows["a1-s4"].overdue) == (0, 0)  # closed tickets do not count
    assert (rows["a2"].open, rows["a2"].is_street, rows["a2"].name) == (1, False, "未定位到街道")
    assert "a1" not in rows  # no ticket of A1区 lacks a street
    assert next(iter(rows)) == "a1-s1"  # worst first
    assert table.rows[0] == ["A1区", "东湖街道", 3, 3, "积压"]
