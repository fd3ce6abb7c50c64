"""The unit of work: how an entry point (view, job, CLI command) ends a change.

`commit(session)` runs the declared side effects (hotline.domain.effects, handled in
hotline.citizen.effects) of the events the change appended, commits once, and only then
queues the send jobs of the outbox rows it wrote. So the citizen's message commits atomically
with the fact it reports, a rolled-back change sends nothing, and no caller of the life cycle
can forget to tell the citizen. Services below the entry points do not commit; a service that
must commit more than once takes the unit of work as an argument (tickets.escalation.scan
commits per batch).

Commits that stay below the entry points, on purpose:
- intake.accept (SQLite path): the intake and its reserved number are committed before the
  intake is queued, so nothing accepted is lost (PostgreSQL autocommits one statement instead);
- messaging.outbox: the send protocol commits the claim before talking to Twilio and the
  result right after (at most once), and delivery receipts move rows forward on their own;
- twilio.webhook.remember: the idempotency record commits with its change (through `commit`).
Not yet moved (they write no ticket events, so no effect is lost): classifier_models.registry
and its admin service, reporting.figures' refresh and seed.load.

The handlers write to features above this app shell, so the composition root plugs them in
(`install`) rather than this module importing them: the layers contract stays whole, and a
process without them (an app built without the factory) fails loudly instead of sending nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import chain

from flask import Flask, current_app
from sqlalchemy.orm import Session

from hotline.app.queue import DEFAULT_QUEUE, SEND_OUTBOUND_BATCH, is_async, try_enqueue_many
from hotline.models import TicketEvent

# Runs the effects of the events in the session and returns the outbox rows to send after the
# commit (hotline.citizen.effects.settle).
Settle = Callable[[Session, list[TicketEvent]], list[int]]
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


def commit(session: Session) -> None:
    """Effects, then one commit, then the send jobs; on failure the session is rolled back."""
    try:
        events = appended_events(session)
        for event in events:
            event.effects_due = False
        sends = current_app.extensions[_EXTENSION](session, events)
        session.commit()
    except BaseException:
        session.rollback()
        raise
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
