"""Staff lists on a phone (found in the browser review): a wide table scrolls in its own box,
the page never sideways, in Chinese and in English (whose headers are longer)."""

from __future__ import annotations

from flask import Flask

from tests.browser.conftest import shot, sign_in
from tests.hotline.tickets.helpers import new_ticket


def test_staff_tables_fit_a_phone(app: Flask, reference: None, live_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    new_ticket("解放路工人新村楼道垃圾三天没人清运，气味很大")
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, live_server, "supervisor")
        for lang in ("zh_CN", "en"):
            for path in ("/intakes/failed", "/dispatch", "/tickets", "/callbacks"):
                page.goto(f"{live_server}{path}?lang={lang}")
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= 390, f"{path}?lang={lang} scrolls sideways on a phone ({width}px)"
        shot(page, "tickets-en-phone")
    finally:
        context.close()
