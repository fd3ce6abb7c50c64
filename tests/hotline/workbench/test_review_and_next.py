"""Answering and reviewing over HTTP: 签收并答复 in one step (two events), 下一件 after replying,
the reply text on the dashboard's review list, and a reviewed ticket offering only what is left."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hotline.app.extensions import db
from hotline.models import Status, Ticket
from tests.conftest import login
from tests.hotline.tickets.helpers import act
from tests.hotline.tickets.test_ticket_forms import page_of, post
from tests.hotline.workbench.test_unit_workbench import dispatched


@pytest.fixture
def two(app: Flask, reference: None) -> list[Ticket]:
    """Two tickets at zjj, unsigned; the second's deadline is nearer (received earlier)."""
    with app.test_client() as api:
        return [dispatched("小区门口路灯坏了很久没人修", 22, client=api),
                dispatched("楼下的路灯一直闪烁影响休息", 21, client=api)]


def test_sign_and_reply_in_one_step_then_the_next_ticket(
        client: FlaskClient, two: list[Ticket]) -> None:
    login(client, "zjj")
    page = page_of(client.get(f"/tickets/{two[0].number}"))
    assert 'id="form-sign-reply"' in page and "签收并答复" in page
    response = post(client, two[0].number, "sign-reply", {"answer": "已安排维修，今晚修复。"})
    assert response.status_code == 302
    db.session.expire_all()
    t = db.session.get(Ticket, two[0].id)
    assert t is not None and t.status == Status.REPLIED
    assert [e.kind for e in t.events][-2:] == ["signed", "replied"]
    assert t.events[-1].note == "已安排维修，今晚修复。" and t.events[-1].actor == "zjj"
    shown = page_of(client.get(response.headers["Location"]))
    assert f'href="/tickets/{two[1].number}" rel="next">下一件：{two[1].number}' in shown


def test_an_empty_answer_leaves_the_ticket_unsigned(client: FlaskClient,
                                                    two: list[Ticket]) -> None:
    login(client, "zjj")
    response = post(client, two[0].number, "sign-reply", {"answer": " "})
    assert response.status_code == 400 and "答复内容不能为空" in page_of(response)
    db.session.expire_all()
    assert db.session.get(Ticket, two[0].id).status == Status.DISPATCHED  # type: ignore[union-attr]


def test_the_last_reply_leads_back_to_the_inbox(app: Flask, client: FlaskClient,
                                                two: list[Ticket]) -> None:
    with app.test_client() as api:
        assert act(api, "zjj", two[1].number, "sign-reply", {"answer": "已处理"}).status_code == 200
    login(client, "zjj")
    post(client, two[0].number, "sign-reply", {"answer": "已处理"})
    page = page_of(client.get(f"/tickets/{two[0].number}"))
    assert "下一件" not in page and "返回待办（已无待办工单）" in page


def test_review_shows_the_reply_and_an_approved_ticket_offers_only_what_is_left(
        app: Flask, client: FlaskClient, two: list[Ticket]) -> None:
    with app.test_client() as api:
        assert act(api, "zjj", two[0].number, "sign-reply",
                   {"answer": "路灯已于当日修复，感谢监督。"}).status_code == 200
    login(client, "supervisor")
    board = page_of(client.get("/supervise"))
    review = board.split('id="t-review"')[1].split("</table>")[0]
    assert "答复内容" in review and "路灯已于当日修复，感谢监督。" in review
    before = page_of(client.get(f"/tickets/{two[0].number}"))
    assert 'id="form-accept-reply"' in before and 'id="form-reject-reply"' in before
    assert post(client, two[0].number, "review-reply", {"accept": "1", "form": "accept-reply"}) \
        .status_code == 302
    after = page_of(client.get(f"/tickets/{two[0].number}"))
    assert "答复已审核通过" in after
    assert 'id="form-accept-reply"' not in after and 'id="form-reject-reply"' not in after
    assert 'id="form-close"' in after  # closing is still possible
    assert "路灯已于当日修复" not in page_of(client.get("/supervise")).split(
        'id="t-review"')[1].split("</table>")[0]

