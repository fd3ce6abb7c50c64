"""The handlers of the side-effect table (hotline.domain.effects): what each effect writes.

The unit of work calls `settle` for the events appended in its session, and for the steps the
deadline scan wrote in bulk, before the commit; the handlers add rows to that session only
(outbox rows, follow-up rounds, staff notices), so everything commits or rolls back with the
fact. Sending happens after the commit, in jobs.

SMS intakes get no acknowledgement: the inbound SMS webhook already answers with TwiML
carrying the ticket number, and a second SMS would only cost money and confuse. The
acknowledgement is written by the worker that opens the ticket, not at intake: the citizen's
page or call already shows the number, and the accept path stays short under load.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from hotline.citizen.followup import open_round
from hotline.domain import notices
from hotline.domain.effects import ACK_CHANNELS, SMS_ANSWER_CHANNELS, Effect, effects_of
from hotline.domain.events import EventKind
from hotline.domain.lifecycle import DeadlineStep
from hotline.messaging import texts
from hotline.messaging.outbox import TO_CALL, mobile, plan, plan_staff_texts, planned_sends
from hotline.models import DutySupervisor, Intake, Notification, Ticket, TicketEvent


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
    occasion.round = open_round(occasion.session, occasion.ticket, occasion.event.at)


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


def notify(occasion: Occasion) -> None:
    """The staff notices of a life-cycle event (arbitration, extensions, 督办, calendar)."""
    ticket, event = occasion.ticket, occasion.event
    for n in notices.of_event(ticket, event):
        occasion.session.add(Notification(ticket=ticket, department_id=n.department_id,
                                          role=n.role, user_id=n.user_id, kind=n.kind,
                                          level=n.level, body=n.body, created_at=event.at))


def staff_sms(occasion: Occasion) -> None:
    """A life-cycle event's SMS to staff (an extreme risk: the duty supervisors' mobiles), once
    per ticket and phone, however often the mark is raised again."""
    session, ticket, event = occasion.session, occasion.ticket, occasion.event
    with session.no_autoflush:
        phones = session.scalars(select(DutySupervisor.phone).where(DutySupervisor.active)
                                 .order_by(DutySupervisor.id)).all()
    for text in notices.texts_of_event(ticket, event, phones):
        if mobile(text.to):
            plan(session, kind=texts.RISK_ALERT, line=ticket.line.value, number=ticket.number,
                 to=text.to, ticket=ticket, body=text.body,
                 dedupe_key=f"{event.kind}:{ticket.number}:{text.to}")


# Effects of events appended through the ORM.
HANDLERS: dict[Effect, Callable[[Occasion], None]] = {
    Effect.ACKNOWLEDGE: acknowledge,
    Effect.FOLLOW_UP_ROUND: follow_up_round,
    Effect.ANSWER: answer,
    Effect.NOTIFY: notify,
    Effect.STAFF_SMS: staff_sms,
}


@dataclass
class Rows:
    """What the effects of bulk-written steps insert: one statement per table per batch."""

    notices: list[dict[str, Any]] = field(default_factory=list)
    texts: list[dict[str, Any]] = field(default_factory=list)


def notify_step(step: DeadlineStep, rows: Rows) -> None:
    rows.notices += [{"department_id": n.department_id, "role": n.role, "ticket_id": step.ticket_id,
                      "kind": n.kind, "level": n.level, "body": n.body, "created_at": step.at}
                     for n in notices.of_step(step)]


def text_step(step: DeadlineStep, rows: Rows) -> None:
    """The duty phone's SMS, once per step: its dedupe key is the step's escalation mark."""
    rows.texts += [{"ticket_id": step.ticket_id, "ticket_number": step.number, "to_addr": t.to,
                    "body": t.body, "dedupe_key": f"escalation:{step.mark}",
                    "created_at": step.at}
                   for t in notices.texts_of_step(step)]


# Effects of the deadline scan's steps, which it writes with Core, not as ORM events.
STEP_HANDLERS: dict[Effect, Callable[[DeadlineStep, Rows], None]] = {
    Effect.NOTIFY: notify_step,
    Effect.STAFF_SMS: text_step,
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


def run_steps(session: Session, steps: Sequence[DeadlineStep]) -> None:
    """The table's effects of the scan's steps, gathered and inserted in one go per table."""
    rows = Rows()
    for step in steps:
        for effect in effects_of(step.kind):
            STEP_HANDLERS[effect](step, rows)
    if rows.notices:
        # Core executemany: psycopg pipelines the rows in one round trip.
        session.execute(insert(Notification.__table__), rows.notices)
    plan_staff_texts(session, rows.texts)


def settle(session: Session, events: list[TicketEvent], steps: Sequence[DeadlineStep] = (), *,
           public_base_url: str) -> list[int]:
    """What the unit of work runs before its commit: the effects, then the sends they planned
    (the factory binds PUBLIC_BASE_URL, for the tracking links)."""
    run(session, events, public_base_url)
    run_steps(session, steps)
    session.flush()
    return planned_sends(session)
