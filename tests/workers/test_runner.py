"""The worker process's own additions to RQ's worker."""

from __future__ import annotations

import signal
import threading
import time
from multiprocessing.context import ForkProcess

import pytest
from flask import Flask

from hotline.app.queue import QUEUES, connection
from workers import runner
from workers.runner import Scheduler, Worker, _worker_connection


def test_a_burst_run_ends_the_thread_listening_for_commands(app: Flask) -> None:
    """RQ's teardown left it waiting for a minute and gave up joining it after a second: each
    `worker --burst`, each stop, and each of the suite's drains took a second more."""
    for _ in range(3):  # RQ's order lost the race nearly always, not every time
        worker = Worker(list(QUEUES), connection=connection(app))
        worker.work(burst=True)
        assert worker.pubsub_thread is not None
        assert not worker.pubsub_thread.is_alive()


def test_the_worker_waits_for_jobs_on_connections_that_outlast_its_wait(app: Flask) -> None:
    """RQ raises its pool's socket timeout above its blocking dequeue only for connections made
    afterwards: on the app's pool, the 5 s connection of an earlier ping ended each run after
    5 s idle ("Redis connection timeout, quitting"), a fresh worker every 6 s after an outage."""
    connection(app).ping()
    worker = Worker(list(QUEUES), connection=_worker_connection(app))
    worker.connection.ping()
    pooled = worker.connection.connection_pool.get_connection()
    assert pooled.socket_timeout is not None and pooled.socket_timeout > worker.dequeue_timeout


def test_a_stop_that_came_while_the_run_was_set_up_ends_the_run(app: Flask) -> None:
    """The SIGTERM went to `_ride_out`'s handler before RQ's were installed: the run went on
    until it ended by itself."""
    handlers = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    worker = Worker(list(QUEUES), connection=_worker_connection(app))
    worker.stopped_before = threading.Event()
    worker.stopped_before.set()
    started = time.monotonic()
    try:
        worker.work(max_idle_time=20)  # without the stop: 20 s idle
    finally:
        signal.signal(signal.SIGTERM, handlers[0])
        signal.signal(signal.SIGINT, handlers[1])
    assert time.monotonic() - started < 10
    assert worker.stopping


def _stuck() -> None:
    """Stands in for a scheduler process forked while another thread held a lock it needs: it
    waits for ever and its SIGTERM handler never runs."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(120)


def test_a_stop_kills_a_scheduler_process_that_does_not_end(app: Flask,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """RQ waited for it without a limit: the worker hung after "warm shut down requested"."""
    monkeypatch.setattr(runner, "SCHEDULER_STOP_SECONDS", 0.5)
    worker = Worker(list(QUEUES), connection=_worker_connection(app))
    worker.scheduler = Scheduler(worker.queues, connection=worker.connection)
    worker.scheduler.acquire_locks()
    lock = Scheduler.get_locking_key("intake")
    assert worker.connection.exists(lock)
    process = worker.scheduler._process = ForkProcess(target=_stuck, daemon=True)
    process.start()
    time.sleep(0.5)  # it has ignored SIGTERM by now
    stopping = threading.Thread(target=worker.stop_scheduler, daemon=True)
    try:
        stopping.start()
        stopping.join(timeout=10)
        assert not stopping.is_alive() and not process.is_alive()
        assert not worker.connection.exists(lock)  # the next scheduler can start at once
    finally:
        process.kill()
