"""The one way every channel hands over a request: commit the intake, then queue it."""

from __future__ import annotations

from flask import current_app

from .extensions import db
from .intake import Accepted, Request, accept
from .queue import INTAKE_QUEUE, try_enqueue


def submit(req: Request, *, target_ticket_id: int | None = None, allow_empty: bool = False) -> tuple[Accepted, bool]:
    """Accept `req` (idempotent on its source_ref) and queue its processing.

    A duplicate delivery is not queued again: the first one already was, and the sweeper covers
    a failed enqueue.
    """
    intake, created = accept(
        db.session, req, region=current_app.config["DEFAULT_REGION"],
        target_ticket_id=target_ticket_id, allow_empty=allow_empty,
    )
    if created:
        from workers.jobs import process_intake

        try_enqueue(INTAKE_QUEUE, process_intake, intake.id)
    return intake, created
