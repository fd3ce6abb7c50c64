"""The one way every channel hands over a request: commit the intake, then queue it."""

from __future__ import annotations

from hotline.app.extensions import db
from hotline.app.queue import INTAKE_QUEUE, PROCESS_INTAKES, announce, is_async, try_enqueue
from hotline.intake.accept import Accepted, Request, accept


def submit(req: Request, *, region: str, target_ticket_id: int | None = None,
           allow_empty: bool = False) -> tuple[Accepted, bool]:
    """Accept `req` (idempotent on its source_ref; phones without a country code read as in
    `region`) and queue its processing.

    A duplicate delivery is not queued again: the first one already was, and the sweeper covers
    a failed hand-over.
    """
    intake, created = accept(
        db.session, req, region=region,
        target_ticket_id=target_ticket_id, allow_empty=allow_empty,
    )
    if created:
        hand_over(intake.id)
    return intake, created


def hand_over(intake_id: int) -> None:
    """Queue a committed intake for the workers (again, if it changed while it waited).

    With synchronous RQ (RQ_ASYNC=0: no workers, jobs run in the caller) the job runs at once,
    since no relay would pick the announcement up.
    """
    if is_async():
        announce(intake_id)
        return
    try_enqueue(INTAKE_QUEUE, PROCESS_INTAKES, [intake_id])
