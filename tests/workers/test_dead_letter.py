"""The dead letter: an intake whose processing always fails ends failed after INTAKE_MAX_ATTEMPTS
attempts through the real relay, RQ worker and sweeper, is shown to agents, and is retried or
made into its ticket by hand under the number the citizen was told."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.app.extensions import db
from hotline.app.queue import ACCEPTED, connection
from hotline.intake.accept import Request
from hotline.intake.handover import submit
from hotline.models import AuditEntry, Channel, Intake, IntakeStatus, Status, Ticket
from tests.conftest import ChangeSettings, csrf_token, drain, login
from tests.hotline.api.test_api import token
from workers.jobs import sweep_intakes

ATTEMPTS = 3


@pytest.fixture(autouse=True)
def _quick_sweeps(settings: ChangeSettings) -> None:
    settings(intake={"max_attempts": ATTEMPTS, "requeue_after": timedelta(0)})


def broken_intake() -> Intake:
    """Accepted like any other, then holding what processing cannot take (a request type no
    release knows, as a payload written by an older or newer version would)."""
    accepted, _ = submit(Request(channel=Channel.WEB, line="12345", content="小区门口井盖丢了",
                                 phone="13812348000"), region="CN")
    intake = db.session.get_one(Intake, accepted.id)
    intake.payload = {**intake.payload, "request_type": "no such type"}
    db.session.commit()
    return intake


def fail_until_set_aside(app: Flask, intake: Intake) -> None:
    """Relay and worker for the first attempt, then the sweeper for each further one."""
    drain(app)
    for attempt in range(2, ATTEMPTS + 1):
        db.session.expire_all()
        assert (intake.status, intake.attempts) == (IntakeStatus.RECEIVED, attempt - 1)
        assert sweep_intakes() == 1
        drain(app)
    db.session.expire_all()


def test_an_intake_that_always_fails_is_set_aside_and_no_longer_swept(app: Flask) -> None:
    intake = broken_intake()
    fail_until_set_aside(app, intake)

    assert (intake.status, intake.attempts) == (IntakeStatus.FAILED, ATTEMPTS)
    assert "no such type" in intake.error
    assert sweep_intakes() == 0  # nothing loops: the sweeper leaves it to people
    assert db.session.scalars(select(Ticket)).all() == []


def test_agents_see_failed_intakes_retry_them_and_make_the_ticket_by_hand(
        app: Flask, client: FlaskClient, reference: None) -> None:
    intake = broken_intake()
    fail_until_set_aside(app, intake)
    login(client, "agent")

    home = client.get("/tickets").get_data(as_text=True)
    assert re.search(r'href="/intakes/failed">受理失败 <span class="badge"[^>]*>1</span>', home)
    page = client.get("/intakes/failed").get_data(as_text=True)
    assert intake.ticket_number in page and "小区门口井盖丢了" in page
    assert "no such type" in page and "138****8000" in page and "网上留言" in page

    response = client.post(f"/intakes/{intake.id}/retry", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    db.session.expire_all()
    assert (intake.status, intake.attempts, intake.error) == (IntakeStatus.RECEIVED, 0, None)
    assert connection(app).lrange(ACCEPTED, 0, -1) == [str(intake.id).encode()]  # re-announced
    fail_until_set_aside(app, intake)

    form = client.get(f"/intakes/{intake.id}/ticket").get_data(as_text=True)
    assert "小区门口井盖丢了" in form and "13812348000" not in form  # the phone stays masked
    response = client.post(f"/intakes/{intake.id}/ticket", data={
        "csrf_token": csrf_token(client), "line": "12345", "request_type": "complaint",
        "content": "小区门口井盖丢了，很危险", "phone": "", "name": "", "address": "A1区东湖街道"})
    assert response.status_code == 302
    ticket = db.session.scalars(select(Ticket)).one()
    assert response.headers["Location"].endswith(f"/tickets/{ticket.number}")
    assert ticket.number == intake.ticket_number  # the number the citizen was told
    assert (ticket.content, ticket.phone, ticket.status) == ("小区门口井盖丢了，很危险", "+8613812348000",
                                                             Status.PENDING_DISPATCH)
    db.session.expire_all()
    assert intake.status == IntakeStatus.PROCESSED
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "intake")
                                 .order_by(AuditEntry.id)).all()
    assert [(e.username, e.entity_id, e.action) for e in entries] == [
        ("agent", str(intake.id), "retry"), ("agent", str(intake.id), "make_ticket")]
    assert entries[1].before["status"] == "failed" and entries[1].after["status"] == "processed"
    assert "受理失败 <span" not in client.get("/intakes/failed").get_data(as_text=True)
    assert client.post(f"/intakes/{intake.id}/retry",
                       data={"csrf_token": csrf_token(client)}).status_code == 409


def test_a_hand_made_ticket_is_checked_like_any_intake(app: Flask, client: FlaskClient,
                                                       reference: None) -> None:
    intake = broken_intake()
    fail_until_set_aside(app, intake)
    login(client, "agent")
    response = client.post(f"/intakes/{intake.id}/ticket", data={
        "csrf_token": csrf_token(client), "line": "12345", "request_type": "complaint",
        "content": "井盖", "phone": "12"})
    assert response.status_code == 400 and "has-error" in response.get_data(as_text=True)
    db.session.expire_all()
    assert intake.status == IntakeStatus.FAILED and db.session.scalars(select(Ticket)).all() == []


def test_the_api_lists_and_retries_failed_intakes(app: Flask, client: FlaskClient,
                                                  reference: None) -> None:
    intake = broken_intake()
    fail_until_set_aside(app, intake)
    agent = token("agent")
    [listed] = client.get("/api/v1/intakes/failed", headers=agent).get_json()
    assert listed["ticket_number"] == intake.ticket_number and listed["attempts"] == ATTEMPTS
    assert listed["status"] == "failed" and "no such type" in listed["error"]
    assert listed["phone"] == "138****8000" and listed["content"] == "小区门口井盖丢了"

    response = client.post(f"/api/v1/intakes/{intake.id}/retry", headers=agent)
    assert response.status_code == 200 and response.get_json()["status"] == "received"
    assert client.get("/api/v1/intakes/failed", headers=agent).get_json() == []
    assert client.post(f"/api/v1/intakes/{intake.id}/retry", headers=agent).status_code == 409
    assert client.post("/api/v1/intakes/999999/retry", headers=agent).status_code == 404
    assert client.post(f"/api/v1/intakes/{2**63}/retry", headers=agent).status_code == 404
    assert client.get("/api/v1/intakes/failed", headers=token("zjj")).status_code == 403
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/intakes/failed" in paths and "/api/v1/intakes/{intake_id}/retry" in paths
