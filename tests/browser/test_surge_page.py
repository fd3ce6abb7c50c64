"""来电增多预警 at 1366 px (found in the browser review): the alert's task form and its 忽略
button stay inside the card; 忽略 ran past the card's right edge and was cut off."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import expect

from tests.browser.conftest import shot, sign_in
from tests.hotline.reporting.test_surge_pages import _surge


def test_every_action_of_an_alert_is_inside_the_card(app: Flask, reference: None,
                                                     live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    alert = _surge()
    sign_in(page, live_server, "supervisor")
    for lang in ("zh_CN", "en"):
        page.goto(f"{live_server}/supervise/surges?lang={lang}")
        row = page.locator(f"#alert-{alert.id}")
        expect(row).to_be_visible()
        card = page.locator("section.card").first.bounding_box()
        assert card is not None
        for button in row.locator("button").all():
            box = button.bounding_box()
            assert box is not None and box["x"] + box["width"] <= card["x"] + card["width"], \
                f"{button.inner_text()} ({lang}) runs past the card"
    shot(page, "surges-1366-en")
