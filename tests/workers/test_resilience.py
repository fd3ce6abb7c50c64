"""Nothing accepted is lost: Redis down at intake, or a worker killed in the middle of a job."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from rq import Queue
from rq.registry import StartedJobRegistry
from sqlalchemy import create_engine, func, select, text

from hotline.app import settings as app_settings
from hotline.app.embedded_redis import ensure_running, stop
from hotline.app.extensions import db
from hotline.app.queue import INTAKE_QUEUE, connection
from hotline.intake.accept import Request
from hotline.intake.handover import submit
from hotline.models import Channel, Intake, IntakeStatus, Ticket
from tests.conftest import ChangeSettings, drain
from workers import relay
from workers.jobs import sweep_intakes

ROOT = Path(__file__).resolve().parents[2]


def _request(content: str = "楼道灯坏了，晚上很黑") -> Request:
    return Request(channel=Channel.WEB, line="12345", content=content, phone="13812348000")


def _use_redis(app: Flask, settings: ChangeSettings, url: str) -> None:
    settings(redis={"url": url})
    app.extensions.pop("hotline.redis", None)


def test_intake_accepted_while_redis_is_down_becomes_a_ticket(app: Flask, tmp_path: Path,
                                                              settings: ChangeSettings) -> None:
    own = tmp_path / "redis"
    url = ensure_running(own)
    stop(own)  # Redis goes away before the citizen submits
    _use_redis(app, settings, url)
    intake, created = submit(_request(), region="CN")
    assert created and intake.ticket_number  # the citizen still gets a number
    assert db.session.get(Intake, intake.id).status == IntakeStatus.RECEIVED

    assert ensure_running(own) == url  # Redis is back
    settings(intake={"requeue_after": timedelta(0)})
    assert sweep_intakes() == 1
    drain(app)
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.number == intake.ticket_number
    stop(own)


@pytest.mark.slow
def test_the_relay_outlives_a_redis_outage(app: Flask, tmp_path: Path,
                                           settings: ChangeSettings) -> None:
    own = tmp_path / "redis"
    _use_redis(app, settings, ensure_running(own))
    stop(own)
    stop_relay = relay.start(app)
    try:
        time.sleep(1.5)  # the relay meets the outage, logs it and keeps trying
        ensure_running(own)
        intake, _ = submit(_request(), region="CN")
        jobs = Queue(INTAKE_QUEUE, connection=connection(app))
        _wait(lambda: jobs.count == 1, seconds=10)
        assert jobs.jobs[0].args == ([intake.id],)
    finally:
        stop_relay()
        stop(own)


@contextmanager
def _tickets_locked(database_url: str) -> Iterator[None]:
    """Hold a lock so a worker blocks in the middle of creating a ticket."""
    if database_url.startswith("sqlite"):
        conn = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        trans = conn.begin()
        conn.execute(text("LOCK TABLE tickets IN ACCESS EXCLUSIVE MODE"))
        try:
            yield
        finally:
            trans.rollback()
    engine.dispose()


def _wait(condition, seconds: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("timed out")
        time.sleep(0.05)


@pytest.mark.slow
def test_worker_killed_mid_job_still_gives_exactly_one_ticket(app: Flask,
                                                              settings: ChangeSettings) -> None:
    intake, _ = submit(_request("小区停水三天了，没有任何通知"), region="CN")
    configured = app_settings.current(app)
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "REDIS_URL": str(configured.redis.url), "HOTLINE_INSTANCE_DIR": str(configured.instance_dir)}
    started = StartedJobRegistry(INTAKE_QUEUE, connection=connection(app))
    with _tickets_locked(app.config["SQLALCHEMY_DATABASE_URI"]):
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "hotline", "worker"],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        try:
            _wait(lambda: started.count == 1)
            time.sleep(0.5)  # the job is now blocked inside process_intake
        finally:
            # The whole process group: RQ's work horse is a fork that would outlive its parent.
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Ticket.id))) == 0
    assert Queue(INTAKE_QUEUE, connection=connection(app)).count == 0  # the job is gone from Redis

    settings(intake={"requeue_after": timedelta(0)})
    assert sweep_intakes() == 1  # the database knows the intake is unprocessed
    sweep_intakes()  # a second scheduler run does no harm
    drain(app)
    db.session.expire_all()
    tickets = db.session.scalars(select(Ticket)).all()
    assert [t.number for t in tickets] == [intake.ticket_number]
    assert db.session.get(Intake, intake.id).status == IntakeStatus.PROCESSED
