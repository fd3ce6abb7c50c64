"""The supervisors' whole overdue list over HTTP: filters by unit, district and street, pages
with the total, a 超期天数 column, and exports that hold every matching row."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from hotline.app.extensions import db
from hotline.models import Status, Ticket
from hotline.reporting import dashboard, figures
from hotline.reporting.dashboard import days_late
from tests.conftest import login
from tests.hotline.tickets.helpers import act, new_ticket

SH = ZoneInfo("Asia/Shanghai")


def _late(content: str, unit: str, day: int, client: FlaskClient) -> Ticket:
    """A ticket received in September, dispatched now: its reply deadline is long past."""
    t = new_ticket(content, received_at=datetime(2026, 9, day, 10, 0, tzinfo=SH))
    if t.status == Status.PENDING_DISPATCH:
        assert act(client, "agent", t.number, "dispatch", {"unit": unit}).status_code == 200
    db.session.expire_all()
    return t


@pytest.fixture
def late(app: Flask, reference: None) -> list[Ticket]:
    with app.test_client() as api:
        return [_late("A1区东湖街道小区门口路灯坏了", "zjj", 1, api),
                _late("A1区迎春街道楼下的路灯一直闪烁", "zjj", 2, api),
                _late("A2区西山街道路边的垃圾桶满了", "cgj", 3, api)]


def _rows(page: str) -> list[str]:
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    return [line for line in body.split("<tr>") if "/tickets/" in line]


def test_streets_are_kept_on_the_ticket(late: list[Ticket]) -> None:
    assert [(t.district, t.street) for t in late] == [("a1", "a1-s1"), ("a1", "a1-s2"),
                                                     ("a2", "a2-s1")]


def test_days_late_counts_calendar_days_rounded_up() -> None:
    now = datetime(2026, 12, 7, 10, 0, tzinfo=SH)
    assert days_late(now + timedelta(hours=1), now) is None
    assert days_late(now - timedelta(hours=1), now) == 1
    assert days_late(now - timedelta(days=2), now) == 2
    assert days_late(now - timedelta(days=2, minutes=1), now) == 3


def test_filters_by_unit_district_and_street(client: FlaskClient, late: list[Ticket]) -> None:
    login(client, "supervisor")
    every = client.get("/supervise/overdue").get_data(as_text=True)
    assert all(t.number in every for t in late) and "超期天数" in every and "街道" in every
    by_unit = client.get("/supervise/overdue?unit=A市城市管理局（cgj）").get_data(as_text=True)
    assert late[2].number in by_unit and late[0].number not in by_unit
    by_district = client.get("/supervise/overdue?district=a1").get_data(as_text=True)
    assert late[0].number in by_district and late[2].number not in by_district
    by_street = client.get("/supervise/overdue?street=a1-s2&overdue=1").get_data(as_text=True)
    assert late[1].number in by_street and late[0].number not in by_street
    assert "迎春街道" in by_street
    for bad in ("unit=nope", "district=zz", "street=zz", "page=0"):
        response = client.get(f"/supervise/overdue?{bad}")
        assert response.status_code == 400, bad


def test_pages_with_the_total(client: FlaskClient, late: list[Ticket],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dashboard, "DEADLINE_ROWS", 2)
    login(client, "supervisor")
    first = client.get("/supervise/overdue?overdue=1").get_data(as_text=True)
    total = int(first.split('<span class="count">')[1].split("<")[0])
    assert total >= 3 and len(_rows(first)) == 2 and 'rel="next"' in first
    last = client.get(f"/supervise/overdue?overdue=1&page={-(-total // 2)}").get_data(as_text=True)
    prev = re.search(r'rel="prev" href="([^"]+)"', last)
    assert prev and "overdue=1" in prev.group(1)  # the page links keep the filters


def test_export_holds_every_matching_row_not_the_first_page(
        client: FlaskClient, late: list[Ticket], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dashboard, "DEADLINE_ROWS", 1)
    login(client, "supervisor")
    body = client.get("/supervise/export/deadlines.csv?overdue=1").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:5] == ["状态", "工单号", "时限", "截止", "超期天数"]
    numbers = {r[1] for r in rows[1:]}
    assert {t.number for t in late} <= numbers
    assert all(int(r[4]) >= 60 for r in rows[1:] if r[1] == late[0].number and r[2] == "答复")
    sheet = load_workbook(io.BytesIO(client.get(
        "/supervise/export/deadlines.xlsx?district=a2").data)).active
    assert {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)} == {late[2].number}


def test_dashboard_links_to_the_whole_list(client: FlaskClient, late: list[Ticket]) -> None:
    login(client, "supervisor")
    page = client.get("/supervise").get_data(as_text=True)
    assert '<a href="/supervise/overdue" id="all-deadlines">' in page
    login(client, "zjj")
    assert client.get("/supervise/overdue").status_code == 403


def test_the_district_chart_counts_overdue_as_the_overdue_list_does(app: Flask,
                                                                    reference: None) -> None:
    """Two tickets of no known district, overdue on 签收 only: the chart's 未知区县 bar and the
    overdue list agree (any running clock past due), district by district."""
    with app.test_client() as api:
        unknown = [_unsigned("小区门口的路灯坏了好几天", api), _unsigned("楼下垃圾桶满了没人清", api)]
        known = _unsigned("A1区东湖街道小区门口路灯坏了", api)
    assert [t.district for t in unknown] == [None, None] and known.district == "a1"
    later = max(t.sign_due for t in (*unknown, known)) + timedelta(minutes=1)
    assert all(later < t.reply_due for t in (*unknown, known))  # late on 签收, not on 反馈
    listed = figures.deadlines_due(db.session, later, limit=None,
                                   where=figures.DeadlineFilter(overdue_only=True)).rows
    by_list: dict[str | None, set[int]] = {}
    for _clock, ticket in listed:
        by_list.setdefault(ticket.district, set()).add(ticket.id)
    chart = {d.district: d.overdue for d in figures.district_load(db.session, later)}
    assert chart == {k: len(v) for k, v in by_list.items()} == {None: 2, "a1": 1}
    streets = figures.street_load(db.session, later)
    assert sum(s.overdue for s in streets if s.district is None) == 2


def _unsigned(content: str, client: FlaskClient) -> Ticket:
    t = new_ticket(content)
    if t.status == Status.PENDING_DISPATCH:
        assert act(client, "agent", t.number, "dispatch", {"unit": "zjj"}).status_code == 200
    db.session.expire_all()
    return db.session.get(Ticket, t.id)
