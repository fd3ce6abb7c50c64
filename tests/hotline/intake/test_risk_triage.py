"""Risk triage end to end (issue 19): a risky SMS or web request becomes 紧急 with a risk mark and
alerts the duty supervisors (inbox notice and SMS to the roster's mobiles); the rules are the
administrators' (pages and API, audited, applied to the next intake); the hand-off to 110/120 is
recorded from the ticket page and the API; the supervisors' dashboard lists the risk tickets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.domain.events import EventKind
from hotline.messaging.texts import RISK_ALERT
from hotline.models import (
    DutySupervisor,
    Notification,
    OutboundMessage,
    RiskRule,
    Ticket,
    Urgency,
)
from tests.conftest import ChangeSettings, csrf_token, drain
from tests.hotline.admin.helpers import field_error, last, post, sign_in
from tests.hotline.tickets.helpers import act, get, new_ticket, token
from tests.hotline.twilio.test_twilio_sms import configure_twilio, number_in, send

DUTY_PHONE = "+8613800000099"


@pytest.fixture
def roster(app: Flask, reference: None) -> None:
    """The seed catalogue (with the shipped risk rules) and one duty supervisor on the roster,
    one who went off duty (no SMS for them)."""
    db.session.add_all([DutySupervisor(name="值班督办甲", phone=DUTY_PHONE),
                        DutySupervisor(name="已交班", phone="+8613800000098", active=False)])
    unit_of_work.commit(db.session)


def ticket(number: str) -> Ticket:
    db.session.expire_all()
    return db.session.scalars(select(Ticket).where(Ticket.number == number)).one()


def alerts(number: str) -> tuple[list[Notification], list[OutboundMessage]]:
    t = ticket(number)
    notes = db.session.scalars(select(Notification).where(Notification.ticket_id == t.id,
                                                          Notification.kind == "risk_alert")).all()
    texts = db.session.scalars(select(OutboundMessage).where(
        OutboundMessage.ticket_id == t.id, OutboundMessage.kind == RISK_ALERT)).all()
    return list(notes), list(texts)


def test_a_risky_sms_becomes_urgent_and_alerts_the_duty_supervisor(
        app: Flask, client: FlaskClient, roster: None, settings: ChangeSettings) -> None:
    configure_twilio(settings)
    number = number_in(send(client, "我想自杀，活不下去了"))
    drain(app)
    t = ticket(number)
    assert (t.urgency, t.risk_category, t.risk_level) == (Urgency.URGENT, "self_harm", "extreme")
    [flagged] = [e for e in t.events if e.kind == EventKind.RISK_FLAGGED]
    assert flagged.data["reason"] == {"by": "risk_rule", "rule": "自杀轻生", "phrase": "自杀"}
    assert t.dispatch_due is not None and t.dispatch_due - t.created_at <= timedelta(hours=1)
    [notice], [sms] = alerts(number)
    assert (notice.role, notice.level) == ("supervisor", "red") and number in notice.body
    assert (sms.to_addr, sms.channel) == (DUTY_PHONE, "sms")
    assert sms.body.startswith("【12345】极高风险（自伤自杀）") and number in sms.body


def test_a_follow_up_sms_that_says_it_marks_the_open_ticket(
        app: Flask, client: FlaskClient, roster: None, settings: ChangeSettings) -> None:
    configure_twilio(settings)
    number = number_in(send(client, "拖欠工资三个月了，一直要不到"))
    drain(app)
    assert ticket(number).risk_level is None
    send(client, f"补充：{number.replace('-', '')} 再要不到钱我就去跳楼")
    drain(app)
    t = ticket(number)
    assert (t.urgency, t.risk_category, t.risk_level) == (Urgency.URGENT, "self_harm", "extreme")
    assert [len(found) for found in alerts(number)] == [1, 1]


def test_a_risky_web_request_alerts_and_ordinary_or_negated_ones_do_not(
        app: Flask, roster: None) -> None:
    gathering = new_ticket("上百人聚集在政府门口讨薪，情绪激动")
    assert (gathering.urgency, gathering.risk_category, gathering.risk_level) == \
        (Urgency.URGENT, "mass_gathering", "extreme")
    assert [len(found) for found in alerts(gathering.number)] == [1, 1]

    high = new_ticket("好几十个工人堵在工地门口拉横幅")
    assert (high.urgency, high.risk_level) == (Urgency.URGENT, "high")
    assert alerts(high.number) == ([], [])  # 紧急 and listed, but nobody is woken

    for text in ("我没有想自杀，只是想问低保怎么申请", "小区门口路灯坏了很久没人修"):
        calm = new_ticket(text)
        assert calm.risk_level is None and calm.urgency == Urgency.NORMAL
        assert not [e for e in calm.events if e.kind == EventKind.RISK_FLAGGED]
        assert alerts(calm.number) == ([], [])


def test_administrators_edit_the_rules_audited_and_the_next_intake_follows(
        app: Flask, client: FlaskClient, roster: None) -> None:
    sign_in(client, "admin")
    assert "风险研判规则" in client.get("/admin/").get_data(as_text=True)
    rule = {"name": "投毒", "category": "violence", "level": "extreme", "kind": "regex",
            "pattern": "(要|去|想)(在.{0,6})?投毒", "negatable": "1", "active": "1"}
    bad = post(client, "/admin/risks/new", {**rule, "pattern": "(要|去"})
    assert bad.status_code == 400 and "规则无法使用" in field_error(bad, "pattern")
    unknown = post(client, "/admin/risks/new", {**rule, "level": "medium"})
    assert unknown.status_code == 400 and field_error(unknown, "level")
    assert new_ticket("邻居说要在水箱里投毒").risk_level is None

    assert post(client, "/admin/risks/new", rule).status_code == 302
    entry = last("risks")
    assert (entry.username, entry.action, entry.after["pattern"]) == \
        ("admin", "create", "(要|去|想)(在.{0,6})?投毒")
    assert new_ticket("邻居说要在水箱里投毒").risk_level == "extreme"
    assert new_ticket("邻居说他不会去投毒的").risk_level is None  # the rule's negation

    saved = db.session.scalars(select(RiskRule).where(RiskRule.name == "投毒")).one()
    assert post(client, f"/admin/risks/{saved.id}", {"_action": "deactivate"}).status_code == 302
    assert last("risks").action == "deactivate"
    assert new_ticket("邻居又说要在水箱里投毒").risk_level is None


def test_the_api_edits_rules_and_the_duty_roster(app: Flask, client: FlaskClient,
                                                 roster: None) -> None:
    headers = {"Authorization": f"Bearer {token('admin')}"}
    listed = client.get("/api/v1/admin/risk-rules", headers=headers).get_json()
    assert {"自杀轻生", "大规模聚集"} <= {r["name"] for r in listed}
    refused = client.post("/api/v1/admin/duty-supervisors", headers=headers,
                          json={"name": "夜班", "phone": "not a phone"})
    assert refused.status_code == 400
    created = client.post("/api/v1/admin/duty-supervisors", headers=headers,
                          json={"name": "夜班", "phone": "13900001111"})
    assert created.status_code == 201 and created.get_json()["phone"] == "+8613900001111"
    landline = client.post("/api/v1/admin/duty-supervisors", headers=headers,
                           json={"name": "座机", "phone": "057187001234"})
    assert landline.status_code == 400
    agent = {"Authorization": f"Bearer {token('agent')}"}
    assert client.get("/api/v1/admin/risk-rules", headers=agent).status_code == 403
    t = new_ticket("我妈刚才吞了一瓶安眠药")
    assert sorted(m.to_addr for m in alerts(t.number)[1]) == sorted([DUTY_PHONE, "+8613900001111"])


def test_hand_off_from_the_api_with_who_and_when(app: Flask, client: FlaskClient,
                                                 roster: None) -> None:
    t = new_ticket("有个男的拿着菜刀在小区里追人")
    done = act(client, "agent", t.number, "hand-off", {"to": "110", "note": "已报位置"})
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert body["risk"] == {"category": "violence", "level": "extreme"}
    [handed] = body["hand_offs"]
    assert (handed["to"], handed["by"], handed["note"]) == ("110", "agent", "已报位置")
    assert handed["at"]
    # The API's schema refuses what the page's life cycle refuses with 400.
    assert act(client, "agent", t.number, "hand-off", {"to": "999"}).status_code == 422
    assert act(client, "zjj", t.number, "hand-off", {"to": "120"}).status_code in (403, 404)
    shown = get(client, "supervisor", f"/api/v1/tickets/{t.number}").get_json()
    assert [h["to"] for h in shown["hand_offs"]] == ["110"]


def test_an_agent_marks_a_risk_the_rules_missed_and_the_supervisor_hears_at_once(
        app: Flask, client: FlaskClient, roster: None) -> None:
    t = new_ticket("来电人说家里的事情不想再说了，语气很不对劲")
    assert t.risk_level is None
    missing = act(client, "agent", t.number, "mark-risk",
                  {"category": "self_harm", "level": "extreme"})
    assert missing.status_code == 422
    marked = act(client, "agent", t.number, "mark-risk",
                 {"category": "self_harm", "level": "extreme", "note": "来电人语气绝望"})
    assert marked.status_code == 200 and marked.get_json()["urgency"] == "urgent"
    [notice], [sms] = alerts(t.number)
    assert "来电人语气绝望" in notice.body and sms.to_addr == DUTY_PHONE


def test_the_ticket_page_shows_the_risk_and_records_a_one_click_hand_off(
        app: Flask, client: FlaskClient, roster: None) -> None:
    t = new_ticket("停车场有个小孩被锁在车里，一直在哭")
    sign_in(client, "agent")
    page = client.get(f"/tickets/{t.number}").get_data(as_text=True)
    assert 'id="risk-banner"' in page and "极高风险" in page and "儿童老人安危" in page
    assert "尚未记录转接" in page and 'name="to" value="120"' in page
    # the duty supervisor's alert SMS is listed with the ticket's messages: not "to the citizen"
    assert "风险预警（值班督办）" in page and "本工单的短信" in page and "给市民的短信" not in page
    done = post(client, f"/tickets/{t.number}/act/hand-off",
                {"form": "hand-off", "to": "120", "note": "已通知急救"})
    assert done.status_code == 302
    page = client.get(f"/tickets/{t.number}").get_data(as_text=True)
    assert "120 医疗急救" in page and "已通知急救" in page and "尚未记录转接" not in page
    refused = post(client, f"/tickets/{t.number}/act/hand-off", {"form": "hand-off", "to": "x"})
    assert refused.status_code == 400

    sign_in(client, "supervisor")
    board = client.get("/supervise").get_data(as_text=True)
    assert 'id="risks"' in board and t.number in board and "已转接 120" in board


def test_the_console_warns_the_agent_while_typing(app: Flask, client: FlaskClient,
                                                  roster: None) -> None:
    sign_in(client, "agent")
    page = client.get("/agent/calls/new").get_data(as_text=True)
    assert 'id="s-risk"' in page
    seen = client.post("/agent/suggest", json={"text": "他说要砍死我们全家"},
                       headers={"X-CSRFToken": csrf_token(client)})
    assert seen.status_code == 200, seen.get_data(as_text=True)
    assert seen.get_json()["risk"]["category"] == "violence"
    assert seen.get_json()["urgency"] == {"urgent": True, "rule": "杀人伤人威胁"}
    calm = client.post("/agent/suggest", json={"text": "路灯坏了"},
                       headers={"X-CSRFToken": csrf_token(client)})
    assert calm.get_json()["risk"] is None and calm.get_json()["risk_hint"] is None
    assert seen.get_json()["risk_hint"] is None  # the rule spoke: no second opinion
    hinted = client.post("/agent/suggest", json={"text": "活着真没劲，我准备从楼上下去"},
                         headers={"X-CSRFToken": csrf_token(client)}).get_json()
    assert hinted["risk"] is None and hinted["urgency"]["urgent"] is False
    assert (hinted["risk_hint"]["by"], hinted["risk_hint"]["category"]) == \
        ("risk_model", "self_harm")
    assert 'id="s-risk-hint"' in page


def test_the_risk_model_suggests_what_the_rules_miss_without_marking_or_alerting(
        app: Flask, client: FlaskClient, roster: None) -> None:
    t = new_ticket("我把家里的药都攒起来了，打算今晚一次全吃了")
    assert (t.risk_level, t.urgency) == (None, Urgency.NORMAL)  # a hint, not a mark
    assert not [e for e in t.events if e.kind == EventKind.RISK_FLAGGED]
    [hint] = [e for e in t.events if e.kind == EventKind.RISK_SUGGESTED]
    reason = hint.data["reason"]
    assert (reason["by"], reason["category"]) == ("risk_model", "self_harm")
    assert reason["score"] >= reason["threshold"] and "安眠药" in reason["nearest"]
    assert alerts(t.number) == ([], [])
    sign_in(client, "agent")
    page = client.get(f"/tickets/{t.number}").get_data(as_text=True)
    assert 'id="risk-suggestion"' in page and "可能有风险" in page and "自伤自杀" in page
    assert 'id="risk-banner"' not in page

    calm = new_ticket("小区门口路灯坏了很久没人修")
    assert not [e for e in calm.events if e.kind == EventKind.RISK_SUGGESTED]
    marked = new_ticket("我想自杀，活不下去了")  # the rule's mark, and no second opinion
    assert marked.risk_level == "extreme"
    assert not [e for e in marked.events if e.kind == EventKind.RISK_SUGGESTED]
