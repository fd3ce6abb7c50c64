"""Posting admin forms as a signed-in administrator, and reading back what the audit log holds."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from hotline.app.extensions import db
from hotline.app.queue import TRAINING_QUEUE, connection
from hotline.models import AuditEntry
from tests.conftest import csrf_token, login
from workers.runner import Worker


def post(client: FlaskClient, path: str, data: dict[str, Any]) -> TestResponse:
    """POST a form with the session's current CSRF token.

    Tests run inside one app context, so Flask-WTF's per-context token cache (g.csrf_token)
    outlives the session that sign-in renews; dropping it makes the token match the session.
    """
    g.pop("csrf_token", None)
    return client.post(path, data={**data, "csrf_token": csrf_token(client)})


def run_training(app: Flask) -> None:
    """What `flask --app hotline trainer --burst` does, in this process and app context."""
    Worker([TRAINING_QUEUE], connection=connection(app)).work(burst=True)


def sign_in(client: FlaskClient, username: str, password: str | None = None) -> None:
    """Sign out whoever is signed in, then sign in as `username` (see `post` on the token)."""
    g.pop("csrf_token", None)
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    g.pop("csrf_token", None)
    if password is None:
        login(client, username)
    else:
        login(client, username, password)


def field_error(page: TestResponse, name: str) -> str:
    """The message shown beside input `name` (the form marks it with id e-<name>)."""
    html = page.get_data(as_text=True)
    match = re.search(rf'id="e-{re.escape(name)}" role="alert">([^<]+)<', html)
    assert match, f"no error shown beside {name}: {html[:3000]}"
    assert f'id="f-{name}"' not in html or 'aria-invalid="true"' in html
    return match.group(1)


def entries(entity: str | None = None) -> list[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    if entity:
        stmt = stmt.where(AuditEntry.entity == entity)
    return list(db.session.scalars(stmt))


def last(entity: str) -> AuditEntry:
    rows = entries(entity)
    assert rows, f"no audit entry for {entity}"
    db.session.expire_all()
    return rows[-1]
