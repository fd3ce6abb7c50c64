"""Accepting requests from every channel into the one intake queue.

`accept` validates and commits an Intake (with its reserved ticket number) before anything is
queued; `process` (run by the worker) turns it into a ticket exactly once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Row, String, bindparam, cast, func, insert, select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.app.labels import REQUEST_TYPE_BY_WORD
from hotline.domain.content import clean_content, clean_optional, encodable
from hotline.domain.errors import InvalidInput
from hotline.domain.numbering import SEQUENCE_DIGITS, SEQUENCE_MAX, format_number, number_prefix
from hotline.domain.phones import normalise_phone
from hotline.models import Channel, Intake, IntakeStatus, Line, RequestType, TicketCounter, utcnow

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
    _refuse_unencodable(req)
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


def _refuse_unencodable(req: Request) -> None:
    """Every channel's other strings (the text cleaners check content, name and address): the
    idempotency reference and a channel's extras are stored as they came."""
    raw = {"line": req.line, "request_type": req.request_type, "phone": req.phone,
           "source_ref": req.source_ref, **(req.extra or {})}
    for field, value in raw.items():
        if isinstance(value, str):
            encodable(value, field)


@dataclass(frozen=True)
class Accepted:
    """An accepted intake as its channel needs it back: the number to tell the citizen, and
    for an SMS that adds to an open ticket, that ticket."""

    id: int
    ticket_number: str
    line: Line
    target_ticket_id: int | None


_ACCEPTED = (Intake.id, Intake.ticket_number, Intake.line, Intake.target_ticket_id)
# Built once: constructing and compiling an INSERT per request costs more CPU than running it.
_INSERT = insert(Intake).returning(*_ACCEPTED)
# PostgreSQL draws the number inside the INSERT, so the intake is one autocommitted statement.
_INSERT_NUMBERED = insert(Intake).values(
    ticket_number=bindparam("number_prefix", type_=String)
    + func.lpad(cast(func.nextval(bindparam("sequence", type_=String)), String), SEQUENCE_DIGITS, "0")
).returning(*_ACCEPTED)


def _next_in_counter(session: Session, day: date) -> int:
    """The day's next sequence value from its counter row, in the session's transaction.

    For SQLite, which admits one writer at a time anyway; PostgreSQL uses a sequence per day
    (see `_insert_postgresql`), which takes no row lock.
    """
    stmt = (
        sqlite_insert(TicketCounter)
        .values(day=f"{day:%Y%m%d}", value=1)
        .on_conflict_do_update(index_elements=["day"], set_={"value": TicketCounter.value + 1})
        .returning(TicketCounter.value)
    )
    return int(session.execute(stmt).scalar_one())


_known_sequences: set[str] = set()


def _day_sequence(engine: Engine, day: date) -> str:
    """The day's sequence, created once per process; a concurrent creator is harmless.

    MAXVALUE matches the digits of a number: a millionth intake in one day is refused rather
    than given a number that would not parse.
    """
    name = f"ticket_seq_{day:%Y%m%d}"
    if name in _known_sequences:
        return name
    try:
        with engine.begin() as conn:
            conn.execute(text(f"CREATE SEQUENCE IF NOT EXISTS {name} MAXVALUE {SEQUENCE_MAX}"))
    except IntegrityError:
        pass  # another process created it between the existence check and the insert
    _known_sequences.add(name)
    return name


def find_existing(session: Session, channel: Channel, source_ref: str | None) -> Accepted | None:
    if source_ref is None:
        return None
    row = session.execute(
        select(*_ACCEPTED).where(Intake.channel == channel, Intake.source_ref == source_ref)
    ).one_or_none()
    return None if row is None else Accepted(*row)


def accept(
    session: Session,
    req: Request,
    *,
    region: str = "CN",
    target_ticket_id: int | None = None,
    allow_empty: bool = False,
    received_at: datetime | None = None,
) -> tuple[Accepted, bool]:
    """Commit the intake; returns (intake, created). A repeated `source_ref` returns the first.

    Idempotency rests on the unique (channel, source_ref) constraint, so two webhook retries
    racing each other still produce one intake.
    """
    # Checked before the look-up too: a source_ref that cannot be encoded cannot be queried.
    payload = validated_payload(req, region, allow_empty=allow_empty)
    line = parse_line(req.line)
    existing = find_existing(session, req.channel, req.source_ref)
    if existing is not None:
        return existing, False
    values = {
        "channel": req.channel,
        "line": line,
        "source_ref": req.source_ref,
        "payload": payload,
        "target_ticket_id": target_ticket_id,
        "received_at": received_at or utcnow(),
    }
    try:
        return Accepted(*_insert(session, values)), True
    except IntegrityError:
        session.rollback()
        existing = find_existing(session, req.channel, req.source_ref)
        if existing is None:
            raise
        return existing, False


def _insert(session: Session, values: dict[str, Any]) -> Row[Any]:
    """Insert and commit the intake with its ticket number: the centre's calendar day, not
    UTC's, and that day's next sequence value."""
    day = values["received_at"].astimezone(LOCAL_TZ).date()
    engine = session.get_bind()
    if engine.dialect.name == "postgresql":
        return _insert_postgresql(engine, values, day)
    number = format_number(day, _next_in_counter(session, day))
    row = session.execute(_INSERT, {**values, "ticket_number": number}).one()
    session.commit()
    return row


def _insert_postgresql(engine: Engine, values: dict[str, Any], day: date) -> Row[Any]:
    """One autocommitted statement on a connection of its own: no BEGIN, no separate
    `nextval`, no COMMIT round trip, which made accepting several times dearer. It commits
    nothing the caller's session has pending. A rolled-back insert leaves a gap in the day's
    numbers, never a duplicate."""
    params = {**values, "sequence": _day_sequence(engine, day), "number_prefix": number_prefix(day)}
    with engine.connect() as conn:
        return conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            _INSERT_NUMBERED, params).one()


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
