"""The ticket page's action forms in a real browser: dispatch by type-ahead, 督办 with a preset
deadline, a refused form that keeps what was typed, and 退单 (asked first) landing in the inbox."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from hotline.app.extensions import db
from hotline.models import Status, SupervisionOrder, Ticket
from routing.calendar import SHANGHAI
from tests.browser.conftest import shot, sign_in
from tests.hotline.tickets.helpers import act, new_ticket


def test_agent_dispatches_by_type_ahead(app: Flask, reference: None, live_server: str,
                                        page) -> None:  # type: ignore[no-untyped-def]
    t = new_ticket()
    sign_in(page, live_server, "agent")
    page.goto(f"{live_server}/tickets/{t.number}")
    unit = page.get_by_label("主办单位")
    assert unit.input_value() == ""  # no suggestion: nothing chosen for the agent
    assert page.locator("#dispatch-units option").count() > 20
    unit.fill("A市城市管理局（cgj）")  # what choosing the datalist's entry puts in the field
    shot(page, "ticket-dispatch-type-ahead-1366")
    page.get_by_role("button", name="派单", exact=True).click()
    expect(page.locator("h1 .status")).to_contain_text("已派单", use_inner_text=True)
    db.session.expire_all()
    assert db.session.get(Ticket, t.id).department.code == "cgj"


def test_supervisor_urges_with_a_preset_and_a_refused_form_keeps_the_note(
        app: Flask, reference: None, live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    t = new_ticket()
    with app.test_client() as api:
        act(api, "agent", t.number, "dispatch", {"unit": "zjj"})
    sign_in(page, live_server, "supervisor")
    page.goto(f"{live_server}/tickets/{t.number}")
    note = page.get_by_label("督办意见")
    note.fill("市民多次来电，请加快办理")
    due = page.get_by_label("督办时限")
    due.fill("2020-01-01T09:00")  # in the past: refused, and the page comes back as typed
    page.get_by_role("button", name="督办", exact=True).click()
    expect(page.locator("#error-urge-due")).to_contain_text("督办时限须晚于当前时间", use_inner_text=True)
    assert page.get_by_label("督办意见").input_value() == "市民多次来电，请加快办理"
    preset = page.locator(".presets button", has_text="3 个工作日")
    # The script shows the presets once it has run: the error above is in the page before the
    # deferred script runs, so wait for it rather than look at once (a race under load).
    expect(preset).to_be_visible()
    preset.click()
    chosen = page.get_by_label("督办时限").input_value()
    assert chosen == preset.get_attribute("data-value") and chosen.endswith("17:30")
    shot(page, "ticket-urge-presets-1366")
    page.get_by_role("button", name="督办", exact=True).click()
    expect(page.locator(".flash.ok")).to_be_visible()
    order = db.session.scalars(select(SupervisionOrder)).one()
    assert order.due.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M") == chosen


def test_unit_lead_returns_and_lands_in_the_inbox(app: Flask, reference: None, live_server: str,
                                                  page) -> None:  # type: ignore[no-untyped-def]
    t = new_ticket()
    with app.test_client() as api:
        act(api, "agent", t.number, "dispatch", {"unit": "zjj"})
    sign_in(page, live_server, "zjj-lead")
    page.goto(f"{live_server}/tickets/{t.number}")
    page.locator("summary", has_text="退单").click()
    page.get_by_label("退单原因").select_option(label="非本单位职责")
    page.get_by_label("说明").fill("该路段路灯由城管局管理")
    page.get_by_role("button", name="确认退单").click()
    dialog = page.locator("#confirm-dialog")  # 退单 asks first
    expect(dialog).to_be_visible()
    assert "确定退单" in dialog.inner_text()
    shot(page, "ticket-return-confirm-1366")
    dialog.get_by_role("button", name="取消").click()
    expect(dialog).to_be_hidden()
    db.session.expire_all()
    assert db.session.get(Ticket, t.id).status == Status.DISPATCHED  # nothing sent
    page.get_by_role("button", name="确认退单").click()
    with page.expect_navigation():
        dialog.get_by_role("button", name="确认").click()
    assert page.url.endswith("/inbox")
    expect(page.locator(".flash.ok")).to_contain_text(f"工单 {t.number} 已不在本单位办理", use_inner_text=True)
    db.session.expire_all()
    assert db.session.get(Ticket, t.id).status == Status.RETURNED
