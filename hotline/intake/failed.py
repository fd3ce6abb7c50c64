"""Intakes that failed processing too often (dead letter): set aside, shown to agents, retried
or turned into their ticket by hand, so that nothing accepted is dropped and nothing loops.

Each failed attempt is counted in a transaction of its own, after the attempt's was rolled back;
at INTAKE_MAX_ATTEMPTS the intake is marked failed and the sweeper, which re-queues only
received intakes, leaves it alone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.domain.content import displayable
from hotline.domain.errors import IllegalTransition, NotFound
from hotline.domain.lifecycle import Actor
from hotline.domain.phones import mask_phone
from hotline.identity import audit
from hotline.intake.accept import Request, validated_payload
from hotline.intake.process import open_by_hand
from hotline.models import Intake, IntakeStatus, Ticket, User

MAX_ERROR = 2000
AUDIT_ENTITY = "intake"
RETRY, MAKE_TICKET = "retry", "make_ticket"


def record_failure(session: Session, intake_id: int, exc: BaseException,
                   max_attempts: int) -> IntakeStatus | None:
    """Count one failed attempt and keep its error; the status after it (None: not counted,
    because the intake is gone, already processed or set aside, or held by another worker)."""
    stmt = select(Intake).where(Intake.id == intake_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    intake = session.scalars(stmt).one_or_none()
    if intake is None or intake.status != IntakeStatus.RECEIVED:
        session.rollback()
        return None
    intake.attempts += 1
    intake.error = displayable(f"{type(exc).__name__}: {exc}")[:MAX_ERROR]
    if intake.attempts >= max_attempts:
        intake.status = IntakeStatus.FAILED
    return intake.status


def failed(session: Session, limit: int = 200) -> list[Intake]:
    """Oldest first: the citizen behind it has waited longest."""
    return list(session.scalars(select(Intake).where(Intake.status == IntakeStatus.FAILED)
                                .order_by(Intake.received_at, Intake.id).limit(limit)))


def failed_count(session: Session) -> int:
    return session.scalar(select(func.count(Intake.id))
                          .where(Intake.status == IntakeStatus.FAILED)) or 0


MAX_ID = 2**63 - 1  # BIGINT and SQLite INTEGER: a larger id in a URL is no intake, not a 500


def get_failed(session: Session, intake_id: int) -> Intake:
    intake = session.get(Intake, intake_id) if 0 < intake_id <= MAX_ID else None
    if intake is None:
        raise NotFound(f"受理记录 {intake_id} 不存在 / no such intake")
    if intake.status != IntakeStatus.FAILED:
        raise IllegalTransition(f"受理记录 {intake_id} 不在失败列表中 / intake is {intake.status.value}, "
                                "not failed")
    return intake


def _state(intake: Intake) -> dict[str, Any]:
    return {"status": intake.status.value, "attempts": intake.attempts, "error": intake.error,
            "ticket_number": intake.ticket_number}


def shown(intake: Intake) -> dict[str, Any]:
    """The intake as the page and the API show it: text made displayable, phone masked."""
    p = intake.payload
    return {"id": intake.id, "ticket_number": intake.ticket_number,
            "channel": intake.channel.value, "line": intake.line.value,
            "status": intake.status.value, "attempts": intake.attempts,
            "error": intake.error, "received_at": intake.received_at,
            "content": displayable(p.get("content") or ""),
            "phone": mask_phone(p.get("phone")) if p.get("phone") else None}


def retry(session: Session, intake_id: int, user: User) -> Intake:
    """Back to received with a fresh count (audited); the caller commits, then hands it over."""
    intake = get_failed(session, intake_id)
    before = _state(intake)
    intake.status, intake.attempts, intake.error = IntakeStatus.RECEIVED, 0, None
    audit.record(session, user, AUDIT_ENTITY, intake.id, RETRY, before, _state(intake))
    return intake


def make_ticket(session: Session, intake_id: int, user: User, req: Request, region: str) -> Ticket:
    """The agent's corrected fields become the ticket, under the number the citizen was told
    (audited); the caller commits. What the channel stored beside them (an Open311 service code,
    a recording) is kept."""
    intake = get_failed(session, intake_id)
    before = _state(intake)
    kept = {k: displayable(v) if isinstance(v, str) else v for k, v in intake.payload.items()}
    intake.payload = {**kept, **validated_payload(req, region), "awaiting_transcription": False}
    ticket = open_by_hand(session, intake, Actor.of(user))
    audit.record(session, user, AUDIT_ENTITY, intake.id, MAKE_TICKET, before, _state(intake))
    return ticket
