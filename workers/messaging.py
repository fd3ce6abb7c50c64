"""RQ jobs of the outbox and the follow-up: thin callers of hotline.messaging / hotline.citizen.followup."""

from __future__ import annotations

import logging
from datetime import timedelta

import redis
from flask import current_app

from hotline.app import settings, unit_of_work
from hotline.app.extensions import db
from hotline.app.queue import DEFAULT_QUEUE, queue, try_enqueue
from hotline.citizen import followup
from hotline.messaging import outbox
from hotline.models import utcnow
from hotline.twilio.sender import configured_sender
from workers.context import in_app

log = logging.getLogger(__name__)


def _retry(message_id: int, delay: int) -> None:
    """The next attempt, by RQ's scheduler; the outbox sweeper also picks it up when due."""
    try:
        if delay <= 0:
            queue(DEFAULT_QUEUE).enqueue(send_outbound, message_id)
        else:
            queue(DEFAULT_QUEUE).enqueue_in(timedelta(seconds=delay), send_outbound, message_id)
    except redis.RedisError as exc:
        log.warning("retry of outbox %s left for the sweeper: %s", message_id, exc)


@in_app
def send_outbound(message_id: int) -> str:
    return send_outbound_batch([message_id])[0]


@in_app
def send_outbound_batch(message_ids: list[int]) -> list[str]:
    """The rows one commit decided, in one job; each is still claimed on its own, so a re-run
    skips what was sent and a row this job never reached is left queued for the sweeper."""
    sender, configured = configured_sender(current_app), settings.current()
    return [outbox.send(db.session, message_id, sender, _retry, limits=configured.outbox,
                        public_base_url=configured.public_base_url)
            for message_id in message_ids]


@in_app
def sweep_outbox() -> int:
    """Re-queue outbox rows stuck in `queued`; flag rows a dead job left in `sending`."""
    now = utcnow()
    ids = outbox.due(db.session, now, settings.current().outbox.requeue_after)
    db.session.rollback()
    for message_id in ids:
        try_enqueue(DEFAULT_QUEUE, send_outbound, message_id)
    stuck = outbox.mark_stuck(db.session, now, timedelta(minutes=10))
    if ids or stuck:
        log.info("outbox sweeper: %d re-queued, %d marked uncertain", len(ids), stuck)
    return len(ids)


@in_app
def sweep_follow_ups() -> dict[str, int]:
    done = followup.sweep(db.session, settings.current().followup)
    unit_of_work.commit(db.session)
    return done
