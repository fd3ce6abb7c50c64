"""The outbox against the fake Twilio REST API, through the real SDK over HTTP."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.app.queue import connection
from hotline.intake.accept import Request
from hotline.intake.handover import submit
from hotline.intake.process import process_intake
from hotline.messaging import outbox
from hotline.messaging.outbox import plan
from hotline.models import Channel, Intake, Notification, OutboundMessage, utcnow
from tests.conftest import ChangeSettings, drain
from tests.fakes.fixtures import ACCOUNT_SID, FROM_NUMBER, PUBLIC_BASE
from tests.fakes.twilio_rest import FakeTwilio
from workers.messaging import send_outbound, sweep_outbox

MOBILE = "+8613812348000"


def _web(phone: str = "13812348000", content: str = "小区门口路灯不亮，晚上很黑") -> str:
    intake, _ = submit(Request(channel=Channel.WEB, line="12345", content=content, phone=phone), region="CN")
    return intake.ticket_number


def _rows() -> list[OutboundMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))


def test_web_intake_with_mobile_is_acknowledged_once_by_sms(app: Flask, fake_twilio: FakeTwilio) -> None:
    number = _web()
    drain(app)
    [sent] = fake_twilio.sent
    assert sent.to == MOBILE and sent.form["From"] == FROM_NUMBER and sent.account_sid == ACCOUNT_SID
    assert number in sent.body and f"{PUBLIC_BASE}/track?n={number}" in sent.body
    assert sent.form["StatusCallback"] == PUBLIC_BASE + "/twilio/status"
    [row] = _rows()
    assert (row.kind, row.status, row.provider_sid) == ("ack", outbox.ACCEPTED, sent.sid)

    # The job runs again (RQ retry, sweeper race): nothing is sent twice.
    assert send_outbound(row.id) == "skipped"
    assert sweep_outbox() == 0
    drain(app)
    assert len(fake_twilio.sent) == 1


def test_landline_web_intake_gets_no_sms(app: Flask, fake_twilio: FakeTwilio) -> None:
    _web(phone="057187001234")
    drain(app)
    assert fake_twilio.requests == [] and _rows() == []


def test_server_error_then_success_sends_exactly_one(app: Flask, fake_twilio: FakeTwilio) -> None:
    fake_twilio.fail_next(2, status=500)
    _web()
    drain(app)
    assert [r.status for r in fake_twilio.requests] == [500, 500, 201]
    assert len(fake_twilio.sent) == 1
    [row] = _rows()
    assert row.status == outbox.ACCEPTED and row.attempts == 3 and row.error_message is None


def test_retries_stop_after_the_limit(app: Flask, fake_twilio: FakeTwilio,
                                      settings: ChangeSettings) -> None:
    settings(outbox={"max_attempts": 2})
    fake_twilio.fail_next(5, status=503)
    _web()
    drain(app)
    assert len(fake_twilio.requests) == 2 and fake_twilio.sent == []
    [row] = _rows()
    assert row.status == outbox.FAILED and "gave up" in (row.error_message or "")


def test_retry_waits_for_its_back_off(app: Flask, fake_twilio: FakeTwilio,
                                      settings: ChangeSettings) -> None:
    """With a real back-off the row waits: neither the job nor the sweeper sends it early."""
    settings(outbox={"retry_base_seconds": 600})
    fake_twilio.fail_next(1)
    _web()
    drain(app)
    [row] = _rows()
    assert row.status == outbox.QUEUED and row.next_attempt_at is not None
    assert row.next_attempt_at > utcnow()
    assert send_outbound(row.id) == "skipped" and sweep_outbox() == 0
    assert len(fake_twilio.requests) == 1


def test_invalid_number_fails_permanently_and_agents_see_it(
        app: Flask, fake_twilio: FakeTwilio, client, reference: None) -> None:
    from tests.conftest import login

    fake_twilio.reject(MOBILE, 21211)
    number = _web()
    drain(app)
    assert len(fake_twilio.requests) == 1  # no retry
    [row] = _rows()
    assert (row.status, row.error_code) == (outbox.FAILED, 21211)
    assert "not a valid phone number" in (row.error_message or "")
    login(client, "agent")
    page = client.get(f"/tickets/{number}").get_data(as_text=True)
    assert "发送失败" in page and "21211" in page
    listing = client.get("/callbacks").get_data(as_text=True)
    assert number in listing and "发送失败" in listing


def test_unsubscribed_number_is_not_retried(app: Flask, fake_twilio: FakeTwilio) -> None:
    fake_twilio.reject(MOBILE, 21610)
    _web()
    drain(app)
    assert len(fake_twilio.requests) == 1
    assert _rows()[0].error_code == 21610


def _processed_but_send_job_lost(app: Flask) -> None:
    """The worker opened the ticket and planned the acknowledgement; then Redis lost its job."""
    _web()
    connection(app).flushdb()
    process_intake(db.session, db.session.scalars(select(Intake.id)).one())
    unit_of_work.commit(db.session)
    connection(app).flushdb()


def test_sweeper_requeues_rows_whose_job_was_lost(app: Flask, fake_twilio: FakeTwilio) -> None:
    _processed_but_send_job_lost(app)
    drain(app)
    assert fake_twilio.sent == [] and _rows()[0].status == outbox.QUEUED
    assert sweep_outbox() == 1
    drain(app)
    assert len(fake_twilio.sent) == 1


def test_a_job_that_died_mid_send_is_flagged_not_resent(app: Flask, fake_twilio: FakeTwilio) -> None:
    _processed_but_send_job_lost(app)
    [row] = _rows()
    assert outbox.claim(db.session, row.id, utcnow()) is not None  # claimed, then the worker died

    assert outbox.mark_stuck(db.session, utcnow() + timedelta(minutes=11), timedelta(minutes=10)) == 1
    drain(app)
    assert fake_twilio.requests == []
    assert _rows()[0].status == outbox.UNCERTAIN


def test_without_a_provider_messages_fail_visibly(app: Flask, settings: ChangeSettings) -> None:
    settings(twilio={"account_sid": "", "from_number": ""})
    app.extensions.pop("hotline.sender", None)
    _web()
    drain(app)
    assert _rows()[0].status == outbox.FAILED


def test_plan_is_idempotent_per_key(app: Flask, fake_twilio: FakeTwilio) -> None:
    for _ in range(2):
        plan(db.session, kind="ack", line="12345", number="20240101-000001", to=MOBILE,
             dedupe_key="k1", values={"link": "x"})
        unit_of_work.commit(db.session)
    assert len(_rows()) == 1
    drain(app)
    assert len(fake_twilio.sent) == 1


def test_failure_notifies_agents(app: Flask, fake_twilio: FakeTwilio, reference: None) -> None:
    from tests.fakes import flow

    number = _web()
    drain(app)
    fake_twilio.reject(MOBILE, 21614)
    t = flow.ticket(number)
    plan(db.session, kind="answer", line="12345", number=number, to=MOBILE, ticket=t,
         dedupe_key="x", values={"answer": "已处理。", "link": "l"})
    unit_of_work.commit(db.session)
    drain(app)
    notes = db.session.scalars(select(Notification).where(Notification.kind == "sms_failed")).all()
    assert len(notes) == 1 and number in notes[0].body and notes[0].role == "agent"
    assert not re.search(r"138\d{8}", notes[0].body)  # no phone number in the notice


def test_no_answer_from_twilio_is_not_retried(app: Flask, fake_twilio: FakeTwilio,
                                              settings: ChangeSettings) -> None:
    """Twilio took the request but answered too late: maybe sent, so a person checks."""
    settings(twilio={"timeout_seconds": 0.3})
    app.extensions.pop("hotline.sender", None)
    fake_twilio.stall_next(1.0)
    _web()
    drain(app)
    assert len(fake_twilio.requests) == 1 and sweep_outbox() == 0
    drain(app)
    [row] = _rows()
    assert row.status == outbox.UNCERTAIN and "核实" in (row.error_message or "")
    assert len(fake_twilio.requests) == 1


def test_connection_refused_is_retried(app: Flask, fake_twilio: FakeTwilio,
                                       settings: ChangeSettings) -> None:
    settings(twilio={"api_base_url": "http://127.0.0.1:9"},  # nothing listens there
             outbox={"max_attempts": 2})
    app.extensions.pop("hotline.sender", None)
    _web()
    drain(app)
    [row] = _rows()
    assert row.attempts == 2 and row.status == outbox.FAILED and "unreachable" in (row.error_message or "")
