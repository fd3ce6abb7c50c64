"""Accepting requests from every channel into the one intake queue.

`accept` validates and commits an Intake (with its reserved ticket number) before anything is
queued; `process` (run by the worker) turns it into a ticket exactly once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .domain.content import clean_content, clean_optional
from .domain.errors import InvalidInput
from .domain.numbering import format_number
from .domain.phones import normalise_phone
from .models import Channel, Intake, IntakeStatus, Line, RequestType, TicketCounter, utcnow
from .vocab import REQUEST_TYPE_BY_WORD

log = logging.getLogger(__name__)
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Request:
    """A citizen's request as any channel hands it over, before it is checked."""

    channel: Channel
    line: str
    content: str | None
    request_type: str = RequestType.COMPLAINT.value
    phone: str | None = None
    name: str | None = None
    address: str | None = None
    confidential: bool = False
    source_ref: str | None = None
    extra: dict[str, Any] | None = None


def parse_line(raw: str | None) -> Line:
    try:
        return Line((raw or "12345").strip())
    except ValueError:
        raise InvalidInput(f"未知热线 / unknown line: {raw}", field="line") from None


def parse_request_type(raw: str | None) -> RequestType:
    """The type from its code ('complaint') or the word people use ('投诉')."""
    key = (raw or RequestType.COMPLAINT.value).strip()
    try:
        return RequestType(REQUEST_TYPE_BY_WORD.get(key, key))
    except ValueError:
        raise InvalidInput(f"未知诉求类型 / unknown request type: {raw}", field="request_type") from None


def validated_payload(req: Request, region: str, *, allow_empty: bool = False) -> dict[str, Any]:
    """The checked, normalised fields; raises InvalidInput with the first problem found."""
    content = clean_content(req.content) if req.content or not allow_empty else ""
    return {
        "content": content,
        "request_type": parse_request_type(req.request_type).value,
        "phone": normalise_phone(req.phone, region) if req.phone else None,
        "name": clean_optional(req.name, "name", 80),
        "address": clean_optional(req.address, "address"),
        "confidential": bool(req.confidential),
        **(req.extra or {}),
    }


def allocate_number(session: Session, now: datetime | None = None) -> str:
    """Next ticket number of the local day (YYYYMMDD-NNNNNN).

    On PostgreSQL each day has its own sequence: `nextval` takes no row lock, so concurrent
    accepts never queue behind each other (a counter row would be locked until each intake
    commits and serialise them). A rolled-back intake leaves a gap, never a duplicate. SQLite
    admits one writer at a time anyway, so a counter row is as good there.
    """
    day = (now or utcnow()).astimezone(LOCAL_TZ).date()
    key = f"{day:%Y%m%d}"
    if session.get_bind().dialect.name == "postgresql":
        name = f"ticket_seq_{key}"
        _ensure_sequence(session.get_bind(), name)
        value = session.execute(text("SELECT nextval(:name)"), {"name": name}).scalar_one()
    else:
        stmt = (
            sqlite_insert(TicketCounter)
            .values(day=key, value=1)
            .on_conflict_do_update(index_elements=["day"], set_={"value": TicketCounter.value + 1})
            .returning(TicketCounter.value)
        )
        value = session.execute(stmt).scalar_one()
    return format_number(day, value)


_known_sequences: set[str] = set()


def _ensure_sequence(engine: Engine, name: str) -> None:
    """Create the day's sequence once per process; a concurrent creator is harmless."""
    if name in _known_sequences:
        return
    try:
        with engine.begin() as conn:
            conn.execute(text(f"CREATE SEQUENCE IF NOT EXISTS {name}"))
    except IntegrityError:
        pass  # another process created it between the existence check and the insert
    _known_sequences.add(name)


def find_existing(session: Session, channel: Channel, source_ref: str | None) -> Intake | None:
    if source_ref is None:
        return None
    return session.scalars(
        select(Intake).where(Intake.channel == channel, Intake.source_ref == source_ref)
    ).one_or_none()


def accept(
    session: Session,
    req: Request,
    *,
    region: str = "CN",
    target_ticket_id: int | None = None,
    allow_empty: bool = False,
    received_at: datetime | None = None,
) -> tuple[Intake, bool]:
    """Commit the intake; returns (intake, created). A repeated `source_ref` returns the first.

    Idempotency rests on the unique (channel, source_ref) constraint, so two webhook retries
    racing each other still produce one intake.
    """
    line = parse_line(req.line)
    existing = find_existing(session, req.channel, req.source_ref)
    if existing is not None:
        return existing, False
    payload = validated_payload(req, region, allow_empty=allow_empty)
    intake = Intake(
        channel=req.channel,
        line=line,
        source_ref=req.source_ref,
        payload=payload,
        target_ticket_id=target_ticket_id,
        ticket_number=allocate_number(session, received_at),
        received_at=received_at or utcnow(),
    )
    session.add(intake)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = find_existing(session, req.channel, req.source_ref)
        if existing is None:
            raise
        return existing, False
    return intake, True


def pending(session: Session, older_than: datetime, limit: int = 500) -> list[int]:
    """Intakes accepted but not yet turned into tickets: what the sweeper re-queues."""
    return list(
        session.scalars(
            select(Intake.id)
            .where(Intake.status == IntakeStatus.RECEIVED, Intake.received_at < older_than)
            .order_by(Intake.id)
            .limit(limit)
        )
    )
