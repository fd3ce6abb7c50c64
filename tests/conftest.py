"""Shared fixtures: a real database and a real Redis for every test that needs them.

On the embedded default these are a SQLite file and the embedded Redis server; with
DATABASE_URL / REDIS_URL set (CI's second run) they are PostgreSQL and a real Redis.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import create_engine, text

from hotline import create_app
from hotline.app.embedded_redis import ensure_running
from hotline.app.extensions import db
from hotline.models import Base

# Property and fuzz tests draw the same examples on every run, so a red CI run is reproducible
# and a green one stays green; HYPOTHESIS_PROFILE=explore draws new ones when hunting for bugs.
settings.register_profile("ci", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

PASSWORD = "test-pass-123"


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def database_url(instance_dir: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{instance_dir / 'test.db'}"
    # A clean schema each run, so the migrations themselves are tested on PostgreSQL.
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"))
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def redis_url(instance_dir: Path) -> str:
    return os.environ.get("REDIS_URL") or ensure_running(instance_dir / "redis")


@pytest.fixture(scope="session")
def app_config(instance_dir: Path, database_url: str, redis_url: str) -> dict[str, object]:
    return {
        "TESTING": True,
        "INSTANCE_DIR": instance_dir,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "test-secret",
        "MODEL_DIR": instance_dir / "models",
        "RATELIMIT_ENABLED": False,
    }


@pytest.fixture(scope="session")
def _migrated(app_config: dict[str, object]) -> None:
    from hotline.app import migrate

    migrate.upgrade(create_app(dict(app_config)))


@pytest.fixture
def app(app_config: dict[str, object], _migrated: None) -> Iterator[Flask]:
    app = create_app(dict(app_config))
    with app.app_context():
        _empty(app)
        yield app
        db.session.remove()


def _empty(app: Flask) -> None:
    """Every test starts from empty tables and an empty Redis database."""
    from hotline.app.queue import connection

    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            # intakes.target_ticket_id and tickets.intake_id point at each other: check at commit.
            conn.execute(text("PRAGMA defer_foreign_keys=ON"))
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
    connection(app).flushdb()
    from hotline.catalogue import snapshot

    snapshot.forget()  # the per-process routing catalogue must not outlive the emptied tables


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def reference(app: Flask) -> None:
    """The seed catalogue (topics, units, dispatch rules) and the demo accounts."""
    from hotline.seed import load as seed

    seed.load_reference(db.session)
    seed.ensure_users(db.session, PASSWORD)


def drain(app: Flask) -> None:
    """Relay what was accepted, then run a real RQ worker in burst mode until the queues are
    empty: what `flask --app hotline worker --burst` does."""
    from rq import SimpleWorker

    from hotline.app.queue import QUEUES, connection
    from workers.relay import relay_all

    relay_all(connection(app))
    SimpleWorker(list(QUEUES), connection=connection(app)).work(burst=True)


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)


def csrf_token(client: FlaskClient) -> str:
    """The CSRF token of the client's session, as a rendered form would carry it."""
    import re

    page = client.get("/login").get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match, "no CSRF token on the login page"
    return match.group(1)
