"""The dashboard map's numbers: where tickets pile up (red), by the street they are located in,
every street listed (zeros too), a district's tickets without a street in a row of their own."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from hotline.app.extensions import db
from hotline.models import Place, Status, Ticket, utcnow
from hotline.reporting import street_map
from tests.conftest import login
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


def test_drilled_into_a_street_its_communities_count_with_one_grouped_query(
        app: Flask, reference: None, client: FlaskClient) -> None:
    """/supervise?map_street=a1-s1: the street's three communities (a quiet one with zeros) and
    its tickets in no community, the same numbers in the table and the map's points, each
    linked to its tickets; the drill-down costs one statement more than the plain page (the
    grouped count); an unknown street is a 400 with the reason."""
    month_ago = utcnow() - timedelta(days=30)
    for _i in range(3):
        new_ticket("湖滨村门口路灯坏了", received_at=month_ago)  # 湖滨社区, by its old name
    new_ticket("柳堤社区菜市场门口积水")
    new_ticket("东湖街道有个井盖丢了")
    new_ticket("迎春花园门口积水")  # another street's community: not in this drill-down
    login(client, "supervisor")
    statements: list[str] = []

    def count(*args: object) -> None:
        if "catalogue_versions" not in str(args[2]):  # the catalogue's freshness check, timed
            statements.append(str(args[2]))

    client.get("/supervise")  # the first request fills the caches (catalogue, session)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        plain = client.get("/supervise")
        plain_count, statements[:] = len(statements), []
        drilled = client.get("/supervise?map_street=a1-s1")
        drilled_count = len(statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert plain.status_code == drilled.status_code == 200
    assert drilled_count == plain_count + 1
    assert sum("GROUP BY tickets.community" in s for s in statements) == 1

    page = drilled.get_data(as_text=True)
    rows = re.findall(r'<tr data-code="([^"]+)" class="level-(\w+)">\s*<td>[^<]*</td>\s*'
                      r'<td><a href="([^"]+)">([^<]+)</a></td>\s*<td class="num">(\d+)</td>\s*'
                      r'<td class="num">(\d+)</td>', page)
    assert [(code, level, html.unescape(href), name, int(o), int(d))
            for code, level, href, name, o, d in rows] == [
        ("a1-s1-c1", "red", "/tickets?community=a1-s1-c1&overdue=1", "湖滨社区", 3, 3),
        ("a1-s1-c3", "none", "/tickets?community=a1-s1-c3", "柳堤社区", 1, 0),
        ("a1-s1-c2", "none", "/tickets?community=a1-s1-c2", "东湖新村社区", 0, 0),
        ("a1-s1", "none", "/tickets?street=a1-s1", "未定位到社区", 1, 0)]
    chart = json.loads(html.unescape(re.search(
        r'<script type="application/json" id="chart-data">(.*?)</script>', page, re.S)[1]))["map"]
    assert chart["focus"]["code"] == "a1-s1"
    assert {c["code"]: (c["open"], c["overdue"], c["level"]) for c in chart["communities"]} == {
        "a1-s1-c1": (3, 3, "red"), "a1-s1-c3": (1, 0, "none"), "a1-s1-c2": (0, 0, "none")}
    assert "focus" not in json.loads(html.unescape(re.search(
        r'<script type="application/json" id="chart-data">(.*?)</script>',
        plain.get_data(as_text=True), re.S)[1]))["map"]
    assert '/supervise?map_street=a1-s1&amp;' in plain.get_data(as_text=True)  # the drill link

    listed = client.get("/tickets?community=a1-s1-c1").get_data(as_text=True)
    assert listed.count("湖滨村门口路灯坏了") == 3 and "柳堤社区菜市场" not in listed
    unknown = client.get("/supervise?map_street=zz")
    assert unknown.status_code == 400 and "未知街道" in unknown.get_data(as_text=True)
    assert client.get("/tickets?community=a1-s1").status_code == 400  # a street's code
