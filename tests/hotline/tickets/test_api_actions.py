"""The life cycle over HTTP: every action's 200 / 403 / 404 / 409 with a reason, deadlines in
the ticket JSON, and two people acting at once (PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from hotline.app.extensions import db
from hotline.models import Notification, Status, TicketEvent, utcnow
from tests.hotline.tickets.helpers import act, get, new_ticket

SH = ZoneInfo("Asia/Shanghai")
# A 督办 deadline within the year an order may run (lifecycle.MAX_URGE_AHEAD).
SOON = (utcnow() + timedelta(days=30)).isoformat()


def error(response, status: int) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()["error"]["message"]


def test_general_ticket_on_30_september_is_due_on_15_october(app: Flask, reference: None,
                                                             client: FlaskClient) -> None:
    t = new_ticket(received_at=datetime(2026, 9, 30, 10, 0, tzinfo=SH))
    assert t.status == Status.PENDING_DISPATCH  # no model active: the manual queue
    assert t.reply_due == datetime(2026, 10, 15, 17, 30, tzinfo=SH)
    assert t.dispatch_due == datetime(2026, 10, 1, 10, 0, tzinfo=SH)  # 24 calendar hours
    manual = t.events[-1]
    assert manual.kind == "routing_manual" and manual.data["reason"]["why"] == "low_confidence"
    assert manual.data["reason"]["sla"]["policy"] == "general"
    body = get(client, "agent", f"/api/v1/tickets/{t.number}").get_json()
    assert body["deadlines"]["reply"] == "2026-10-15T09:30:00+00:00"
    assert body["deadlines"]["state"] in {"green", "yellow", "red"}


def test_keyword_rule_dispatches_an_emergency_with_calendar_hours(app: Flask,
                                                                 reference: None) -> None:
    t = new_ticket("楼道里闻到煤气味，很浓", received_at=datetime(2026, 10, 1, 3, 0, tzinfo=SH),
                   address="A1区东湖街道幸福小区")
    assert t.status == Status.DISPATCHED and t.department.code == "rqjt"
    event = t.events[-1]
    assert event.data["reason"]["by"] == "keyword_rule" and event.data["reason"]["rule"]
    assert event.data["reason"]["place"] == {"district": "a1", "street": "a1-s1",
                                             "community": None, "matched": "东湖街道",
                                             "field": "address"}
    assert t.district == "a1" and t.urgency.value == "urgent"
    assert t.reply_due == datetime(2026, 10, 1, 5, 0, tzinfo=SH)  # 2 h on a holiday night
    (triaged,) = [e for e in t.events if e.kind == "triaged"]  # what the rules set, and why
    rule = {"keyword_rule": event.data["reason"]["rule"]}
    assert triaged.data["set"] == {"urgency": "urgent", "district": "a1", "street": "a1-s1",
                                   "topic_id": t.topic_id}
    found = {"by": "gazetteer", "entry": "a1-s1", "word": "东湖街道", "alias": False,
             "field": "address"}
    assert triaged.data["reason"] == {"district": "place", "street": found, "urgency": rule,
                                      "topic_id": rule}
    assert t.street == "a1-s1" and t.street_found == found


def test_line_default_and_district_rule(app: Flask, reference: None) -> None:
    assert new_ticket("商家卖过期食品", line="12315").department.code == "scjgj"


def test_full_flow_over_the_api(app: Flask, reference: None, client: FlaskClient) -> None:
    n = new_ticket().number
    assert "(dispatch)" in error(act(client, "zjj", n, "dispatch", {"unit": "zjj"}), 403)
    assert error(act(client, "agent", n, "dispatch", {"unit": "nope"}), 400)
    ok = act(client, "agent", n, "dispatch", {"unit": "zjj", "assisting": ["a1-gov"]})
    assert ok.status_code == 200 and ok.get_json()["status"] == "dispatched"
    assert ok.get_json()["deadlines"]["assist_tasks"][0]["unit"] == "a1-gov"
    assert "cannot reply" in error(act(client, "zjj", n, "reply", {"answer": "x"}), 409)
    assert error(act(client, "cgj", n, "sign"), 404)  # another unit cannot even see it
    assert "(sign)" in error(act(client, "agent", n, "sign"), 403)
    assert act(client, "zjj", n, "sign").status_code == 200
    assert "(urge)" in error(act(client, "agent", n, "urge",
                                           {"note": "快", "due": SOON}), 403)
    assert act(client, "supervisor", n, "urge",
               {"note": "群众反映强烈", "due": SOON}).status_code == 200
    assert "(request_extension)" in error(act(client, "zjj", n, "extend",
                                              {"days": 3, "reason": "需现场勘查"}), 403)
    assert act(client, "zjj-lead", n, "extend", {"days": 3, "reason": "需现场勘查"}) \
        .status_code == 200
    due = get(client, "agent", f"/api/v1/tickets/{n}").get_json()["deadlines"]["reply"]
    assert "(decide_extension)" in error(act(client, "agent", n, "decide-extension",
                                           {"approve": True}), 403)
    moved = act(client, "supervisor", n, "decide-extension", {"approve": True}).get_json()
    assert moved["deadlines"]["reply"] > due
    assert error(act(client, "zjj-lead", n, "extend", {"days": 99, "reason": "x"}), 422)
    assert act(client, "zjj", n, "reply", {"answer": "已修复路灯"}).status_code == 200
    assert "(close)" in error(act(client, "zjj", n, "close"), 403)
    assert "assisting tasks" in error(act(client, "agent", n, "close"), 409)
    assert act(client, "a1-gov", n, "assist-reply", {"answer": "已配合"}).status_code == 200
    assert act(client, "agent", n, "review-reply", {"accept": False, "note": "补充照片"}) \
        .get_json()["status"] == "signed"
    act(client, "zjj", n, "reply", {"answer": "已修复路灯，附照片"})
    assert act(client, "agent", n, "review-reply", {"accept": True}).status_code == 200
    assert "cannot urge" in error(act(client, "supervisor", n, "urge",
                                      {"note": "快", "due": SOON}), 409)
    closed = act(client, "agent", n, "close", {"note": "办结"}).get_json()
    assert closed["status"] == "closed"
    kinds = [e["kind"] for e in closed["events"]]
    assert kinds.count("reply_approved") == 1
    assert act(client, "agent", n, "reopen", {"reason": "市民不满意"}).get_json()["status"] \
        == "dispatched"


def test_two_returns_go_to_arbitration(app: Flask, reference: None, client: FlaskClient) -> None:
    n = new_ticket().number
    act(client, "agent", n, "dispatch", {"unit": "zjj"})
    assert error(act(client, "zjj-lead", n, "return", {"reason_code": "bogus", "reason": "x"}),
                 422)
    act(client, "zjj-lead", n, "return", {"reason_code": "not_our_duty", "reason": "不归我们"})
    assert error(act(client, "zjj", n, "sign"), 404)  # returned: no longer the unit's
    act(client, "agent", n, "dispatch", {"unit": "cgj"})
    act(client, "cgj-lead", n, "return", {"reason_code": "not_our_duty", "reason": "也不归我们"})
    assert "supervisor must arbitrate" in error(act(client, "agent", n, "dispatch",
                                                    {"unit": "a1-gov"}), 403)
    assert act(client, "supervisor", n, "dispatch", {"unit": "a1-gov"}).status_code == 200
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.kind == "arbitration_required")) == 1


def test_unit_staff_cannot_read_another_units_ticket(app: Flask, reference: None,
                                                     client: FlaskClient) -> None:
    n = new_ticket().number
    act(client, "agent", n, "dispatch", {"unit": "zjj"})
    assert get(client, "cgj", f"/api/v1/tickets/{n}").status_code == 404
    assert get(client, "zjj", f"/api/v1/tickets/{n}").status_code == 200
    listed = get(client, "cgj", "/api/v1/tickets").get_json()
    assert n not in [t["number"] for t in listed["items"]]


def test_calendar_missing_alerts_admins_and_does_not_crash(app: Flask, reference: None,
                                                           client: FlaskClient) -> None:
    t = new_ticket(received_at=datetime(2027, 12, 30, 10, 0, tzinfo=SH))
    assert t.reply_due is None and t.status == Status.PENDING_DISPATCH
    alert = db.session.scalars(select(Notification).where(
        Notification.kind == "calendar_missing")).one()
    assert alert.role == "admin" and "2027" in alert.body
    body = get(client, "agent", f"/api/v1/tickets/{t.number}").get_json()
    assert body["deadlines"]["reply"] is None
    assert "reply" in body["deadlines"]["calendar_missing"]


def test_actions_are_in_the_openapi_document(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for action in ("dispatch", "sign", "return", "extend", "decide-extension", "reply",
                   "review-reply", "urge", "close", "reopen"):
        operation = paths[f"/api/v1/tickets/{{number}}/{action}"]["post"]
        assert {"200", "403", "404", "409"} <= set(operation["responses"])
    assert "/api/v1/admin/dispatch-rules" in paths


def test_concurrent_sign_is_applied_once(app: Flask, reference: None) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers for the whole database; the race needs PostgreSQL")
    from tests.hotline.tickets.helpers import token

    n = new_ticket().number
    with app.test_client() as c:
        act(c, "agent", n, "dispatch", {"unit": "zjj"})
    results: list[int] = []
    barrier = threading.Barrier(4, timeout=30)
    header = {"Authorization": f"Bearer {token('zjj')}"}

    def sign() -> None:
        with app.app_context():  # each thread: its own session and connection
            client = app.test_client()
            barrier.wait()
            results.append(client.post(f"/api/v1/tickets/{n}/sign", json={},
                                       headers=header).status_code)
            db.session.remove()

    threads = [threading.Thread(target=sign) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 409, 409, 409]
    db.session.expire_all()
    assert db.session.scalar(select(func.count(TicketEvent.id)).where(
        TicketEvent.kind == "signed")) == 1
