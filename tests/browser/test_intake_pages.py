"""A citizen and an agent use the intake pages in a real browser."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from hotline.app.extensions import db
from hotline.models import Channel, Ticket
from tests.browser.conftest import shot, sign_in
from tests.conftest import drain


def test_citizen_submits_the_web_form(app: Flask, reference: None, live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/")
    shot(page, "home")
    page.get_by_role("link", name="我要留言").first.click()
    page.get_by_label("诉求内容").fill("我家楼下的垃圾桶三天没人清运了，气味很大")
    page.get_by_label("手机号码").fill("13812348000")
    page.get_by_label("地址（可选）").fill("A1区东湖街道东湖路12号")
    shot(page, "citizen-form")
    page.get_by_role("button", name="提交").click()
    number = page.locator("#ticket-number").inner_text()
    assert re.fullmatch(r"\d{8}-\d{6}", number)
    shot(page, "citizen-done")
    drain(app)
    ticket = db.session.scalars(select(Ticket).where(Ticket.number == number)).one()
    assert ticket.channel == Channel.WEB and ticket.address == "A1区东湖街道东湖路12号"


def test_form_errors_are_shown_next_to_the_field(live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/submit")
    page.get_by_label("诉求内容").fill("路灯不亮")
    page.get_by_label("手机号码").fill("12")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    assert "电话号码" in page.content()
    shot(page, "citizen-form-error")


def test_agent_logs_a_call(app: Flask, reference: None, live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_server, "agent")
    page.get_by_label("来电号码").fill("13912345678")
    page.get_by_label("诉求内容").fill("来电反映小区电梯经常停运，物业不处理")
    page.get_by_label("待人工分拨").check()
    shot(page, "agent-log-call")
    page.get_by_role("button", name="保存工单").click()
    page.wait_for_url("**/agent/calls/new?saved=*")  # back on a fresh console
    ticket = db.session.scalars(select(Ticket)).one()
    assert page.locator(".saved-number").inner_text() == ticket.number
    page.locator(".saved-number a").click()
    expect(page.locator("h1 .ticket-number")).to_be_visible()
    shot(page, "agent-ticket")
    assert ticket.channel == Channel.PHONE and ticket.phone == "+8613912345678"
