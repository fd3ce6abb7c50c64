"""Twilio SMS end to end with real signatures: webhook -> committed intake -> RQ worker -> ticket.

The signatures are computed with the Twilio SDK over PUBLIC_BASE_URL, which differs from the test
client's host on purpose: that is the reverse-proxy situation the webhook must get right.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from uuid import uuid4

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from hotline.app import settings as app_settings
from hotline.app.extensions import db
from hotline.domain import lifecycle
from hotline.models import Channel, Intake, IntakeStatus, Line, Message, Status, Ticket
from tests.conftest import ChangeSettings, drain
from workers.jobs import sweep_intakes

TOKEN = "test-twilio-auth-token"
BASE = "https://hotline.example.gov.cn"
NUMBERS = {"+8657112345": "12345", "+8657112315": "12315", "+8657112319": "12319"}
PHONE = "+8613812348000"
OTHER_PHONE = "+8613912349000"
SMS_PATH = "/twilio/sms"


def configure_twilio(settings: ChangeSettings) -> None:
    """The settings a deployment has: auth token, public URL and the line of each number."""
    settings(public_base_url=BASE, twilio={"auth_token": TOKEN, "line_numbers": NUMBERS})


@pytest.fixture(autouse=True)
def _twilio(settings: ChangeSettings) -> None:
    configure_twilio(settings)


def new_sid(prefix: str) -> str:
    """A Twilio-shaped SID: two letters and 32 hex digits."""
    return prefix + uuid4().hex


def signed_post(client: FlaskClient, path: str, params: dict[str, str], *,
                url: str | None = None, token: str = TOKEN,
                headers: dict[str, str] | None = None) -> TestResponse:
    """POST the form as Twilio does, signed (by default) for BASE + path."""
    signature = RequestValidator(token).compute_signature(url or BASE + path, params)
    return client.post(path, data=params,
                       headers={"X-Twilio-Signature": signature, **(headers or {})})


def sms_params(body: str | None, *, sender: str = PHONE, to: str = "+8657112345",
               sid: str | None = None) -> dict[str, str]:
    params = {"MessageSid": sid or new_sid("SM"), "AccountSid": new_sid("AC"), "From": sender,
              "To": to, "NumMedia": "0", "NumSegments": "1"}
    if body is not None:
        params["Body"] = body
    return params


def send(client: FlaskClient, body: str | None, **kwargs: str) -> str:
    """Send an SMS, check the TwiML envelope, return the text Twilio will send back."""
    response = signed_post(client, SMS_PATH, sms_params(body, **kwargs))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    messages = ET.fromstring(response.get_data()).findall("Message")
    assert len(messages) == 1
    return messages[0].text or ""


def number_in(text: str) -> str:
    match = re.search(r"\d{8}-\d{6}", text)
    assert match, text
    return match.group(0)


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def ticket(number: str) -> Ticket:
    db.session.expire_all()
    return db.session.scalars(select(Ticket).where(Ticket.number == number)).one()


def test_sms_opens_a_ticket_on_the_dialled_line(app: Flask, client: FlaskClient) -> None:
    reply = send(client, "小区门口路灯坏了一个月了", to="+8657112315", sender="+86 138 1234 8000")
    assert "已受理" in reply and "【12315】" in reply
    number = number_in(reply)
    assert count(Ticket) == 0  # committed and queued; the worker opens the ticket
    drain(app)
    opened = ticket(number)
    assert (opened.channel, opened.line, opened.phone) == (Channel.SMS, Line.L12315, PHONE)
    assert opened.content == "小区门口路灯坏了一个月了"
    assert opened.status == Status.PENDING_DISPATCH
    message = db.session.scalars(select(Message)).one()
    assert (message.direction, message.channel, message.kind) == ("in", Channel.SMS, "intake")
    assert message.provider_sid == db.session.scalars(select(Intake)).one().source_ref


def test_a_retried_webhook_answers_the_same_number_and_opens_one_ticket(
        app: Flask, client: FlaskClient) -> None:
    sid = new_sid("SM")
    first = send(client, "楼下餐馆油烟很大", sid=sid)
    assert send(client, "楼下餐馆油烟很大", sid=sid) == first  # Twilio retried before the worker
    drain(app)
    assert send(client, "楼下餐馆油烟很大", sid=sid) == first  # and again after it
    drain(app)
    assert (count(Intake), count(Ticket), count(Message)) == (1, 1, 1)
    assert ticket(number_in(first)).status == Status.PENDING_DISPATCH


@pytest.mark.parametrize("case", ["forged", "missing", "other_url", "tampered", "no_token"])
def test_unsigned_or_wrongly_signed_requests_are_refused(client: FlaskClient,
                                                         settings: ChangeSettings, case: str) -> None:
    params = sms_params("路灯坏了")
    if case == "forged":
        response = signed_post(client, SMS_PATH, params, token="not-the-token")
    elif case == "missing":
        response = client.post(SMS_PATH, data=params)
    elif case == "other_url":  # what request.url is here; Twilio signed the public URL
        response = signed_post(client, SMS_PATH, params, url="http://localhost/twilio/sms")
    elif case == "tampered":
        signature = RequestValidator(TOKEN).compute_signature(BASE + SMS_PATH, params)
        response = client.post(SMS_PATH, data={**params, "Body": "改过的内容"},
                               headers={"X-Twilio-Signature": signature})
    else:  # an unset token must not turn into an empty, forgeable HMAC key
        settings(twilio={"auth_token": ""})
        response = signed_post(client, SMS_PATH, params, token="")
    assert response.status_code == 403
    assert response.mimetype == "text/plain"
    assert "Forbidden" in response.get_data(as_text=True)
    assert (count(Intake), count(Message)) == (0, 0)


def test_signature_covers_the_query_string_and_sha256_settings(client: FlaskClient) -> None:
    params = sms_params("井盖丢了")
    response = signed_post(client, SMS_PATH + "?src=a%20b", params, url=BASE + SMS_PATH + "?src=a%20b")
    assert response.status_code == 200
    params = sms_params("井盖又丢了")
    signature = RequestValidator(TOKEN).compute_signature(BASE + SMS_PATH, params, "HMAC_SHA256")
    response = client.post(SMS_PATH, data=params, headers={
        "X-Twilio-Signature": signature,
        "X-Twilio-Webhooks-Signature-Settings": "key=webhooks_sharedkey_1,algorithm=HMAC_SHA256"})
    assert response.status_code == 200
    assert count(Intake) == 2


def test_quoting_an_open_ticket_from_the_same_phone_adds_to_it(app: Flask,
                                                             client: FlaskClient) -> None:
    number = number_in(send(client, "楼道灯坏了，晚上很黑"))
    drain(app)
    reply = send(client, f"补充：{number.replace('-', '')} 三楼和四楼的灯也不亮")
    assert number in reply and "补充" in reply
    drain(app)
    assert count(Ticket) == 1
    events = [(e.kind, e.note) for e in ticket(number).events]
    assert events[-1] == ("citizen_message", f"补充：{number.replace('-', '')} 三楼和四楼的灯也不亮")
    supplement = db.session.scalars(select(Message).where(Message.kind == "supplement")).one()
    assert supplement.ticket_id == ticket(number).id


@pytest.mark.parametrize("whose", ["someone_else", "closed"])
def test_quoting_a_ticket_one_cannot_add_to_opens_a_new_one(app: Flask, client: FlaskClient,
                                                            whose: str) -> None:
    number = number_in(send(client, "路边垃圾桶满了没人清"))
    drain(app)
    sender = PHONE
    if whose == "someone_else":
        sender = OTHER_PHONE
    else:
        lifecycle.close(ticket(number), lifecycle.SYSTEM, direct=True)
        db.session.commit()
    reply = send(client, f"{number} 这件事怎么样了", sender=sender)
    assert number not in reply  # nothing about the quoted ticket is confirmed or revealed
    drain(app)
    assert count(Ticket) == 2
    assert "citizen_message" not in [e.kind for e in ticket(number).events]
    assert ticket(number_in(reply)).phone == sender


@pytest.mark.parametrize(("body", "sender", "expected"), [
    ("   ", PHONE, "为空"),
    (None, PHONE, "为空"),
    ("长" * 5000, PHONE, "过长"),
    ("路灯坏了", "12", "无法识别"),
    ("路灯坏了", "TWILIO", "无法识别"),
])
def test_refused_content_gets_a_chinese_reply_and_stores_nothing(
        client: FlaskClient, body: str | None, sender: str, expected: str) -> None:
    reply = send(client, body, sender=sender)
    assert expected in reply
    assert (count(Intake), count(Message)) == (0, 0)


def test_an_unconfigured_number_is_answered_and_stores_nothing(client: FlaskClient) -> None:
    reply = send(client, "路灯坏了", to="+8657100000")
    assert "暂未开通" in reply
    assert (count(Intake), count(Message)) == (0, 0)


@pytest.mark.parametrize("problem", ["json", "repeated", "missing_from", "bad_sid"])
def test_malformed_but_signed_requests_get_400(client: FlaskClient, problem: str) -> None:
    params = sms_params("路灯坏了")
    if problem == "json":  # the form is empty, so the signature covers the URL alone
        signature = RequestValidator(TOKEN).compute_signature(BASE + SMS_PATH, {})
        response = client.post(SMS_PATH, json=params, headers={"X-Twilio-Signature": signature})
    elif problem == "repeated":
        data = MultiDict([*params.items(), ("From", OTHER_PHONE)])
        signature = RequestValidator(TOKEN).compute_signature(BASE + SMS_PATH, data)
        response = client.post(SMS_PATH, data=data, headers={"X-Twilio-Signature": signature})
    elif problem == "missing_from":
        del params["From"]
        response = signed_post(client, SMS_PATH, params)
    else:
        params["MessageSid"] = "SM'; drop table intakes;--"
        response = signed_post(client, SMS_PATH, params)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    assert count(Intake) == 0


def test_sms_accepted_while_redis_is_down_still_gets_a_number(
        app: Flask, client: FlaskClient, settings: ChangeSettings) -> None:
    working = app_settings.current(app).redis.url
    settings(redis={"url": "redis://127.0.0.1:1/0"})
    app.extensions.pop("hotline.redis", None)
    number = number_in(send(client, "供暖不热，家里只有十五度"))
    intake = db.session.scalars(select(Intake)).one()
    assert (intake.ticket_number, intake.status) == (number, IntakeStatus.RECEIVED)

    # Redis is back: the sweeper re-queues the intake
    settings(redis={"url": working}, intake={"requeue_after": timedelta(0)})
    app.extensions.pop("hotline.redis", None)
    assert sweep_intakes() == 1
    drain(app)
    assert ticket(number).channel == Channel.SMS


def test_supplement_to_a_ticket_closed_before_processing_opens_a_linked_one(
        app: Flask, client: FlaskClient) -> None:
    number = number_in(send(client, "楼道灯坏了，晚上很黑"))
    drain(app)
    send(client, f"补充：{number} 三楼的灯也不亮")  # accepted as a supplement to the open ticket
    lifecycle.close(ticket(number), lifecycle.SYSTEM, direct=True)  # closed before the worker runs
    db.session.commit()
    drain(app)
    intake = db.session.scalars(select(Intake).order_by(Intake.id.desc())).first()
    assert intake.status == IntakeStatus.PROCESSED  # not failed and re-queued forever
    new = ticket(intake.ticket_number)
    assert new.repeat_of.number == number and new.content == f"补充：{number} 三楼的灯也不亮"
    assert "citizen_message" not in [e.kind for e in ticket(number).events]
