"""The JSON API through HTTP: bearer tokens, filters, visibility, and bad input."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.app.extensions import db
from hotline.domain.lifecycle import Actor, dispatch
from hotline.models import AuditEntry, Department, Ticket, User
from tests.conftest import drain
from tests.hotline.tickets.helpers import token as bearer


def token(username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {bearer(username)}"}


def intake(client: FlaskClient, headers: dict[str, str], **body: object) -> str:
    response = client.post("/api/v1/intakes", json={"content": "路灯坏了", "phone": "13812348000",
                                                     **body}, headers=headers)
    assert response.status_code == 202, response.get_json()
    return response.get_json()["ticket_number"]


def test_token_is_required(client: FlaskClient, reference: None) -> None:
    for path in ("/api/v1/tickets", "/api/v1/departments", "/api/v1/tickets/20260101-000001"):
        assert client.get(path).status_code == 401
        assert client.get(path, headers={"Authorization": "Bearer nope"}).status_code == 401


def test_intake_then_ticket_with_events(app: Flask, client: FlaskClient, reference: None) -> None:
    agent = token("agent")
    number = intake(client, agent, line="12319", request_type="help")
    drain(app)
    body = client.get(f"/api/v1/tickets/{number}", headers=agent).get_json()
    assert body["number"] == number and body["line"] == "12319" and body["request_type"] == "help"
    assert body["citizen"] == {"name": None, "phone": "138****8000", "can_reveal": True}
    assert body["events"][0]["kind"] == "intake"
    listing = client.get("/api/v1/tickets?line=12319", headers=agent).get_json()
    assert [t["number"] for t in listing["items"]] == [number]
    assert client.get("/api/v1/tickets?line=12345", headers=agent).get_json()["total"] == 0


def test_revealing_the_full_number_is_audited(app: Flask, client: FlaskClient,
                                              reference: None) -> None:
    number = intake(client, token("agent"))
    drain(app)
    response = client.post(f"/api/v1/tickets/{number}/phone", headers=token("supervisor"))
    assert response.status_code == 200
    assert response.get_json() == {"number": number, "phone": "+8613812348000"}
    entry = db.session.scalars(select(AuditEntry)).one()
    assert (entry.username, entry.entity, entry.entity_id, entry.action) == \
        ("supervisor", "ticket", number, "phone_reveal")
    assert client.post("/api/v1/tickets/20200101-000009/phone",
                       headers=token("agent")).status_code == 404


def test_idempotency_key_returns_the_same_number(client: FlaskClient, reference: None) -> None:
    agent = {**token("agent"), "Idempotency-Key": "portal-42"}
    first = client.post("/api/v1/intakes", json={"content": "噪音扰民"}, headers=agent)
    again = client.post("/api/v1/intakes", json={"content": "噪音扰民"}, headers=agent)
    assert first.status_code == 202 and again.status_code == 200
    assert first.get_json()["ticket_number"] == again.get_json()["ticket_number"]


def test_unit_staff_see_only_their_units_tickets(app: Flask, client: FlaskClient,
                                                  reference: None) -> None:
    number = intake(client, token("agent"))
    drain(app)
    ticket = db.session.scalars(select(Ticket).where(Ticket.number == number)).one()
    admin = db.session.scalars(select(User).where(User.username == "admin")).one()
    unit, other = db.session.scalars(select(Department).order_by(Department.code).limit(2)).all()
    dispatch(ticket, Actor.of(admin), unit, reason={"by": "test"})
    db.session.commit()
    mine, theirs = token(unit.code), token(other.code)
    shown = client.get(f"/api/v1/tickets/{number}", headers=mine).get_json()
    assert shown["department"]["code"] == unit.code
    assert shown["citizen"]["phone"] == "138****8000"  # masked for unit staff
    assert not shown["citizen"]["can_reveal"]
    assert client.post(f"/api/v1/tickets/{number}/phone", headers=mine).status_code == 403
    assert client.get(f"/api/v1/tickets/{number}", headers=theirs).status_code == 404
    assert client.get("/api/v1/tickets", headers=theirs).get_json()["total"] == 0


def test_departments_show_code_level_and_parent(client: FlaskClient, reference: None) -> None:
    rows = client.get("/api/v1/departments", headers=token("agent")).get_json()
    by_code = {r["code"]: r for r in rows}
    assert by_code["gov"]["level"] == "city" and by_code["gov"]["parent"] is None
    street = next(r for r in rows if r["level"] == "street")
    assert by_code[street["parent"]]["level"] == "district"


def test_bad_input_gets_a_clear_4xx(client: FlaskClient, reference: None) -> None:
    agent = token("agent")
    cases = [
        ({"json": {"content": ""}}, 422),
        ({"json": {"content": "x", "line": "99999"}}, 422),
        ({"json": {"content": "x", "phone": "12"}}, 400),
        ({"json": {"content": "x" * 5000}}, 422),
        ({"data": b"\xff\xfe{", "content_type": "application/json"}, 400),
        ({"data": "content=x", "content_type": "application/x-www-form-urlencoded"}, 422),
        ({"data": b"x" * (3 * 1024 * 1024), "content_type": "application/json"}, 413),
    ]
    for kwargs, status in cases:
        response = client.post("/api/v1/intakes", headers=agent, **kwargs)
        assert response.status_code == status, (kwargs.get("json"), response.get_data()[:300])
        assert response.get_json()["error"]["message"]
    assert client.get("/api/v1/tickets?page=0", headers=agent).status_code == 400
    for path in ("/api/v1/tickets?department=%00&line=12315", "/api/v1/tickets/%00"):
        response = client.get(path, headers=agent)  # PostgreSQL text cannot hold a NUL
        assert response.status_code == 400 and "NUL" in response.get_json()["error"]["message"]
    response = client.post("/api/v1/intakes", headers={**agent, "Idempotency-Key": "a\x00b"},
                           json={"content": "x"})
    assert response.status_code == 400
    assert "Idempotency-Key" in response.get_json()["error"]["message"]
    assert client.get("/api/v1/tickets/'; DROP TABLE tickets;--", headers=agent).status_code == 404


def test_validation_errors_read_as_words_with_the_fields_beside(client: FlaskClient,
                                                               reference: None) -> None:
    """No Python repr in a 4xx message (`{'json': {'_schema': [...]}}`): a sentence in both
    languages, and the structured `errors` by field."""
    agent = token("agent")
    cases = [
        ([1, 2], "请求体须为 JSON 对象", {"": ["Invalid input type."]}),
        ("text", "请求体须为 JSON 对象", {"": ["Invalid input type."]}),
        ({"content": 5}, "content：须为字符串", {"content": ["Not a valid string."]}),
        ({"content": "x", "nonsense": 1}, "nonsense：未知字段", {"nonsense": ["Unknown field."]}),
    ]
    for body, words, errors in cases:
        response = client.post("/api/v1/intakes", headers=agent, json=body)
        assert 400 <= response.status_code < 500, body
        error = response.get_json()["error"]
        assert words in error["message"], error
        assert "{" not in error["message"] and "'" not in error["message"], error
        assert error["errors"] == errors
    missing = client.post("/api/v1/intakes", headers=agent, json={}).get_json()["error"]
    assert "content：必填" in missing["message"] and "content: required" in missing["message"]
