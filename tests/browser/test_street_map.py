"""Several overdue tickets in one street make it red on the supervisors' map; the table beside
it shows the count, and a click on the street opens its overdue tickets."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from hotline.app.extensions import db
from hotline.models import Place, utcnow
from tests.browser.conftest import SHOTS, shot, sign_in
from tests.hotline.tickets.helpers import new_ticket

RED = "#b3261e"


def test_overdue_tickets_pile_up_red_on_the_street_map(
        app: Flask, reference: None, live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    month_ago = utcnow() - timedelta(days=30)
    numbers = [new_ticket(f"幸福小区{i}号楼门口路灯坏了", address="A1区东湖街道",
                          received_at=month_ago).number for i in range(4)]
    new_ticket("迎春街道菜市场门口积水", address="A1区迎春街道")  # open, not overdue
    east_lake = db.session.scalars(select(Place).where(Place.code == "a1-s1")).one()

    sign_in(page, live_server, "supervisor")
    with page.expect_response(lambda r: r.url.endswith("/map/city.geojson")) as boundaries:
        page.goto(f"{live_server}/supervise")  # the page links the boundaries, not carries them
    assert boundaries.value.status == 200
    row = page.locator("#t-map tr[data-code='a1-s1']")
    cells = row.get_by_role("cell")
    assert [cells.nth(i).inner_text() for i in range(5)] == ["A1区", "东湖街道", "4", "4", "积压"]
    quiet = page.locator("#t-map tr[data-code='a1-s2']").get_by_role("cell")
    assert [quiet.nth(i).inner_text() for i in (2, 3, 4)] == ["1", "0", "正常"]

    page.locator("#chart-map svg").first.wait_for()  # drawn by the vendored ECharts
    # The street's area and its marker are red; nothing else is.
    expect(page.locator(f"#chart-map svg path[fill='{RED}']")).to_have_count(2)
    page.locator("#street-map-title").scroll_into_view_if_needed()
    shot(page, "supervise-street-map-1366")
    page.locator(".map-layout").screenshot(path=str(SHOTS / "street-map-1366.png"))

    x, y = page.evaluate(
        "([lng, lat]) => echarts.getInstanceByDom(document.getElementById('chart-map'))"
        ".convertToPixel({geoIndex: 0}, [lng, lat])", [east_lake.lng, east_lake.lat])
    box = page.locator("#chart-map").bounding_box()
    with page.expect_navigation():
        page.mouse.click(box["x"] + x, box["y"] + y)
    assert "street=a1-s1" in page.url and "overdue=1" in page.url
    for number in numbers:
        expect(page.get_by_role("link", name=number)).to_be_visible()
