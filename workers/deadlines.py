"""The periodic deadline scan job (registered in workers/cron.py)."""

from __future__ import annotations

import logging

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.tickets import suspensions
from hotline.tickets.escalation import scan
from workers.context import in_app

log = logging.getLogger(__name__)


@in_app
def scan_deadlines() -> dict[str, int]:
    """One escalation scan; safe to run twice or concurrently (escalation marks are unique).

    First the 挂起 spans whose `until` day has begun end (their clocks run again), committed
    on their own, so the scan sees their moved deadlines."""
    resumed = suspensions.resume_due(db.session)
    unit_of_work.commit(db.session)
    if resumed:
        log.info("resumed %d suspended tickets", resumed)
    result = scan(db.session, commit=unit_of_work.commit).as_dict()
    if result["warning"] or result["overdue"] or result["escalated"]:
        log.info("deadline scan: %s", result)
    return result
