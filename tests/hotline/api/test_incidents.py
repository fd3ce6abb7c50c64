"""合并办理 through the API (issue 18): a member shows its group, supervisors confirm, split
and add; other posts are refused, bad input is a clear 4xx; the operations are documented."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.app.extensions import db
from hotline.models import Notification, Ticket
from tests.hotline.api.test_api import token
from tests.hotline.intake.test_incidents import PLACE, SAME, proposals_on  # noqa: F401
from tests.hotline.intake.test_street_routing import PROPERTY, routed_confidently
from tests.hotline.tickets.helpers import answered_by_its_unit, new_ticket


def test_a_member_shows_its_group_and_supervisors_confirm_split_and_add(
        app: Flask, client: FlaskClient, reference: None) -> None:
    master = routed_confidently(new_ticket(PROPERTY, address=PLACE)).number
    member = routed_confidently(new_ticket(SAME, address=PLACE)).number
    boss, agent = token("supervisor"), token("agent")
    shown = client.get(f"/api/v1/tickets/{member}", headers=agent).get_json()
    assert shown["incident"] == {"master": master, "size": 2, "confirmed": False}
    assert client.post(f"/api/v1/incidents/{master}/confirm", headers=agent).status_code == 403

    confirmed = client.post(f"/api/v1/incidents/{master}/confirm", headers=boss)
    assert confirmed.status_code == 200, confirmed.get_json()
    assert confirmed.get_json()["incident"] == {"master": master, "size": 2, "confirmed": True}
    assert client.get(f"/api/v1/tickets/{member}", headers=agent).get_json()["incident"]["confirmed"]

    assert client.post(f"/api/v1/incidents/{master}/split", headers=boss, json={}).status_code == 400
    split = client.post(f"/api/v1/incidents/{master}/split", headers=boss, json={"ticket": member})
    assert split.status_code == 200 and split.get_json()["incident"] is None
    alone = client.get(f"/api/v1/tickets/{member}", headers=agent).get_json()
    assert alone["incident"] is None and alone["status"] == "dispatched"  # routed on its own

    # Dispatched on its own after the split, not yet answered: a supervisor gathers it again,
    # its unit is told it need not handle it, and it waits at the centre with the group.
    unit = db.session.scalars(select(Ticket).where(Ticket.number == member)).one().department_id
    again = client.post(f"/api/v1/incidents/{master}/add", headers=boss, json={"ticket": member})
    assert again.status_code == 200 and again.get_json()["incident"]["size"] == 2
    back = client.get(f"/api/v1/tickets/{member}", headers=agent).get_json()
    assert back["status"] == "pending_dispatch" and back["incident"]["master"] == master
    told = db.session.scalars(select(Notification).where(
        Notification.kind == "incident_added")).all()
    assert [(n.department_id, n.body) for n in told] == [
        (unit, f"工单 {member} 已并入 {master} 合并办理，无需单独办理。")]
    refused = client.post(f"/api/v1/incidents/{master}/add", headers=boss, json={"ticket": master})
    assert refused.status_code == 400 and "own group" in str(refused.get_json())
    waiting = new_ticket("工人新村楼道垃圾没人清理", address=PLACE).number  # no topic yet: not routed
    added = client.post(f"/api/v1/incidents/{master}/add", headers=boss, json={"ticket": waiting})
    assert added.status_code == 200 and added.get_json()["incident"]["size"] == 3
    assert client.post("/api/v1/incidents/20990101-000001/confirm", headers=boss).status_code == 404


def test_the_incident_operations_are_in_the_openapi_document(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for action in ("confirm", "split", "add"):
        assert "post" in paths[f"/api/v1/incidents/{{number}}/{action}"]
    ticket = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["Ticket"]
    assert "incident" in ticket["properties"]


def test_an_answered_ticket_is_not_added(app: Flask, client: FlaskClient, reference: None) -> None:
    master = routed_confidently(new_ticket(PROPERTY, address=PLACE)).number
    routed_confidently(new_ticket(SAME, address=PLACE))
    answered = answered_by_its_unit(client, routed_confidently(
        new_ticket("工人新村停车位被占用", address=PLACE)))
    refused = client.post(f"/api/v1/incidents/{master}/add", headers=token("supervisor"),
                          json={"ticket": answered.number})
    assert refused.status_code == 409 and "already replied" in str(refused.get_json())
