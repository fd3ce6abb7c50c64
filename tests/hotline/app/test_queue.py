"""The jobs the web tier queues by dotted path name real worker jobs.

A name is only resolved when a worker runs the job, so a typo or a renamed job would otherwise
show up as failed jobs in production, not as a failing test.
"""

from __future__ import annotations

import importlib

import pytest

from hotline.app import queue

JOB_NAMES = [queue.PROCESS_INTAKES, queue.ROUTE_TICKET, queue.SEND_OUTBOUND_BATCH,
             queue.TRAIN_CANDIDATE]


@pytest.mark.parametrize("path", JOB_NAMES)
def test_each_job_name_is_a_job_of_the_workers(path: str) -> None:
    module_name, _, function_name = path.rpartition(".")
    assert module_name.startswith("workers.")
    function = getattr(importlib.import_module(module_name), function_name)
    assert callable(function)
    # RQ names a job by its function's module and name: the same path as a string.
    assert f"{function.__module__}.{function.__qualname__}" == path
