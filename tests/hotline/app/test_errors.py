"""The last line of defence: a value the database refuses is a 400, never a 500."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select, text

from hotline.app.extensions import db
from hotline.models import Department


@pytest.mark.own_app
def test_a_value_the_database_refuses_is_a_400_and_the_session_recovers(app: Flask) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite is typeless: it refuses no such value")

    def overflow() -> str:
        db.session.execute(text("SELECT CAST(:v AS INTEGER)"), {"v": "99999999999"})
        return "unreachable"

    app.add_url_rule("/api/v1/_overflow", view_func=overflow)
    response = app.test_client().get("/api/v1/_overflow")
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "invalid_value"
    assert db.session.scalars(select(Department)).all() is not None  # rolled back, usable
