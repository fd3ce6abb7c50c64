"""Migrations `search_index` and `saved_views` on an existing SQLite database with tickets:
the index is filled for them and kept current after; downgrade and upgrade again work."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

from hotline.app import migrate
from tests.conftest import AppMaker


def test_upgrade_fills_the_index_of_existing_tickets(tmp_path: Path, make_app: AppMaker) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    app = make_app(database_url=url, instance_dir=tmp_path)
    cfg = migrate.alembic_config(app)
    command.upgrade(cfg, "0009_trust")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO tickets (id, number, line, channel, request_type, citizen_name, phone, "
            "confidential, content, address, urgency, status, created_at, updated_at, version) "
            "VALUES (1, '20260101-000001', '12345', 'web', 'complaint', '张三', '+8613812348000', "
            "0, '楼道噪音扰民', '东湖路', 'normal', 'signed', '2026-01-01', '2026-01-01', 1)"))

    def match(q: str) -> list[int]:
        with engine.connect() as conn:
            return list(conn.scalars(text("SELECT rowid FROM tickets_fts WHERE tickets_fts "
                                          "MATCH :q"), {"q": q}))

    command.upgrade(cfg, "head")
    assert match('search_body : "噪音 音扰"') == [1]
    assert match('search_person : "t8000"') == [1]
    with engine.begin() as conn:  # the triggers follow later changes
        conn.execute(text("UPDATE tickets SET search_body = '路灯' WHERE id = 1"))
    assert match('search_body : "噪音"') == [] and match('search_body : "路灯"') == [1]
    command.downgrade(cfg, "0009_trust")
    command.upgrade(cfg, "head")
    assert match('search_body : "噪音"') == [1]
    engine.dispose()
