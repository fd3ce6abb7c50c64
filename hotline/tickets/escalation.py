"""Deadline states (green / yellow / red) and the escalation scan.

The scan reads only clocks whose `next_check_at` has passed, through a partial index, so one run
costs time in proportion to the tickets that are due, not to the open tickets. Each step
(warning, overdue, escalated) is claimed by inserting an escalation mark whose unique key is
(ticket, deadline kind, deadline value, step): the insert that wins does the step, a second
scheduler's insert does nothing. The life cycle decides
each clock's steps and the clock's next check (`lifecycle.deadline_passed`, `deadline_step`);
the scan inserts the won steps' events, and the unit of work, given the steps, writes their
inbox notices and the duty phones' SMS from the side-effect table (hotline.domain.effects) —
one INSERT per table per batch, all in the same transaction as the marks, so a crash leaves
either the whole step or none of it, and a restarted worker simply finds the clock still due.
The SMS are sent like every other outbound message: their jobs are queued after the commit
and the outbox sweeper sends what Redis lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hotline.catalogue import snapshot
from hotline.domain import lifecycle
from hotline.models import DeadlineClock, EscalationMark, Ticket, TicketEvent, utcnow

log = logging.getLogger(__name__)
BATCH = 1000  # SQLite allows 32766 bound values; 3 marks × 5 columns each
def clock_state(clock: DeadlineClock, now: datetime | None = None) -> str:
    """green / yellow / red while running; met / late once stopped; missing without a calendar."""
    now = now or utcnow()
    if clock.stopped_at is not None:
        if clock.due_at is not None and clock.stopped_at > clock.due_at:
            return "late"
        return "met"
    if clock.due_at is None:
        return "missing"
    if now >= clock.due_at:
        return "red"
    if clock.warn_at is not None and now >= clock.warn_at:
        return "yellow"
    return "green"


RANK = {"red": 4, "missing": 3, "yellow": 2, "green": 1}


def ticket_state(ticket: Ticket, now: datetime | None = None) -> str:
    """The worst state of the ticket's running clocks ("none" when nothing is running)."""
    states = [clock_state(c, now) for c in ticket.clocks if c.stopped_at is None]
    running = [s for s in states if s in RANK]
    return max(running, key=RANK.__getitem__) if running else "none"


def deadline_view(ticket: Ticket, now: datetime | None = None) -> dict[str, Any]:
    """The `deadlines` object of the ticket JSON: the three due dates plus every clock."""
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    clocks = [
        {"kind": c.kind, "due": iso(c.due_at), "warn_at": iso(c.warn_at),
         "escalate_at": iso(c.escalate_at), "state": clock_state(c, now),
         "unit": c.department.code if c.department else None}
        for c in ticket.clocks
    ]
    pending = next((r for r in ticket.extensions if r.status == "pending"), None)
    return {
        "dispatch": iso(ticket.dispatch_due),
        "sign": iso(ticket.sign_due),
        "reply": iso(ticket.reply_due),
        "state": ticket_state(ticket, now),
        "calendar_missing": sorted(c["kind"] for c in clocks if c["state"] == "missing"),
        "clocks": clocks,
        "assist_tasks": [
            {"unit": t.department.code if t.department else None, "status": t.status,
             "due": iso(t.due)} for t in ticket.assist_tasks],
        # 转派: the descendant units' tasks, so the accountable unit sees the child's work.
        "forward_tasks": [
            {"seq": t.seq, "unit": t.department.code, "parent": t.parent.code,
             "status": t.status, "sign_due": iso(t.sign_due), "reply_due": iso(t.reply_due),
             "note": t.note, "answer": t.answer, "reason": t.reason}
            for t in ticket.forward_tasks],
        "extension_pending": {"days": pending.days, "reason": pending.reason} if pending else None,
    }


@dataclass
class ScanResult:
    warning: int = 0
    overdue: int = 0
    escalated: int = 0
    clocks: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"clocks": self.clocks, "warning": self.warning, "overdue": self.overdue,
                "escalated": self.escalated}


def _insert(session: Session) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def scan(session: Session, now: datetime | None = None,
         *, commit: Callable[[Session, Sequence[lifecycle.DeadlineStep]], None],
         batch: int = BATCH) -> ScanResult:
    """Run every escalation step that is due at `now`, exactly once each.

    `commit` is the caller's unit of work (hotline.app.unit_of_work.commit), run after each
    batch with the batch's steps: it writes their notices and SMS from the effects table, so a
    batch's marks, events, notices and SMS commit together, and its SMS are queued.
    """
    now = now or utcnow()
    result = ScanResult()
    snap = snapshot.current(session)
    while True:
        done, steps = _scan_batch(session, now, batch, snap, result)
        commit(session, steps)
        # The clocks were updated with Core statements: objects of them this session already
        # holds must be re-read, or a later edit that sets the same value would be lost.
        for obj in list(session.identity_map.values()):
            if isinstance(obj, DeadlineClock):
                session.expire(obj)
        if done < batch:
            return result


def _scan_batch(session: Session, now: datetime, batch: int, snap: snapshot.Snapshot,
                result: ScanResult) -> tuple[int, list[lifecycle.DeadlineStep]]:
    """One batch of due clocks: the life cycle decides each clock's steps, the marks claim them,
    and the won steps' events are inserted with the clocks' new stages."""
    stmt = (
        select(DeadlineClock.id, DeadlineClock.ticket_id, DeadlineClock.kind,
               DeadlineClock.department_id, DeadlineClock.warn_at, DeadlineClock.due_at,
               DeadlineClock.escalate_at, DeadlineClock.stage, Ticket.number)
        .join(Ticket, Ticket.id == DeadlineClock.ticket_id)
        .where(DeadlineClock.next_check_at <= now)
        .order_by(DeadlineClock.next_check_at)
        .limit(batch)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=DeadlineClock, skip_locked=True)
    rows = session.execute(stmt).all()
    if not rows:
        return 0, []
    passed = [lifecycle.deadline_passed(row, now) for row in rows]
    marks = [{"ticket_id": row.ticket_id, "deadline_kind": row.kind, "deadline_at": row.due_at,
              "step": step, "at": now} for row, p in zip(rows, passed, strict=True) for step in p.steps]
    won: dict[tuple[int, str, str], int] = {}
    if marks:
        # Core executemany with RETURNING: SQLAlchemy batches it into multi-row INSERTs.
        table = EscalationMark.__table__
        stmt_marks = _insert(session)(table).on_conflict_do_nothing(
            index_elements=["ticket_id", "deadline_kind", "deadline_at", "step"]
        ).returning(table.c.id, table.c.ticket_id, table.c.deadline_kind, table.c.step)
        won = {(r.ticket_id, r.deadline_kind, r.step): r.id
               for r in session.execute(stmt_marks, marks)}
    steps = []
    for row, p in zip(rows, passed, strict=True):
        for step in p.steps:
            mark = won.get((row.ticket_id, row.kind, step))
            if mark is None:  # another scan took this step
                continue
            setattr(result, step, getattr(result, step) + 1)
            steps.append(lifecycle.deadline_step(row, step, at=now, mark=mark,
                                                 units=snap.units_by_id))
    if steps:
        # Core executemany: psycopg pipelines the rows in one round trip.
        session.execute(insert(TicketEvent.__table__), [s.event for s in steps])
    clocks = DeadlineClock.__table__
    session.execute(update(clocks).where(clocks.c.id == bindparam("b_id"))
                    .values(stage=bindparam("b_stage"), next_check_at=bindparam("b_next")),
                    [{"b_id": row.id, "b_stage": p.stage, "b_next": p.next_check_at}
                     for row, p in zip(rows, passed, strict=True)])
    result.clocks += len(rows)
    return len(rows), steps
