"""A candidate training never holds up intake: with the processes `flask --app hotline up`
starts (one intake worker, one trainer), a web submission made while a real training runs on
the demo corpus becomes a ticket within seconds, not when the training ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from rq import Worker
from sqlalchemy import select

from hotline.app.extensions import db
from hotline.app.queue import connection
from hotline.classifier_models import admin as classifier_models
from hotline.intake.accept import Request
from hotline.intake.handover import submit
from hotline.models import Channel, Ticket, User
from tests.conftest import ChangeSettings

ROOT = Path(__file__).resolve().parents[2]
PROMPT_SECONDS = 20  # an idle worker opens a ticket in well under a second; this is slack


def _wait(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture
def processes(app: Flask, reference: None, tmp_path: Path,
              settings: ChangeSettings) -> Iterator[None]:
    """The intake worker and the trainer as real processes on this test's database and Redis."""
    configured = settings(data_dir=tmp_path / "absent")
    env = {**os.environ, "DATABASE_URL": configured.database_url,
           "REDIS_URL": str(configured.redis.url), "HOTLINE_INSTANCE_DIR": str(configured.instance_dir),
           "HOTLINE_DATA_DIR": str(configured.data_dir), "HOTLINE_MODEL_DIR": str(configured.model_dir)}
    children = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "hotline", command],
                                 cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, start_new_session=True)
                for command in ("worker", "trainer")]
    try:
        _wait(lambda: len(Worker.all(connection=connection(app))) == 2, 60, "both workers")
        yield
    finally:
        for child in children:  # the trainer's forked job is in the same process group
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()


def _stage() -> str | None:
    current = classifier_models.training()
    return current.stage if current else None


@pytest.mark.slow
def test_an_intake_becomes_a_ticket_promptly_while_a_model_trains(app: Flask,
                                                                   processes: None) -> None:
    admin = db.session.scalars(select(User).where(User.username == "admin")).one()
    classifier_models.train_candidate(db.session, admin, timeout_seconds=1800)
    _wait(lambda: _stage() == "evaluating", 60, "the training to run")

    started = time.monotonic()
    intake, _ = submit(Request(channel=Channel.WEB, line="12345", phone="13812348000",
                               content="小区门口路灯坏了一个多月没人修"), region="CN")

    def ticket_open() -> bool:
        db.session.expire_all()
        return db.session.scalar(select(Ticket.id).where(
            Ticket.number == intake.ticket_number)) is not None

    _wait(ticket_open, PROMPT_SECONDS, "the ticket")
    took = time.monotonic() - started
    state = classifier_models.training()
    assert state is not None and state.state == "running", (took, state)  # it did not wait
