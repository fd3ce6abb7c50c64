"""Migrations city_map and community_points build exactly what the models describe, on SQLite
and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from hotline.app.extensions import db
from hotline.models import Base


def test_places_points_and_city_maps_match_the_models(app: Flask) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert [change for change in diff if "city_maps" in repr(change)
            or "'places'" in repr(change)] == []


def test_communities_under_streets_and_a_tickets_community_match_the_models(app: Flask) -> None:
    """Migration community_points: places.street_code, the wider places.kind, tickets.community."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert [change for change in diff if "street_code" in repr(change)
            or "'community'" in repr(change) or "'kind'" in repr(change)] == []
