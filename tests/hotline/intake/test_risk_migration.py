"""Migration 0019_risk_triage builds exactly what the models describe (the risk rules, the duty
roster, the ticket's risk columns and their index), on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from hotline.app.extensions import db
from hotline.models import Base

TABLES = {"risk_rules", "duty_supervisors"}
TICKET_PARTS = {"risk_category", "risk_level", "ix_tickets_risk_level_status"}


def _ours(change: Any) -> bool:
    item = change[0] if isinstance(change, list) else change
    for part in item[1:] if isinstance(item, tuple) else ():
        name = getattr(part, "name", part if isinstance(part, str) else None)
        table = getattr(getattr(part, "table", None), "name", None)
        if name in TABLES or table in TABLES or name in TICKET_PARTS:
            return True
    return False


def test_risk_triage_tables_and_columns_match_the_models(app: Flask) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert [c for c in diff if _ours(c)] == []
