"""Tables of the casework a unit does on a ticket (issue 17): 挂起 spans and 甄别/申诉 appeals.

Declared with backrefs, as hotline.models.workflow's are, so `ticket.suspensions` and
`ticket.appeals` exist on transient tickets too and the life-cycle rules stay testable without a
database. Each row changes only through hotline.domain.lifecycle, which also writes the event of
every change; the rows are what the figures and the scheduled resume read without walking the
event log.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, Index, String
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from hotline.models.base import Base
from hotline.models.ticket import Ticket
from hotline.models.workflow import UnitRequest


class Suspension(UnitRequest, Base):
    """挂起: a unit's request to pause the ticket's clocks, the centre's decision, and the span.

    pending → refused, or → active (the clocks stand still) → ended (they run again, their
    deadlines later by the suspended time). `resume_at` is when the scheduled scan ends an
    active span by itself (the start of the `until` day, Shanghai time).
    """

    __tablename__ = "ticket_suspensions"
    __table_args__ = (Index("ix_ticket_suspensions_status_resume", "status", "resume_at"),)

    # status: pending|refused|active|ended
    until: Mapped[date | None] = mapped_column(Date)
    resume_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[str | None] = mapped_column(String(40))
    # The kinds of the clocks the span stopped (they run again on resume).
    clocks: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The time taken out of the clocks, known once the span ends.
    working_seconds: Mapped[int] = mapped_column(default=0)
    calendar_seconds: Mapped[int] = mapped_column(default=0)

    ticket: Mapped[Ticket] = relationship(
        backref=backref("suspensions", order_by="Suspension.id", cascade="save-update, merge")
    )


class Appeal(UnitRequest, Base):
    """甄别/申诉: a unit asks that a ticket not count against it; a supervisor decides.

    An approved appeal takes the ticket out of the rates its kind names
    (hotline.domain.lifecycle.APPEAL_KINDS), counted beside each rate.
    """

    __tablename__ = "ticket_appeals"
    __table_args__ = (Index("ix_ticket_appeals_status_requested", "status", "requested_at"),)

    # status: pending|approved|refused
    kind: Mapped[str] = mapped_column(String(24))

    ticket: Mapped[Ticket] = relationship(
        backref=backref("appeals", order_by="Appeal.id", cascade="save-update, merge")
    )
