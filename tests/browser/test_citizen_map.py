"""A citizen picks the problem's place on the form's map (the city's own boundaries, no tiles):
the click's point is the ticket's own, exact location."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from hotline.app.extensions import db
from hotline.models import Place, Ticket
from tests.browser.conftest import SHOTS, shot
from tests.conftest import drain


def test_citizen_picks_the_place_on_the_map(app: Flask, reference: None, live_server: str,
                                            page) -> None:  # type: ignore[no-untyped-def]
    street = db.session.scalars(select(Place).where(Place.code == "a2-s3")).one()  # 金沙街道
    page.goto(f"{live_server}/submit")
    page.get_by_label("诉求内容").fill("路边的垃圾桶满了好几天没人清运")
    page.get_by_label("手机号码").fill("13812348000")
    page.locator("#pick-map svg").first.wait_for()
    page.locator("#pick-map").scroll_into_view_if_needed()
    x, y = page.evaluate(
        "([lng, lat]) => echarts.getInstanceByDom(document.getElementById('pick-map'))"
        ".convertToPixel({geoIndex: 0}, [lng, lat])", [street.lng, street.lat])
    box = page.locator("#pick-map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    expect(page.locator("#location-status")).to_contain_text("已在地图上选定位置", use_inner_text=True)
    picked = (float(page.locator("#latitude").input_value()),
              float(page.locator("#longitude").input_value()))
    assert abs(picked[0] - street.lat) < 0.002 and abs(picked[1] - street.lng) < 0.002
    shot(page, "citizen-form-map-1366")
    page.locator("#pick-map").screenshot(path=str(SHOTS / "citizen-map-pick-1366.png"))
    page.get_by_role("button", name="提交").click()
    number = page.locator("#ticket-number").inner_text()

    drain(app)
    ticket = db.session.scalars(select(Ticket).where(Ticket.number == number)).one()
    assert (ticket.latitude, ticket.longitude) == picked  # its own point, not approximate
