"""Redis outages in the long-running processes: back-off, waiting, and a log that stays readable.

A worker or scheduler must outlive an outage of any length without an outside restart, and an
outage of hours must not write a line per retry per loop: every loop of a process (the RQ worker's,
the relay's, the cron scheduler's) reports to one `Outage`, which writes a line when the outage
starts, a summary every `REDIS_OUTAGE_LOG_SECONDS`, and a line when Redis answers again.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable

import redis
from flask import Flask

from hotline.app import settings

log = logging.getLogger(__name__)
FIRST_DELAY = 1.0
# How RQ's own retry loops (dequeue, pubsub) say that they lost Redis.
RQ_RETRY_MARKER = "could not connect to Redis"


class Backoff:
    """Delays that double from FIRST_DELAY up to `cap`: quick to notice a short blip, and at
    most one attempt every `cap` seconds during a long outage."""

    def __init__(self, cap: float) -> None:
        self.cap = cap
        self.reset()

    def reset(self) -> None:
        self.delay = min(FIRST_DELAY, self.cap)

    def next(self) -> float:
        delay = self.delay
        self.delay = min(self.delay * 2, self.cap)
        return delay


class Outage:
    """What one process knows about Redis being unreachable, shared by its threads."""

    def __init__(self, summary_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.summary_seconds = summary_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._since: float | None = None
        self._failures = 0
        self._reported = 0.0

    @property
    def active(self) -> bool:
        return self._since is not None

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            now = self._clock()
            self._failures += 1
            if self._since is None:
                self._since = self._reported = now
                log.warning("Redis unavailable, retrying with back-off: %s", exc)
            elif now - self._reported >= self.summary_seconds:
                self._reported = now
                log.warning("Redis still unavailable after %.0f s (%d failed attempts): %s",
                            now - self._since, self._failures, exc)

    def recovered(self) -> None:
        with self._lock:
            if self._since is None:
                return
            log.warning("Redis is back after %.0f s (%d failed attempts)",
                        self._clock() - self._since, self._failures)
            self._since = None
            self._failures = 0


def outage(app: Flask) -> Outage:
    """The outage record of this process (one per app, so the relay and the worker share it)."""
    record = app.extensions.get("hotline.redis_outage")
    if record is None:
        record = Outage(settings.current(app).redis.outage_log_seconds)
        app.extensions["hotline.redis_outage"] = record
    return record


def wait_for_redis(app: Flask, conn: redis.Redis, stop: threading.Event) -> bool:
    """Ping Redis with back-off until it answers (True) or `stop` is set (False)."""
    record = outage(app)
    backoff = Backoff(settings.current(app).redis.retry_max_seconds)
    while not stop.is_set():
        try:
            conn.ping()
        except redis.RedisError as exc:
            record.failed(exc)
            stop.wait(backoff.next())
            continue
        record.recovered()
        return True
    return False


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT: while a process waits for Redis, RQ's own handlers
    (which talk to Redis, or raise into whatever code runs) must not answer the signals."""
    stop = threading.Event()

    def handler(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return stop


class FoldRqConnectionErrors(logging.Filter):
    """RQ logs each of its own retries and a traceback for a lost connection: fold those records
    into the outage record instead, so an outage makes the few lines `Outage` writes. Records
    about anything but a lost Redis connection pass unchanged."""

    def __init__(self, record: Outage) -> None:
        super().__init__()
        self.record = record

    def filter(self, rec: logging.LogRecord) -> bool:
        exc = rec.exc_info[1] if rec.exc_info else None
        while exc is not None:  # RedisLost (workers.runner) carries the ConnectionError as its cause
            if isinstance(exc, redis.ConnectionError | redis.TimeoutError):
                self.record.failed(exc)
                return False
            exc = exc.__cause__
        if RQ_RETRY_MARKER in str(rec.msg):
            self.record.failed(redis.ConnectionError(rec.getMessage()))
            return False
        return True
