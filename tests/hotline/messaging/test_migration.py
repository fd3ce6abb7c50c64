"""Migration 0003 builds exactly the tables the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from hotline.app.extensions import db
from hotline.models import Base

OURS = {"outbox", "message_templates", "follow_ups", "tracking_codes", "tracking_failures"}


def test_messaging_tables_match_the_models(app: Flask) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)

    def table_of(change: object) -> str | None:
        item = change[0] if isinstance(change, list) else change
        for part in item[1:] if isinstance(item, tuple) else ():
            if isinstance(part, str) and part in OURS:  # modify_* entries name the table
                return part
            table = getattr(part, "table", None)  # add_column, add_index... carry the object
            if table is not None:
                return str(table.name)
            if getattr(part, "name", None) in OURS:  # add_table / remove_table
                return str(part.name)
        return None

    ours = [c for c in diff if table_of(c) in OURS]
    assert ours == []
