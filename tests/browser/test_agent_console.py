"""An agent uses the console in a real browser: keyboard first, suggestions live, one screen."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.knowledge import service as knowledge
from hotline.models import Status, Ticket, User
from tests.browser.conftest import shot, sign_in
from tests.hotline.console.model import console_model, console_model_dir  # noqa: F401
from tests.hotline.tickets.helpers import new_ticket


def _open_console(page, live_server: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in as the agent, whose home is the console, and wait until the number field has the focus."""
    sign_in(page, live_server, "agent")
    page.wait_for_url("**/agent/calls/new")
    expect(page.locator("#phone")).to_be_focused()


@pytest.mark.usefixtures("console_model")
def test_agent_logs_a_call_sees_the_suggestion_and_dispatches_with_it(
        app: Flask, live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    earlier = new_ticket("东湖小区3号楼电梯经常停运，物业不处理")  # caller +8613812348000
    _open_console(page, live_server)
    # The number field has the focus: the agent just types.
    page.keyboard.type("13812348000")
    page.locator("#history li").first.wait_for()
    assert earlier.number in page.locator("#history").inner_text()
    page.keyboard.press("Alt+c")  # access key to the content
    page.keyboard.type("小区电梯经常停运，物业不管，老人上下楼困难")
    page.get_by_label("地址").fill("A1区东湖街道")
    page.locator("#s-unit").filter(has_text="住房").wait_for()
    expect(page.locator("#s-topic")).to_contain_text("城乡建设", use_inner_text=True)
    expect(page.locator("#s-topic")).to_contain_text("自动派单阈值", use_inner_text=True)
    page.locator("#similar li").first.wait_for()
    assert earlier.number in page.locator("#similar").inner_text()
    shot(page, "agent-console-1366")
    page.locator("#similar .link-repeat").first.click()
    expect(page.locator("#repeat-note")).to_be_visible()
    page.keyboard.press("Alt+a")  # take the suggested unit
    assert page.locator("#unit").input_value() == "a1-zjj"
    chosen = page.get_by_label("诉求类型")  # set from the suggestion, named beside it
    assert page.locator("#s-type").inner_text().startswith(
        chosen.locator("option:checked").inner_text())
    page.keyboard.press("Control+Enter")
    page.wait_for_url("**/agent/calls/new?saved=*")  # a fresh console for the next call
    ticket = db.session.scalars(select(Ticket).where(Ticket.id != earlier.id)).one()
    assert page.locator(".saved-number").inner_text() == ticket.number  # large, to read out
    assert page.get_by_label("诉求内容").input_value() == ""
    shot(page, "agent-console-saved")
    assert ticket.status == Status.DISPATCHED and ticket.department.code == "a1-zjj"
    assert ticket.repeat_of_id == earlier.id
    event = next(e for e in ticket.events if e.kind == "dispatched")
    assert event.data["reason"]["followed_suggestion"] is True


@pytest.mark.usefixtures("console_model")
def test_agent_answers_from_the_knowledge_base_and_closes_directly(
        app: Flask, live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    admin = db.session.scalars(select(User).where(User.username == "admin")).one()
    knowledge.save(db.session, admin, {
        "title": "住房公积金租房提取", "keywords": "公积金, 提取, 租房",
        "body": "租房提取公积金：登录公积金网上服务大厅，上传租房合同，3个工作日内到账。"})
    unit_of_work.commit(db.session)  # the live server reads it from its own connection
    page.set_viewport_size({"width": 390, "height": 844})
    _open_console(page, live_server)
    page.keyboard.type("13912345678")
    page.get_by_label("诉求内容").fill("请问租房可以提取公积金吗，怎么办理")
    page.locator("#suggestion").wait_for()  # the live panels above have settled
    expect(page.locator("#s-type")).to_contain_text("请问")  # the words that decided
    assert page.get_by_label("诉求类型").input_value() == "consult"  # suggested, not typed
    page.keyboard.press("Alt+k")
    page.keyboard.type("公积金 租房")
    page.locator('#kb-results[data-q="公积金 租房"] li').first.wait_for()
    page.locator("#kb-results .insert").first.click()
    shot(page, "agent-console-phone-kb")
    assert page.get_by_label("直接办结").is_checked()
    assert "网上服务大厅" in page.get_by_label("答复内容").input_value()
    shot(page, "agent-console-phone-answer")
    page.get_by_role("button", name="保存工单").click()
    page.wait_for_url("**/agent/calls/new?saved=*")
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.request_type.value == "consult"
    assert ticket.status == Status.CLOSED and ticket.events[-1].kind == "closed_direct"
    assert "网上服务大厅" in (ticket.events[-1].note or "")


@pytest.mark.usefixtures("console_model")
def test_admin_writes_an_article_the_agent_then_finds(live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/admin/knowledge/")
    page.get_by_text("新增条目").click()
    page.get_by_label("标题").fill("居住证办理")
    page.get_by_label("关键词（逗号分隔）").fill("居住证, 暂住证")
    page.get_by_label("答复正文").fill("携带身份证和租房合同到居住地派出所办理。")
    page.get_by_role("button", name="新增").click()
    expect(page.get_by_role("link", name="居住证办理")).to_be_visible()
    shot(page, "knowledge-admin-1366")
    assert [h.article.title for h in knowledge.search(db.session, "暂住证")] == ["居住证办理"]


@pytest.mark.usefixtures("console_model")
def test_an_unsure_request_type_is_a_hint_not_a_choice(live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """A confident guess sets the field; when the text turns it into a tie between two types,
    the field goes back to its default and the guess stays beside it as a hint."""
    _open_console(page, live_server)
    kind = page.get_by_label("诉求类型")
    assert kind.input_value() == "complaint"  # the form's default
    page.get_by_label("诉求内容").fill("请问居住证怎么办理，需要什么材料")
    expect(page.locator("#s-type")).to_contain_text("已预选")
    assert kind.input_value() == "consult"
    page.get_by_label("诉求内容").fill("咨询一下哪里可以求助")  # 咨询 and 求助 weigh the same
    expect(page.locator("#s-type")).to_contain_text("未预选，请确认")
    assert page.locator("#s-type").inner_text().startswith("求助")
    expect(page.locator("#s-type")).to_have_class("hint")
    expect(page.locator("#s-type")).to_contain_text("%", use_inner_text=True)
    assert "未见提示词" not in page.locator("#s-type").inner_text()
    assert kind.input_value() == "complaint"
    page.get_by_label("诉求内容").fill("举报小区有人违章搭建")  # confident again: set
    expect(page.locator("#s-type")).to_contain_text("违章搭建")
    assert kind.input_value() == "report"
    kind.select_option("suggestion")  # the agent's own choice is never overwritten
    page.get_by_label("诉求内容").fill("咨询一下哪里可以求助")
    expect(page.locator("#s-type")).to_contain_text("已手动选择")
    assert kind.input_value() == "suggestion"
