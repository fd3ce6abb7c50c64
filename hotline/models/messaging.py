"""Tables of the citizen's side of the loop: the outbox, message templates, follow-up verdicts
and tracking codes.

The outbox row is written in the same transaction as the event that calls for it (an intake, an
approved reply), so a message is never lost between "decided" and "queued"; the send job then
claims the row with a conditional UPDATE, which is what makes a doubled job harmless.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.models.base import Base, utcnow
from hotline.models.org import Department
from hotline.models.ticket import Intake, Ticket


class OutboundMessage(Base):
    """One message to a citizen, from decision to delivery receipt.

    status: queued → sending → accepted (provider took it) → sent → delivered | undelivered |
    failed; `uncertain` when a job died between handing it over and storing the SID (never
    re-sent automatically); `to_call` → `called` for answers an agent must phone.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_next_attempt", "status", "next_attempt_at"),
        Index("ix_outbox_to_created", "to_addr", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(12), default="sms")  # sms | callback
    line: Mapped[str] = mapped_column(String(8), default="12345")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    intake_id: Mapped[int | None] = mapped_column(ForeignKey("intakes.id"))
    ticket_number: Mapped[str] = mapped_column(String(20), index=True)
    to_addr: Mapped[str | None] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="queued")
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    provider_status: Mapped[str | None] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    error_code: Mapped[int | None]
    error_message: Mapped[str | None] = mapped_column(Text)
    dedupe_key: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    handled_by: Mapped[str | None] = mapped_column(String(40))

    ticket: Mapped[Ticket | None] = relationship()
    intake: Mapped[Intake | None] = relationship()


class MessageTemplate(Base):
    """An administrator's wording for one kind of message on one line (12345/12315/12319)."""

    __tablename__ = "message_templates"
    __table_args__ = (UniqueConstraint("line", "kind", name="uq_message_templates_line_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(24))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(40))


class FollowUp(Base):
    """回访: one round of asking the citizen after an approved answer, and the verdict.

    solved: 1 解决, 2 部分解决, 3 未解决; satisfied: 1 满意, 2 基本满意, 3 不满意. Kept as data,
    with the unit that answered, because the solution and satisfaction rates (三率) of each unit
    are computed from these rows. status: pending → answered | not_rated | needs_agent.
    """

    __tablename__ = "follow_ups"
    __table_args__ = (
        UniqueConstraint("ticket_id", "round", name="uq_follow_ups_ticket_round"),
        Index("ix_follow_ups_status_asked", "status", "asked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    round: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    solved: Mapped[int | None]
    satisfied: Mapped[int | None]
    channel: Mapped[str | None] = mapped_column(String(12))  # sms | web | phone | none
    raw_text: Mapped[str | None] = mapped_column(Text)
    clarifications: Mapped[int] = mapped_column(default=0)
    recorded_by: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    asked_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]

    ticket: Mapped[Ticket] = relationship()
    department: Mapped[Department | None] = relationship()


class TrackingCode(Base):
    """A one-time code sent to the ticket's phone; only its keyed hash is stored."""

    __tablename__ = "tracking_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class TrackingFailure(Base):
    """A failed proof for a ticket: counted so one ticket cannot be guessed at from many IPs."""

    __tablename__ = "tracking_failures"
    __table_args__ = (Index("ix_tracking_failures_ticket_at", "ticket_id", "at"),
                      Index("ix_tracking_failures_ticket_client_at", "ticket_id", "client", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    # Who failed (a digest of the client's address): the lock is per ticket and client, so a
    # stranger who knows the number cannot lock the citizen out.
    client: Mapped[str] = mapped_column(String(64), default="", server_default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
