"""The periodic deadline scan job (registered in workers/cron.py)."""

from __future__ import annotations

import logging

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.catalogue import snapshot
from hotline.models import utcnow
from hotline.reporting import governance
from hotline.tickets import suspensions
from hotline.tickets.escalation import scan
from workers.context import in_app

log = logging.getLogger(__name__)


@in_app
def scan_deadlines() -> dict[str, int]:
    """One escalation scan; safe to run twice or concurrently (escalation marks are unique).

    First the 挂起 spans whose `until` day has begun end (their clocks run again), committed
    on their own, so the scan sees their moved deadlines. Last the 主动治理 tasks: those due by
    the next working day are warned, those past their due marked overdue, once each."""
    resumed = suspensions.resume_due(db.session)
    unit_of_work.commit(db.session)
    if resumed:
        log.info("resumed %d suspended tickets", resumed)
    result = scan(db.session, commit=unit_of_work.commit).as_dict()
    now = utcnow()
    with unit_of_work.unit_of_work(db.session) as session:
        calendar = snapshot.current(session).planner.calendar
        result["governance_due_soon"] = len(governance.warn_due_soon(session, now, calendar))
        result["governance_overdue"] = len(governance.mark_overdue(session, now))
    if any(result[key] for key in ("warning", "overdue", "escalated", "governance_due_soon",
                                   "governance_overdue")):
        log.info("deadline scan: %s", result)
    return result
