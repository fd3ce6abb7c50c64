"""A classifier trained once per test session on the repository's corpus, made active per test.

Training takes seconds; the tables are emptied between tests, so each test registers the same
saved model again (the app's ActiveModel keeps it loaded across tests by its version name).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

import classifier
from hotline.app.extensions import db
from hotline.models import ModelVersion, utcnow
from hotline.seed.load import corpus_rows

VERSION = "console-test"


@pytest.fixture(scope="session")
def console_model_dir(instance_dir: Path) -> Path:
    rows = list(corpus_rows())
    model = classifier.train([r["text"] for r in rows], [r["topic"] for r in rows])
    path = instance_dir / "models" / VERSION
    classifier.save(model, path)
    return path


@pytest.fixture
def console_model(app: Flask, reference: None, console_model_dir: Path) -> str:
    """The reference catalogue, the demo accounts and an active classifier."""
    db.session.add(ModelVersion(version=VERSION, path=str(console_model_dir), card={},
                                active=True, activated_at=utcnow()))
    db.session.commit()
    return VERSION
