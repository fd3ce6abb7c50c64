"""Where the citizen's messages are decided: on the flush that records the fact they report.

A listener on every Session sees each new ticket made from an intake (→ acknowledgement) and
each new `reply_approved` event (→ answer, follow-up round) in the flush that writes them, and
adds the outbox rows to that same flush. So the message commits atomically with the fact — no caller of
the life cycle (review page, close, API, CLI, a future one) can forget to tell the citizen, and
a rolled-back approval never sends anything. The send jobs are queued after the commit.

SMS intakes get no acknowledgement here: the inbound SMS webhook already answers with TwiML
carrying the ticket number, and a second SMS would only cost money and confuse. The
acknowledgement is written by the worker that opens the ticket, not at intake: the citizen's
page or call already shows the number, and the accept path stays short under load.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from hotline.domain.lifecycle import REPLY_APPROVED
from hotline.domain.phones import is_mobile
from hotline.messaging import texts
from hotline.messaging.outbox import TO_CALL
from hotline.models import Channel, Intake, OutboundMessage, Ticket, TicketEvent

log = logging.getLogger(__name__)

ACK_CHANNELS = frozenset({Channel.VOICE, Channel.WEB})
# Callers reached by phone or SMS get the answer by SMS (or a call); web and Open311 users read
# it on the tracking page / the Open311 feed, where they filed it.
SMS_ANSWER_CHANNELS = frozenset({Channel.SMS, Channel.VOICE, Channel.PHONE})
_PENDING = "hotline.outbox.pending"
_IDS = "hotline.outbox.ids"
# Messages per send job. A deadline scan decides hundreds at once, and an RQ job each cost more
# than the rest of the scan; ten sends stay well inside RQ's default job timeout even when each
# waits for TWILIO_TIMEOUT_SECONDS.
SEND_BATCH = 10


def tracking_link(number: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/track?n={number}"


def mobile(phone: str | None) -> bool:
    try:
        return bool(phone) and is_mobile(phone or "")
    except Exception:  # an unparsable stored number is simply not a mobile
        return False


def plan(session: Session, *, kind: str, line: str, number: str, to: str | None,
         dedupe_key: str, values: dict[str, str] | None = None, ticket: Ticket | None = None,
         intake: Intake | None = None, channel: str = "sms", body: str | None = None,
         status: str = "queued") -> OutboundMessage | None:
    """Add an outbox row (once per `dedupe_key`) to the session; its job is queued on commit."""
    with session.no_autoflush:
        if session.scalar(select(OutboundMessage.id).where(OutboundMessage.dedupe_key == dedupe_key)):
            return None
        if body is None:
            body = texts.render(session, line, kind, {"number": number, **(values or {})}).body
    message = OutboundMessage(kind=kind, channel=channel, line=line, ticket=ticket, intake=intake,
                              ticket_number=number, to_addr=to, body=body, status=status,
                              dedupe_key=dedupe_key)
    session.add(message)
    if channel == "sms":
        session.info.setdefault(_PENDING, []).append(message)
    return message


def _acknowledge(session: Session, intake: Intake) -> None:
    phone = (intake.payload or {}).get("phone")
    if intake.target_ticket_id is not None or intake.channel not in ACK_CHANNELS or not mobile(phone):
        return
    number = intake.ticket_number
    plan(session, kind=texts.ACK, line=intake.line.value, number=number, to=phone, intake=intake,
         dedupe_key=f"ack:{number}", values={"link": tracking_link(number)})


def answer_text(ticket: Ticket, approval: TicketEvent) -> str:
    answer = (approval.data or {}).get("answer")
    if not answer:
        answer = next((e.note for e in reversed(ticket.events) if e.kind == "replied" and e.note), "")
    return str(answer or "")


def _answer(session: Session, approval: TicketEvent) -> None:
    from hotline.citizen.followup import open_round

    ticket = approval.ticket
    if ticket is None:
        return
    rounds = open_round(session, ticket)
    key = f"answer:{ticket.number}:{rounds}"
    answer = answer_text(ticket, approval)
    if ticket.channel in SMS_ANSWER_CHANNELS and mobile(ticket.phone):
        plan(session, kind=texts.ANSWER, line=ticket.line.value, number=ticket.number,
             to=ticket.phone, ticket=ticket, dedupe_key=key,
             values={"answer": answer, "link": tracking_link(ticket.number)})
    elif ticket.channel in SMS_ANSWER_CHANNELS:
        # No mobile: the answer is phoned. The row is the agents' call-back list entry.
        plan(session, kind=texts.ANSWER, line=ticket.line.value, number=ticket.number,
             to=ticket.phone, ticket=ticket, dedupe_key=key, channel="callback",
             body=answer, status=TO_CALL)


@event.listens_for(Session, "before_flush")
def _decide(session: Session, _context: Any, _instances: Any) -> None:
    if not has_app_context():
        return
    for obj in list(session.new):
        if isinstance(obj, Ticket) and obj.intake_id is not None:
            with session.no_autoflush:
                intake = session.get(Intake, obj.intake_id)  # the job holds it: no query
            if intake is not None:
                _acknowledge(session, intake)
        elif isinstance(obj, TicketEvent) and obj.kind == REPLY_APPROVED:
            _answer(session, obj)


def send_after_commit(session: Session, message_ids: list[int]) -> None:
    """Queue the send jobs of outbox rows inserted without the ORM (bulk Core inserts) once the
    session commits, exactly as for the rows `plan` adds; a rollback forgets them."""
    session.info.setdefault(_IDS, []).extend(message_ids)


@event.listens_for(Session, "after_flush")
def _remember_ids(session: Session, _context: Any) -> None:
    pending = session.info.pop(_PENDING, [])
    if pending:
        session.info.setdefault(_IDS, []).extend(m.id for m in pending if m.id is not None)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_IDS, None)


@event.listens_for(Session, "after_commit")
def _enqueue(session: Session) -> None:
    ids = session.info.pop(_IDS, [])
    if not ids or not has_app_context():
        return
    if not current_app.config.get("RQ_ASYNC", True):
        # Synchronous RQ would run the job inside this commit; the sweeper sends these instead.
        return
    from hotline.app.queue import DEFAULT_QUEUE, SEND_OUTBOUND_BATCH, try_enqueue_many

    try_enqueue_many(DEFAULT_QUEUE, SEND_OUTBOUND_BATCH,
                     [(ids[i:i + SEND_BATCH],) for i in range(0, len(ids), SEND_BATCH)])
