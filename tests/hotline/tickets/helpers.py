"""Tickets through the real intake pipeline, and API calls as a given staff member."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.identity.auth import issue_token_row
from hotline.intake.accept import Request, accept
from hotline.intake.process import process_intake
from hotline.models import Channel, Role, Ticket, User


def new_ticket(content: str = "小区门口路灯坏了很久没人修", *, received_at: datetime | None = None,
               line: str = "12345", address: str | None = None) -> Ticket:
    """Accept and process an intake as the worker would; returns the routed ticket."""
    intake, _ = accept(db.session, Request(channel=Channel.WEB, line=line, content=content,
                                           phone="13812348000", address=address),
                       received_at=received_at)
    number = process_intake(db.session, intake.id)
    unit_of_work.commit(db.session)
    return db.session.scalars(select(Ticket).where(Ticket.number == number)).one()


_tokens: dict[tuple[int, str], str] = {}


def token(username: str) -> str:
    """A new bearer token for `username` (only its hash is stored, so it is shown once)."""
    user = db.session.scalars(select(User).where(User.username == username)).one()
    issued = issue_token_row(user)[0]
    unit_of_work.commit(db.session)
    return issued


def act(client: FlaskClient, username: str, number: str, action: str,
        body: dict[str, Any] | None = None) -> Any:
    return client.post(f"/api/v1/tickets/{number}/{action}", json=body or {},
                       headers={"Authorization": f"Bearer {token(username)}"})


def get(client: FlaskClient, username: str, path: str) -> Any:
    return client.get(path, headers={"Authorization": f"Bearer {token(username)}"})


def answered_by_its_unit(client: FlaskClient, ticket: Ticket, answer: str = "已协调处理") -> Ticket:
    """A dispatched ticket signed and answered (已答复) through the API by its unit's staff."""
    staff = db.session.scalars(select(User).where(
        User.department_id == ticket.department_id, User.role == Role.UNIT_STAFF)).first()
    assert staff is not None, "the ticket's unit has no staff"
    assert act(client, staff.username, ticket.number, "sign").status_code == 200
    assert act(client, staff.username, ticket.number, "reply", {"answer": answer}).status_code == 200
    return ticket
