"""Unit staff work a ticket in a real browser: inbox, sign, reply with a template and a file."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from hotline.app.extensions import db
from hotline.models import Attachment, Department, ReplyTemplate, Status, Ticket
from tests.browser.conftest import shot, sign_in
from tests.hotline.tickets.helpers import act, new_ticket

SH = ZoneInfo("Asia/Shanghai")
TEMPLATE = "您反映的问题已安排人员到现场处理，现已修复。"


@pytest.fixture
def assigned(app: Flask, reference: None) -> Ticket:
    """Two tickets at the housing bureau (zjj), one overdue, and a reply template of theirs."""
    with app.test_client() as api:
        for content, day in (("小区门口路灯坏了很久没人修，晚上出行很不方便", 20),
                             ("楼下的路灯一直闪烁影响休息，希望尽快更换", 23)):
            t = new_ticket(content, received_at=datetime(2026, 9, day, 10, 0, tzinfo=SH))
            if t.status == Status.PENDING_DISPATCH:
                act(api, "agent", t.number, "dispatch", {"unit": "zjj"})
    unit = db.session.scalars(select(Department).where(Department.code == "zjj")).one()
    db.session.add(ReplyTemplate(department_id=unit.id, title="已修复", body=TEMPLATE,
                                 active=True, updated_by="zjj-lead"))
    db.session.commit()
    return db.session.scalars(select(Ticket).order_by(Ticket.id)).first()



def test_unit_staff_signs_and_replies_with_a_template_and_an_attachment(
        app: Flask, assigned: Ticket, live_server: str, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_server, "zjj")
    page.goto(f"{live_server}/inbox")
    expect(page.get_by_role("link", name=assigned.number)).to_be_visible()
    shot(page, "unit-inbox-1366")
    page.get_by_role("link", name=assigned.number).click()
    assert page.locator(".citizen-words").inner_text().startswith("小区门口路灯")
    page.get_by_role("button", name="签收").click()
    expect(page.locator("h1 .status")).to_contain_text("已签收", use_inner_text=True)
    page.get_by_label("答复模板").select_option(label="已修复")
    page.get_by_role("button", name="插入模板").click()
    answer = page.get_by_label("办理结果（答复市民）")
    assert answer.input_value() == TEMPLATE
    answer.press("End")
    answer.type("感谢您的监督。")
    photo = tmp_path / "修复后照片.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 128)
    page.get_by_label("附件（可选）").set_input_files(str(photo))
    shot(page, "unit-ticket-reply-1366")
    page.get_by_role("button", name="提交答复").click()
    expect(page.locator("h1 .status")).to_contain_text("已答复", use_inner_text=True)
    expect(page.get_by_role("link", name="修复后照片.png")).to_be_visible()
    shot(page, "unit-ticket-replied-1366")
    db.session.expire_all()
    ticket = db.session.get(Ticket, assigned.id)
    assert ticket.status == Status.REPLIED
    assert ticket.events[-1].note == TEMPLATE + "感谢您的监督。"
    assert db.session.scalars(select(Attachment.filename)).all() == ["修复后照片.png"]


def test_the_lead_names_a_handler_who_finds_the_ticket_under_mine(
        app: Flask, assigned: Ticket, live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_server, "zjj-lead")
    page.goto(f"{live_server}/tickets/{assigned.number}")
    page.get_by_label("经办人").select_option("zjj")
    shot(page, "unit-ticket-assign-1366")
    page.get_by_role("button", name="指定经办人").click()
    expect(page.locator("#ticket-handler")).to_contain_text("A市住房和城乡建设局（zjj）", use_inner_text=True)
    expect(page.get_by_role("button", name="改派经办人")).to_be_visible()
    page.context.clear_cookies()
    sign_in(page, live_server, "zjj")
    page.goto(f"{live_server}/inbox")
    page.get_by_role("link", name="我的").click()
    page.wait_for_url("**view=me")  # and its load: is_visible() does not wait for the new page
    expect(page.get_by_role("link", name=assigned.number)).to_be_visible()
    expect(page.locator("#inbox-table a.ticket-link")).to_have_count(1)  # the other ticket is not mine
    shot(page, "unit-inbox-mine-1366")
    page.get_by_role("link", name="本单位", exact=True).click()
    expect(page.locator("#inbox-table a.ticket-link")).to_have_count(2)


def test_unit_pages_fit_a_phone(app: Flask, assigned: Ticket, live_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, live_server, "zjj")
        page.goto(f"{live_server}/inbox")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"inbox scrolls sideways on a phone ({width}px)"
        shot(page, "unit-inbox-phone")
        page.get_by_role("link", name=assigned.number).click()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"ticket page scrolls sideways on a phone ({width}px)"
        shot(page, "unit-ticket-phone")
    finally:
        context.close()


def test_unit_lead_adds_a_reply_template(app: Flask, reference: None, live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_server, "zjj-lead")
    page.goto(f"{live_server}/inbox")
    page.get_by_role("link", name="维护答复模板").click()
    page.get_by_label("标题").fill("已转交物业")
    page.get_by_label("正文").fill("经核实，该问题属物业管理范围，已督促物业公司三日内处理。")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已转交物业")).to_be_visible()
    shot(page, "unit-reply-templates-1366")
    row = db.session.scalars(select(ReplyTemplate)).one()
    assert row.department.code == "zjj" and row.active and row.topic is None
