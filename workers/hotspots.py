"""The periodic surge scan (未诉先办, registered in workers/cron.py)."""

from __future__ import annotations

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.models import utcnow
from hotline.reporting.surges import scan
from workers.context import in_app


@in_app
def scan_surges() -> dict[str, int]:
    """Raise the surge alerts due now; idempotent (one alert per cell and window a day)."""
    with unit_of_work.unit_of_work(db.session) as session:
        return {"alerts": len(scan(session, utcnow()))}
