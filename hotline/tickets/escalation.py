"""Deadline states (green / yellow / red) and the escalation scan.

The scan reads only clocks whose `next_check_at` has passed, through a partial index, so one run
costs time in proportion to the tickets that are due, not to the open tickets. Each step
(warning, overdue, escalated) is claimed by inserting an escalation mark whose unique key is
(ticket, deadline kind, deadline value, step): the insert that wins does the step, a second
scheduler's insert does nothing. Everything else a step writes — event, inbox notices, the
outbox row of the duty phone's SMS — is inserted in the same transaction as its mark, so a crash
leaves either the whole step or none of it, and a restarted worker simply finds the clock still
due. The SMS are sent like every other outbound message: their jobs are queued after the commit
and the outbox sweeper sends what Redis lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hotline.catalogue import snapshot
from hotline.domain.deadlines import due_phrase
from hotline.domain.events import EventKind
from hotline.domain.marks import N_
from hotline.messaging import outbox, texts
from hotline.models import (
    DeadlineClock,
    EscalationMark,
    Notification,
    OutboundMessage,
    Role,
    Ticket,
    TicketEvent,
    utcnow,
)

log = logging.getLogger(__name__)
STEPS = ("warning", "overdue", "escalated")
KIND_LABELS = {"dispatch": N_("分拨"), "sign": N_("签收"), "reply": N_("答复")}
BATCH = 1000  # SQLite allows 32766 bound values; 3 marks × 5 columns each


def kind_label(kind: str, translate: Callable[[str], str] = str) -> str:
    """A clock's name: Chinese in the notices the scan stores, `translate`d on pages."""
    if kind.startswith("assist:"):
        return f"{translate(N_('协办'))}({kind.split(':', 1)[1]})"
    if kind.startswith("urge:"):
        return f"{translate(N_('督办'))}#{kind.split(':', 1)[1]}"
    return translate(KIND_LABELS.get(kind, kind))


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


def _due_steps(row: Any, now: datetime) -> list[tuple[str, datetime]]:
    instants = (row.warn_at, row.due_at, row.escalate_at)
    return [(STEPS[i], instants[i]) for i in range(row.stage, 3)
            if instants[i] is not None and instants[i] <= now]


def scan(session: Session, now: datetime | None = None, *, commit: Callable[[Session], None],
         batch: int = BATCH) -> ScanResult:
    """Run every escalation step that is due at `now`, exactly once each.

    `commit` is the caller's unit of work (hotline.app.unit_of_work.commit), run after each
    batch: a batch's marks, events, notices and SMS commit together, and its SMS are queued.
    """
    now = now or utcnow()
    result = ScanResult()
    snap = snapshot.current(session)
    while True:
        done = _scan_batch(session, now, batch, snap, result)
        commit(session)
        # The clocks were updated with Core statements: objects of them this session already
        # holds must be re-read, or a later edit that sets the same value would be lost.
        for obj in list(session.identity_map.values()):
            if isinstance(obj, DeadlineClock):
                session.expire(obj)
        if done < batch:
            return result


def _scan_batch(session: Session, now: datetime, batch: int, snap: snapshot.Snapshot,
                result: ScanResult) -> int:
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
        return 0
    marks, updates = [], []
    for row in rows:
        steps = _due_steps(row, now)
        marks += [{"ticket_id": row.ticket_id, "deadline_kind": row.kind, "deadline_at": row.due_at,
                   "step": step, "at": now} for step, _ in steps]
        stage = row.stage + len(steps)
        instants = (row.warn_at, row.due_at, row.escalate_at)
        updates.append({"b_id": row.id, "b_stage": stage,
                        "b_next": instants[stage] if stage < 3 else None})
    won: dict[tuple[int, str, str], int] = {}
    if marks:
        # Core executemany with RETURNING: SQLAlchemy batches it into multi-row INSERTs.
        table = EscalationMark.__table__
        stmt_marks = _insert(session)(table).on_conflict_do_nothing(
            index_elements=["ticket_id", "deadline_kind", "deadline_at", "step"]
        ).returning(table.c.id, table.c.ticket_id, table.c.deadline_kind, table.c.step)
        won = {(r.ticket_id, r.deadline_kind, r.step): r.id
               for r in session.execute(stmt_marks, marks)}
    events, notices, sms = [], [], []
    for row in rows:
        for step, _ in _due_steps(row, now):
            mark = won.get((row.ticket_id, row.kind, step))
            if mark is None:
                continue
            setattr(result, step, getattr(result, step) + 1)
            _step_rows(row, step, mark, now, snap, events, notices, sms)
    for model, values in ((TicketEvent, events), (Notification, notices)):
        if values:
            # Core executemany: psycopg pipelines the rows in one round trip.
            session.execute(insert(model.__table__), values)
    if sms:
        messages = OutboundMessage.__table__
        ids = session.scalars(insert(messages).returning(messages.c.id), sms).all()
        outbox.send_after_commit(session, list(ids))
    clocks = DeadlineClock.__table__
    session.execute(update(clocks).where(clocks.c.id == bindparam("b_id"))
                    .values(stage=bindparam("b_stage"), next_check_at=bindparam("b_next")),
                    updates)
    result.clocks += len(rows)
    return len(rows)


def _step_rows(row: Any, step: str, mark: int, now: datetime, snap: snapshot.Snapshot,
               events: list[dict[str, Any]], notices: list[dict[str, Any]],
               sms: list[dict[str, Any]]) -> None:
    """The event, inbox notices and duty-phone SMS (outbox rows) of one step, for bulk insert.

    The SMS's dedupe key is the step's escalation mark: one step, one message, however often
    the scan runs.
    """
    unit = snap.units_by_id.get(row.department_id) if row.department_id else None
    what = f"工单 {row.number} {kind_label(row.kind)}时限"
    events.append({"ticket_id": row.ticket_id, "at": now, "actor": "system",
                   "kind": EventKind.deadline(step), "note": None, "public": False,
                   "data": {"deadline": row.kind, "due": row.due_at.isoformat(),
                            "unit": unit.code if unit else None}})

    def notice(department_id: int | None, role: str | None, level: str, body: str) -> None:
        notices.append({"department_id": department_id, "role": role, "ticket_id": row.ticket_id,
                        "kind": f"deadline_{step}", "level": level, "body": body,
                        "created_at": now})

    def text(to: str | None, body: str) -> None:
        if outbox.mobile(to):
            sms.append({"kind": texts.STAFF_NOTICE, "channel": "sms", "ticket_id": row.ticket_id,
                        "ticket_number": row.number, "to_addr": to, "body": body,
                        "status": "queued", "dedupe_key": f"escalation:{mark}",
                        "created_at": now, "updated_at": now})

    if step == "warning":
        body = f"{what}{due_phrase(row.due_at, now)}，请抓紧办理。"
        notice(unit.id if unit else None, None if unit else Role.SUPERVISOR.value, "yellow", body)
    elif step == "overdue":
        body = f"{what}{due_phrase(row.due_at, now)}。"
        if unit:
            notice(unit.id, Role.UNIT_LEAD.value, "red", body)
            text(unit.duty_phone, f"【12345】{body}请尽快办理。")
        notice(None, Role.SUPERVISOR.value, "red", body)
    else:
        parent = snap.units_by_id.get(unit.parent_id) if unit and unit.parent_id else None
        body = (f"{what}超期未办（{unit.name if unit else '中心'}），已提级至"
                f"{parent.name if parent else '督办'}。")
        if parent:
            notice(parent.id, None, "red", body)
            text(parent.duty_phone, f"【12345】{body}")
        notice(None, Role.SUPERVISOR.value, "red", body)
