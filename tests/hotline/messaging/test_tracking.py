"""/track: proof by phone or one-time code, no enumeration, throttled, one ticket per session."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import select, update

from hotline import create_app
from hotline.extensions import db
from hotline.intake import Request
from hotline.models import Channel, TrackingCode, utcnow
from hotline.submit import submit
from tests.conftest import csrf_token, drain
from tests.fakes import flow
from tests.fakes.twilio_rest import FakeTwilio

PHONE = "13812348000"


@pytest.fixture
def number(app: Flask, fake_twilio: FakeTwilio) -> str:
    intake, _ = submit(Request(channel=Channel.WEB, line="12345", content="公园里的长椅坏了",
                               phone=PHONE, name="张三", confidential=True))
    drain(app)
    fake_twilio.reset()
    return intake.ticket_number


def _try(client: FlaskClient, number: str, *, phone: str = "", code: str = "") -> tuple[int, str]:
    # Requests share the test's app context, and Flask-WTF caches the token in `g`: drop it so
    # each client (a different citizen) gets a token of its own session.
    g.pop("csrf_token", None)
    response = client.post("/track", data={"number": number, "phone": phone, "code": code,
                                           "csrf_token": csrf_token(client)})
    return response.status_code, response.get_data(as_text=True)


def _message(body: str) -> str:
    """The page without what the citizen typed (echoed back into the form) and the CSRF token."""
    return re.sub(r'value="[^"]*"|&n=[^"]*"', "", body)


def test_wrong_number_and_wrong_phone_look_the_same(client: FlaskClient, number: str) -> None:
    unknown = _try(client, "20000101-999999", phone=PHONE)
    wrong_phone = _try(client, number, phone="13912349000")
    garbage = _try(client, "abc", phone="x")
    assert unknown[0] == wrong_phone[0] == garbage[0] == 403
    assert _message(unknown[1]) == _message(wrong_phone[1]) == _message(garbage[1])


def test_phone_proof_opens_only_that_ticket(app: Flask, client: FlaskClient, number: str) -> None:
    other, _ = submit(Request(channel=Channel.WEB, line="12345", content="另一件事情很着急",
                              phone=PHONE))
    drain(app)
    assert client.get(f"/track/{number}").status_code == 404  # nothing before proof
    status, _ = _try(client, number, phone="+86 138-1234-8000")  # any spelling of the number
    assert status == 302
    page = client.get(f"/track/{number}").get_data(as_text=True)
    assert "公园里的长椅坏了" in page and "受理" in page
    assert "张三" not in page and PHONE not in page
    assert client.get(f"/track/{other.ticket_number}").status_code == 404
    assert client.get(f"/track?n={number}").status_code == 302  # remembered


def test_failures_lock_the_ticket_for_everyone(app: Flask, client: FlaskClient, number: str) -> None:
    app.config["TRACK_MAX_FAILURES"] = 3
    for _ in range(3):
        assert _try(client, number, phone="13900000000")[0] == 403
    other_client = app.test_client()  # another IP, another session: the count is per ticket
    assert _try(other_client, number, phone=PHONE)[0] == 403


def test_code_by_sms_is_single_use_and_expires(
        app: Flask, client: FlaskClient, number: str, fake_twilio: FakeTwilio) -> None:
    sent = client.post("/track/code", data={"number": number, "csrf_token": csrf_token(client)})
    unknown = client.post("/track/code", data={"number": "20000101-999999",
                                                "csrf_token": csrf_token(client)})
    assert sent.status_code == unknown.status_code == 200
    assert _message(sent.get_data(as_text=True)).replace(number, "") == \
        _message(unknown.get_data(as_text=True)).replace("20000101-999999", "")
    drain(app)
    [sms] = fake_twilio.sent
    assert sms.to == "+86" + PHONE
    code = re.search(r"验证码为 (\d{6})", sms.body).group(1)  # type: ignore[union-attr]
    stored = db.session.scalars(select(TrackingCode)).one()
    assert code not in stored.code_hash  # only a keyed hash is kept
    from hotline.models import OutboundMessage

    assert code not in db.session.scalars(select(OutboundMessage)
                                          .where(OutboundMessage.kind == "tracking_code")).one().body

    assert _try(client, number, code=code)[0] == 302
    fresh = app.test_client()
    assert _try(fresh, number, code=code)[0] == 403  # used

    client.post("/track/code", data={"number": number, "csrf_token": csrf_token(client)})
    drain(app)
    code2 = re.search(r"验证码为 (\d{6})", fake_twilio.sent[-1].body).group(1)  # type: ignore[union-attr]
    db.session.execute(update(TrackingCode).where(TrackingCode.used_at.is_(None))
                       .values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert _try(app.test_client(), number, code=code2)[0] == 403  # expired


def test_codes_per_ticket_are_limited(app: Flask, client: FlaskClient, number: str,
                                      fake_twilio: FakeTwilio) -> None:
    for _ in range(5):
        client.post("/track/code", data={"number": number, "csrf_token": csrf_token(client)})
    drain(app)
    assert len(fake_twilio.sent) == 3


def test_timeline_is_public_only_and_english_works(
        app: Flask, client: FlaskClient, number: str, reference: None) -> None:
    flow.answer(number, "长椅已修好。", approve=False)
    _try(client, number, phone=PHONE)
    page = client.get(f"/track/{number}").get_data(as_text=True)
    assert "长椅已修好" not in page  # the reply is not shown before the centre approves it
    assert "派单" in page and "签收" in page
    ticket = flow.ticket(number)
    assert ticket.department is not None and ticket.department.name not in page
    english = client.get(f"/track/{number}?lang=en").get_data(as_text=True)
    assert "Dispatched" in english and "Progress" in english and "办理进度" not in english


def test_tracking_attempts_are_rate_limited_per_ip(app_config: dict[str, object],
                                                   _migrated: None) -> None:
    limited = create_app({**app_config, "RATELIMIT_ENABLED": True,
                          "TRACK_RATE_LIMIT": "3 per minute", "WTF_CSRF_ENABLED": False})
    with limited.app_context():
        client = limited.test_client()
        codes = [client.post("/track", data={"number": "20000101-000001", "phone": PHONE}).status_code
                 for _ in range(4)]
    assert codes == [403, 403, 403, 429]
