"""RQ jobs. Each is a thin caller of the domain and safe to run twice."""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError

from hotline.app import settings, unit_of_work
from hotline.app.batch import batch
from hotline.app.extensions import db
from hotline.app.queue import INTAKE_QUEUE, try_enqueue
from hotline.intake import accept as intake_service
from hotline.intake import failed as dead_letter
from hotline.intake.process import process_intake as process
from hotline.intake.process import route_ticket as route
from hotline.models import IntakeStatus, utcnow
from workers.context import in_app

log = logging.getLogger(__name__)
# Intakes in one job, from the relay or the sweeper: RQ's own work per job (registries, status,
# result) is paid once for all of them, and a killed worker leaves at most this many to re-sweep.
BATCH = 50


class IntakesFailed(Exception):
    """Some intakes of a batch could not be processed; the others were."""


@in_app
def process_intakes(intake_ids: list[int]) -> list[str | None]:
    """Turn each intake into its ticket, each in its own transaction, so that one that fails
    (logged and counted; RQ marks the job failed; the sweeper tries it again until it is set
    aside as failed) holds back none of the rest."""
    numbers: list[str | None] = []
    failed = []
    with batch(db.session):  # the active model and the message wording read once per batch
        for intake_id in intake_ids:
            try:
                numbers.append(_process(intake_id))
            except Exception as exc:
                db.session.rollback()
                log.exception("intake %s failed", intake_id)
                failed.append(intake_id)
                _count_failure(intake_id, exc)
    if failed:
        raise IntakesFailed(f"intakes {failed} failed; the sweeper will retry them")
    return numbers


def _process(intake_id: int) -> str | None:
    number = process(db.session, intake_id)
    try:
        unit_of_work.commit(db.session)
    except IntegrityError:
        # Another worker created this ticket between our read and our commit: nothing to do.
        log.info("intake %s was processed concurrently", intake_id)
    return number


def _count_failure(intake_id: int, exc: Exception) -> None:
    """Count the attempt (dead_letter); if even that fails (the database is down), the intake
    stays received and the attempt is simply not counted."""
    try:
        status = dead_letter.record_failure(db.session, intake_id, exc,
                                            settings.current().intake.max_attempts)
        unit_of_work.commit(db.session)
    except Exception:
        db.session.rollback()
        log.exception("could not count the failed attempt of intake %s", intake_id)
        return
    if status == IntakeStatus.FAILED:
        log.error("intake %s set aside as failed after %d attempts", intake_id,
                  settings.current().intake.max_attempts)


def enqueue_intakes(intake_ids: list[int]) -> None:
    """Queue `intake_ids` as jobs of up to BATCH intakes (what Redis refuses stays for the
    sweeper)."""
    for start in range(0, len(intake_ids), BATCH):
        try_enqueue(INTAKE_QUEUE, process_intakes, intake_ids[start:start + BATCH])


@in_app
def route_ticket(ticket_id: int) -> str | None:
    """Classify and dispatch a ticket whose text arrived late (a transcribed voice message)."""
    number = route(db.session, ticket_id)
    unit_of_work.commit(db.session)
    return number


@in_app
def sweep_intakes() -> int:
    """Re-queue intakes not processed within the configured time (Redis or a worker was down)."""
    age = settings.current().intake.requeue_after
    ids = intake_service.pending(db.session, utcnow() - age)
    db.session.rollback()
    enqueue_intakes(ids)
    if ids:
        log.info("sweeper re-queued %d intakes", len(ids))
    return len(ids)
