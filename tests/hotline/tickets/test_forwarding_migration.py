"""Migration ticket_forwarding builds exactly the table the model describes, on SQLite and
PostgreSQL (the test database is migrated, not created from the models)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from hotline.app.extensions import db
from hotline.models import Base


def test_forward_tasks_table_matches_the_model(app: Flask) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert "forward_tasks" in Base.metadata.tables
    assert [change for change in diff if "forward_tasks" in repr(change)] == []
