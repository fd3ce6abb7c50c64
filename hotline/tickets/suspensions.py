"""The scheduled end of 挂起 spans: a suspension asked `until` a day ends when that day begins.

Run by the deadline scan job (workers/deadlines.py) before the clocks are scanned, so a clock
the resume set running again is checked in the same run. Each ticket goes through
`lifecycle.resume` as the system, like a person's resume: its deadlines move by the suspended
time, the span's event is written, and the caller commits. On PostgreSQL the due rows are
claimed with SKIP LOCKED, so two schedulers never resume the same span twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.catalogue import snapshot
from hotline.domain import lifecycle
from hotline.models import Suspension, Ticket, utcnow

BATCH = 200  # spans ending at the same minute, resumed per run (the rest on the next one)


def resume_due(session: Session, now: datetime | None = None, *, batch: int = BATCH) -> int:
    """Resume every active span whose `until` day has begun; returns how many."""
    now = now or utcnow()
    stmt = (select(Suspension.ticket_id)
            .where(Suspension.status == "active", Suspension.resume_at <= now)
            .order_by(Suspension.resume_at).limit(batch))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    ids = list(session.scalars(stmt))
    if not ids:
        return 0
    planner = snapshot.current(session).planner
    for ticket in session.scalars(select(Ticket).where(Ticket.id.in_(ids))):
        lifecycle.resume(ticket, lifecycle.SYSTEM, planner=planner, at=now)
    return len(ids)
