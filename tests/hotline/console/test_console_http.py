"""The agent console through HTTP: its JSON endpoints, its outcomes, and who may use them."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from classifier.request_types import RequestTypeRules
from hotline.app.extensions import db
from hotline.classifier_models.active import active_model
from hotline.knowledge import service as knowledge
from hotline.models import Status, Ticket, User
from tests.conftest import csrf_token, login
from tests.hotline.tickets.helpers import new_ticket

LIFT = "来电反映小区电梯经常停运，物业不处理，老人上下楼很困难"


def _suggest(client: FlaskClient, **body: object) -> object:
    return client.post("/agent/suggest", json=body, headers={"X-CSRFToken": csrf_token(client)})


def _save(client: FlaskClient, **fields: str) -> object:
    data = {"phone": "13912345678", "line": "12345", "request_type": "complaint",
            "content": LIFT, "outcome": "dispatch", "csrf_token": csrf_token(client), **fields}
    return client.post("/agent/calls/new", data=data)


def test_the_console_page_is_keyboard_ready(console_model: str, client: FlaskClient) -> None:
    login(client, "agent")
    page = client.get("/agent/calls/new").get_data(as_text=True)
    assert 'autofocus' in page and 'aria-keyshortcuts="Alt+K"' in page and "Ctrl</kbd>+<kbd>Enter" in page
    assert "js/agent_console.js" in page


def test_suggestion_gives_topic_unit_and_urgency_with_confidence(console_model: str,
                                                                 client: FlaskClient) -> None:
    login(client, "agent")
    response = _suggest(client, text=LIFT, address="A1区东湖街道", line="12345")
    assert response.status_code == 200
    body = response.get_json()
    assert body["topic"]["name"] == "城乡建设" and 0 < body["topic"]["confidence"] <= 1
    assert body["unit"]["code"] == "a1-zjj"  # the district's own department first
    assert body["urgency"]["urgent"] is False and body["place"]["district"] == "a1"


def test_a_gas_leak_is_urgent_and_goes_to_the_gas_company_by_keyword(console_model: str,
                                                                     client: FlaskClient) -> None:
    login(client, "agent")
    body = _suggest(client, text="楼道里有很浓的燃气味，怀疑燃气泄漏").get_json()
    assert body["urgency"]["urgent"] is True
    assert body["unit"]["by_label"] == "关键词规则" and body["unit"]["confidence"] == 1.0


def test_similar_open_tickets_and_the_callers_history_are_returned(console_model: str,
                                                                   client: FlaskClient) -> None:
    earlier = new_ticket(LIFT)  # filed by +8613812348000
    login(client, "agent")
    body = _suggest(client, text="小区电梯经常停运", phone="13812348000").get_json()
    assert body["similar"][0]["number"] == earlier.number
    assert body["similar"][0]["same_caller"] is True
    history = client.get("/agent/callers?phone=138 1234 8000").get_json()
    assert [t["number"] for t in history["tickets"]] == [earlier.number]


def test_bad_input_to_the_endpoints_is_a_4xx_with_a_message(console_model: str,
                                                            client: FlaskClient) -> None:
    login(client, "agent")
    bad_phone = client.get("/agent/callers?phone=12")
    assert bad_phone.status_code == 400 and bad_phone.get_json()["error"]["field"] == "phone"
    assert _suggest(client, text=["not", "text"]).status_code == 400
    assert _suggest(client, text="x" * 5000).status_code == 400
    assert _suggest(client, text="路灯坏了", line="110").get_json()["error"]["field"] == "line"
    not_json = client.post("/agent/suggest", data="text",
                           headers={"X-CSRFToken": csrf_token(client)})
    assert not_json.status_code == 400
    assert client.post("/agent/suggest", json={"text": "路灯"}).status_code == 400  # no CSRF
    assert client.get("/agent/knowledge?q=" + "长" * 300).status_code == 400


def test_only_centre_posts_may_use_the_console(console_model: str, client: FlaskClient) -> None:
    assert client.get("/agent/callers?phone=13812348000").status_code == 302  # sign in first
    login(client, "zjj")  # a unit's staff account
    assert client.get("/agent/calls/new").status_code == 403
    assert client.get("/agent/knowledge?q=公积金").status_code == 403
    assert client.get("/admin/knowledge/").status_code == 403


def test_agent_dispatches_with_the_suggested_unit(console_model: str, client: FlaskClient) -> None:
    login(client, "agent")
    response = _save(client, unit="a1-zjj", suggested_unit="a1-zjj", address="A1区东湖街道")
    assert response.status_code == 302
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.status == Status.DISPATCHED and ticket.department.code == "a1-zjj"
    dispatched = next(e for e in ticket.events if e.kind == "dispatched")
    assert dispatched.actor == "agent"
    assert dispatched.data["reason"]["followed_suggestion"] is True
    assert ticket.classifier_label == "城乡建设" and ticket.reply_due is not None


def test_after_saving_the_console_is_fresh_with_the_number_large(console_model: str,
                                                                   client: FlaskClient) -> None:
    login(client, "agent")
    response = _save(client, unit="a1-zjj", address="A1区东湖街道")
    ticket = db.session.scalars(select(Ticket)).one()
    assert response.headers["Location"] == f"/agent/calls/new?saved={ticket.number}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'<p class="saved-number"><a href="/tickets/{ticket.number}" class="ticket-number">' \
        f"{ticket.number}</a></p>" in page
    assert LIFT not in page  # a fresh form for the next call
    assert "saved-number" not in client.get("/agent/calls/new?saved=nonsense").get_data(
        as_text=True)


def test_suggestion_proposes_the_request_type_and_says_why(console_model: str,
                                                           client: FlaskClient) -> None:
    login(client, "agent")
    ask = _suggest(client, text="请问居住证怎么办理，需要什么材料").get_json()["request_type"]
    assert ask["code"] == "consult" and "请问" in ask["cues"]
    tip = _suggest(client, text="举报小区有人违章搭建").get_json()["request_type"]
    assert tip["code"] == "report" and tip["cues"] == ["举报", "违章搭建"]
    plain = _suggest(client, text="小区门口路灯坏了").get_json()["request_type"]
    fallback = RequestTypeRules.default().calibration.buckets[0].confidence  # no cue
    assert plain == {"code": "complaint", "label": "投诉", "cues": [],
                     "confidence": fallback, "confident": fallback >= 0.8}


def test_the_suggested_request_type_says_how_sure_it_is(console_model: str,
                                                        client: FlaskClient) -> None:
    """A clear lead is confident (the console preselects it); a tie between two types is a
    hint the agent decides, with the calibration's figure for such guesses."""
    login(client, "agent")
    clear = _suggest(client, text="举报小区有人违章搭建").get_json()["request_type"]
    assert clear["confident"] is True and clear["confidence"] >= 0.8
    tie = _suggest(client, text="咨询一下怎么投诉物业").get_json()["request_type"]
    assert tie["code"] == "complaint" and tie["cues"] == ["投诉"]
    assert tie["confident"] is False and tie["confidence"] < clear["confidence"]


def test_agent_answers_from_the_knowledge_base_and_closes_directly(console_model: str,
                                                                   client: FlaskClient) -> None:
    admin = db.session.scalars(select(User).where(User.username == "admin")).one()
    article = knowledge.save(db.session, admin, {"title": "公积金租房提取", "keywords": "公积金",
                                                 "body": "持租房合同线上办理。"})
    login(client, "agent")
    hits = client.get("/agent/knowledge?q=公积金怎么提取").get_json()["articles"]
    assert hits[0]["id"] == article.id
    response = _save(client, request_type="consult", content="请问租房怎么提取公积金",
                     outcome="direct", answer=hits[0]["body"], article_id=str(article.id))
    assert response.status_code == 302
    ticket = db.session.scalars(select(Ticket)).one()
    closed = ticket.events[-1]
    assert ticket.status == Status.CLOSED and closed.kind == "closed_direct"
    assert closed.note == "持租房合同线上办理。" and closed.data["article"] == article.id


def test_agent_links_a_repeat_and_leaves_the_call_for_manual_dispatch(
        console_model: str, client: FlaskClient) -> None:
    earlier = new_ticket(LIFT)
    login(client, "agent")
    assert _save(client, outcome="manual", repeat_of=earlier.number).status_code == 302
    ticket = db.session.scalars(select(Ticket).where(Ticket.id != earlier.id)).one()
    assert ticket.status == Status.PENDING_DISPATCH and ticket.repeat_of_id == earlier.id
    assert [e.kind for e in ticket.events][-2:] == ["linked_repeat", "routing_manual"]


def test_an_outcome_that_cannot_be_carried_out_is_refused_before_the_ticket_exists(
        console_model: str, client: FlaskClient) -> None:
    login(client, "agent")
    assert _save(client, unit="").status_code == 400  # dispatch without a unit
    assert _save(client, outcome="direct", answer="").status_code == 400
    assert _save(client, outcome="manual", repeat_of="20990101-000001").status_code == 400
    assert _save(client, outcome="fly").status_code == 400
    page = _save(client, phone="12").get_data(as_text=True)
    assert "电话号码" in page
    assert db.session.scalars(select(Ticket)).all() == []


def test_admin_creates_edits_and_retires_an_article(console_model: str,
                                                    client: FlaskClient) -> None:
    login(client, "admin")
    token = csrf_token(client)
    created = client.post("/admin/knowledge/", data={
        "title": "居住证办理", "keywords": "居住证", "body": "到派出所办理。", "topic": "",
        "active": "y", "csrf_token": token})
    assert created.status_code == 302
    article = knowledge.search(db.session, "居住证")[0].article
    assert client.get(f"/admin/knowledge/{article.id}").status_code == 200
    edited = client.post(f"/admin/knowledge/{article.id}", data={
        "title": "居住证办理", "keywords": "居住证, 暂住证", "body": "线上办理。", "topic": "",
        "active": "y", "csrf_token": token})
    assert edited.status_code == 302 and knowledge.search(db.session, "暂住证")
    bad = client.post("/admin/knowledge/", data={"title": "", "body": "", "csrf_token": token})
    assert bad.status_code == 400
    assert client.post(f"/admin/knowledge/{article.id}/retire",
                       data={"csrf_token": token}).status_code == 302
    assert knowledge.search(db.session, "居住证") == []
    assert client.get("/admin/knowledge/9999").status_code == 404


@pytest.fixture
def unsure_suggestion(console_model: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The console model's suggestion at 77 %: under the auto-dispatch threshold."""
    unsure = active_model.suggest
    monkeypatch.setattr(active_model, "suggest", lambda session, text: replace(
        unsure(session, text), confidence=0.77, confident=False))


def test_a_call_dispatched_on_an_unsure_suggestion_gets_the_suggested_topic(
        unsure_suggestion: None, client: FlaskClient) -> None:
    """分类: 未分类 after following a 77 % suggestion: the topic is the classifier's, set with
    the dispatch event (which says so), and shown on the ticket page."""
    login(client, "agent")
    _save(client, unit="a1-zjj", suggested_unit="a1-zjj", address="A1区东湖街道")
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.topic is not None and ticket.topic.name == "城乡建设"
    dispatched = next(e for e in ticket.events if e.kind == "dispatched")
    assert dispatched.data["topic"] == {"code": ticket.topic.code, "by": "classifier"}
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "未分类" not in page


def test_a_call_sent_elsewhere_than_suggested_keeps_no_topic(
        unsure_suggestion: None, client: FlaskClient) -> None:
    login(client, "agent")
    _save(client, unit="a1-cgj", suggested_unit="a1-zjj", address="A1区东湖街道")
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.department.code == "a1-cgj" and ticket.topic is None


def test_the_saved_card_of_a_risky_call_shows_the_risk_and_records_the_hand_off(
        console_model: str, client: FlaskClient) -> None:
    login(client, "agent")
    response = _save(client, content="来电人哭着说欠债还不上，我不想活了", outcome="manual")
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.risk_level == "extreme"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    card = page[page.index('class="card saved'):page.index('class="card call"')]
    assert "极高风险" in card and "自伤自杀" in card
    assert f'action="/tickets/{ticket.number}/act/hand-off"' in card
    assert "已转接 120" in card
    # one confirmation: the card, no flash repeating it
    assert 'class="flash' not in page
    back = client.post(f"/tickets/{ticket.number}/act/hand-off", data={
        "to": "120", "note": "已告知位置", "form": "hand-off",
        "next": f"/agent/calls/new?saved={ticket.number}", "csrf_token": csrf_token(client)})
    assert back.status_code == 302
    assert back.headers["Location"] == f"/agent/calls/new?saved={ticket.number}"
    again = client.get(back.headers["Location"]).get_data(as_text=True)
    assert "已转接 120" in again and "已告知位置" in again


def test_the_saved_card_of_an_ordinary_call_offers_no_hand_off(console_model: str,
                                                               client: FlaskClient) -> None:
    login(client, "agent")
    page = client.get(_save(client, unit="a1-zjj").headers["Location"]).get_data(as_text=True)
    assert "hand-off" not in page and 'class="flash' not in page


def test_the_topic_says_the_auto_dispatch_threshold_it_is_measured_against(
        console_model: str, client: FlaskClient) -> None:
    login(client, "agent")
    topic = _suggest(client, text=LIFT).get_json()["topic"]
    assert 0 < topic["threshold"] <= 1
    assert topic["confident"] is (topic["confidence"] >= topic["threshold"])
    page = client.get("/agent/calls/new").get_data(as_text=True)
    words = json.loads(page.split('id="console-text">')[1].split("</script>")[0])
    assert words["below_threshold"] == "低于自动派单阈值 {t}，需人工确认"
    assert "未见提示词，默认" not in words.values()
