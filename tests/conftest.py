"""Shared fixtures: a real database and a real Redis for every test that needs them.

On the embedded default these are a SQLite file and the embedded Redis server; with
DATABASE_URL / REDIS_URL set (CI's second run) they are PostgreSQL and a real Redis.
"""

from __future__ import annotations

import copy
import os
import re
import secrets
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Column, Connection, DateTime, Integer, create_engine, select, text

import config
from config import Settings
from hotline import create_app
from hotline.app import settings as app_settings
from hotline.app import unit_of_work
from hotline.app.embedded_redis import ensure_running
from hotline.app.extensions import db, limiter
from hotline.identity import auth
from hotline.models import Base

# Property and fuzz tests draw the same examples on every run, so a red CI run is reproducible
# and a green one stays green; HYPOTHESIS_PROFILE=explore draws new ones when hunting for bugs.
# Neither profile times the examples: on a shared machine hypothesis's 200 ms deadline and its
# too-slow health check failed property tests whose code was right (the calendar's, at load 12).
_untimed = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
hypothesis_settings.register_profile("ci", derandomize=True, **_untimed)
hypothesis_settings.register_profile("explore", derandomize=False, **_untimed)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

PASSWORD = "test-pass-123"
# The product's own hasher and unknown-user hash, before `_cheap_password_hashing` swaps them.
PRODUCT_HASHER, PRODUCT_NOBODY = auth.hasher, auth._NOBODY


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """argon2id with its smallest cost instead of the product's (3 passes over 64 MiB on 4
    lanes: a quarter of a CPU-second per sign-in, tens of CPU-seconds over the suite's sign-ins).
    Same algorithm and code path, hashes still salted and verified; what the product's cost is,
    tests/hotline/identity/test_auth.py checks on PRODUCT_HASHER. Processes the suite starts
    (`up`, workers) hash as the product does."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(auth, "hasher", cheap)
        patch.setattr(auth, "_NOBODY", cheap.hash(secrets.token_hex(16)))
        yield


BROWSER_TESTS = Path(__file__).parent / "browser"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first (they mostly wait on processes and clocks), so that with `make
    test`'s scheduling they start together on different workers while the quick ones fill the
    gaps, instead of one of them starting last and running on alone.

    The browser tests are one xdist group (`--dist loadgroup` sends a group to one worker, the
    largest group first): one Chromium for all of them costs about 35 CPU-seconds, four
    running side by side about 94."""
    for item in items:
        if BROWSER_TESTS in item.path.parents:
            item.add_marker(pytest.mark.xdist_group("browser"))
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("instance")


# pytest-xdist runs the suite in several processes (`-n`): each gets its own database and Redis
# database, so one worker's emptying never touches another's test. Without xdist: "".
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _worker_index() -> int:
    return int(WORKER.removeprefix("gw") or 0)


@pytest.fixture(scope="session")
def database_url(instance_dir: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{instance_dir / 'test.db'}"  # instance_dir is per worker already
    url = _per_worker_database(url) if WORKER else url
    # A clean schema each run, so the migrations themselves are tested on PostgreSQL.
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"))
    engine.dispose()
    return url


def _per_worker_database(url: str) -> str:
    """DATABASE_URL's database with the worker's name appended (test_gw0), created if missing:
    user postgres on CI may CREATE DATABASE."""
    base, _, name = url.rpartition("/")
    name = f"{name}_{WORKER}"
    engine = create_engine(f"{base}/postgres".replace("postgresql://", "postgresql+psycopg://", 1),
                           isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def redis_url(instance_dir: Path) -> str:
    url = os.environ.get("REDIS_URL")
    if not url:
        return ensure_running(instance_dir / "redis")  # one embedded server per worker
    return worker_redis_url(url, _worker_index()) if WORKER else url


def worker_redis_url(url: str, index: int) -> str:
    """Worker n uses REDIS_URL's database number + n (redis://host/0 -> /0, /1, ...)."""
    match = re.fullmatch(r"(.*/)(\d+)", url)
    base, number = (match.group(1), int(match.group(2))) if match else (url.rstrip("/") + "/", 0)
    return f"{base}{number + index}"


@pytest.fixture(scope="session")
def base_settings(instance_dir: Path, database_url: str, redis_url: str) -> Settings:
    """The environment's settings (CI may set any variable), on the worker's own instance
    folder, database and Redis, with rate limits off."""
    return config.load({**os.environ, "HOTLINE_INSTANCE_DIR": str(instance_dir),
                        "HOTLINE_MODEL_DIR": str(instance_dir / "models"),
                        "HOTLINE_ATTACHMENT_DIR": str(instance_dir / "attachments"),
                        "DATABASE_URL": database_url, "REDIS_URL": redis_url,
                        "SECRET_KEY": "test-secret", "RATELIMIT_ENABLED": "0"})


AppMaker = Callable[..., Flask]
ChangeSettings = Callable[..., Settings]


@pytest.fixture(scope="session")
def make_app(base_settings: Settings) -> AppMaker:
    """A new app, for the few tests that need one of their own (most share `app`):
    `make_app(ratelimit_enabled=True, flask={"WTF_CSRF_ENABLED": False})` changes settings as
    `Settings.replace` does, and `flask` sets Flask's own keys."""

    def make(flask: Mapping[str, object] | None = None, **changes: object) -> Flask:
        return create_app(base_settings.replace(**changes), {"TESTING": True, **(flask or {})})

    return make


@pytest.fixture(scope="session")
def _migrated(make_app: AppMaker) -> None:
    from hotline.app import migrate

    migrate.upgrade(make_app())


@pytest.fixture(scope="session")
def _shared_app(make_app: AppMaker, _migrated: None) -> Flask:
    """One app for every test of the process: building one (blueprints, the OpenAPI spec)
    costs more than most tests."""
    return make_app()


@pytest.fixture
def app(request: pytest.FixtureRequest, make_app: AppMaker,
        _shared_app: Flask) -> Iterator[Flask]:
    """The shared app on empty tables; whatever the test changes in its settings, config or
    cached extensions (Redis connection, sender, outage record) is put back afterwards, so each
    test sees the app as freshly built. A test marked `own_app` (it adds routes) gets an app of
    its own."""
    own = request.node.get_closest_marker("own_app")
    app = make_app() if own else _shared_app
    config, extensions = copy.deepcopy(dict(app.config)), dict(app.extensions)
    # The limiter is one object for the process: a test that built its own app with limits on
    # left it enabled. Bound again to this app (limits off) it is as create_app left it.
    limiter.init_app(app)
    try:
        with app.app_context():
            _empty(app)
            yield app
            db.session.remove()
    finally:
        app.config.clear()
        app.config.update(config)
        app.extensions.clear()
        app.extensions.update(extensions)


def _empty(app: Flask) -> None:
    """Every test starts from empty tables and an empty Redis database."""
    from hotline.app.queue import connection

    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            _empty_postgresql(conn, tables)
        else:
            # intakes.target_ticket_id and tickets.intake_id point at each other: check at commit.
            conn.execute(text("PRAGMA defer_foreign_keys=ON"))
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
    connection(app).flushdb()
    from hotline.catalogue import snapshot

    snapshot.forget()  # the per-process routing catalogue must not outlive the emptied tables


def _empty_postgresql(conn: Connection, tables: list[str]) -> None:
    """Delete the rows of the tables holding any and restart the sequences that moved, as
    TRUNCATE ... RESTART IDENTITY would: TRUNCATE costs milliseconds per table, so truncating
    the forty tables cost a tenth of a second per test, and a test touches a handful. CASCADE
    may empty tables that reference a truncated one: they are being emptied anyway."""
    holding = set(conn.scalars(text(" UNION ALL ".join(
        f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM {t})" for t in tables))))
    # Tables whose triggers refuse a DELETE (ticket_events is append-only) are truncated.
    guarded = holding & set(conn.scalars(text(
        "SELECT c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid "
        "WHERE NOT g.tgisinternal")))
    if guarded:
        conn.execute(text(f"TRUNCATE {', '.join(sorted(guarded))} CASCADE"))
        holding -= guarded
    # The foreign keys that close a cycle (intakes.target_ticket_id) go first.
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.use_alter and table.name in holding:
                conn.execute(text(f"UPDATE {table.name} SET {fk.parent.name} = NULL"))
    for name in tables:  # those pointing at others first
        if name in holding:
            conn.execute(text(f"DELETE FROM {name}"))
    for sequence in conn.scalars(text("SELECT sequencename FROM pg_sequences "
                                      "WHERE schemaname = current_schema() "
                                      "AND last_value IS NOT NULL")):
        conn.execute(text(f"ALTER SEQUENCE {sequence} RESTART"))


@pytest.fixture
def settings(app: Flask) -> ChangeSettings:
    """`settings(outbox={"max_attempts": 2}, public_base_url=...)` gives the test's app these
    settings (`Settings.replace`: a group as a mapping of the fields to change) and returns
    them; the `app` fixture puts the app's own back after the test."""

    def change(**changes: object) -> Settings:
        changed = app_settings.current(app).replace(**changes)
        app_settings.install(app, changed)
        return changed

    return change


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def _reference_rows(_shared_app: Flask) -> _Rows:
    """The seed catalogue (topics, units, dispatch rules) and the demo accounts, loaded once
    through the seed code into emptied tables and kept as rows: the ORM seed and the password
    hash cost a quarter of a second, the rows' reinsertion a few milliseconds."""
    from hotline.seed import load as seed

    with _shared_app.app_context():
        _empty(_shared_app)
        seed.load_reference(db.session)
        seed.ensure_users(db.session, PASSWORD)
        unit_of_work.commit(db.session)
        db.session.remove()
        with db.engine.connect() as conn:
            rows = _Rows(datetime.now(), {t.name: [dict(r) for r in conn.execute(select(t)).mappings()]
                                          for t in Base.metadata.sorted_tables})
        _empty(_shared_app)
    return rows


class _Rows:
    """Every table's rows as the seed left them, and when."""

    def __init__(self, taken_at: datetime, tables: dict[str, list[dict[str, Any]]]) -> None:
        self.taken_at = taken_at
        self.tables = {name: rows for name, rows in tables.items() if rows}

    def insert(self, conn: Connection) -> None:
        """Insert the rows again, their timestamps moved to now as if just seeded."""
        shift = datetime.now() - self.taken_at
        for table in Base.metadata.sorted_tables:
            rows = self.tables.get(table.name)
            if not rows:
                continue
            stamps = [c.name for c in table.columns if is_timestamp(c)]
            conn.execute(table.insert(), [_shifted(row, stamps, shift) for row in rows])
            if conn.dialect.name == "postgresql":
                _advance_sequences(conn, table.name, [c.name for c in table.primary_key
                                                      if isinstance(c.type, Integer)])


def is_timestamp(column: Column[Any]) -> bool:
    """A date-time column, whatever its type (the models' UTC type decorates DateTime)."""
    kind = column.type
    return isinstance(getattr(kind, "impl_instance", kind), DateTime)


def _shifted(row: dict[str, Any], stamps: list[str], shift: timedelta) -> dict[str, Any]:
    return {**row, **{c: row[c] + shift for c in stamps if row[c] is not None}}


def _advance_sequences(conn: Connection, table: str, key: list[str]) -> None:
    """Rows inserted with their ids leave the serial sequence behind: move it past them."""
    for column in key:
        conn.execute(text(
            f"SELECT setval(seq, (SELECT max({column}) FROM {table})) "
            f"FROM pg_get_serial_sequence(:t, :c) AS seq WHERE seq IS NOT NULL"),
            {"t": table, "c": column})


@pytest.fixture
def reference(app: Flask, _reference_rows: _Rows) -> None:
    """The seed catalogue (topics, units, dispatch rules) and the demo accounts."""
    from hotline.catalogue import snapshot

    with db.engine.begin() as conn:
        _reference_rows.insert(conn)
    snapshot.bump(db.session)  # a catalogue stamp of its own, as the seed gives it
    db.session.commit()


def drain(app: Flask) -> None:
    """Relay what was accepted, then run a real RQ worker in burst mode until the queues are
    empty: what `flask --app hotline worker --burst` does."""
    from hotline.app.queue import QUEUES, connection
    from workers.relay import relay_all
    from workers.runner import Worker

    relay_all(connection(app))
    Worker(list(QUEUES), connection=connection(app)).work(burst=True)


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
