"""Tickets (工单), their immutable event log, intake records and the daily number counter."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from hotline.models.base import Base, enum_column, utcnow
from hotline.models.catalogue import Topic
from hotline.models.org import Department, User


class Line(enum.StrEnum):
    L12345 = "12345"
    L12315 = "12315"
    L12319 = "12319"


class Channel(enum.StrEnum):
    PHONE = "phone"
    SMS = "sms"
    VOICE = "voice"
    WEB = "web"
    OPEN311 = "open311"
    IMPORT = "import"


class RequestType(enum.StrEnum):
    CONSULT = "consult"  # 咨询
    HELP = "help"  # 求助
    COMPLAINT = "complaint"  # 投诉
    REPORT = "report"  # 举报: reporter identity protected
    SUGGESTION = "suggestion"  # 建议
    PRAISE = "praise"  # 表扬


class Urgency(enum.StrEnum):
    URGENT = "urgent"  # 紧急
    NORMAL = "normal"  # 一般


class Status(enum.StrEnum):
    AWAITING_TRANSCRIPTION = "awaiting_transcription"
    PENDING_DISPATCH = "pending_dispatch"
    DISPATCHED = "dispatched"
    SIGNED = "signed"
    RETURNED = "returned"
    REPLIED = "replied"
    CLOSED = "closed"


class IntakeStatus(enum.StrEnum):
    RECEIVED = "received"
    PROCESSED = "processed"
    FAILED = "failed"


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_status_reply_due", "status", "reply_due"),
        Index("ix_tickets_department_status", "department_id", "status"),
        Index("ix_tickets_department_created", "department_id", "created_at"),
        Index("ix_tickets_phone_created", "phone", "created_at"),
        Index("ix_tickets_district_created", "district", "created_at"),
        Index("ix_tickets_status_district_reply_due", "status", "district", "reply_due"),
        Index("ix_tickets_street", "street"),
        Index("ix_tickets_handler_status", "handler_id", "status"),  # the inbox's 我的 view
        # The live-update stamps (hotline.workbench.live): count and latest change of the
        # tickets at the centre and of a unit's, read from the index alone.
        Index("ix_tickets_status_updated", "status", "updated_at"),
        Index("ix_tickets_department_updated", "department_id", "updated_at"),
        # Risk triage: the supervisors' list of open tickets at risk.
        Index("ix_tickets_risk_level_status", "risk_level", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    intake_id: Mapped[int | None] = mapped_column(ForeignKey("intakes.id"), unique=True)
    line: Mapped[Line] = mapped_column(enum_column(Line))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    request_type: Mapped[RequestType] = mapped_column(enum_column(RequestType))
    citizen_name: Mapped[str | None] = mapped_column(String(80))
    phone: Mapped[str | None] = mapped_column(String(20))
    confidential: Mapped[bool] = mapped_column(default=False)
    content: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(200))
    # Where the problem is, as the citizen gave it (the browser's position, a photo's GPS tag,
    # Open311's lat/long): WGS 84 degrees, both or neither.
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    district: Mapped[str | None] = mapped_column(String(16))
    street: Mapped[str | None] = mapped_column(String(16))  # the gazetteer's street code
    # The gazetteer's community (社区/村) in that street, when the citizen named one: where the
    # map places a ticket with no point of its own (routing.geo), closer than its street.
    community: Mapped[str | None] = mapped_column(String(16))
    # What found the street, so it is never unexplained: {"by": "gazetteer", "entry": code,
    # "word": the name or alias matched, "field": "address" | "content"}.
    street_found: Mapped[dict[str, Any] | None]
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    # 经办人: the person of the lead unit its lead named (hotline.domain.lifecycle.assign).
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    urgency: Mapped[Urgency] = mapped_column(enum_column(Urgency), default=Urgency.NORMAL)
    status: Mapped[Status] = mapped_column(enum_column(Status), index=True)
    classifier_label: Mapped[str | None] = mapped_column(String(40))
    classifier_confidence: Mapped[float | None]
    model_version: Mapped[str | None] = mapped_column(String(40))
    repeat_of_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    recording_url: Mapped[str | None] = mapped_column(String(300))
    # 合并办理 (issue 18): the master of this ticket's incident group, proposed at intake
    # (hotline.intake.incidents) or added by a supervisor. A member follows its master: no
    # dispatch or clocks of its own; its citizen receives the master's approved answer.
    incident_master_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    incident_score: Mapped[float | None]
    incident_confirmed: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    dispatch_due: Mapped[datetime | None]
    sign_due: Mapped[datetime | None]
    reply_due: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)
    # Search tokens, written by hotline.search.index on every change of the fields they come
    # from; deferred, since only the index reads them.
    search_body: Mapped[str] = mapped_column(Text, default="", deferred=True)
    search_person: Mapped[str] = mapped_column(Text, default="", deferred=True)
    # Risk triage (lifecycle.mark_risk): what danger to people the text shows, set by a risk
    # rule or a person; classifier.risk names the categories and levels. None: no risk seen.
    risk_category: Mapped[str | None] = mapped_column(String(24))
    risk_level: Mapped[str | None] = mapped_column(String(8))

    topic: Mapped[Topic | None] = relationship()
    department: Mapped[Department | None] = relationship()
    handler: Mapped[User | None] = relationship(foreign_keys=[handler_id])
    repeat_of: Mapped[Ticket | None] = relationship(remote_side=[id], foreign_keys=[repeat_of_id])
    incident_master: Mapped[Ticket | None] = relationship(
        remote_side=[id], foreign_keys=[incident_master_id], back_populates="incident_members")
    incident_members: Mapped[list[Ticket]] = relationship(
        foreign_keys=[incident_master_id], back_populates="incident_master", order_by="Ticket.id")
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="save-update, merge"
    )

    # Optimistic locking: a concurrent writer's UPDATE matches no row and raises StaleDataError.
    __mapper_args__ = {"version_id_col": version}


class TicketEvent(Base):
    """One entry of a ticket's trace (全过程留痕). Rows are never updated or deleted."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    public: Mapped[bool] = mapped_column(default=False)

    ticket: Mapped[Ticket] = relationship(back_populates="events")
    actor_user: Mapped[User | None] = relationship()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Made here, not loaded (loading skips __init__): the effects of its kind
        # (hotline.domain.effects) are due. The unit of work runs them and clears the mark.
        self.effects_due = True


class Intake(Base):
    """What a channel accepted, committed before it is queued so nothing accepted is ever lost.

    The ticket number is reserved here, so every channel can tell the citizen their number at
    once while the worker does the slower work (classification, routing) afterwards.
    """

    __tablename__ = "intakes"
    __table_args__ = (
        UniqueConstraint("channel", "source_ref", name="uq_intakes_channel_source_ref"),
        Index("ix_intakes_status_received", "status", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    line: Mapped[Line] = mapped_column(enum_column(Line))
    source_ref: Mapped[str | None] = mapped_column(String(120))
    ticket_number: Mapped[str] = mapped_column(String(20), unique=True)
    target_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", use_alter=True))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[IntakeStatus] = mapped_column(
        enum_column(IntakeStatus), default=IntakeStatus.RECEIVED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    enqueued_at: Mapped[datetime | None]
    processed_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


class TicketCounter(Base):
    """Per-day sequence behind ticket numbers (YYYYMMDD-NNNNNN)."""

    __tablename__ = "ticket_counters"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class Message(Base):
    """Inbound and outbound texts on any channel, keyed by the provider's id for idempotency."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(8))  # "in" | "out"
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    kind: Mapped[str] = mapped_column(String(24))
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    intake_id: Mapped[int | None] = mapped_column(ForeignKey("intakes.id"))
    from_addr: Mapped[str | None] = mapped_column(String(40))
    to_addr: Mapped[str | None] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="received")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


@event.listens_for(Session, "before_flush")
def _events_are_immutable(session: Session, *_: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, TicketEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError("ticket events are append-only")
