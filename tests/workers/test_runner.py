"""The worker process's own additions to RQ's worker."""

from __future__ import annotations

from flask import Flask

from hotline.app.queue import QUEUES, connection
from workers.runner import Worker


def test_a_burst_run_ends_the_thread_listening_for_commands(app: Flask) -> None:
    """RQ's teardown left it waiting for a minute and gave up joining it after a second: each
    `worker --burst`, each stop, and each of the suite's drains took a second more."""
    for _ in range(3):  # RQ's order lost the race nearly always, not every time
        worker = Worker(list(QUEUES), connection=connection(app))
        worker.work(burst=True)
        assert worker.pubsub_thread is not None
        assert not worker.pubsub_thread.is_alive()
