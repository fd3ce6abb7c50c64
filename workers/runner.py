"""The worker and scheduler processes, which ride out Redis outages of any length.

RQ's `Worker.work()` ends on a Redis error met outside its dequeue (registration, heartbeat, the
bookkeeping after a job) and retries forever inside it, coming back unregistered after a Redis
restart; `CronScheduler.start()` ends on any Redis error. So each runs in a loop here: when a run
ends on a Redis error, the process waits for Redis with back-off and starts a fresh run, which
registers again. A job in progress is not run twice: the worker runs jobs in its own process
(SimpleWorker), so a run ends only once its job has returned, and RQ does not requeue a job left
behind in its started registry (it becomes failed; the database sweepers redo what is needed).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from contextlib import suppress
from typing import Any

import redis
from flask import Flask
from rq import SimpleWorker
from rq import Worker as ForkingWorker
from rq.cron import create_cron
from rq.exceptions import StopRequested
from rq.scheduler import RQScheduler

from hotline.app import settings
from hotline.app.extensions import db
from hotline.app.queue import QUEUES, TRAINING_QUEUE, connection, redis_url
from hotline.classifier_models.active import active_model
from hotline.intake.triage import intake_risk_model
from workers import context, relay
from workers.outage import Backoff, FoldRqConnectionErrors, outage, stop_on_signals, wait_for_redis

log = logging.getLogger(__name__)
RQ_LOGGERS = ("rq.worker", "rq.scheduler", "rq.cron")
RESTART_PAUSE_SECONDS = 1.0
MODEL_CHECK_SECONDS = 5
# How long a stop waits for the scheduler process to end on SIGTERM before it kills it.
SCHEDULER_STOP_SECONDS = 5.0


class RedisLost(Exception):
    """A heartbeat failed. Raised past RQ's retry loop in `dequeue_job_and_maintain_ttl`, which
    would carry on after a Redis restart without the worker in RQ's registry: `run_worker`
    starts a fresh worker, which registers."""


class RidesOut:
    """What a worker of ours adds to RQ's, whichever way it runs its jobs."""

    stopping = False
    # Set by a signal that came before this run installed RQ's handlers (see `_ride_out`).
    stopped_before: threading.Event | None = None

    def _install_signal_handlers(self) -> None:
        """RQ's handlers from here on; a SIGTERM that came while the run was being set up went
        to `_ride_out`'s handler instead, and without this the run went on until it ended by
        itself (up to RQ's dequeue timeout, minutes), so a stop was not obeyed."""
        super()._install_signal_handlers()  # type: ignore[misc]
        if self.stopped_before is not None and self.stopped_before.is_set():
            self.stopping = True
            self._stop_requested = True

    def stop_scheduler(self) -> None:
        """RQ sends its scheduler process SIGTERM and waits for it without a limit. The process
        is forked from this one, which has threads (relay, model loader, RQ's command thread):
        forked while one of them held a lock it needs, it waits for ever and its SIGTERM
        handler never runs, and the worker hung after "warm shut down requested" until
        SIGKILLed. So after SCHEDULER_STOP_SECONDS it is killed and its locks are freed here
        (what it had not queued yet, the next scheduler queues)."""
        process = self.scheduler._process  # type: ignore[attr-defined]
        if process is None or not process.is_alive():  # never started, or ended and reaped
            return
        with suppress(OSError):
            os.kill(process.pid, signal.SIGTERM)
        process.join(SCHEDULER_STOP_SECONDS)
        if process.is_alive():
            log.warning("scheduler process %d did not stop in %.0f s: killed",
                        process.pid, SCHEDULER_STOP_SECONDS)
            process.kill()
            process.join()
            with suppress(redis.RedisError):
                self.scheduler.release_locks()  # type: ignore[attr-defined]

    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        try:
            super().heartbeat(timeout, pipeline)  # type: ignore[misc]
        except redis.ConnectionError as exc:
            raise RedisLost(str(exc)) from exc

    def request_stop(self, signum: int, frame: Any) -> None:
        self.stopping = True
        super().request_stop(signum, frame)  # type: ignore[misc]

    def unsubscribe(self) -> None:
        """RQ unsubscribes from its command channel before it stops the thread listening to
        it: the thread then waits up to a minute for a new subscription, RQ's join gives up
        after a second, and so every burst run and every stop took a second more (and left the
        thread behind). Stopped first, the thread ends with Redis's answer to the unsubscribe."""
        if self.pubsub_thread is not None:  # type: ignore[attr-defined]
            self.pubsub_thread.stop()  # type: ignore[attr-defined]
        super().unsubscribe()  # type: ignore[misc]


class Worker(RidesOut, SimpleWorker):
    """Intake and default queues: jobs run in this process, so the loaded model and the
    connection pool are reused instead of being forked for every job."""


class Trainer(RidesOut, ForkingWorker):
    """The training queue: each job in a forked child, so its time limit is enforced from
    outside it and the hundreds of MB a training takes go back to the system when it ends."""


class Scheduler(RQScheduler):
    """RQ's scheduler process (it queues the jobs due later: outbox retries) ends on a Redis
    error with a traceback, and its worker starts another only at its next maintenance, up to
    ten minutes on; this one retries with back-off, quietly, since the worker's own lines say
    that Redis is away."""

    retry_cap = 30.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stopped = threading.Event()

    def request_stop(self, signum: Any = None, frame: Any = None) -> None:
        super().request_stop(signum, frame)
        self._stopped.set()

    def work(self) -> None:
        backoff = Backoff(self.retry_cap)
        while not self._stop_requested:
            try:
                super().work()
                return
            except redis.ConnectionError as exc:
                self.log.debug("scheduler: Redis unavailable: %s", exc)
                self._stopped.wait(backoff.next())


def _fold_rq_logs(app: Flask) -> None:
    quiet = FoldRqConnectionErrors(outage(app))
    for name in RQ_LOGGERS:
        logging.getLogger(name).addFilter(quiet)


def _abandon(worker: Worker | Trainer) -> None:
    """Stop what a failed run left behind in this process: RQ's teardown did not get that far."""
    if worker.pubsub_thread is not None:
        worker.pubsub_thread.stop()
    if worker.scheduler is not None:
        worker.stop_scheduler()


def _bury(worker: Worker | Trainer) -> None:
    """With Redis back, mark the failed run's worker dead and free its scheduler locks, so that
    monitoring shows no ghost and the next run's scheduler starts at once (best effort: a Redis
    restarted empty has neither)."""
    with suppress(redis.RedisError):
        worker.register_death()
        if worker.scheduler is not None:
            worker.scheduler.release_locks()


def run_worker(app: Flask, *, burst: bool = False) -> None:
    """Work the intake and default queues, with RQ's scheduler and the intake relay, until
    stopped by a signal (or, `burst`, until the queues are empty)."""
    context.bind(app)
    conn = connection(app)
    if burst:
        relay.relay_all(conn)
        Worker(list(QUEUES), connection=conn).work(with_scheduler=True, burst=True)
        return
    warm(app)
    threading.Thread(target=_follow_model, args=(app,), name="model-loader", daemon=True).start()
    relay.start(app)
    _ride_out(app, conn, Worker, list(QUEUES))


def warm(app: Flask) -> None:
    """Load the active model, the tokenizer's dictionary and the risk model (stored by the
    training, so loaded in tens of milliseconds; fitted only if missing) before taking
    jobs: done in the first job instead, they held the first ticket after a start for seconds.
    The worker registers with RQ only after this, which is what `up` waits for before saying
    "ready"."""
    with app.app_context():
        active_model.suggest(db.session, "路灯不亮")
        intake_risk_model()
        db.session.remove()


def _follow_model(app: Flask) -> None:
    """Load a newly activated model between jobs (one indexed query every few seconds), so
    that the next ticket does not wait for the load: the first start's real model replaces
    its starter a minute after "ready", and administrators activate others."""
    while True:
        time.sleep(MODEL_CHECK_SECONDS)
        try:
            with app.app_context():
                active_model.get(db.session)
                db.session.remove()
        except Exception:  # the database away: jobs meet that themselves; try again later
            log.debug("model check failed", exc_info=True)


def run_trainer(app: Flask, *, burst: bool = False) -> None:
    """Work the training queue only, so a training that takes minutes never delays intake."""
    import workers.retraining  # noqa: F401  (loaded once here, not in every forked job)

    context.bind(app)
    conn = connection(app)
    if burst:
        Trainer([TRAINING_QUEUE], connection=conn).work(burst=True)
        return
    _ride_out(app, conn, Trainer, [TRAINING_QUEUE])


def _ride_out(app: Flask, conn: redis.Redis, worker_class: type[Worker] | type[Trainer],
              queues: list[str]) -> None:
    """Run fresh workers of `worker_class` one after another while Redis comes and goes."""
    _fold_rq_logs(app)
    # RQ sets its loggers to INFO unless told: the app's level holds for them too.
    level = settings.current(app).log_level
    rq_conn = _worker_connection(app)
    stop, previous = threading.Event(), None
    while wait_for_redis(app, conn, stop):
        if previous is not None:
            _bury(previous)
        previous = None
        try:
            # Built once Redis answers: the constructor already talks to it.
            previous = worker_class(queues, connection=rq_conn)
            previous.stopped_before = stop
            # Our scheduler in place of RQ's (work(with_scheduler=True)); the worker's
            # teardown stops it all the same.
            previous.scheduler = Scheduler(previous.queues, connection=rq_conn, logging_level=level)
            previous.scheduler.retry_cap = settings.current(app).redis.retry_max_seconds
            previous.scheduler.acquire_locks(auto_start=True)
            previous.work(logging_level=level)
        except (redis.RedisError, RedisLost) as exc:
            outage(app).failed(exc)
        except StopRequested:
            pass  # RQ's handler, met in the run's teardown: `stopping` is set
        # Ours again before the clean-up, where RQ's would raise StopRequested into it.
        stopped, stop = stop.is_set(), stop_on_signals()
        if previous is not None:
            _abandon(previous)
        if (previous is not None and previous.stopping) or stopped or stop.is_set():
            return
        # A run that ended by itself with Redis up (a bug, not an outage) restarts at most
        # once a second.
        stop.wait(RESTART_PAUSE_SECONDS)


def _worker_connection(app: Flask) -> redis.Redis:
    """A connection pool for RQ's worker alone. RQ blocks in BLPOP for its dequeue timeout
    (minutes) and so raises its pool's socket timeout above that, but only for connections made
    afterwards: on the app's pool, connections made before (the ping, the relay's) kept their
    5 s, and after a Redis restart each run took one, ended after 5 s idle with "Redis
    connection timeout, quitting" and registered again, a fresh worker and scheduler process
    every 6 s. The relay and the jobs keep the app's pool and its short timeout."""
    return redis.Redis.from_url(redis_url(app), socket_connect_timeout=2)


def run_scheduler(app: Flask) -> None:
    """Enqueue the periodic jobs (workers.cron) until stopped by a signal."""
    import workers.cron  # noqa: F401  (registers the schedule)

    conn = connection(app)
    _fold_rq_logs(app)
    # One scheduler for every run: create_cron consumes the schedule, and the jobs keep their
    # last run times, so what fell due during an outage is enqueued as soon as Redis is back.
    cron = create_cron(conn)
    stop = threading.Event()
    while wait_for_redis(app, conn, stop):
        try:
            cron.start()  # returns when a signal stops it
            return
        except redis.RedisError as exc:
            outage(app).failed(exc)
        except StopRequested:  # RQ's handler, raised outside start()'s own loop
            return
        stop = stop_on_signals()
