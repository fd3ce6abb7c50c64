"""An administrator edits a routing rule in a real browser, and the next ticket follows it."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from hotline.app import settings as app_settings
from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.classifier_models import registry as model_registry
from hotline.models import AuditEntry, Ticket
from tests.browser.conftest import shot, sign_in
from tests.conftest import drain

COMPLAINT = "小区门口共享单车乱停乱放，堵住了盲道和消防通道"


def submit(page, base: str, content: str) -> str:  # type: ignore[no-untyped-def]
    """A citizen's web message; returns the ticket number shown."""
    page.goto(f"{base}/submit")
    page.get_by_label("诉求内容").fill(content)
    page.get_by_label("手机号码").fill("13812348000")
    page.get_by_role("button", name="提交").click()
    return page.locator("#ticket-number").inner_text()


def unit_of(app: Flask, number: str) -> str | None:
    drain(app)  # the worker routes the intake exactly as in production
    db.session.expire_all()
    ticket = db.session.scalars(select(Ticket).where(Ticket.number == number)).one()
    return ticket.department.code if ticket.department else None


def test_admin_edits_a_routing_rule_and_the_next_ticket_follows_it(
        app: Flask, reference: None, live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_server, "admin")
    page.get_by_role("link", name="系统管理").click()
    shot(page, "admin-home-1366")
    page.get_by_role("navigation", name="系统管理").get_by_role("link", name="派单规则").click()
    page.get_by_role("link", name="新增").click()

    # mistakes first: the page says what is wrong, beside the field, and keeps the input
    page.get_by_label("关键词").fill("共享单车")
    page.get_by_label("优先级").fill("990")
    page.get_by_role("button", name="保存").click()
    assert page.get_by_label("承办单位").get_attribute("aria-invalid") == "true"
    expect(page.locator("#e-department")).to_have_text("必填", use_inner_text=True)
    assert page.get_by_label("关键词").input_value() == "共享单车"
    page.get_by_label("承办单位").select_option(label="A市交通运输局（jtj）")
    page.get_by_label("优先级").fill("-5")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#e-priority")).to_contain_text("0–100000", use_inner_text=True)
    shot(page, "admin-rule-error-1366")

    page.get_by_label("优先级").fill("990")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert").first).to_contain_text("已新增", use_inner_text=True)
    shot(page, "admin-rules-1366")

    first = submit(page, live_server, COMPLAINT)
    assert unit_of(app, first) == "jtj"

    # the administrator changes the rule's unit; the very next ticket goes there
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/admin/rules")
    page.get_by_label("搜索").fill("共享单车")
    page.get_by_role("button", name="搜索").click()
    shot(page, "admin-rules-search-1366")
    row = page.get_by_role("row").filter(has_text="共享单车")
    row.get_by_role("link", name="编辑").click()
    page.get_by_label("承办单位").select_option(label="A市城市管理局（cgj）")
    page.get_by_role("button", name="保存").click()
    second = submit(page, live_server, COMPLAINT + "，第二次反映")
    assert unit_of(app, second) == "cgj"

    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "rules")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry is not None and entry.username == "admin"
    assert (entry.before["department"], entry.after["department"]) == ("jtj", "cgj")
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/admin/audit?entity=rules")
    expect(page.get_by_text("jtj").first).to_be_visible()
    expect(page.get_by_text("cgj").first).to_be_visible()
    shot(page, "admin-audit-1366")


@pytest.mark.slow
def test_admin_pages_fit_a_phone(app: Flask, reference: None, live_server: str, browser,  # type: ignore[no-untyped-def]
                                 tmp_path: Path) -> None:
    corpus, models = tmp_path / "absent", app_settings.current(app).model_dir  # the repo's corpus
    first, _ = model_registry.retrain(corpus, models, db.session)
    model_registry.retrain(corpus, models, db.session, activate_if_better=False)  # a candidate
    unit_of_work.commit(db.session)
    assert model_registry.active(db.session).version == first.version
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, live_server, "admin")
        for path, name in (("/admin/", "admin-home-phone"), ("/admin/rules", "admin-rules-phone"),
                           ("/admin/units", "admin-units-phone"),
                           ("/admin/users/new", "admin-user-form-phone"),
                           ("/admin/models", "admin-models-phone")):
            page.goto(f"{live_server}{path}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{path} scrolls sideways on a phone ({width}px)"
            shot(page, name)
        page.set_viewport_size({"width": 1366, "height": 768})
        page.goto(f"{live_server}/admin/models")
        shot(page, "admin-models-1366")
        page.goto(f"{live_server}/admin/rules/new?lang=en")
        expect(page.get_by_label("Unit")).to_be_visible()
        shot(page, "admin-rule-form-en-1366")
    finally:
        context.close()
