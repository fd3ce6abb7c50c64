"""The pages work under the Content-Security-Policy: no violation reported, and their scripts
still run (issue 14, item 5). The CSP allows scripts from this site only, so any inline script
or handler, and any eval in our JavaScript or the vendored ECharts, would show up here."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.models import Department, ReplyTemplate
from hotline.reporting import figures
from tests.browser.conftest import sign_in
from tests.hotline.console.model import console_model, console_model_dir  # noqa: F401
from tests.hotline.tickets.helpers import act, new_ticket

# Runs in every document before its own scripts: records each violation the browser reports.
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


class Watched:
    """A page whose CSP violations, from events and from the console, are collected."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.console: list[str] = []
        page.add_init_script(WATCH)
        page.on("console", lambda m: self.console.append(m.text) if m.type == "error" else None)

    def goto(self, url: str) -> None:
        response = self.page.goto(url)
        assert "script-src 'self'" in response.headers["content-security-policy"]

    def assert_clean(self) -> None:
        assert self.page.evaluate("window.__csp") == []
        assert not [m for m in self.console if "Content Security Policy" in m], self.console


@pytest.mark.usefixtures("console_model")
def test_agent_console_under_the_csp(app: Flask, live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    watched = Watched(page)
    sign_in(page, live_server, "agent")
    page.wait_for_url("**/agent/calls/new")
    watched.goto(f"{live_server}/agent/calls/new")
    page.get_by_label("诉求内容").fill("小区电梯经常停运，物业不管，老人上下楼困难")
    page.locator("#s-unit").filter(has_text="住房").wait_for()  # the live suggestion came
    watched.assert_clean()
    # The watch itself works: an injected inline script is blocked and reported.
    page.evaluate("""() => { const s = document.createElement('script');
                            s.textContent = 'window.ran = 1'; document.body.append(s); }""")
    page.wait_for_function("window.__csp.length > 0")
    assert page.evaluate("window.ran") is None
    assert page.evaluate("window.__csp")[0].startswith("script-src")


def test_supervisor_dashboard_draws_its_charts_under_the_csp(
        app: Flask, reference: None, live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    number = new_ticket("幸福小区路灯坏了一个多月没人修", address="A1区东湖街道").number
    with app.test_client() as api:
        assert act(api, "agent", number, "dispatch", {"unit": "zjj"}).status_code == 200
    figures.refresh(db.session)
    unit_of_work.commit(db.session)
    watched = Watched(page)
    sign_in(page, live_server, "supervisor")
    watched.goto(f"{live_server}/supervise")
    page.locator("#chart-trend svg").first.wait_for()  # ECharts drew from the vendored copy
    expect(page.locator("#chart-districts svg")).to_have_count(1)
    watched.assert_clean()


def test_unit_ticket_page_under_the_csp(app: Flask, reference: None, live_server: str,
                                        page) -> None:  # type: ignore[no-untyped-def]
    number = new_ticket("小区门口路灯坏了很久没人修，晚上出行很不方便").number
    with app.test_client() as api:
        act(api, "agent", number, "dispatch", {"unit": "zjj"})
        assert act(api, "zjj", number, "sign").status_code == 200
    unit = db.session.scalars(select(Department).where(Department.code == "zjj")).one()
    db.session.add(ReplyTemplate(department_id=unit.id, title="已修复", body="现已修复。",
                                 active=True, updated_by="zjj-lead"))
    db.session.commit()
    watched = Watched(page)
    sign_in(page, live_server, "zjj")
    watched.goto(f"{live_server}/tickets/{number}")
    page.get_by_label("答复模板").select_option(label="已修复")
    page.get_by_role("button", name="插入模板").click()  # reply_templates.js
    expect(page.get_by_label("办理结果（答复市民）")).to_have_value("现已修复。")
    watched.assert_clean()
