"""Staff pages: inbox, ticket actions with CSRF, supervisor view, notices, the admin API with
validation and audit, and 403 for the wrong posts (admin pages: tests/hotline/admin/)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.models import AuditEntry, Status, Ticket
from hotline.tickets.escalation import scan
from tests.conftest import csrf_token, login
from tests.hotline.tickets.helpers import act, new_ticket

SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(("path", "allowed", "refused"), [
    ("/inbox", "zjj", "agent"),
    ("/supervise", "supervisor", "zjj"),
    ("/admin/rules", "admin", "supervisor"),
    ("/admin/sla", "admin", "agent"),
    ("/admin/days", "admin", "zjj"),
])
def test_pages_check_the_post(app: Flask, reference: None, client: FlaskClient, path: str,
                              allowed: str, refused: str) -> None:
    login(client, refused)
    assert client.get(path).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, allowed)
    assert client.get(path).status_code == 200


def test_unit_works_a_ticket_through_its_pages(app: Flask, reference: None,
                                               client: FlaskClient) -> None:
    t = new_ticket(received_at=datetime(2026, 9, 30, 10, 0, tzinfo=SH))
    login(client, "agent")
    page = client.get(f"/tickets/{t.number}").get_data(as_text=True)
    assert "派单" in page and "缺少工作日历" not in page
    response = client.post(f"/tickets/{t.number}/act/dispatch",
                           data={"unit": "zjj", "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert client.post(f"/tickets/{t.number}/act/sign",
                       data={"csrf_token": csrf_token(client)}).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, "zjj")
    inbox = client.get("/inbox").get_data(as_text=True)
    assert t.number in inbox and "超期" in inbox  # 2026 deadlines are long past
    assert client.post(f"/tickets/{t.number}/act/sign", data={}).status_code == 400  # no CSRF
    client.post(f"/tickets/{t.number}/act/sign", data={"csrf_token": csrf_token(client)})
    client.post(f"/tickets/{t.number}/act/reply",
                data={"answer": "已修复", "csrf_token": csrf_token(client)})
    db.session.expire_all()
    assert db.session.get(Ticket, t.id).status == Status.REPLIED
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, "cgj")
    assert client.get(f"/tickets/{t.number}").status_code == 404  # another unit's ticket


def test_supervisor_page_and_notices(app: Flask, reference: None, client: FlaskClient) -> None:
    t = new_ticket(received_at=datetime(2026, 9, 30, 10, 0, tzinfo=SH))
    with app.test_client() as api:
        act(api, "agent", t.number, "dispatch", {"unit": "zjj"})
    scan(db.session, commit=unit_of_work.commit)
    login(client, "supervisor")
    page = client.get("/supervise").get_data(as_text=True)
    assert t.number in page and "A市住房和城乡建设局" in page
    home = client.get("/notifications").get_data(as_text=True)
    assert 'class="badge"' in home and "超期" in home
    client.post("/notifications", data={"csrf_token": csrf_token(client)})
    assert 'class="badge"' not in client.get("/notifications").get_data(as_text=True)


def test_admin_api_for_the_catalogue(app: Flask, reference: None, client: FlaskClient) -> None:
    from tests.hotline.tickets.helpers import token

    admin = {"Authorization": f"Bearer {token('admin')}"}
    agent = {"Authorization": f"Bearer {token('agent')}"}
    body = {"keywords": "共享单车乱停", "department": "cgj", "priority": 900}
    assert client.post("/api/v1/admin/dispatch-rules", json=body, headers=agent).status_code == 403
    created = client.post("/api/v1/admin/dispatch-rules", json=body, headers=admin)
    assert created.status_code == 201, created.get_data(as_text=True)
    rule_id = created.get_json()["id"]
    changed = client.put(f"/api/v1/admin/dispatch-rules/{rule_id}",
                         json={**body, "priority": 901}, headers=admin)
    assert changed.get_json()["priority"] == 901
    bad = client.post("/api/v1/admin/sla-policies", headers=admin, json={
        "name": "x", "dispatch_amount": 1, "dispatch_unit": "fortnights", "sign_amount": 1,
        "sign_unit": "working_hours", "reply_amount": 1, "reply_unit": "working_days"})
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "dispatch_unit"
    year = client.post("/api/v1/admin/calendar-years", json={"year": 2027}, headers=admin)
    assert year.status_code == 201
    actions = [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["create", "update", "create"]


def test_a_closed_ticket_offers_no_extension_decision(app: Flask, reference: None,
                                                      client: FlaskClient) -> None:
    """The ticket page offers an action only where the life cycle accepts it: an extension still
    pending when the ticket closed can no longer be decided (409), so no buttons for it."""
    t = new_ticket()
    with app.test_client() as api:
        act(api, "agent", t.number, "dispatch", {"unit": "zjj"})
        act(api, "zjj", t.number, "sign")
        act(api, "zjj-lead", t.number, "extend", {"days": 3, "reason": "需现场勘查"})
        login(client, "supervisor")
        assert 'id="form-approve-extension"' in client.get(f"/tickets/{t.number}").get_data(
            as_text=True)
        act(api, "zjj", t.number, "reply", {"answer": "已修复"})
        assert act(api, "agent", t.number, "close").status_code == 200
        assert act(api, "supervisor", t.number, "decide-extension",
                   {"approve": True}).status_code == 409
    page = client.get(f"/tickets/{t.number}").get_data(as_text=True)
    assert 'id="form-approve-extension"' not in page and 'id="form-reopen"' in page
