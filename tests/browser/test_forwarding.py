"""转派 in a real browser: the district's lead forwards a signed ticket to one of its streets,
the street signs and answers, the district adopts the answer as its reply."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from hotline.app.extensions import db
from hotline.models import ForwardTask, Status, Ticket
from tests.browser.conftest import shot, sign_in
from tests.hotline.tickets.helpers import act, new_ticket


def test_district_forwards_street_answers_district_adopts(
        app: Flask, reference: None, live_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    t = new_ticket()
    with app.test_client() as api:
        act(api, "agent", t.number, "dispatch", {"unit": "a1-gov"})
        act(api, "a1-gov", t.number, "sign")

    def desk(username: str):  # type: ignore[no-untyped-def]
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
        page = context.new_page()
        sign_in(page, live_server, username)
        page.goto(f"{live_server}/tickets/{t.number}")
        return page

    district = desk("a1-gov-lead")
    district.locator("summary", has_text="转派").click()
    options = district.locator("#forward-unit option").all_inner_texts()
    assert any("（a1-s1）" in o for o in options) and not any("（zjj）" in o for o in options)
    district.get_by_label("转派给下级单位").select_option("a1-s1")
    district.get_by_label("转派说明").fill("请街道现场核实")
    shot(district, "ticket-forward-1366")
    district.get_by_role("button", name="确认转派").click()
    expect(district.locator(".flash.ok")).to_be_visible()
    expect(district.locator(".forwarded")).to_contain_text("已转派给", use_inner_text=True)

    street = desk("a1-s1")
    street.get_by_role("button", name="签收转派").click()
    street.get_by_label("办理结果（反馈转派单位）").fill("已到现场修复路灯")
    street.get_by_role("button", name="提交反馈").click()
    assert "已反馈，待转派单位采纳" in street.content()

    district.reload()
    expect(district.locator(".forwards")).to_contain_text("已到现场修复路灯", use_inner_text=True)
    shot(district, "ticket-forward-adopt-1366")
    district.get_by_role("button", name="采纳为本单位答复").click()
    expect(district.locator("h1 .status")).to_contain_text("已答复", use_inner_text=True)
    db.session.expire_all()
    ticket = db.session.get(Ticket, t.id)
    assert ticket.status == Status.REPLIED and ticket.department.code == "a1-gov"
    assert db.session.scalars(select(ForwardTask.status)).one() == "accepted"
