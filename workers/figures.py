"""The periodic refresh of the dashboard's daily rollup (registered in workers/cron.py)."""

from __future__ import annotations

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.reporting.figures import refresh
from workers.context import in_app


@in_app
def refresh_figures() -> dict[str, int]:
    """Recompute the rollup days whose tickets changed; idempotent, one at a time."""
    with unit_of_work.unit_of_work(db.session) as session:
        return refresh(session)
