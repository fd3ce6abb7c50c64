"""The citizen web form end to end: HTTP -> committed intake -> RQ worker -> ticket."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from hotline.app.extensions import db
from hotline.models import Intake, IntakeStatus, Status, Ticket
from tests.conftest import csrf_token, drain, login


def post(client: FlaskClient, **fields: str) -> tuple[int, str]:
    data = {"line": "12345", "request_type": "complaint", "content": "小区门口路灯坏了一个月了",
            "phone": "13812348000", "csrf_token": csrf_token(client), **fields}
    response = client.post("/submit", data=data)
    return response.status_code, response.get_data(as_text=True)


def test_submission_shows_number_and_worker_creates_ticket(app: Flask, client: FlaskClient) -> None:
    status, page = post(client, name="张三", address="A1区东湖街道")
    assert status == 201
    number = re.search(r'id="ticket-number">([\d-]+)<', page).group(1)
    assert db.session.scalar(select(func.count(Ticket.id))) == 0  # queued, not yet processed
    drain(app)
    ticket = db.session.scalars(select(Ticket).where(Ticket.number == number)).one()
    assert ticket.phone == "+8613812348000"
    assert ticket.status == Status.PENDING_DISPATCH  # no model active: people dispatch it
    assert [e.kind for e in ticket.events] == ["intake", "routing_manual"]
    assert db.session.scalars(select(Intake)).one().status == IntakeStatus.PROCESSED


def test_html_is_stored_as_text_and_escaped(app: Flask, client: FlaskClient,
                                            reference: None) -> None:
    status, _ = post(client, content="<script>alert(1)</script>路灯不亮")
    assert status == 201
    drain(app)
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.content == "<script>alert(1)</script>路灯不亮"
    login(client, "agent")
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;路灯不亮" in page
    assert "<script>alert(1)" not in page


def test_bad_input_is_refused_with_a_message(app: Flask, client: FlaskClient) -> None:
    for fields, message in [({"content": "   "}, "内容"), ({"phone": "12"}, "电话号码"),
                            ({"line": "99999"}, "Not a valid choice"),
                            ({"content": "长" * 5000}, "5000")]:
        status, page = post(client, **fields)
        assert status == 400, fields
        assert message in page or "4000" in page, (fields, page[:500])
    assert db.session.scalar(select(func.count(Intake.id))) == 0


def test_missing_csrf_token_is_refused(client: FlaskClient) -> None:
    response = client.post("/submit", data={"content": "x", "phone": "13812348000"})
    assert response.status_code == 400
