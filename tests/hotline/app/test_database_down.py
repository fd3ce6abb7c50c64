"""PostgreSQL down: every blueprint answers 503 with Retry-After in its own format (Twilio a
sorry message the caller hears), never a 500, and the app serves again once it is back."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from twilio.request_validator import RequestValidator

from hotline.app import migrate
from hotline.app.extensions import db
from tests.conftest import AppMaker

TOKEN = "test-twilio-auth-token"
BASE = "http://hotline.example.gov.cn"  # https: Talisman would redirect the plain test client
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _app(make_app: AppMaker, database_url: str) -> Flask:
    return make_app(database_url=database_url, public_base_url=BASE,
                    twilio={"auth_token": TOKEN, "line_numbers": {"+8657112345": "12345"}})


@pytest.fixture
def down(make_app: AppMaker) -> Flask:
    """An app whose PostgreSQL is not there: nothing listens on its port."""
    return _app(make_app, f"postgresql+psycopg://hotline@127.0.0.1:{_free_port()}/hotline")


def _unavailable(response: object) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert response.headers["Retry-After"] == "30"  # type: ignore[attr-defined]


def _signed(client: FlaskClient, path: str, params: dict[str, str]) -> object:
    signature = RequestValidator(TOKEN).compute_signature(BASE + path, params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})


def test_a_page_is_an_html_503(down: Flask) -> None:
    client = down.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1"  # signed in: the page must load the user from the database
    response = client.get("/tickets")
    _unavailable(response)
    assert response.mimetype == "text/html"
    assert "服务暂时不可用" in response.get_data(as_text=True)
    english = client.get("/tickets?lang=en")
    _unavailable(english)
    assert "Service temporarily unavailable" in english.get_data(as_text=True)


def test_the_api_is_a_json_503(down: Flask) -> None:
    response = down.test_client().get("/api/v1/tickets", headers={"Authorization": "Bearer x"})
    _unavailable(response)
    assert response.get_json()["error"]["code"] == "unavailable"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_is_a_503_in_its_own_format(down: Flask, fmt: str) -> None:
    response = down.test_client().get(f"/open311/v2/services.{fmt}")
    _unavailable(response)
    if fmt == "json":
        assert response.get_json()[0]["code"] == 503
    else:
        assert ET.fromstring(response.data).findtext("error/code") == "503"


def test_a_caller_hears_a_sorry_message(down: Flask) -> None:
    response = _signed(down.test_client(), "/twilio/voice",
                       {"CallSid": "CA" + "0" * 32, "To": "+8657112345", "From": "+8613812348000"})
    # 200: for anything else Twilio plays its own English error message instead.
    assert response.status_code == 200  # type: ignore[attr-defined]
    doc = ET.fromstring(response.data)  # type: ignore[attr-defined]
    say = doc.find("Say")
    assert say is not None and say.get("language") == "zh-CN" and "稍后再拨" in say.text
    assert doc.find("Hangup") is not None


def test_an_sms_sender_reads_a_sorry_message(down: Flask) -> None:
    response = _signed(down.test_client(), "/twilio/sms",
                       {"MessageSid": "SM" + "0" * 32, "From": "+8613812348000",
                        "To": "+8657112345", "Body": "路灯坏了"})
    assert response.status_code == 200  # type: ignore[attr-defined]
    message = ET.fromstring(response.data).findtext("Message")  # type: ignore[attr-defined]
    assert message and "重新发送" in message


def test_static_files_and_the_starting_page_need_no_database(down: Flask) -> None:
    client = down.test_client()
    assert client.get("/static/css/app.css").status_code == 200
    assert client.get("/").status_code == 200


@pytest.mark.own_app
def test_other_database_errors_stay_errors(app: Flask) -> None:
    """A missing table is a bug, not an outage: it is not dressed up as a 503."""
    def broken() -> str:
        db.session.execute(text("SELECT * FROM no_such_table"))
        return "unreachable"

    app.add_url_rule("/_broken", view_func=broken)
    with pytest.raises(Exception) as raised:  # TESTING propagates what no handler answers
        app.test_client().get("/_broken")
    assert "no_such_table" in str(raised.value)


class Cluster:
    """A PostgreSQL cluster of the test's own, to stop and start (never the machine's shared one)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="hotline-pg-"))
        self.port = _free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        if os.geteuid() == 0:  # initdb refuses root
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(PG_BIN / "initdb", "-D", str(self.dir / "data"), "-A", "trust", "-U", "postgres")

    def _run(self, *args: object) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *map(str, args)], check=True, capture_output=True)

    def start(self) -> None:
        self._run(PG_BIN / "pg_ctl", "-D", self.dir / "data", "-w", "-l", self.dir / "log",
                  "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1", "start")

    def stop(self) -> None:
        self._run(PG_BIN / "pg_ctl", "-D", self.dir / "data", "-w", "-m", "fast", "stop")

    def remove(self) -> None:
        subprocess.run(["rm", "-rf", str(self.dir)], check=False)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    if not (PG_BIN / "initdb").exists():
        pytest.skip("needs PostgreSQL's server binaries")
    own = Cluster()
    own.start()
    yield own
    with contextlib.suppress(subprocess.CalledProcessError):
        own.stop()
    own.remove()


@pytest.mark.slow
def test_requests_succeed_again_once_postgresql_is_back(make_app: AppMaker,
                                                        cluster: Cluster) -> None:
    app = _app(make_app, cluster.url)
    migrate.upgrade(app)
    client = app.test_client()
    feed = "/open311/v2/services.json"
    assert client.get(feed).status_code == 200

    cluster.stop()  # the pooled connection is now dead
    _unavailable(client.get(feed))
    _unavailable(client.get(feed))  # and no new one can be made
    cluster.start()
    assert client.get(feed).status_code == 200  # the pool reconnects, no restart of the app

    cluster.stop()
    cluster.start()  # restarted while the pool held an idle connection to the old server
    first = client.get(feed)
    # Without pre-ping, the request that meets the dead connection is the only one to fail:
    # SQLAlchemy then invalidates the whole pool.
    assert first.status_code in (200, 503)
    assert client.get(feed).status_code == 200
    with app.app_context():
        assert db.session.execute(text("SELECT 1")).scalar() == 1
