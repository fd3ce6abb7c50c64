"""POST /twilio/status: signed, idempotent, and never moving a message backwards."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from hotline.app.extensions import db
from hotline.intake.accept import Request
from hotline.intake.handover import submit
from hotline.messaging import outbox
from hotline.models import Channel, Notification, OutboundMessage
from tests.conftest import drain
from tests.fakes.fixtures import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE
from tests.fakes.twilio_rest import FakeTwilio

PATH = "/twilio/status"


def status(client: FlaskClient, sid: str, value: str, *, token: str = AUTH_TOKEN,
           error: str | None = None, signed: bool = True) -> TestResponse:
    params = {"MessageSid": sid, "SmsSid": sid, "MessageStatus": value, "SmsStatus": value,
              "AccountSid": ACCOUNT_SID, "To": "+8613812348000", "From": "+8657112345",
              "ApiVersion": "2010-04-01"}
    if error:
        params["ErrorCode"] = error
    headers = {}
    if signed:
        headers["X-Twilio-Signature"] = RequestValidator(token).compute_signature(PUBLIC_BASE + PATH, params)
    return client.post(PATH, data=params, headers=headers)


def _sent(app: Flask) -> OutboundMessage:
    submit(Request(channel=Channel.WEB, line="12345", content="楼道灯坏了很久了", phone="13812348000"), region="CN")
    drain(app)
    db.session.expire_all()
    return db.session.scalars(select(OutboundMessage)).one()


def _state(message_id: int) -> str:
    db.session.expire_all()
    return db.session.get_one(OutboundMessage, message_id).status


def test_receipts_move_forward_only_and_repeat_harmlessly(
        app: Flask, client: FlaskClient, fake_twilio: FakeTwilio) -> None:
    row = _sent(app)
    sid = row.provider_sid
    assert sid and sid.startswith("SM")
    assert status(client, sid, "sent").status_code == 204
    assert _state(row.id) == outbox.SENT
    assert status(client, sid, "delivered").status_code == 204
    assert status(client, sid, "delivered").status_code == 204  # duplicate
    assert _state(row.id) == outbox.DELIVERED
    assert status(client, sid, "sent").status_code == 204  # late, out of order
    assert status(client, sid, "queued").status_code == 204
    assert _state(row.id) == outbox.DELIVERED


def test_undelivered_is_kept_with_its_error_and_shown_to_agents(
        app: Flask, client: FlaskClient, fake_twilio: FakeTwilio) -> None:
    row = _sent(app)
    assert status(client, row.provider_sid or "", "undelivered", error="30003").status_code == 204
    db.session.expire_all()
    again = db.session.get_one(OutboundMessage, row.id)
    assert (again.status, again.error_code) == (outbox.UNDELIVERED, 30003)
    assert status(client, row.provider_sid or "", "delivered").status_code == 204
    assert _state(row.id) == outbox.UNDELIVERED  # final states are final
    [note] = db.session.scalars(select(Notification)).all()  # one notice, not one per receipt
    assert note.kind == "sms_failed" and note.ticket_id is not None and "30003" in note.body


def test_forged_missing_and_wrong_url_signatures_are_refused(
        app: Flask, client: FlaskClient, fake_twilio: FakeTwilio) -> None:
    row = _sent(app)
    sid = row.provider_sid or ""
    assert status(client, sid, "delivered", token="not-the-token").status_code == 403
    assert status(client, sid, "delivered", signed=False).status_code == 403
    params = {"MessageSid": sid, "MessageStatus": "delivered"}
    forged = RequestValidator(AUTH_TOKEN).compute_signature("http://localhost" + PATH, params)
    assert client.post(PATH, data=params, headers={"X-Twilio-Signature": forged}).status_code == 403
    assert _state(row.id) == outbox.ACCEPTED


def test_unknown_sid_and_unknown_status_are_ignored(
        app: Flask, client: FlaskClient, fake_twilio: FakeTwilio) -> None:
    row = _sent(app)
    assert status(client, "SM" + "f" * 32, "delivered").status_code == 204
    assert status(client, row.provider_sid or "", "exploded").status_code == 204
    assert _state(row.id) == outbox.ACCEPTED


def test_malformed_callback_is_400(app: Flask, client: FlaskClient, fake_twilio: FakeTwilio) -> None:
    params = {"MessageSid": "SM1"}
    sig = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_BASE + PATH, params)
    assert client.post(PATH, data=params, headers={"X-Twilio-Signature": sig}).status_code == 400
