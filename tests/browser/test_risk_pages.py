"""Risk triage in a real browser (issue 19): the console warns while a risky call is typed, the
saved ticket shows its mark above everything, one click records the hand-off to 120, and the
supervisors' dashboard lists it."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.models import DutySupervisor, Ticket
from tests.browser.conftest import shot, sign_in
from tests.hotline.console.model import console_model, console_model_dir  # noqa: F401


@pytest.mark.usefixtures("console_model")
def test_a_risky_call_is_flagged_handed_off_and_listed(app: Flask, live_server: str,
                                                      page) -> None:  # type: ignore[no-untyped-def]
    db.session.add(DutySupervisor(name="值班督办甲", phone="+8613800000099"))
    unit_of_work.commit(db.session)
    sign_in(page, live_server, "agent")
    page.wait_for_url("**/agent/calls/new")
    page.keyboard.type("13812348000")
    page.keyboard.press("Alt+c")
    page.keyboard.type("来电人哭着说欠债还不上，不想活了，现在在江边")
    risk = page.locator("#s-risk")
    expect(risk).to_be_visible()
    assert "极高风险" in risk.inner_text() and "自伤自杀" in risk.inner_text()
    assert page.locator("#s-urgency").inner_text().startswith("紧急")
    shot(page, "risk-console-1366")
    page.keyboard.press("Control+Enter")
    page.wait_for_url("**/agent/calls/new?saved=*")
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.risk_level == "extreme"

    page.goto(f"{live_server}/tickets/{ticket.number}")
    banner = page.locator("#risk-banner")
    expect(banner).to_be_visible()
    assert "不想活" in banner.inner_text() and "尚未记录转接" in banner.inner_text()
    page.get_by_label("转接说明（可选）").fill("已告知江边位置")
    with page.expect_navigation():
        page.get_by_role("button", name="已转接 120 医疗急救").click()
    expect(page.locator("#risk-banner")).to_contain_text("120 医疗急救")
    expect(page.locator("#risk-banner")).to_contain_text("已告知江边位置", use_inner_text=True)
    shot(page, "risk-ticket-1366")

    sign_in(page, live_server, "supervisor")
    page.goto(f"{live_server}/supervise")
    expect(page.locator("#risks")).to_contain_text(ticket.number)
    expect(page.locator("#risks")).to_contain_text("已转接 120", use_inner_text=True)
    shot(page, "risk-supervise-1366")


@pytest.mark.usefixtures("console_model")
def test_a_call_only_the_risk_model_finds_shows_a_hint_on_console_and_ticket(
        app: Flask, live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_server, "agent")
    page.wait_for_url("**/agent/calls/new")
    page.keyboard.type("13812348000")
    page.keyboard.press("Alt+c")
    page.keyboard.type("我把家里的药都攒起来了，打算今晚一次全吃了")
    hint = page.locator("#s-risk-hint")
    expect(hint).to_be_visible()
    assert "可能有风险" in hint.inner_text() and "自伤自杀" in hint.inner_text()
    expect(page.locator("#s-risk")).to_be_hidden()
    shot(page, "risk-hint-console-1366")
    page.keyboard.press("Control+Enter")
    page.wait_for_url("**/agent/calls/new?saved=*")
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.risk_level is None
    page.goto(f"{live_server}/tickets/{ticket.number}")
    expect(page.locator("#risk-suggestion")).to_contain_text("可能有风险")
    expect(page.locator("#risk-banner")).to_have_count(0)
    shot(page, "risk-hint-ticket-1366")
