"""The relay: intakes announced by the web tier (hotline.app.queue.announce) become RQ jobs.

It runs as a thread in every `flask --app hotline worker`, so wherever intakes are processed
they are also relayed, and several relays share the list without seeing an id twice (each pop
is atomic). It takes whatever has gathered, up to a batch: one id when calls trickle in, full
batches when a burst outruns the workers. An id popped by a relay that dies before enqueuing it
is not lost: its intake is still unprocessed in the database, where the sweeper finds it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import redis
from flask import Flask

from hotline.app import settings
from hotline.app.queue import ACCEPTED, connection
from workers.jobs import BATCH, enqueue_intakes
from workers.outage import Backoff, outage

log = logging.getLogger(__name__)
# How long a pop blocks before the loop looks at its stop flag again, and the pause after an
# error that is not Redis's (Redis errors back off, see workers.outage).
WAIT_SECONDS = 1
RETRY_SECONDS = 1
# After the first announcement, how long the relay lets others gather before it takes them:
# during a burst, jobs of a few dozen intakes instead of one or two, which spares RQ's work per
# job (in the worker and in Redis); a lone call waits this much longer for its ticket.
GATHER_SECONDS = 0.05


def relay_once(conn: redis.Redis, *, wait: bool) -> int:
    """Queue up to BATCH announced intakes as one job; returns how many it took.

    `wait`: block up to WAIT_SECONDS for the first announcement instead of returning 0.
    """
    if wait:
        first = conn.blpop([ACCEPTED], timeout=WAIT_SECONDS)
        if first is None:
            return 0
        time.sleep(GATHER_SECONDS)
        ids = [first[1], *(conn.lpop(ACCEPTED, BATCH - 1) or [])]
    else:
        ids = conn.lpop(ACCEPTED, BATCH) or []
    if ids:
        enqueue_intakes([int(i) for i in ids])
    return len(ids)


def relay_all(conn: redis.Redis) -> int:
    """Queue every intake announced so far (a worker in burst mode, tests)."""
    total = 0
    while taken := relay_once(conn, wait=False):
        total += taken
    return total


def _run(app: Flask, stop: threading.Event) -> None:
    with app.app_context():
        conn = connection()
        record = outage(app)
        backoff = Backoff(settings.current(app).redis.retry_max_seconds)
        while not stop.is_set():
            try:
                relay_once(conn, wait=True)
            except redis.RedisError as exc:
                record.failed(exc)
                stop.wait(backoff.next())
                continue
            except Exception:
                # A relay that died quietly would leave every new intake to the sweeper.
                log.exception("relay failed, retrying")
                stop.wait(RETRY_SECONDS)
                continue
            record.recovered()
            backoff.reset()


def start(app: Flask) -> Callable[[], None]:
    """Run the relay in a daemon thread of this process; returns the function that stops it,
    once the pop under way has ended (within WAIT_SECONDS), so no later announcement is taken."""
    stop = threading.Event()
    thread = threading.Thread(target=_run, args=(app, stop), name="intake-relay", daemon=True)
    thread.start()

    def halt() -> None:
        stop.set()
        thread.join()

    return halt
