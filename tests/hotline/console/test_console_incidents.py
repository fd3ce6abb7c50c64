"""合并办理 in the agent console (issue 18): while a call about an open incident is typed, the
suggestion names the group ("可能与 … 号工单为同一事件 (n 人来电)"); the agent attaches the call
and the saved ticket follows the master, proposed for a supervisor, with no dispatch or clocks."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.app.extensions import db
from hotline.domain.events import EventKind
from hotline.models import Status, Ticket
from tests.conftest import login
from tests.hotline.console.test_console_http import _save, _suggest
from tests.hotline.tickets.helpers import new_ticket

FIRST = "解放路工人新村停水了，从早上到现在一滴水都没有"
CALL = "解放路工人新村停水，家里一早上都没有水，什么时候来水"


def test_the_console_names_the_incident_and_attaches_the_call(
        app: Flask, client: FlaskClient, reference: None) -> None:
    master = new_ticket(FIRST)  # the 停水 keyword rule gives topic and unit: dispatched
    assert master.status == Status.DISPATCHED
    login(client, "agent")
    found = _suggest(client, text=CALL).get_json()["incident"]
    assert found["master"] == master.number and found["size"] == 1 and not found["confirmed"]
    assert found["text"] == f"可能与 {master.number} 号工单为同一事件（1 人来电）"
    # no group exists yet: the hint must not say one waits for a supervisor
    assert found["state"] == "尚未成组，并入后待督办确认"
    assert _suggest(client, text="解放路工人新村路灯坏了好几天了").get_json()["incident"] is None

    saved = _save(client, content=CALL, outcome="dispatch", unit="gsjt",
                  incident_master=master.number)
    assert saved.status_code == 302
    ticket = db.session.scalars(select(Ticket).where(Ticket.id != master.id)).one()
    assert ticket.incident_master_id == master.id and not ticket.incident_confirmed
    assert ticket.status == Status.PENDING_DISPATCH and ticket.department is None
    assert all(c.stopped_at is not None for c in ticket.clocks) and ticket.reply_due is None
    proposed = next(e for e in ticket.events if e.kind == EventKind.INCIDENT_PROPOSED)
    assert proposed.actor == "agent"
    grouped = _suggest(client, text=CALL).get_json()["incident"]
    assert grouped["size"] == 2 and grouped["state"] == "合并组待督办确认"

    assert _save(client, content=CALL, incident_master="20990101-000001").status_code == 400
