"""Running Alembic from the app, so `init-db` needs no alembic.ini and no second config."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import Flask

from hotline.app import settings
from hotline.app.extensions import db

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(app: Flask) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", settings.current(app).database_url.replace("%", "%%"))
    return cfg


def upgrade(app: Flask) -> None:
    """Create or upgrade the schema; running it again on an up-to-date database does nothing."""
    cfg = alembic_config(app)
    with app.app_context(), db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


def revision(app: Flask, message: str) -> None:
    cfg = alembic_config(app)
    with app.app_context(), db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.revision(cfg, message=message, autogenerate=True)
