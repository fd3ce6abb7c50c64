"""The unit of work: how an entry point (view, job, CLI command) ends a change.

`commit(session)` runs the declared side effects (hotline.domain.effects, handled in
hotline.citizen.effects) of the events the change appended, commits once, and only then
queues the send jobs of the outbox rows it wrote. So the citizen's message commits atomically
with the fact it reports, a rolled-back change sends nothing, and no caller of the life cycle
can forget to tell the citizen or a unit. Services below the entry points do not commit; a
service that must commit more than once takes the unit of work as an argument
(tickets.escalation.scan commits per batch, handing each batch's deadline steps to `commit`).

Commits that stay below the entry points, on purpose (tests/test_architecture.py holds the list):
- intake.accept (SQLite path): the intake and its reserved number are committed before the
  intake is queued, so nothing accepted is lost (PostgreSQL autocommits one statement instead);
- messaging.outbox: the send protocol commits the claim before talking to Twilio and the
  result right after (at most once), and delivery receipts move rows forward on their own;
- identity.auth's sign-in and sign-out views: the failure count, the lock and the session
  generation must be stored before the answer, whatever the rest of the request does;
- twilio.webhook.remember: the idempotency record commits with its change (through `commit`).

The handlers write to features above this app shell, so the composition root plugs them in
(`install`) rather than this module importing them: the layers contract stays whole, and a
process without them (an app built without the factory) fails loudly instead of sending nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain

from flask import Flask, current_app
from sqlalchemy.orm import Session

from hotline.app.queue import DEFAULT_QUEUE, SEND_OUTBOUND_BATCH, is_async, try_enqueue_many
from hotline.domain.lifecycle import DeadlineStep
from hotline.models import TicketEvent

# Runs the effects of the events in the session, and of the steps written in bulk, and returns
# the outbox rows to send after the commit (hotline.citizen.effects.settle).
Settle = Callable[[Session, list[TicketEvent], Sequence[DeadlineStep]], list[int]]
_EXTENSION = "hotline.unit_of_work"

# Messages per send job. A deadline scan decides hundreds at once, and an RQ job each cost more
# than the rest of the scan; ten sends stay well inside RQ's default job timeout even when each
# waits for TWILIO_TIMEOUT_SECONDS.
SEND_BATCH = 10


def install(app: Flask, settle: Settle) -> None:
    """The composition root names what runs the side effects of every commit."""
    app.extensions[_EXTENSION] = settle


def appended_events(session: Session) -> list[TicketEvent]:
    """The events made in this session whose effects have not run, oldest first."""
    found = {id(o): o for o in chain(session.new, session.identity_map.values())
             if isinstance(o, TicketEvent) and o.__dict__.get("effects_due")}
    return sorted(found.values(), key=lambda e: e.at)


def commit(session: Session, steps: Sequence[DeadlineStep] = (), *, send: bool = True) -> None:
    """Effects, then one commit, then the send jobs; on failure the session is rolled back.

    `steps` are the deadline scan's, whose events it inserted in bulk (no ORM objects to find
    in the session): their effects run here like every other event's. `send=False` writes the
    effects' rows for the record without queuing their sends: the demo city's past
    (hotline.demo.history), whose messages went out back then.
    """
    try:
        events = appended_events(session)
        for event in events:
            event.effects_due = False
        sends = current_app.extensions[_EXTENSION](session, events, steps)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    if send:
        _queue_sends(sends)


@contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """`with unit_of_work(db.session) as session:` … committed by `commit` at the end."""
    yield session
    commit(session)


def _queue_sends(ids: list[int]) -> None:
    if not ids or not is_async():
        # Synchronous RQ would run the job inside the caller; the sweeper sends these instead.
        return
    try_enqueue_many(DEFAULT_QUEUE, SEND_OUTBOUND_BATCH,
                     [(ids[i:i + SEND_BATCH],) for i in range(0, len(ids), SEND_BATCH)])
