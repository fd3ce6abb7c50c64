"""Staff notices over HTTP: grouped by kind and ticket, one line per cause for SMS failures,
filtered by kind, paged, and marked read one by one, by group or all at once."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.models import Notification, NotificationRead, Ticket, User
from hotline.workbench import notices
from tests.conftest import csrf_token, login
from tests.hotline.tickets.helpers import new_ticket

CAUSE = "no SMS provider configured"


@pytest.fixture
def flood(app: Flask, reference: None) -> list[Ticket]:
    """Forty SMS failures with one cause, two overdue notices on one ticket, one on another,
    and a notice for the supervisors the agents must not see."""
    tickets = [new_ticket(f"第{i}号诉求内容请问办事大厅几点下班") for i in range(3)]
    for i in range(40):
        db.session.add(Notification(role="agent", ticket_id=tickets[i % 3].id, kind="sms_failed",
                                    level="red", body=f"工单 {i} 的短信发送失败：{CAUSE}",
                                    cause=CAUSE))
    for t, n in ((tickets[0], 2), (tickets[1], 1)):
        for _ in range(n):
            db.session.add(Notification(role="agent", ticket_id=t.id, kind="deadline_overdue",
                                        level="red", body=f"工单 {t.number} 答复时限已超期"))
    db.session.add(Notification(role="supervisor", ticket_id=tickets[2].id, kind="urged",
                                body="只给督办员"))
    unit_of_work.commit(db.session)
    return tickets


def _groups(page: str) -> list[str]:
    return re.findall(r'<li class="group[^"]*">(.*?)</li>', page, re.S)


def _unread(username: str) -> int:
    user = db.session.scalars(select(User).where(User.username == username)).one()
    return notices.unread_count(db.session, user)


def _mark(client: FlaskClient, **fields: str) -> None:
    response = client.post("/notifications", data={"csrf_token": csrf_token(client), **fields})
    assert response.status_code == 302


def test_one_line_per_cause_and_per_ticket(client: FlaskClient, flood: list[Ticket]) -> None:
    login(client, "agent")
    page = client.get("/notifications").get_data(as_text=True)
    groups = _groups(page)
    assert len(groups) == 3 and "共 3 组" in page  # the 40 failures, ticket 0's two, ticket 1's one
    [sms] = [g for g in groups if CAUSE in g]
    assert "40 条" in sms and "未读 40" in sms and "短信发送失败" in sms
    [twice] = [g for g in groups if flood[0].number in g and "超期" in g]
    assert "2 条" in twice
    assert "只给督办员" not in page


def test_filter_by_kind_and_open_a_group(client: FlaskClient, flood: list[Ticket]) -> None:
    login(client, "agent")
    overdue = client.get("/notifications?kind=deadline_overdue").get_data(as_text=True)
    assert len(_groups(overdue)) == 2 and CAUSE not in overdue
    one = client.get(f"/notifications?kind=deadline_overdue&ticket={flood[0].number}")
    items = re.findall(r'<li class="red unread">', one.get_data(as_text=True))
    assert len(items) == 2  # the group's notices one by one
    assert client.get("/notifications?kind=nope").status_code == 400
    assert client.get("/notifications?ticket=nope").status_code == 400


def test_mark_read_one_by_group_and_all(client: FlaskClient, flood: list[Ticket]) -> None:
    login(client, "agent")
    assert _unread("agent") == 43
    _mark(client, kind="sms_failed", cause=CAUSE)
    assert _unread("agent") == 3
    first = db.session.scalars(select(Notification).where(
        Notification.kind == "deadline_overdue").order_by(Notification.id)).first()
    assert first is not None
    _mark(client, id=str(first.id))
    _mark(client, id=str(first.id))  # twice is still one read
    assert _unread("agent") == 2
    assert db.session.scalar(select(func.count(NotificationRead.id))) == 41
    _mark(client, kind="deadline_overdue", back_kind="deadline_overdue")
    assert _unread("agent") == 0
    assert _unread("supervisor") == 1  # reading is per user, and only one's own notices
    page = client.get("/notifications").get_data(as_text=True)
    assert "未读" not in "".join(_groups(page)) and 'class="badge"' not in page


def test_a_group_about_no_ticket_is_marked_read_alone(client: FlaskClient,
                                                      flood: list[Ticket]) -> None:
    db.session.add(Notification(role="agent", kind="deadline_overdue", body="没有工单的通知"))
    unit_of_work.commit(db.session)
    login(client, "agent")
    page = client.get("/notifications?kind=deadline_overdue").get_data(as_text=True)
    assert len(_groups(page)) == 3
    _mark(client, kind="deadline_overdue", ticket="none")
    assert _unread("agent") == 43  # only that one; the tickets' overdue notices stay unread
    one = client.get("/notifications?kind=deadline_overdue&ticket=none").get_data(as_text=True)
    assert "没有工单的通知" in one and "答复时限已超期" not in one


def test_marking_read_comes_back_to_the_same_list(client: FlaskClient, flood: list[Ticket]) -> None:
    login(client, "agent")
    response = client.post("/notifications", data={
        "csrf_token": csrf_token(client), "kind": "sms_failed", "cause": CAUSE,
        "back_kind": "sms_failed", "back_each": "1"})
    assert response.headers["Location"] == "/notifications?kind=sms_failed&each=1"
    assert client.post("/notifications", data={"csrf_token": csrf_token(client),
                                               "id": "x"}).status_code == 400


def test_pages_with_the_total(client: FlaskClient, flood: list[Ticket],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notices, "PER_PAGE", 10)
    login(client, "agent")
    first = client.get("/notifications?each=1").get_data(as_text=True)
    assert "共 43 条，第 1 / 5 页" in first and 'href="/notifications?each=1&amp;page=2"' in first
    last = client.get("/notifications?each=1&page=5").get_data(as_text=True)
    assert len(re.findall(r'<li class="red unread">', last)) == 3
