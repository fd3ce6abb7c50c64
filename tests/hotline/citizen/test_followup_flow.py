"""Follow-up rounds with the database: clarifying once, phone follow-ups, not rated, privacy."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from hotline.app.extensions import db
from hotline.citizen import followup
from hotline.intake.accept import Request
from hotline.intake.handover import submit
from hotline.messaging import outbox
from hotline.models import (
    Channel,
    FollowUp,
    Intake,
    MessageTemplate,
    OutboundMessage,
    Status,
    utcnow,
)
from tests.conftest import csrf_token, drain, login
from tests.e2e.test_reply_loop import PHONE, receipt, sms
from tests.fakes import flow
from tests.fakes.twilio_rest import FakeTwilio
from workers.messaging import sweep_follow_ups


def _sms_ticket(app: Flask, client: FlaskClient, fake: FakeTwilio, *, confidential: bool = False,
                name: str | None = None) -> str:
    """An SMS-style ticket (voice channel, mobile) answered and its answer delivered."""
    intake, _ = submit(Request(channel=Channel.VOICE, line="12345", content="噪音扰民，半夜施工",
                               phone=PHONE, confidential=confidential, name=name), region="CN")
    drain(app)
    flow.answer(intake.ticket_number, "已责令停止夜间施工。")
    drain(app)
    answer = fake.sent[-1]
    assert "已责令停止夜间施工" in answer.body
    receipt(client, answer.sid or "", "delivered")
    drain(app)
    assert "回复两位数字" in fake.sent[-1].body
    return intake.ticket_number


def test_unclear_answer_gets_one_clarification_then_an_agent(
        app: Flask, client: FlaskClient, fake_twilio: FakeTwilio, reference: None) -> None:
    number = _sms_ticket(app, client, fake_twilio)
    before = len(fake_twilio.sent)
    assert sms(client, "嗯嗯") == ""
    drain(app)
    assert len(fake_twilio.sent) == before + 1 and "未能识别" in fake_twilio.sent[-1].body
    assert sms(client, "啊？") == ""
    drain(app)
    assert len(fake_twilio.sent) == before + 1  # one clarification only
    round_ = db.session.scalars(select(FollowUp)).one()
    assert round_.status == "needs_agent"
    login(client, "agent")
    assert number in client.get("/callbacks").get_data(as_text=True)
    # The agent phones and records the verdict on the ticket page.
    response = client.post(f"/tickets/{number}/follow-up", data={
        "solved": "1", "satisfied": "2", "note": "电话回访：已解决", "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    db.session.expire_all()
    round_ = db.session.scalars(select(FollowUp)).one()
    assert (round_.solved, round_.satisfied, round_.channel, round_.recorded_by) == (1, 2, "phone", "agent")
    assert flow.ticket(number).status == Status.CLOSED


def test_long_unrelated_sms_opens_a_new_ticket(
        app: Flask, client: FlaskClient, fake_twilio: FakeTwilio, reference: None) -> None:
    _sms_ticket(app, client, fake_twilio)
    intakes = db.session.scalar(select(func.count()).select_from(Intake))
    reply = sms(client, "另外反映一个问题：我家楼下的垃圾桶已经三天没人清理了，味道很大")
    assert "已受理" in reply
    assert db.session.scalar(select(func.count()).select_from(Intake)) == intakes + 1
    assert db.session.scalars(select(FollowUp)).one().status == "pending"


def test_no_answer_closes_as_not_rated(
        app: Flask, client: FlaskClient, fake_twilio: FakeTwilio, reference: None) -> None:
    number = _sms_ticket(app, client, fake_twilio)
    assert sweep_follow_ups() == {"asked": 0, "not_rated": 0}
    db.session.execute(update(FollowUp).values(asked_at=utcnow() - timedelta(days=4)))
    db.session.commit()
    assert sweep_follow_ups() == {"asked": 0, "not_rated": 1}
    ticket = flow.ticket(number)
    assert ticket.status == Status.CLOSED
    assert db.session.scalars(select(FollowUp)).one().status == "not_rated"
    assert sms(client, "3") != ""  # nothing is awaited any more: a new request


def test_question_is_asked_when_no_receipt_comes(
        app: Flask, fake_twilio: FakeTwilio, reference: None) -> None:
    intake, _ = submit(Request(channel=Channel.VOICE, line="12345", content="路面塌陷有个大坑",
                               phone=PHONE), region="CN")
    drain(app)
    flow.answer(intake.ticket_number, "已修补。")
    drain(app)
    assert sweep_follow_ups()["asked"] == 0
    db.session.execute(update(OutboundMessage).values(sent_at=utcnow() - timedelta(hours=7)))
    db.session.commit()
    assert sweep_follow_ups()["asked"] == 1
    drain(app)
    assert "回复两位数字" in fake_twilio.sent[-1].body


def test_reporter_identity_never_reaches_the_unit(
        app: Flask, client: FlaskClient, fake_twilio: FakeTwilio, reference: None) -> None:
    number = _sms_ticket(app, client, fake_twilio, confidential=True, name="李四")
    sms(client, "3 我是李四，电话13812348000，还在施工")
    note = flow.ticket(number).events[-1].note or ""
    assert "还在施工" in note and "李四" not in note and "13812348000" not in note


def test_caller_without_mobile_goes_on_the_call_back_list(
        app: Flask, client: FlaskClient, fake_twilio: FakeTwilio, reference: None) -> None:
    intake, _ = submit(Request(channel=Channel.VOICE, line="12345", content="自来水发黄不能用",
                               phone="057187001234"), region="CN")
    drain(app)
    flow.answer(intake.ticket_number, "管网已冲洗，水质已恢复。")
    drain(app)
    assert fake_twilio.requests == []
    row = db.session.scalars(select(OutboundMessage)).one()
    assert (row.channel, row.status) == ("callback", outbox.TO_CALL)
    login(client, "agent")
    page = client.get("/callbacks").get_data(as_text=True)
    assert intake.ticket_number in page and "管网已冲洗" in page
    done = client.post(f"/callbacks/{row.id}/done", data={"csrf_token": csrf_token(client)},
                       follow_redirects=True)
    assert "已标记为电话告知" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get_one(OutboundMessage, row.id).status == outbox.CALLED
    assert intake.ticket_number not in client.get("/callbacks").get_data(as_text=True)


def test_unit_staff_cannot_record_follow_ups(
        app: Flask, client: FlaskClient, fake_twilio: FakeTwilio, reference: None) -> None:
    number = _sms_ticket(app, client, fake_twilio)
    unit = flow.ticket(number).department
    assert unit is not None
    login(client, unit.code)
    response = client.post(f"/tickets/{number}/follow-up", data={
        "solved": "1", "satisfied": "1", "csrf_token": csrf_token(client)})
    assert response.status_code == 403
    assert db.session.scalars(select(FollowUp)).one().status == "pending"


def test_admin_edits_a_template_and_it_is_used(
        app: Flask, client: FlaskClient, fake_twilio: FakeTwilio, reference: None) -> None:
    login(client, "admin")
    assert client.get("/admin/message-templates").status_code == 200
    bad = client.post("/admin/message-templates", data={
        "line": "12345", "kind": "ack", "body": "收到{secret}", "csrf_token": csrf_token(client)})
    assert bad.status_code == 400 and "未知占位符" in bad.get_data(as_text=True)
    no_csrf = client.post("/admin/message-templates", data={"line": "12345", "kind": "ack",
                                                            "body": "工单{number}"})
    assert no_csrf.status_code == 400
    ok = client.post("/admin/message-templates", data={
        "line": "12345", "kind": "ack", "body": "【A市12345】已收到，工单{number}，查询{link}",
        "csrf_token": csrf_token(client)})
    assert ok.status_code == 302
    assert db.session.scalars(select(MessageTemplate)).one().updated_by == "admin"
    submit(Request(channel=Channel.WEB, line="12345", content="广场舞噪音太大了", phone=PHONE), region="CN")
    drain(app)
    assert fake_twilio.sent[-1].body.startswith("【A市12345】已收到，工单")
    login(client, "agent")
    assert client.get("/admin/message-templates").status_code == 403


def test_parser_is_what_the_sms_path_uses() -> None:
    assert followup.parse("３") == followup.Verdict(3, None)
