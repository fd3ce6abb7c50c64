"""RQ queues on Redis. Enqueuing is best effort: the database already holds the work."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import redis
from flask import Flask, current_app
from rq import Queue

from hotline.app import settings
from hotline.app.embedded_redis import ensure_running

log = logging.getLogger(__name__)

INTAKE_QUEUE = "intake"
DEFAULT_QUEUE = "default"
QUEUES = (INTAKE_QUEUE, DEFAULT_QUEUE)
# Model training takes minutes of CPU: its own queue, consumed only by `flask --app hotline
# trainer`, so no intake ever waits behind it. Not in QUEUES on purpose.
TRAINING_QUEUE = "training"
# Ids of committed intakes that no job holds yet; each worker's relay (workers.relay) turns them
# into `process_intakes` jobs, many ids to a job.
ACCEPTED = "hotline:intakes:accepted"

# Jobs the web tier queues, named by dotted path: RQ imports the function in the worker, so the
# code that queues a job does not import the workers, which import that code back.
# (tests/hotline/app/test_queue.py checks each name is a worker's job.)
PROCESS_INTAKES = "workers.jobs.process_intakes"
ROUTE_TICKET = "workers.jobs.route_ticket"
SEND_OUTBOUND_BATCH = "workers.messaging.send_outbound_batch"
TRAIN_CANDIDATE = "workers.retraining.train_candidate"
Job = Callable[..., Any] | str


EMBEDDED = "hotline.embedded_redis"  # the app's extensions key of the embedded server's URL


def redis_url(app: Flask) -> str:
    """REDIS_URL, or the embedded server's, started under the instance folder on first use."""
    configured = settings.current(app)
    url = configured.redis.url or app.extensions.get(EMBEDDED)
    if not url:
        url = app.extensions[EMBEDDED] = ensure_running(configured.instance_dir / "redis")
    return url


def connection(app: Flask | None = None) -> redis.Redis:
    app = app or current_app
    conn = app.extensions.get("hotline.redis")
    if conn is None:
        conn = redis.Redis.from_url(redis_url(app), socket_timeout=5, socket_connect_timeout=2)
        app.extensions["hotline.redis"] = conn
    return conn


def is_async(app: Flask | None = None) -> bool:
    """False with RQ_ASYNC=0: no workers, a queued job runs at once in the caller."""
    return settings.current(app).rq_async


def queue(name: str = DEFAULT_QUEUE, app: Flask | None = None) -> Queue:
    return Queue(name, connection=connection(app), is_async=is_async(app))


def announce(intake_id: int) -> None:
    """Tell the workers' relay about a committed intake, or log that Redis is down (the sweeper
    finds the intake in the database).

    One RPUSH: building and saving an RQ job here cost a sixth of an accept's CPU, on the web
    tier that must answer every caller first; the relay builds jobs in the workers instead.
    """
    try:
        connection().rpush(ACCEPTED, intake_id)
    except redis.RedisError as exc:
        log.warning("intake %s left for the sweeper: %s", intake_id, exc)


def try_enqueue(name: str, func: Job, *args: Any, job_id: str | None = None) -> bool:
    """Enqueue, or log and return False when Redis is down; a sweeper retries from the database."""
    target = queue(name)
    try:
        # One round trip instead of two: RQ otherwise registers the queue and saves the job in
        # separate transactions. (A synchronous queue runs the job at once, without a pipeline.)
        with target.connection.pipeline() as pipe:
            target.enqueue(func, *args, job_id=job_id, result_ttl=600, failure_ttl=86400,
                           pipeline=pipe if target.is_async else None)
            pipe.execute()
    except redis.RedisError as exc:
        log.warning("queue %s unavailable, %s left for the sweeper: %s", name, args, exc)
        return False
    return True


def try_enqueue_many(name: str, func: Job, calls: Sequence[tuple[Any, ...]]) -> bool:
    """`try_enqueue` for many calls of one function in one round trip: a deadline scan can
    decide hundreds of SMS at once, and a round trip each would be most of its time."""
    target = queue(name)
    try:
        jobs = [Queue.prepare_data(func, args, result_ttl=600, failure_ttl=86400) for args in calls]
        with target.connection.pipeline() as pipe:
            target.enqueue_many(jobs, pipeline=pipe)
            pipe.execute()
    except redis.RedisError as exc:
        log.warning("queue %s unavailable, %d jobs left for the sweeper: %s", name, len(calls), exc)
        return False
    return True
