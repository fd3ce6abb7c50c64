"""The supervisors' list of open tickets at risk (issue 19): extreme first, then high, newest
first within a level, with the hand-offs recorded on each, in two queries whatever the count."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from hotline.domain import states
from hotline.domain.events import EventKind
from hotline.models import Ticket, TicketEvent

SHOWN = 20


@dataclass
class RiskRow:
    number: str
    content: str
    category: str | None
    level: str
    status: str
    created_at: datetime
    handed_to: list[str] = field(default_factory=list)  # 110, 120, … in the order recorded


def open_risks(session: Session, limit: int = SHOWN) -> tuple[list[RiskRow], int]:
    """The open tickets with a risk mark (at most `limit`) and how many there are in all."""
    where = (Ticket.risk_level.is_not(None), Ticket.status.in_(states.OPEN))
    total = session.scalar(select(func.count()).select_from(Ticket).where(*where)) or 0
    severity = case((Ticket.risk_level == "extreme", 0), else_=1)
    rows = session.execute(
        select(Ticket.id, Ticket.number, Ticket.content, Ticket.risk_category, Ticket.risk_level,
               Ticket.status, Ticket.created_at)
        .where(*where).order_by(severity, Ticket.created_at.desc()).limit(limit)).all()
    found = {r.id: RiskRow(r.number, r.content[:80], r.risk_category, r.risk_level,
                           r.status.value, r.created_at) for r in rows}
    if found:
        for ticket_id, data in session.execute(
                select(TicketEvent.ticket_id, TicketEvent.data)
                .where(TicketEvent.ticket_id.in_(found), TicketEvent.kind == EventKind.HANDED_OFF)
                .order_by(TicketEvent.id)):
            found[ticket_id].handed_to.append(str((data or {}).get("to")))
    return list(found.values()), total
