"""Worker and scheduler processes ride out Redis outages of any length, without a restart.

Real processes (`flask --app hotline worker` and `scheduler`) against a redis-server of the
test's own, which the test stops and starts again empty, as a restarted Redis without
persistence comes back.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
import redis
from flask import Flask
from rq import Worker
from rq.cron import CronScheduler
from sqlalchemy import select

from hotline.app import settings as app_settings
from hotline.app.extensions import db
from hotline.intake.accept import Request
from hotline.intake.handover import submit
from hotline.models import Channel, Ticket
from tests.conftest import ChangeSettings
from workers.outage import Backoff, Outage

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) ")
ABOUT_REDIS = re.compile(r"redis|connect|retry|traceback", re.IGNORECASE)

pytestmark = pytest.mark.skipif(not Path(REDIS_SERVER).exists(), reason="needs redis-server")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {seconds} s")
        time.sleep(0.1)


class RedisServer:
    """A redis-server of the test's own, without persistence: stopped, it loses everything."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--daemonize", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait(self._answers, seconds=10)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def _answers(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=1).ping())
        except redis.RedisError:
            return False


@pytest.fixture
def own_redis(app: Flask, settings: ChangeSettings) -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    settings(redis={"url": server.url})  # the test's submissions announce to it
    app.extensions.pop("hotline.redis", None)
    yield server
    server.stop()


class Process:
    """`flask --app hotline COMMAND` with its log in a file."""

    def __init__(self, command: str, app: Flask, url: str, log: Path, retry_cap: float) -> None:
        env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
               "REDIS_URL": url, "HOTLINE_INSTANCE_DIR": str(app_settings.current(app).instance_dir),
               "REDIS_RETRY_MAX_SECONDS": str(retry_cap), "REDIS_OUTAGE_LOG_SECONDS": "10",
               "INTAKE_REQUEUE_AFTER_SECONDS": "0", "LOG_LEVEL": "INFO"}
        self.log = log
        self.popen = subprocess.Popen([sys.executable, "-m", "flask", "--app", "hotline", command],
                                      cwd=ROOT, env=env, stdout=log.open("w"),
                                      stderr=subprocess.STDOUT, start_new_session=True)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def outage_lines(self, start: datetime, end: datetime) -> list[str]:
        """The log's lines written from `start` to `end` about Redis or a connection, and every
        line of a traceback (jobs that finish meanwhile log as usual)."""
        lines, inside = [], False
        for line in self.log.read_text().splitlines():
            if match := STAMP.match(line):
                inside = start <= datetime.fromisoformat(match.group(1).replace(",", ".")) <= end
                if inside and ABOUT_REDIS.search(line):
                    lines.append(line)
            elif inside:
                lines.append(line)
        return lines

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()


def _ticket(number: str) -> Callable[[], bool]:
    def made() -> bool:
        db.session.rollback()
        return db.session.scalars(select(Ticket).where(Ticket.number == number)).first() is not None
    return made


def _intake(content: str) -> str:
    intake, _ = submit(Request(channel=Channel.WEB, line="12345", content=content,
                               phone="13812348000"), region="CN")
    assert intake.ticket_number
    return intake.ticket_number


def _registered(conn: redis.Redis) -> tuple[list[str], list[str]]:
    try:
        return ([w.name for w in Worker.all(connection=conn)],
                [s.name for s in CronScheduler.all(conn)])
    except redis.RedisError:
        return [], []


def _ride_out(app: Flask, server: RedisServer, tmp_path: Path, *, outage_seconds: float,
              retry_cap: float) -> None:
    conn = redis.Redis.from_url(server.url)
    worker = Process("worker", app, server.url, tmp_path / "worker.log", retry_cap)
    scheduler = Process("scheduler", app, server.url, tmp_path / "scheduler.log", retry_cap)
    try:
        _wait(lambda: all(len(names) == 1 for names in _registered(conn)), seconds=120)
        before, _ = _registered(conn)
        _wait(_ticket(_intake("楼道灯坏了，晚上很黑")), seconds=30)

        server.stop()
        went = datetime.now()
        # Filed during the outage: committed, but its announcement is lost with Redis, so only
        # the scheduler's periodic sweep can bring it to a worker.
        during = _intake("小区门口的路灯不亮已经一周了")
        time.sleep(outage_seconds)
        server.start()
        back = datetime.now()

        assert worker.alive() and scheduler.alive()
        # Registered again (this Redis came back empty), as a fresh worker.
        _wait(lambda: all(len(names) == 1 for names in _registered(conn)), seconds=retry_cap + 30)
        assert _registered(conn)[0] != before
        _wait(_ticket(_intake("人行道上的井盖丢了，很危险")), seconds=retry_cap + 30)
        _wait(_ticket(during), seconds=retry_cap + 60)  # the sweep runs every 30 s
        assert worker.alive() and scheduler.alive()

        for process in (worker, scheduler):
            lines = process.outage_lines(went, back)
            # A line when it starts, a summary every 10 s: far fewer than one a second.
            assert len(lines) <= 3 + outage_seconds / 10, "\n".join(lines)
        assert "Redis is back" in worker.log.read_text()
        # One fresh run after the outage, not one every few seconds (a run on a connection with
        # the app's 5 s socket timeout ended after 5 s idle).
        assert "Redis connection timeout" not in worker.log.read_text()
    finally:
        worker.stop()
        scheduler.stop()
    assert worker.popen.returncode == 0 and scheduler.popen.returncode == 0


@pytest.mark.slow
def test_worker_and_scheduler_ride_out_a_short_outage(app: Flask, own_redis: RedisServer,
                                                      tmp_path: Path) -> None:
    _ride_out(app, own_redis, tmp_path, outage_seconds=6, retry_cap=2)


@pytest.mark.slow
def test_worker_and_scheduler_ride_out_an_outage_longer_than_the_back_off(
        app: Flask, own_redis: RedisServer, tmp_path: Path) -> None:
    """Longer than the default 30 s cap, with the default cap: every loop waits its longest."""
    _ride_out(app, own_redis, tmp_path, outage_seconds=40, retry_cap=30)


def test_an_outage_logs_its_start_a_summary_now_and_then_and_its_end(
        caplog: pytest.LogCaptureFixture) -> None:
    """However many loops fail however often, the log gets a line when the outage starts, one
    per summary period, and one when Redis answers again."""
    now = [0.0]
    record = Outage(summary_seconds=60, clock=lambda: now[0])
    with caplog.at_level("WARNING", logger="workers.outage"):
        for _ in range(3000):  # 10 failures a second for 5 minutes
            record.failed(redis.ConnectionError("Connection refused"))
            now[0] += 0.1
        record.recovered()
        record.recovered()  # nothing more to say
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 + 4 + 1, lines
    assert lines[0].startswith("Redis unavailable")
    assert lines[-1] == "Redis is back after 300 s (3000 failed attempts)"


def test_back_off_doubles_up_to_its_cap() -> None:
    backoff = Backoff(cap=30)
    assert [backoff.next() for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]
    backoff.reset()
    assert backoff.next() == 1
