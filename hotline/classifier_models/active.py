"""The active classifier model, reloaded when an administrator activates another version.

Each worker checks the registry's active version on every use (one indexed query), or once per
batch of intakes (hotline.app.batch), so a newly activated model is picked up without
restarting workers.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.app.batch import remembered
from hotline.models import ModelVersion

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Suggestion:
    label: str
    confidence: float
    confident: bool
    urgent: bool
    urgency_rule: str | None
    version: str
    top: list[tuple[str, float]]
    threshold: float = 1.0  # the model's auto-dispatch threshold: `confident` is at or above it


class ActiveModel:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: str | None = None
        self._model: Any = None

    def get(self, session: Session) -> tuple[str, Any] | None:
        row = remembered(session, "active_model", lambda: session.execute(
            select(ModelVersion.version, ModelVersion.path).where(ModelVersion.active)
        ).first())
        if row is None:
            return None
        with self._lock:
            if row.version != self._version:
                import classifier  # heavy import kept off the web start-up path

                try:
                    self._model = classifier.load(row.path)
                except classifier.ModelError as exc:
                    log.error("active model %s cannot be loaded: %s", row.version, exc)
                    return None
                self._version = row.version
            return self._version, self._model

    def suggest(self, session: Session, text: str) -> Suggestion | None:
        """The classifier's opinion, or None when no model is active (tickets go to people)."""
        active = self.get(session)
        if active is None or not text.strip():
            return None
        version, model = active
        pred = model.predict([text])[0]
        return Suggestion(
            label=pred.label,
            confidence=float(pred.confidence),
            confident=pred.confidence >= model.threshold,
            urgent=pred.urgency == "紧急",
            urgency_rule=pred.urgency_rule,
            version=version,
            top=[(label, float(p)) for label, p in pred.top],
            threshold=float(model.threshold),
        )


active_model = ActiveModel()
