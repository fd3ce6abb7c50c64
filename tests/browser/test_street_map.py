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
    assert [cells.nth(i).inner_text() for i in (0, 2, 3, 4)] == ["A1区", "4", "4", "积压"]
    # The street's name opens its tickets; 社区 beside it drills the map into its communities.
    expect(cells.nth(1).get_by_role("link")).to_have_text(["东湖街道", "社区"])
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


def test_drilled_into_a_street_its_communities_are_points_that_open_their_tickets(
        app: Flask, reference: None, live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """Four overdue tickets in 湖滨社区 (one caller said 湖滨小区, its alias), one open in 柳堤社区,
    one in 东湖街道 with no community: a click on the street's area drills into it, the map
    shows its three communities as points (湖滨社区's red), the table beside it the same
    numbers, and a click on 湖滨社区's point lists its tickets, not 柳堤社区's."""
    month_ago = utcnow() - timedelta(days=30)
    numbers = [new_ticket(f"湖滨小区{i}号楼门口路灯坏了", address="A1区东湖街道",
                          received_at=month_ago).number for i in range(4)]
    willow = new_ticket("柳堤社区菜市场门口积水", address="A1区东湖街道").number
    new_ticket("东湖街道有个井盖丢了", address="A1区东湖街道")
    places = {p.code: p for p in db.session.scalars(select(Place).where(
        Place.code.in_(("a1-s1-c1", "a1-s1-c3"))))}

    sign_in(page, live_server, "supervisor")
    page.goto(f"{live_server}/supervise")
    page.locator("#chart-map svg").first.wait_for()
    page.locator("#chart-map").scroll_into_view_if_needed()

    def pixel(place: Place) -> tuple[float, float]:
        x, y = page.evaluate(
            "([lng, lat]) => echarts.getInstanceByDom(document.getElementById('chart-map'))"
            ".convertToPixel({geoIndex: 0}, [lng, lat])", [place.lng, place.lat])
        box = page.locator("#chart-map").bounding_box()
        return box["x"] + x, box["y"] + y

    # 柳堤社区's point lies in the street's area, away from the street's marker.
    with page.expect_navigation():
        page.mouse.click(*pixel(places["a1-s1-c3"]))
    assert "map_street=a1-s1" in page.url
    expect(page.locator("#street-map-title")).to_have_text("工单地图：东湖街道各社区/村在办与超期")
    for code, cells in (("a1-s1-c1", ["东湖街道", "湖滨社区", "4", "4", "积压"]),
                        ("a1-s1-c3", ["东湖街道", "柳堤社区", "1", "0", "正常"]),
                        ("a1-s1-c2", ["东湖街道", "东湖新村社区", "0", "0", "正常"]),
                        ("a1-s1", ["东湖街道", "未定位到社区", "1", "0", "正常"])):
        expect(page.locator(f"#t-map tr[data-code='{code}'] td")).to_have_text(cells)

    page.locator("#chart-map svg").first.wait_for()
    page.locator("#chart-map").scroll_into_view_if_needed()
    drawn = page.evaluate("() => echarts.getInstanceByDom(document.getElementById('chart-map'))"
                          ".getOption().series[1].data.map(d => [d.name, d.value[2]])")
    assert sorted(drawn) == [["a1-s1-c1", 4], ["a1-s1-c2", 0], ["a1-s1-c3", 1]]
    expect(page.locator(f"#chart-map svg path[fill='{RED}']")).to_have_count(1)  # 湖滨社区's point
    page.locator("#street-map-title").scroll_into_view_if_needed()
    shot(page, "supervise-community-map-1366")
    page.locator(".map-layout").screenshot(path=str(SHOTS / "community-map-1366.png"))

    with page.expect_navigation():
        page.mouse.click(*pixel(places["a1-s1-c1"]))
    assert "community=a1-s1-c1" in page.url and "overdue=1" in page.url
    for number in numbers:
        expect(page.get_by_role("link", name=number)).to_be_visible()
    expect(page.get_by_role("link", name=willow)).to_have_count(0)
