"""/track: proof by phone or one-time code, no enumeration, throttled, one ticket per session."""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import event, select, update

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.domain import lifecycle
from hotline.domain.deadlines import shown
from hotline.intake.accept import Request
from hotline.intake.handover import submit
from hotline.models import Channel, Department, TrackingCode, TrackingFailure, User, utcnow
from tests.conftest import AppMaker, ChangeSettings, csrf_token, drain
from tests.fakes import flow
from tests.fakes.twilio_rest import FakeTwilio

PHONE = "13812348000"


@pytest.fixture
def number(app: Flask, fake_twilio: FakeTwilio) -> str:
    intake, _ = submit(Request(channel=Channel.WEB, line="12345", content="公园里的长椅坏了",
                               phone=PHONE, name="张三", confidential=True), region="CN")
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
                              phone=PHONE), region="CN")
    drain(app)
    assert client.get(f"/track/{number}").status_code == 404  # nothing before proof
    status, _ = _try(client, number, phone="+86 138-1234-8000")  # any spelling of the number
    assert status == 302
    page = client.get(f"/track/{number}").get_data(as_text=True)
    assert "公园里的长椅坏了" in page and "受理" in page
    assert "张三" not in page and PHONE not in page
    assert client.get(f"/track/{other.ticket_number}").status_code == 404
    assert client.get(f"/track?n={number}").status_code == 302  # remembered


def _from(app: Flask, address: str) -> FlaskClient:
    """A client at another address, with a session of its own."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_failures_lock_out_that_client_only(app: Flask, client: FlaskClient, number: str) -> None:
    attacker = _from(app, "198.51.100.7")
    for _ in range(5):  # TRACK_MAX_FAILURES
        assert _try(attacker, number, phone="13900000000")[0] == 403
    assert _try(attacker, number, phone=PHONE)[0] == 403  # locked: even the right phone fails
    citizen = _from(app, "203.0.113.20")
    assert _try(citizen, number, phone=PHONE)[0] == 302
    clients = set(db.session.scalars(select(TrackingFailure.client)))
    assert len(clients) == 1 and "198.51.100.7" not in clients.pop()  # a digest, not the address


def test_failures_over_all_clients_lock_the_ticket(app: Flask, number: str,
                                                   settings: ChangeSettings) -> None:
    """Many addresses cannot share the guessing beyond the ceiling per ticket."""
    settings(tracking={"ticket_max_failures": 6})
    for host in range(3):
        for _ in range(2):
            assert _try(_from(app, f"198.51.100.{host}"), number, phone="13900000000")[0] == 403
    assert _try(_from(app, "203.0.113.20"), number, phone=PHONE)[0] == 403
    db.session.execute(update(TrackingFailure).values(at=utcnow() - timedelta(minutes=61)))
    db.session.commit()
    assert _try(_from(app, "203.0.113.20"), number, phone=PHONE)[0] == 302


class _Work:
    """The statements a request sends to the database and the keyed hashes and comparisons it
    makes: what its time is made of."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[str] = []
        event.listen(db.engine, "before_cursor_execute", self._statement)
        for name in ("new", "compare_digest"):
            real = getattr(hmac, name)
            monkeypatch.setattr(hmac, name, self._spy(name, real))

    def _statement(self, _conn: object, _cursor: object, statement: str, *_: object) -> None:
        self.calls.append(statement)

    def _spy(self, name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def spy(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(f"hmac.{name}")
            return real(*args, **kwargs)
        return spy

    def of(self, client: FlaskClient, path: str, **fields: str) -> tuple[int, str, list[str]]:
        g.pop("csrf_token", None)
        token = csrf_token(client)
        self.calls.clear()
        response = client.post(path, data={**fields, "csrf_token": token})
        return response.status_code, _message(response.get_data(as_text=True)), list(self.calls)

    def close(self) -> None:
        event.remove(db.engine, "before_cursor_execute", self._statement)


@pytest.fixture
def work(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Work]:
    spy = _Work(monkeypatch)
    yield spy
    spy.close()


def test_every_failure_does_the_same_work(app: Flask, number: str, work: _Work) -> None:
    """Unknown number, wrong phone or code, locked out (even with the right phone): the same
    answer after the same statements and hashing, so its time does not tell them apart."""
    locked = _from(app, "198.51.100.7")
    for _ in range(5):
        _try(locked, number, phone="13900000000")
    stranger = _from(app, "203.0.113.20")
    for fields in ({"phone": "13912349000"}, {"code": "123456"}, {"phone": "13912349000", "code": "1"}):
        answers = [work.of(stranger, "/track", number="20000101-999999", **fields),
                   work.of(stranger, "/track", number=number, **fields),
                   work.of(locked, "/track", number=number, **fields)]
        if "phone" in fields:
            answers.append(work.of(locked, "/track", number=number, **{**fields, "phone": PHONE}))
        assert all(answer == answers[0] for answer in answers), fields
        status, _, calls = answers[0]
        assert status == 403 and any(c.startswith("INSERT INTO tracking_failures") for c in calls)


def test_code_requests_do_the_same_reads(app: Flask, number: str, work: _Work) -> None:
    locked = _from(app, "198.51.100.7")
    for _ in range(5):
        _try(locked, number, phone="13900000000")
    unknown = work.of(locked, "/track/code", number="20000101-999999")
    refused = work.of(locked, "/track/code", number=number)
    assert unknown[0] == refused[0] == 200
    assert unknown[2] == refused[2]


def test_a_locked_out_stranger_leaves_the_citizen_her_codes(
        app: Flask, number: str, fake_twilio: FakeTwilio) -> None:
    attacker = _from(app, "198.51.100.7")
    for _ in range(5):
        _try(attacker, number, phone="13900000000")
    for client in (attacker, _from(app, "203.0.113.20")):
        g.pop("csrf_token", None)
        client.post("/track/code", data={"number": number, "csrf_token": csrf_token(client)})
    drain(app)
    assert len(fake_twilio.sent) == 1  # the citizen's; the locked-out attacker gets none
    code = re.search(r"验证码为 (\d{6})", fake_twilio.sent[0].body).group(1)  # type: ignore[union-attr]
    assert _try(attacker, number, code=code)[0] == 403  # locked: the right code fails and is kept
    assert _try(_from(app, "203.0.113.20"), number, code=code)[0] == 302


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


def test_codes_per_ticket_and_day_are_limited(app: Flask, client: FlaskClient, number: str,
                                              fake_twilio: FakeTwilio) -> None:
    """Whoever knows the number cannot have the citizen sent 3 codes every 10 minutes all day."""
    ticket = flow.ticket(number)
    earlier = utcnow() - timedelta(hours=1)
    db.session.add_all(TrackingCode(ticket_id=ticket.id, code_hash="x", created_at=earlier,
                                    expires_at=earlier) for _ in range(9))
    db.session.commit()
    for _ in range(2):
        client.post("/track/code", data={"number": number, "csrf_token": csrf_token(client)})
    drain(app)
    assert len(fake_twilio.sent) == 1


def test_timeline_is_public_only_and_english_works(
        app: Flask, client: FlaskClient, number: str, reference: None) -> None:
    flow.answer(number, "长椅已修好。", approve=False)
    _try(client, number, phone=PHONE)
    page = client.get(f"/track/{number}").get_data(as_text=True)
    assert "长椅已修好" not in page  # the reply is not shown before the centre approves it
    assert "派单" in page and "签收" in page
    ticket = flow.ticket(number)
    assert ticket.department is not None
    units = set(db.session.scalars(select(Department.name)))
    people = set(db.session.scalars(select(User.display_name))) - units  # unit accounts aside
    assert ticket.department.name in page
    assert not [name for name in people if name in page]  # no staff names, only the unit's
    english = client.get(f"/track/{number}?lang=en").get_data(as_text=True)
    assert "Dispatched" in english and "Progress" in english and "办理进度" not in english


def test_tracking_attempts_are_rate_limited_per_ip(make_app: AppMaker,
                                                   _migrated: None) -> None:
    limited = make_app(ratelimit_enabled=True, tracking={"rate_limit": "3 per minute"},
                       flask={"WTF_CSRF_ENABLED": False})
    with limited.app_context():
        client = limited.test_client()
        codes = [client.post("/track", data={"number": "20000101-000001", "phone": PHONE}).status_code
                 for _ in range(4)]
    assert codes == [403, 403, 403, 429]


def test_an_answer_under_review_is_not_called_answered(
        app: Flask, client: FlaskClient, number: str, reference: None) -> None:
    # The unit has replied (staff's 已答复) but the centre has not approved the answer yet: the
    # page said 已答复 at the top and 尚未答复 under 答复.
    flow.answer(number, "长椅已修好。", approve=False)
    _try(client, number, phone=PHONE)
    page = client.get(f"/track/{number}").get_data(as_text=True)
    assert "答复审核中" in page and "正在审核" in page
    assert "已答复" not in page and "尚未答复" not in page

    lifecycle.review_reply(flow.ticket(number), flow.user("agent"), accept=True)
    unit_of_work.commit(db.session)
    page = client.get(f"/track/{number}").get_data(as_text=True)
    assert "已答复" in page and "长椅已修好。" in page
    assert "尚未答复" not in page and "审核中" not in page and 'id="track-expected"' not in page


def test_the_handling_unit_and_the_answer_date_are_named(
        app: Flask, client: FlaskClient, number: str, reference: None) -> None:
    _try(client, number, phone=PHONE)
    page = client.get(f"/track/{number}").get_data(as_text=True)
    ticket = flow.ticket(number)
    assert ticket.department is None and "正在分派承办单位" in page
    assert ticket.reply_due is not None  # planned at intake, in working time
    assert f'id="track-expected">{shown(ticket.reply_due)} 前<' in page

    unit = flow.dispatch(ticket)
    page = client.get(f"/track/{number}").get_data(as_text=True)
    assert f'id="track-unit">{unit.name}<' in page
    assert unit.code not in page  # the unit's name, as a citizen reads it
    english = client.get(f"/track/{number}?lang=en").get_data(as_text=True)
    assert "Responsible unit" in english and "Expected answer" in english
