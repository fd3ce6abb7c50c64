"""The call-back list shows every number masked, whatever the row, and reveals it audited."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.app.extensions import db
from hotline.messaging import outbox
from hotline.models import AuditEntry, OutboundMessage, Ticket
from tests.conftest import csrf_token, login
from tests.hotline.tickets.helpers import new_ticket

OTHER = "+8613955556666"  # a number that is not the ticket's own


def _rows() -> tuple[Ticket, list[OutboundMessage]]:
    """The three kinds of row: the ticket's own number, an intake's acknowledgement that failed
    before any ticket existed (ticket_id NULL), and a ticket's message to another number."""
    ticket = db.session.scalars(select(Ticket).where(Ticket.number == new_ticket().number)).one()
    rows = [
        OutboundMessage(kind="answer", channel="callback", ticket_id=ticket.id,
                        ticket_number=ticket.number, to_addr=ticket.phone, body="答复",
                        status=outbox.TO_CALL, dedupe_key="t:own"),
        OutboundMessage(kind="ack", channel="sms", ticket_id=None,
                        ticket_number="20261206-000999", to_addr="+8613712345678", body="受理",
                        status=outbox.FAILED, dedupe_key="t:ack"),
        OutboundMessage(kind="answer", channel="sms", ticket_id=ticket.id,
                        ticket_number=ticket.number, to_addr=OTHER, body="答复",
                        status=outbox.FAILED, dedupe_key="t:other"),
    ]
    db.session.add_all(rows)
    db.session.commit()
    return ticket, rows


def _reveals() -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "phone_reveal")
                                   .order_by(AuditEntry.id)))  # PostgreSQL keeps no order unasked


def test_no_full_number_on_the_list(app: Flask, reference: None, client: FlaskClient) -> None:
    _rows()
    login(client, "agent")
    page = client.get("/callbacks").get_data(as_text=True)
    for full, masked in (("13812348000", "138****8000"), ("13712345678", "137****5678"),
                         ("13955556666", "139****6666")):
        assert full not in page and masked in page
    assert page.count("显示号码") == 3
    assert not _reveals()  # looking at the list reveals nothing


def test_reveal_gives_the_number_and_is_audited(app: Flask, reference: None,
                                                client: FlaskClient) -> None:
    _ticket, rows = _rows()
    login(client, "agent")
    for row in rows[1:]:
        shown = client.post(f"/callbacks/{row.id}/phone", data={"csrf_token": csrf_token(client)},
                            headers={"Accept": "application/json"})
        assert shown.get_json() == {"number": row.ticket_number, "phone": row.to_addr}
    page = client.post(f"/callbacks/{rows[1].id}/phone", data={"csrf_token": csrf_token(client)})
    assert 'href="tel:+8613712345678"' in page.get_data(as_text=True)
    entries = _reveals()
    assert [(e.username, e.entity_id, e.after) for e in entries] == [
        ("agent", rows[1].ticket_number, {"outbound_message": rows[1].id}),
        ("agent", rows[2].ticket_number, {"outbound_message": rows[2].id}),
        ("agent", rows[1].ticket_number, {"outbound_message": rows[1].id}),
    ]


def test_unit_staff_can_neither_list_nor_reveal(app: Flask, reference: None,
                                                client: FlaskClient) -> None:
    _ticket, rows = _rows()
    login(client, "zjj")
    assert client.get("/callbacks").status_code == 403
    refused = client.post(f"/callbacks/{rows[1].id}/phone",
                          data={"csrf_token": csrf_token(client)})
    assert refused.status_code == 403 and "13712345678" not in refused.get_data(as_text=True)
    assert not _reveals()


def test_a_confidential_tickets_number_stays_hidden_without_reveal(
        app: Flask, reference: None) -> None:
    from hotline.identity.access import HIDDEN, recipient_view
    from hotline.models import Role, User

    ticket, rows = _rows()
    ticket.confidential = True
    viewer = User(username="x", display_name="x", password_hash="", role=Role.UNIT_STAFF)
    assert recipient_view(viewer, rows[2]) == {"phone": HIDDEN, "can_reveal": False}
    assert recipient_view(viewer, rows[1])["phone"] == "137****5678"


def test_callbacks_are_paged_oldest_first_with_a_count_per_cause(
        app: Flask, reference: None, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline.messaging import views

    monkeypatch.setattr(views, "CALLBACKS_PER_PAGE", 4)
    ticket = new_ticket()
    for i in range(9):
        db.session.add(OutboundMessage(
            kind="answer", channel="sms", ticket_id=ticket.id, ticket_number=ticket.number,
            to_addr=OTHER, body=f"答复{i}", status=outbox.FAILED, dedupe_key=f"p:{i}",
            error_message="no SMS provider configured" if i < 7 else "号码无效"))
    db.session.commit()
    login(client, "agent")
    first = client.get("/callbacks").get_data(as_text=True)
    assert "共 9 条，第 1 / 3 页" in first
    assert [f"答复{i}" for i in range(4)] == [b for b in re.findall(r"答复\d", first)]
    assert re.search(r"<strong>no SMS provider configured</strong> <span class=\"count\">7 条", first)
    assert re.search(r"<strong>号码无效</strong> <span class=\"count\">2 条", first)
    last = client.get("/callbacks?page=3").get_data(as_text=True)
    assert re.findall(r"答复\d", last) == ["答复8"] and 'rel="prev" href="/callbacks?page=2"' in last
    assert client.get("/callbacks?upage=-1").status_code == 400
