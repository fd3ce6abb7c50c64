"""The whole loop over HTTP: a citizen's request, the unit's answer, delivery, follow-up, redo.

Everything the citizen and Twilio do goes through the app's HTTP endpoints with real Twilio
signatures; everything the app sends goes through the real Twilio SDK to the fake REST API.
The staff steps (dispatch, sign, reply, review) call the life cycle as the staff pages do.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from hotline.app.extensions import db
from hotline.models import FollowUp, Intake, OutboundMessage, Status
from tests.conftest import csrf_token, drain
from tests.fakes import flow
from tests.fakes.fixtures import PUBLIC_BASE
from tests.fakes.twilio_rest import FakeTwilio
from tests.hotline.twilio.test_twilio_sms import signed_post, sms_params

PHONE = "+8613812348000"
ANSWER = ("经现场核查，该路灯因线路老化损坏。我单位已于今日更换线路，照明已恢复。"
          "如仍有问题请再次反映。")


def sms(client: FlaskClient, body: str, sender: str = PHONE) -> str:
    """An SMS from the citizen to 12345; returns the TwiML reply text ('' for none)."""
    response = signed_post(client, "/twilio/sms", sms_params(body, sender=sender))
    assert response.status_code == 200, response.get_data(as_text=True)
    messages = ET.fromstring(response.get_data()).findall("Message")
    return messages[0].text or "" if messages else ""


def receipt(client: FlaskClient, sid: str, value: str) -> int:
    params = {"MessageSid": sid, "MessageStatus": value, "To": PHONE}
    return signed_post(client, "/twilio/status", params).status_code


def count(model: type) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_sms_request_answered_by_sms_rated_unsolved_and_reopened(
        app: Flask, client: FlaskClient, fake_twilio: FakeTwilio, reference: None) -> None:
    reply = sms(client, "幸福小区3号楼门口的路灯坏了一个月了，晚上很黑")
    number = re.search(r"\d{8}-\d{6}", reply).group(0)  # type: ignore[union-attr]
    drain(app)
    assert fake_twilio.requests == []  # the TwiML reply was the acknowledgement: no second SMS

    flow.answer(number, ANSWER)
    drain(app)
    [answer] = fake_twilio.sent
    assert answer.to == PHONE and number in answer.body and "路灯因线路老化损坏" in answer.body
    assert f"{PUBLIC_BASE}/track?n={number}" in answer.body

    assert receipt(client, answer.sid or "", "sent") == 204
    assert receipt(client, answer.sid or "", "delivered") == 204
    assert receipt(client, answer.sid or "", "delivered") == 204  # Twilio repeats itself
    drain(app)
    assert len(fake_twilio.sent) == 2  # the follow-up question, once
    question = fake_twilio.sent[1]
    assert question.to == PHONE and "回复两位数字" in question.body and number in question.body

    intakes = count(Intake)
    assert sms(client, "3") == ""  # the answer to the follow-up, not a new request
    assert count(Intake) == intakes
    drain(app)
    ticket = flow.ticket(number)
    assert ticket.status == Status.DISPATCHED
    reopened = ticket.events[-1]
    assert reopened.kind == "reopened" and "未解决" in (reopened.note or "")
    assert "市民原话：3" in (reopened.note or "")
    verdict = db.session.scalars(select(FollowUp)).one()
    assert (verdict.solved, verdict.satisfied, verdict.channel, verdict.status) == (3, None, "sms", "answered")
    assert verdict.department_id == ticket.department_id
    assert "重新办理" in fake_twilio.sent[-1].body and len(fake_twilio.sent) == 3

    # The unit answers again; the citizen is satisfied this time and the ticket closes.
    flow.answer(number, "已再次派人维修，路灯已亮。")
    drain(app)
    second = fake_twilio.sent[-1]
    assert "路灯已亮" in second.body
    assert receipt(client, second.sid or "", "delivered") == 204
    drain(app)
    assert sms(client, "１１ 谢谢") == ""
    drain(app)
    assert flow.ticket(number).status == Status.CLOSED
    rounds = db.session.scalars(select(FollowUp).order_by(FollowUp.round)).all()
    assert [(r.round, r.solved, r.satisfied) for r in rounds] == [(1, 3, None), (2, 1, 1)]
    assert "感谢您的评价" in fake_twilio.sent[-1].body
    assert all(r.to == PHONE for r in fake_twilio.requests)


def test_web_request_followed_on_the_tracking_page(
        app: Flask, client: FlaskClient, fake_twilio: FakeTwilio, reference: None) -> None:
    page = client.post("/submit", data={
        "line": "12345", "request_type": "complaint", "content": "人行道上的井盖丢了，很危险",
        "phone": "138 1234 8000", "csrf_token": csrf_token(client)})
    assert page.status_code == 201
    number = re.search(r"\d{8}-\d{6}", page.get_data(as_text=True)).group(0)  # type: ignore[union-attr]
    drain(app)
    [ack] = fake_twilio.sent
    assert ack.to == PHONE and number in ack.body and "/track?n=" in ack.body
    assert receipt(client, ack.sid or "", "delivered") == 204

    flow.answer(number, "井盖已补装。")
    drain(app)
    assert len(fake_twilio.sent) == 1  # web answers are read on the tracking page

    token = csrf_token(client)
    wrong = client.post("/track", data={"number": number, "phone": "13900000000", "csrf_token": token})
    assert wrong.status_code == 403
    ok = client.post("/track", data={"number": number, "phone": "13812348000", "csrf_token": token})
    assert ok.status_code == 302 and ok.headers["Location"].endswith(f"/track/{number}")
    shown = client.get(f"/track/{number}").get_data(as_text=True)
    assert "井盖已补装。" in shown and "已答复" in shown and 'id="follow-up"' in shown
    unit_staff = flow.ticket(number).department
    assert unit_staff is not None and unit_staff.code not in shown and "agent" not in shown

    rated = client.post(f"/track/{number}/follow-up", data={
        "solved": "2", "satisfied": "3", "comment": "只补了一半", "csrf_token": token})
    assert rated.status_code == 302
    ticket = flow.ticket(number)
    assert ticket.status == Status.DISPATCHED
    assert "只补了一半" in (ticket.events[-1].note or "")
    verdict = db.session.scalars(select(FollowUp)).one()
    assert (verdict.solved, verdict.satisfied, verdict.channel) == (2, 3, "web")
    after = client.get(f"/track/{number}").get_data(as_text=True)
    assert 'id="follow-up"' not in after and "重办" in after
    assert count(OutboundMessage) == 1
