"""Migrations surge_alerts and surge_rules_clocks build exactly the tables the models describe,
on SQLite and PostgreSQL (the test database is migrated, not created from the models)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from hotline.app.extensions import db
from hotline.models import Base

TABLES = ("phrase_stop_words", "surge_alerts", "governance_tasks", "surge_rules")


def test_the_tables_match_the_models(app: Flask) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert all(name in Base.metadata.tables for name in TABLES)
    assert [change for change in diff if any(name in repr(change) for name in TABLES)] == []
