"""The periodic deadline scan job (registered in workers/cron.py)."""

from __future__ import annotations

import logging

from hotline.escalation import scan
from hotline.extensions import db

from workers.context import in_app

log = logging.getLogger(__name__)


@in_app
def scan_deadlines() -> dict[str, int]:
    """One escalation scan; safe to run twice or concurrently (escalation marks are unique)."""
    result = scan(db.session).as_dict()
    if result["warning"] or result["overdue"] or result["escalated"]:
        log.info("deadline scan: %s", result)
    return result
