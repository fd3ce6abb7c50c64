"""The shared fixtures are truthful: the reinserted seed is what the seed code writes, and each
xdist worker gets a Redis database of its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.identity.auth import hasher
from hotline.models import Base, User
from hotline.seed import load as seed
from tests.conftest import PASSWORD, _empty, is_timestamp, worker_redis_url


def _rows() -> dict[str, list[dict[str, Any]]]:
    """Every table's rows without timestamps, password hashes (salted) and catalogue stamps
    (random): never equal twice."""
    tables = {}
    for table in Base.metadata.sorted_tables:
        skip = {c.name for c in table.columns if is_timestamp(c)} | {"password_hash", "stamp"}
        rows = db.session.execute(select(table).order_by(*table.primary_key)).mappings()
        tables[table.name] = [{k: v for k, v in row.items() if k not in skip} for row in rows]
    return tables


def test_the_reinserted_seed_is_what_the_seed_code_writes(app: Flask, reference: None) -> None:
    reinserted = _rows()
    created = db.session.scalars(select(User.created_at)).first()
    assert abs(datetime.now(UTC) - created.replace(tzinfo=UTC)) < timedelta(minutes=1)  # moved
    assert hasher.verify(db.session.scalars(select(User)).first().password_hash, PASSWORD)
    db.session.remove()
    _empty(app)
    seed.load_reference(db.session)
    seed.ensure_users(db.session, PASSWORD)
    unit_of_work.commit(db.session)
    assert _rows() == reinserted
    assert sum(map(len, reinserted.values())) > 100


def test_each_worker_gets_a_redis_database_of_its_own() -> None:
    assert worker_redis_url("redis://127.0.0.1:6379/0", 0) == "redis://127.0.0.1:6379/0"
    assert worker_redis_url("redis://127.0.0.1:6379/7", 3) == "redis://127.0.0.1:6379/10"
    assert worker_redis_url("redis://127.0.0.1:6379", 2) == "redis://127.0.0.1:6379/2"
