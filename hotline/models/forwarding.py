"""转派 / 下派: a unit's task handed down to one of its descendant units.

The ticket stays with the unit that forwarded it (主责: `ticket.department` does not change, and
its own sign and reply clocks keep running); the descendant gets a task of its own, with sign and
reply deadlines that end no later than the parent's reply deadline, and answers to the parent,
never to the centre or the citizen. The rules are hotline.domain.lifecycle's forwarding section.
Like `assist_tasks`, `ticket.forward_tasks` is a backref so it exists on transient tickets and the
rules stay testable without a database.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from hotline.models.base import Base, utcnow
from hotline.models.org import Department
from hotline.models.ticket import Ticket


class ForwardTask(Base):
    """A descendant unit's task on a ticket its ancestor leads.

    Status: pending (forwarded, not yet signed) → signed → replied (its answer waits for the
    parent) → accepted (the answer became the parent's reply); replied → signed again when the
    parent sends it back; pending or signed → returned when the child hands it back. `seq`
    numbers the ticket's tasks, and names their clocks (`fsign:<seq>`, `freply:<seq>`).
    """

    __tablename__ = "forward_tasks"
    __table_args__ = (
        UniqueConstraint("ticket_id", "seq", name="uq_forward_tasks_ticket_seq"),
        # The child's inbox and the visibility scope read tasks by unit.
        Index("ix_forward_tasks_department_status", "department_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    seq: Mapped[int]
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    parent_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    # pending | signed | replied | accepted | returned
    status: Mapped[str] = mapped_column(String(12), default="pending")
    note: Mapped[str | None] = mapped_column(Text)  # the parent's instruction
    answer: Mapped[str | None] = mapped_column(Text)  # the child's latest answer
    reason: Mapped[str | None] = mapped_column(Text)  # the latest send-back or return reason
    forwarded_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sign_due: Mapped[datetime | None]
    reply_due: Mapped[datetime | None]
    signed_at: Mapped[datetime | None]
    replied_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    ticket: Mapped[Ticket] = relationship(
        backref=backref("forward_tasks", order_by="ForwardTask.id", cascade="save-update, merge")
    )
    department: Mapped[Department] = relationship(foreign_keys=[department_id])
    parent: Mapped[Department] = relationship(foreign_keys=[parent_id])

    @property
    def open(self) -> bool:
        """Still the child's or the parent's to act on (not accepted, not returned)."""
        return self.status in ("pending", "signed", "replied")
