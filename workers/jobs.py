"""RQ jobs. Each is a thin caller of the domain and safe to run twice."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app

from hotline import intake as intake_service
from hotline.extensions import db
from hotline.models import utcnow
from hotline.processing import process_intake as process
from hotline.processing import route_ticket as route
from hotline.queue import INTAKE_QUEUE, try_enqueue

from .context import in_app

log = logging.getLogger(__name__)


@in_app
def process_intake(intake_id: int) -> str | None:
    return process(db.session, intake_id)


@in_app
def route_ticket(ticket_id: int) -> str | None:
    """Classify and dispatch a ticket whose text arrived late (a transcribed voice message)."""
    return route(db.session, ticket_id)


@in_app
def sweep_intakes() -> int:
    """Re-queue intakes not processed within the configured time (Redis or a worker was down)."""
    age = timedelta(seconds=current_app.config["INTAKE_REQUEUE_AFTER_SECONDS"])
    ids = intake_service.pending(db.session, utcnow() - age)
    db.session.rollback()
    for intake_id in ids:
        try_enqueue(INTAKE_QUEUE, process_intake, intake_id)
    if ids:
        log.info("sweeper re-queued %d intakes", len(ids))
    return len(ids)
