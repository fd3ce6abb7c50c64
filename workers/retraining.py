"""The retraining job: learn from the topics people set, keep the better model."""

from __future__ import annotations

from flask import current_app

from hotline import model_registry
from hotline.extensions import db

from .context import in_app


@in_app
def retrain_model() -> str:
    row, result = model_registry.retrain(current_app, db.session)
    return f"{row.version}: {result.reason}"


@in_app
def train_candidate() -> str:
    """An administrator's "train a candidate": registered for comparison, never auto-activated."""
    row, result = model_registry.retrain(current_app, db.session, activate_if_better=False)
    return f"{row.version}: candidate ({result.reason})"
