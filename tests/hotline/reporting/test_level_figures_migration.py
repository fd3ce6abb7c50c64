"""Migration level_figures forgets the rollup's watermark, so the next refresh rebuilds every
day with the street view (days computed before it have no street rows)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.operations import Operations
from flask import Flask

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.models import FiguresState, utcnow
from hotline.reporting import figures

MIGRATION = Path(__file__).parents[3] / "migrations" / "versions" / "0021_level_figures.py"


def test_the_migration_makes_the_next_refresh_rebuild_every_day(app: Flask) -> None:
    figures.refresh(db.session)
    unit_of_work.commit(db.session)
    assert db.session.get(FiguresState, figures.ROLLUP) is not None
    spec = importlib.util.spec_from_file_location("level_figures", MIGRATION)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (module.revision, module.down_revision) == ("level_figures", "0019_risk_triage")
    with db.engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
        module.upgrade()
    db.session.expire_all()
    assert db.session.get(FiguresState, figures.ROLLUP) is None
    assert figures.refresh(db.session, utcnow()) == {"days": -1}  # every day, from scratch
    unit_of_work.commit(db.session)
