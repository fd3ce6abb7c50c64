"""Live updates in a real browser: the dispatch queue shows a new ticket without a reload, keeps
what was ticked, and the notice badge appears when a notice arrives."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import expect

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.models import Notification
from hotline.workbench import live
from tests.browser.conftest import shot, sign_in
from tests.hotline.tickets.helpers import new_ticket


def test_queue_and_badge_refresh_without_reloading(
        app: Flask, reference: None, live_server: str, page,  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live, "POLL_SECONDS", 1)
    first = new_ticket("请问办事大厅几点下班")
    sign_in(page, live_server, "agent")
    page.goto(f"{live_server}/dispatch")
    expect(page.locator("table.queue tbody tr")).to_have_count(1)
    page.locator(f"#pick-{first.number}").check()
    page.evaluate("window.__same_page = true")  # gone if the page were reloaded
    page.wait_for_timeout(1500)  # the first poll has set what the page shows
    second = new_ticket("有个事情想反映一下情况")
    db.session.add(Notification(role="agent", ticket_id=second.id, kind="sms_failed",
                                level="red", body="测试通知"))
    unit_of_work.commit(db.session)
    expect(page.locator("table.queue tbody tr")).to_have_count(2, timeout=10_000)
    expect(page.locator("a[data-live-badge] .badge")).to_have_text("1")
    assert page.evaluate("window.__same_page") is True
    assert page.locator(f"#pick-{first.number}").is_checked()  # the tick survived
    expect(page.locator("#live-note")).to_be_visible()
    shot(page, "dispatch-queue-live-1366")
