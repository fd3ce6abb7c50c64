"""The manual dispatch queue in a real browser: tick several, pick the lead unit and a 协办 unit
by type-ahead (the chip carries the code), dispatch them at once and read the result."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from playwright.sync_api import expect

from hotline.app.extensions import db
from hotline.models import Status, Ticket, utcnow
from tests.browser.conftest import shot, sign_in
from tests.hotline.tickets.helpers import new_ticket


def test_agent_dispatches_several_with_type_ahead(app: Flask, reference: None, live_server: str,
                                                  page) -> None:  # type: ignore[no-untyped-def]
    tickets = [new_ticket(text, received_at=utcnow() - timedelta(hours=h)) for text, h in (
        ("请问办事大厅几点下班", 30), ("有个事情想反映一下情况", 5), ("我想问一下这个政策怎么理解", 1))]
    assert {t.status for t in tickets} == {Status.PENDING_DISPATCH}
    sign_in(page, live_server, "agent")
    page.goto(f"{live_server}/dispatch")
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(3)
    assert tickets[0].number in rows.first.inner_text()  # the longest waiting first
    page.locator(f"#pick-{tickets[0].number}").check()
    page.locator(f"#pick-{tickets[1].number}").check()
    expect(page.locator("#chosen-count")).to_have_text("2", use_inner_text=True)
    page.get_by_label("主办单位").fill("A市住房和城乡建设局（zjj）")
    helper = page.get_by_label("协办单位")
    helper.fill("A市城市管理局（cgj）")  # what choosing the datalist's entry puts in the field
    helper.dispatch_event("change")
    expect(page.locator(".chip")).to_have_count(1)
    assert helper.input_value() == ""
    shot(page, "dispatch-queue-bulk-1366")
    with page.expect_navigation():
        page.get_by_role("button", name="派单所选工单").click()
    expect(page.locator(".flash.ok")).to_contain_text("已派单 2 件至 A市住房和城乡建设局（zjj）", use_inner_text=True)
    expect(page.locator("table.queue tbody tr")).to_have_count(1)
    shot(page, "dispatch-queue-after-1366")
    db.session.expire_all()
    for t in tickets[:2]:
        got = db.session.get(Ticket, t.id)
        assert got is not None and got.department is not None and got.department.code == "zjj"
        assert [a.department.code for a in got.assist_tasks] == ["cgj"]
