"""Open311 GeoReport v2 records: what the public may read about services and service requests.

The feed is public (no key), so every record is built from an allow-list of fields: the
citizen's name, phone and e-mail are never read, phone numbers, ID numbers and e-mail addresses
anyone typed into the text are masked (hotline.domain.phones.mask_personal), and for 举报 or 保密
requests only the processing facts are shown (domain.md §6: the reporter's identity is protected, and the text alone can identify them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session, selectinload

from hotline.app.labels import STATUS_LABELS
from hotline.domain.events import EventKind
from hotline.domain.phones import mask_personal
from hotline.identity.access import hides_identity
from hotline.models import Intake, RequestType, Status, Ticket, TicketEvent, Topic

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
MAX_REQUESTS = 1000
RECEIVED_NOTICE = "已受理，等待分拨 / accepted, waiting for dispatch"


@dataclass(frozen=True)
class Query:
    """A checked GET requests query; `ids` overrides every other filter, as the spec says."""

    ids: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: frozenset[str] = frozenset({"open", "closed"})
    limit: int = MAX_REQUESTS


class Catalogue:
    """All topics, read once per request, so service codes are found without lazy loads."""

    def __init__(self, session: Session) -> None:
        self.by_id = {t.id: t for t in session.scalars(select(Topic))}
        self.services = {t.code: t for t in self.by_id.values() if t.parent_id is None and t.active}

    def root(self, topic_id: int | None) -> Topic | None:
        topic = self.by_id.get(topic_id) if topic_id is not None else None
        while topic is not None and topic.parent_id is not None:
            topic = self.by_id.get(topic.parent_id)
        return topic

    def subtree_ids(self, codes: Iterable[str]) -> set[int]:
        """Ids of the services `codes` and every topic below them (tickets carry leaf topics)."""
        wanted = {self.services[c].id for c in codes if c in self.services}
        return {tid for tid in self.by_id if (root := self.root(tid)) and root.id in wanted}

    def service_dicts(self) -> list[dict[str, Any]]:
        children: dict[int, list[str]] = {}
        for topic in self.by_id.values():
            if topic.parent_id is not None and topic.active:
                children.setdefault(topic.parent_id, []).append(topic.name)
        return [
            {
                "service_code": topic.code,
                "service_name": topic.name,
                "description": f"{topic.name}：{'、'.join(children.get(topic.id, []))}"
                if children.get(topic.id) else topic.name,
                "metadata": False,
                "type": "realtime",
                "keywords": ",".join(children.get(topic.id, [])),
                "group": topic.name_en or topic.name,
            }
            for topic in sorted(self.services.values(), key=lambda t: t.code)
        ]


def w3c(value: datetime | None) -> str | None:
    """Local (Beijing) time with its offset, to the second, as the spec's w3 format wants."""
    return value.astimezone(LOCAL_TZ).isoformat(timespec="seconds") if value else None


def _hint(intake: Intake | None) -> str | None:
    code = (intake.payload or {}).get("service_code") if intake else None
    return code if isinstance(code, str) else None


def _location(intake: Intake | None) -> dict[str, Any]:
    payload = (intake.payload or {}) if intake else {}
    return {key: payload.get(key) for key in ("address_id", "lat", "long", "media_url")}


def _record(
    *,
    number: str,
    status: str,
    notes: str | None,
    service: Topic | None,
    description: str | None,
    agency: str | None,
    notice: str,
    requested: datetime,
    updated: datetime,
    expected: datetime | None,
    address: str | None,
    location: dict[str, Any],
    hidden: bool,
) -> dict[str, Any]:
    """One service request in the spec's field order; `hidden` keeps only processing facts."""
    return {
        "service_request_id": number,
        "status": status,
        "status_notes": None if hidden else notes,
        "service_name": service.name if service else None,
        "service_code": service.code if service else None,
        "description": None if hidden else description,
        "agency_responsible": agency,
        "service_notice": notice,
        "requested_datetime": w3c(requested),
        "updated_datetime": w3c(updated),
        "expected_datetime": w3c(expected),
        "address": None if hidden else address,
        "address_id": None if hidden else location.get("address_id"),
        "zipcode": None,
        "lat": None if hidden else location.get("lat"),
        "long": None if hidden else location.get("long"),
        "media_url": None if hidden else location.get("media_url"),
    }


def _ticket_record(ticket: Ticket, intake: Intake | None, notes: str | None,
                   catalogue: Catalogue) -> dict[str, Any]:
    known = (ticket.citizen_name, ticket.phone, ticket.phone and ticket.phone.removeprefix("+86"))
    service = catalogue.root(ticket.topic_id) or catalogue.services.get(_hint(intake) or "")
    return _record(
        number=ticket.number,
        status="closed" if ticket.status == Status.CLOSED else "open",
        notes=mask_personal(notes, *known),
        service=service,
        description=mask_personal(ticket.content, *known),
        agency=ticket.department.label if ticket.department else None,
        notice=STATUS_LABELS.get(ticket.status.value, ticket.status.value),
        requested=ticket.created_at,
        updated=ticket.updated_at,
        expected=ticket.reply_due,
        address=mask_personal(ticket.address, *known),
        # The ticket's own point, whichever channel gave it (Open311, the web form's map or
        # the browser, a photo's GPS): the ticket, not the intake, is the source of truth.
        location=_location(intake) | {"lat": ticket.latitude, "long": ticket.longitude},
        hidden=hides_identity(ticket),
    )


def _intake_record(intake: Intake, catalogue: Catalogue) -> dict[str, Any]:
    """A request accepted but not yet processed: open, with what the channel told us."""
    p = intake.payload or {}
    known = (p.get("name"), p.get("phone"), (p.get("phone") or "").removeprefix("+86"))
    return _record(
        number=intake.ticket_number,
        status="open",
        notes=None,
        service=catalogue.services.get(_hint(intake) or ""),
        description=mask_personal(p.get("content"), *known),
        agency=None,
        notice=RECEIVED_NOTICE,
        requested=intake.received_at,
        updated=intake.received_at,
        expected=None,
        address=mask_personal(p.get("address"), *known),
        location=_location(intake),
        hidden=bool(p.get("confidential")) or p.get("request_type") == RequestType.REPORT.value,
    )


def _latest_notes(session: Session, ticket_ids: list[int]) -> dict[int, str]:
    """The latest public word from the centre or a unit: once a reply is approved, its answer.

    The approval's own note is the reviewer's remark to the unit, not the citizen's answer, and the
    citizen's own follow-up messages are public events too, but they are not status notes.
    """
    notes: dict[int, str] = {}
    if not ticket_ids:
        return notes
    rows = session.execute(
        select(TicketEvent.ticket_id, TicketEvent.kind, TicketEvent.note, TicketEvent.data)
        .where(TicketEvent.ticket_id.in_(ticket_ids), TicketEvent.public,
               TicketEvent.actor != "citizen")
        .order_by(TicketEvent.id)
    )
    for ticket_id, kind, note, data in rows:
        text = (data or {}).get("answer") if kind == EventKind.REPLY_APPROVED else note
        if text:
            notes[ticket_id] = text
    return notes


def _ids_or_dates(stmt: Select[Any], query: Query, number: Any, at: Any) -> Select[Any]:
    if query.ids:
        return stmt.where(number.in_(query.ids))
    if query.start is not None:
        stmt = stmt.where(at >= query.start)
    return stmt if query.end is None else stmt.where(at <= query.end)


def _ticket_query(query: Query, catalogue: Catalogue) -> Select[Any]:
    stmt = _ids_or_dates(
        select(Ticket, Intake)
        .outerjoin(Intake, Ticket.intake_id == Intake.id)
        .options(selectinload(Ticket.department)),
        query, Ticket.number, Ticket.created_at,
    )
    if not query.ids and query.statuses != {"open", "closed"}:
        closed = Ticket.status == Status.CLOSED
        stmt = stmt.where(closed if "closed" in query.statuses else ~closed)
    if not query.ids and query.codes:
        stmt = stmt.where(or_(
            Ticket.topic_id.in_(catalogue.subtree_ids(query.codes)),
            and_(Ticket.topic_id.is_(None), Intake.payload["service_code"].as_string().in_(query.codes)),
        ))
    return stmt.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(query.limit)


def _pending_query(query: Query) -> Select[Any]:
    stmt = _ids_or_dates(
        select(Intake)
        .outerjoin(Ticket, Ticket.intake_id == Intake.id)
        .where(Ticket.id.is_(None), Intake.target_ticket_id.is_(None)),
        query, Intake.ticket_number, Intake.received_at,
    )
    if not query.ids and query.codes:
        stmt = stmt.where(Intake.payload["service_code"].as_string().in_(query.codes))
    return stmt.order_by(Intake.received_at.desc(), Intake.id.desc()).limit(query.limit)


def find_requests(session: Session, query: Query, catalogue: Catalogue) -> list[dict[str, Any]]:
    """Tickets and not-yet-processed intakes matching `query`, newest first."""
    rows = session.execute(_ticket_query(query, catalogue)).all()
    notes = _latest_notes(session, [ticket.id for ticket, _ in rows])
    records = [_ticket_record(t, i, notes.get(t.id), catalogue) for t, i in rows]
    if "open" in query.statuses:
        records += [_intake_record(i, catalogue) for i in session.scalars(_pending_query(query))]
    records.sort(key=lambda r: r["requested_datetime"] or "", reverse=True)
    return records[: query.limit]
