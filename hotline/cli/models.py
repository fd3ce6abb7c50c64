"""`flask --app hotline model ...`: the classifier registry from the command line."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from hotline.app import settings
from hotline.app.extensions import db
from hotline.classifier_models import registry as model_registry
from hotline.models import ModelVersion

model = AppGroup("model", help="Classifier models: list, train, retrain, activate.")


@model.command("list")
def list_models() -> None:
    """Every registered version with its macro-F1; the active one is starred."""
    for row in db.session.scalars(select(ModelVersion).order_by(ModelVersion.created_at)):
        f1 = (row.card.get("metrics") or {}).get("macro_f1")
        figure = f"macro-F1 {f1:.4f}" if isinstance(f1, float) else "macro-F1 n/a"
        click.echo(f"{'*' if row.active else ' '} {row.version}  {figure}  {row.card.get('source', '')}")


@model.command("train")
def train() -> None:
    """Train on the base data and activate the result."""
    configured = settings.current()
    texts, labels, source = model_registry.training_data(configured.data_dir)
    row = model_registry.train_and_activate(configured.model_dir, db.session, texts, labels,
                                            source=source)
    click.echo(row.version)


@model.command("retrain")
def retrain() -> None:
    """Train a candidate with people's corrections; activate it only if it is not worse."""
    configured = settings.current()
    row, result = model_registry.retrain(configured.data_dir, configured.model_dir, db.session)
    click.echo(f"{row.version}: {result.reason}")


@model.command("activate")
@click.argument("version")
def activate(version: str) -> None:
    """Make VERSION the active model (also a roll-back); workers pick it up on their next job."""
    if db.session.scalar(select(ModelVersion.id).where(ModelVersion.version == version)) is None:
        click.echo(f"error: no model version {version!r}", err=True)
        sys.exit(2)
    model_registry.activate(db.session, version)
    click.echo(version)
