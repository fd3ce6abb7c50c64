"""Buttons that are hard to undo (删除, 退单, 办结, 不予延期) are marked danger or ask first: the
page's confirmation dialog and its script are there, and the forms still post without them."""

from __future__ import annotations

import html
import re

from flask import Flask
from flask.testing import FlaskClient

from hotline.app.extensions import db
from hotline.models import ReplyTemplate
from tests.conftest import csrf_token, login
from tests.hotline.tickets.helpers import act
from tests.hotline.workbench.test_unit_workbench import dispatched


def _button(page: str, form_id: str) -> str:
    form = page.split(f'id="{form_id}"')[1].split("</form>")[0]
    match = re.search(r"<button[^>]*>", form)
    assert match, form_id
    return html.unescape(match.group(0))


def test_return_and_refusing_an_extension_are_danger_and_ask(
        app: Flask, reference: None, client: FlaskClient) -> None:
    with app.test_client() as api:
        t = dispatched("小区门口路灯坏了很久没人修", 21, client=api)
        assert act(api, "zjj-lead", t.number, "extend", {"days": 3, "reason": "需勘查"}) \
            .status_code == 200
    login(client, "zjj-lead")
    page = client.get(f"/tickets/{t.number}").get_data(as_text=True)
    returning = _button(page, "form-return")
    assert 'class="button danger"' in returning and 'data-confirm="确定退单？' in returning
    assert '<dialog id="confirm-dialog"' in page and "js/confirm.js" in page
    login(client, "supervisor")
    page = client.get(f"/tickets/{t.number}").get_data(as_text=True)
    refusing = _button(page, "form-refuse-extension")
    assert "button danger" in refusing and "data-confirm" in refusing
    assert "data-confirm" not in _button(page, "form-approve-extension")  # the safe one asks nothing
    assert 'class="button secondary"' in _button(page, "form-set-topic")
    board = client.get("/supervise").get_data(as_text=True)
    assert re.search(r'class="button small danger" data-confirm="确定不予延期', board)


def test_without_javascript_the_confirmed_form_still_posts(
        app: Flask, reference: None, client: FlaskClient) -> None:
    """The question lives in an attribute; the form is an ordinary POST that works as before."""
    with app.test_client() as api:
        t = dispatched("楼下的路灯一直闪烁影响休息", 22, client=api)
    login(client, "zjj-lead")
    response = client.post(f"/tickets/{t.number}/act/return", data={
        "csrf_token": csrf_token(client), "reason_code": "not_our_duty", "reason": "非本单位职责"})
    assert response.status_code == 302


def test_deleting_and_closing_ask_first(app: Flask, reference: None, client: FlaskClient) -> None:
    with app.test_client() as api:
        t = dispatched("楼下的路灯一直闪烁影响休息", 22, client=api)
        assert act(api, "zjj", t.number, "sign-reply", {"answer": "已修复"}).status_code == 200
    db.session.add(ReplyTemplate(title="路灯已修复", body="您反映的路灯已修复。",
                                 department_id=t.department_id, active=True))
    db.session.commit()
    login(client, "zjj-lead")
    page = html.unescape(client.get("/reply-templates").get_data(as_text=True))
    assert re.search(r'<button class="button danger" type="submit" name="_delete" value="1" '
                     r'data-confirm="确定删除模板「路灯已修复」？">', page)
    login(client, "agent")
    closing = _button(client.get(f"/tickets/{t.number}").get_data(as_text=True), "form-close")
    assert 'data-confirm="确定办结此工单？' in closing and 'class="button"' in closing  # primary
    script = client.get("/static/js/confirm.js").get_data(as_text=True)
    assert "showModal" in script and "requestSubmit" in script
