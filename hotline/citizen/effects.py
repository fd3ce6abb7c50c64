"""The handlers of the side-effect table (hotline.domain.effects): what each effect writes.

The unit of work calls `run` for the events appended in its session, before the commit; the
handlers add rows to that session only (outbox rows, follow-up rounds), so everything commits
or rolls back with the fact. Sending happens after the commit, in jobs.

SMS intakes get no acknowledgement: the inbound SMS webhook already answers with TwiML
carrying the ticket number, and a second SMS would only cost money and confuse. The
acknowledgement is written by the worker that opens the ticket, not at intake: the citizen's
page or call already shows the number, and the accept path stays short under load.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hotline.citizen.followup import open_round
from hotline.domain.effects import ACK_CHANNELS, SMS_ANSWER_CHANNELS, Effect, effects_of
from hotline.domain.events import EventKind
from hotline.messaging import texts
from hotline.messaging.outbox import TO_CALL, mobile, plan, planned_sends
from hotline.models import Intake, Ticket, TicketEvent


@dataclass
class Occasion:
    """One event and what its effects share (the answer's key carries the follow-up round)."""

    session: Session
    ticket: Ticket
    event: TicketEvent
    public_base_url: str  # where the SMS send the citizen to follow the ticket
    round: int | None = None

    def tracking_link(self, number: str) -> str:
        return f"{self.public_base_url}/track?n={number}"


def acknowledge(occasion: Occasion) -> None:
    """受理回执 for a ticket opened from an intake (voice and web with a mobile number)."""
    session, ticket = occasion.session, occasion.ticket
    if ticket.intake_id is None:
        return
    with session.no_autoflush:
        intake = session.get(Intake, ticket.intake_id)  # the job holds it: no query
    if intake is None:
        return
    phone = (intake.payload or {}).get("phone")
    if intake.target_ticket_id is not None or intake.channel not in ACK_CHANNELS or not mobile(phone):
        return
    number = intake.ticket_number
    plan(session, kind=texts.ACK, line=intake.line.value, number=number, to=phone, intake=intake,
         dedupe_key=f"ack:{number}", values={"link": occasion.tracking_link(number)})


def follow_up_round(occasion: Occasion) -> None:
    occasion.round = open_round(occasion.session, occasion.ticket)


def answer_text(ticket: Ticket, approval: TicketEvent) -> str:
    answer = (approval.data or {}).get("answer")
    if not answer:
        answer = next((e.note for e in reversed(ticket.events)
                       if e.kind == EventKind.REPLIED and e.note), "")
    return str(answer or "")


def answer(occasion: Occasion) -> None:
    """The approved answer by SMS to a mobile; without one, an entry on the call-back list."""
    session, ticket = occasion.session, occasion.ticket
    if ticket.channel not in SMS_ANSWER_CHANNELS:
        return
    key = f"answer:{ticket.number}:{occasion.round}"
    text = answer_text(ticket, occasion.event)
    if mobile(ticket.phone):
        plan(session, kind=texts.ANSWER, line=ticket.line.value, number=ticket.number,
             to=ticket.phone, ticket=ticket, dedupe_key=key,
             values={"answer": text, "link": occasion.tracking_link(ticket.number)})
    else:
        # No mobile: the answer is phoned. The row is the agents' call-back list entry.
        plan(session, kind=texts.ANSWER, line=ticket.line.value, number=ticket.number,
             to=ticket.phone, ticket=ticket, dedupe_key=key, channel="callback",
             body=text, status=TO_CALL)


# Effects of ORM events; NOTIFY and STAFF_SMS of the deadline steps are written in bulk by the
# scan (hotline.tickets.escalation), which has no event objects.
HANDLERS: dict[Effect, Callable[[Occasion], None]] = {
    Effect.ACKNOWLEDGE: acknowledge,
    Effect.FOLLOW_UP_ROUND: follow_up_round,
    Effect.ANSWER: answer,
}


def run(session: Session, events: Iterable[TicketEvent], public_base_url: str) -> None:
    """Run the table's effects of each event, in the table's order, inside the session."""
    for event in events:
        ticket = event.ticket
        kinds = effects_of(event.kind)
        if ticket is None or not kinds:
            continue
        occasion = Occasion(session, ticket, event, public_base_url)
        for effect in kinds:
            HANDLERS[effect](occasion)


def settle(session: Session, events: list[TicketEvent], *, public_base_url: str) -> list[int]:
    """What the unit of work runs before its commit: the effects, then the sends they planned
    (the factory binds PUBLIC_BASE_URL, for the tracking links)."""
    run(session, events, public_base_url)
    session.flush()
    return planned_sends(session)
