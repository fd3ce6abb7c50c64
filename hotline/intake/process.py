"""Turning an accepted intake into a ticket: what the `process_intakes` job does for each.

Runs exactly once per intake in effect: the intake row is locked while it is processed, the
ticket number is unique, and a second run finds the intake already processed.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.catalogue import snapshot
from hotline.classifier_models.active import active_model
from hotline.domain import lifecycle
from hotline.domain.content import normalise_text
from hotline.domain.events import EventKind
from hotline.domain.lifecycle import CITIZEN, SYSTEM
from hotline.intake.repeats import find_repeat
from hotline.intake.triage import flag_risk, route
from hotline.models import (
    Attachment,
    Channel,
    Intake,
    IntakeStatus,
    Line,
    RequestType,
    Ticket,
    utcnow,
)

log = logging.getLogger(__name__)
# Intake payload key: "agent" when the agent logging the call chooses the outcome themselves.
HELD_FOR = "held_for"
# Intake payload key: the citizen's photos, stored by the web form (hotline.channels.photos).
PHOTOS = "photos"


def _lock(session: Session, intake_id: int) -> Intake | None:
    stmt = select(Intake).where(Intake.id == intake_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return session.scalars(stmt).one_or_none()


def _new_ticket(intake: Intake) -> Ticket:
    p = intake.payload
    return Ticket(
        number=intake.ticket_number,
        intake_id=intake.id,
        line=Line(intake.line),
        channel=Channel(intake.channel),
        request_type=RequestType(p.get("request_type", RequestType.COMPLAINT.value)),
        citizen_name=p.get("name"),
        phone=p.get("phone"),
        confidential=bool(p.get("confidential")),
        content=normalise_text(p.get("content") or ""),
        address=p.get("address"),
        latitude=p.get("lat"),
        longitude=p.get("long"),
        district=p.get("district"),
        recording_url=p.get("recording_url"),
        created_at=intake.received_at,
        status=lifecycle.Status.PENDING_DISPATCH,
    )


def _attach_photos(session: Session, ticket: Ticket, intake: Intake) -> None:
    """The rows of the photos the web form stored before it committed the intake
    (hotline.channels.photos): the files are already on disk, under their keys."""
    for photo in intake.payload.get(PHOTOS) or ():
        session.add(Attachment(ticket=ticket, filename=photo["name"], content_type=photo["type"],
                               size=photo["size"], sha256=photo["sha256"], storage_key=photo["key"],
                               created_at=intake.received_at))
        lifecycle.record(ticket, CITIZEN, EventKind.ATTACHED, note=photo["name"],
                         data={"size": photo["size"], "type": photo["type"], "from": "citizen"})


def _classify_and_route(session: Session, ticket: Ticket, *, hold: bool = False,
                        at: datetime | None = None) -> None:
    """The classifier suggests a first-level topic; the cached catalogue does the rest.

    `hold`: an agent on the line decides the outcome (hotline.console.service), so nothing is routed.
    """
    snap = snapshot.current(session)
    suggestion = active_model.suggest(session, ticket.content)
    confident = False
    if suggestion is not None:
        topic_id = snap.root_topics.get(suggestion.label)
        confident = suggestion.confident and topic_id is not None
        lifecycle.classify(ticket, label=suggestion.label, confidence=suggestion.confidence,
                           version=suggestion.version, topic=None,
                           topic_id=topic_id if confident else None, at=at)
    route(session, ticket, confident=confident, urgent=suggestion is not None and suggestion.urgent,
          snapshot=snap, hold=hold, at=at)


def _triage(session: Session, ticket: Ticket, *, hold: bool = False,
            at: datetime | None = None) -> None:
    """Link a repeat (once) and, when the ticket has its text, classify and route it."""
    original = find_repeat(session, ticket) if ticket.repeat_of is None else None
    if original is not None:
        lifecycle.link_repeat(ticket, original, SYSTEM, reason="same caller, similar text", at=at)
    if ticket.status == lifecycle.Status.PENDING_DISPATCH:
        _classify_and_route(session, ticket, hold=hold, at=at)


def route_ticket(session: Session, ticket_id: int) -> str | None:
    """Triage a ticket whose text came after intake (a voice message once transcribed).

    Safe to run twice: a ticket already classified, dispatched or closed is left alone. The
    caller commits.
    """
    ticket = session.get(Ticket, ticket_id)
    if (ticket is None or ticket.status != lifecycle.Status.PENDING_DISPATCH
            or ticket.classifier_label is not None
            or any(e.kind in (EventKind.DISPATCHED, EventKind.ROUTING_MANUAL) for e in ticket.events)):
        session.rollback()
        return ticket.number if ticket else None
    _triage(session, ticket)
    return ticket.number


def _open(session: Session, intake: Intake, supplemented: Ticket | None,
          at: datetime | None) -> Ticket:
    """A new ticket under the intake's own number.

    `supplemented` is a ticket the citizen meant to add to but which closed before the message
    was processed: the words still need an owner, so they open a repeat of it.
    """
    ticket = _new_ticket(intake)
    session.add(ticket)
    lifecycle.open_ticket(ticket, SYSTEM, at=at,
                          awaiting_transcription=bool(intake.payload.get("awaiting_transcription")))
    _attach_photos(session, ticket, intake)
    if supplemented is not None:
        lifecycle.link_repeat(ticket, supplemented, SYSTEM, reason="supplement after closing", at=at)
    _triage(session, ticket, hold=intake.payload.get(HELD_FOR) == "agent", at=at)
    return ticket


def open_by_hand(session: Session, intake: Intake, actor: lifecycle.Actor) -> Ticket:
    """The ticket of a failed intake, opened by an agent under its reserved number.

    No classification or routing: that may be the step that kept failing, so the ticket waits
    in the manual dispatch queue. The caller commits.
    """
    ticket = _new_ticket(intake)
    session.add(ticket)
    lifecycle.open_ticket(ticket, actor)
    _attach_photos(session, ticket, intake)
    lifecycle.routed_to_people(ticket, {"by": "agent", "user": actor.label,
                                        "after_failed_intake": intake.attempts})
    intake.status = IntakeStatus.PROCESSED
    intake.processed_at = utcnow()
    return ticket


def process_intake(session: Session, intake_id: int, *, at: datetime | None = None) -> str | None:
    """Create (or supplement) the ticket for `intake_id`; returns the ticket number.

    `at` is when the processing happens (now by default); the demo city's history
    (hotline.demo) processes its past intakes at the time they would have been.

    The caller commits (through the unit of work, which writes the acknowledgement); the unique
    ticket number makes a concurrent second run fail there with an IntegrityError.
    """
    intake = _lock(session, intake_id)
    if intake is None or intake.status == IntakeStatus.PROCESSED:
        session.rollback()
        return intake.ticket_number if intake else None
    # One flush at commit: each row is written once, complete (queries in between, such as the
    # repeat search, never need the new ticket, which they exclude anyway).
    with session.no_autoflush:
        intake.attempts += 1
        target = session.get(Ticket, intake.target_ticket_id) if intake.target_ticket_id else None
        if target is not None and target.status != lifecycle.Status.CLOSED:
            added = intake.payload.get("content", "")
            lifecycle.add_citizen_message(target, added, intake.channel.value)
            # A caller in danger may say so only in a follow-up: the same risk rules hear it.
            flag_risk(snapshot.current(session), target, text=added, at=at)
            ticket = target
        else:
            ticket = _open(session, intake, supplemented=target, at=at)
        intake.status = IntakeStatus.PROCESSED
        intake.processed_at = at or utcnow()
    return ticket.number
