"""Classifier models in the admin pages: figures side by side, train a candidate, activate one,
roll back to the one active before.

Training takes minutes, so the page only enqueues the RQ job; the candidate shows up in the list
when the worker has registered it. Activation and roll-back are audited like any other edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, model_registry
from ..domain.errors import Conflict, InvalidInput, NotFound
from ..models import ModelVersion, User
from ..queue import DEFAULT_QUEUE, try_enqueue

ENTITY = "models"


@dataclass(frozen=True)
class Figures:
    """What an administrator compares: estimates from the model card, higher is better except
    ECE (calibration error)."""

    version: str
    active: bool
    created_at: datetime
    source: str
    n_texts: int | None
    accuracy: float | None
    macro_f1: float | None
    ece: float | None
    auto_dispatch_share: float | None
    corrections: int | None
    decision: str | None


def figures(row: ModelVersion) -> Figures:
    card: dict[str, Any] = row.card or {}
    metrics = card.get("metrics") or {}
    candidate = (card.get("retrain") or {}).get("candidate") or {}
    return Figures(
        version=row.version, active=row.active, created_at=row.created_at,
        source=str(card.get("source") or ""),
        n_texts=card.get("n_texts"), accuracy=candidate.get("accuracy", metrics.get("accuracy")),
        macro_f1=candidate.get("macro_f1", metrics.get("macro_f1")), ece=metrics.get("ece"),
        auto_dispatch_share=metrics.get("auto_dispatch_share"),
        corrections=card.get("corrections"), decision=card.get("decision"))


def listing(session: Session) -> list[Figures]:
    """Active model first, then the newest candidates."""
    rows = session.scalars(select(ModelVersion).order_by(ModelVersion.active.desc(),
                                                          ModelVersion.created_at.desc()))
    return [figures(r) for r in rows]


def train_candidate(session: Session, actor: User) -> None:
    """Queue a retraining that registers a candidate without activating it."""
    from workers.retraining import train_candidate as job

    if not try_enqueue(DEFAULT_QUEUE, job):
        raise Conflict(_("任务队列暂不可用，请稍后再试"))
    audit.record(session, actor, ENTITY, "candidate", audit.TRAIN)
    session.commit()


def _version(session: Session, version: str) -> ModelVersion:
    row = session.scalars(select(ModelVersion).where(ModelVersion.version == version)).one_or_none()
    if row is None:
        raise NotFound(_("没有这个模型版本：%(v)s", v=version))
    return row


def previous(session: Session) -> ModelVersion | None:
    """The version that was active before the current one (most recently activated other)."""
    return session.scalars(select(ModelVersion).where(
        ModelVersion.active.is_(False), ModelVersion.activated_at.is_not(None))
        .order_by(ModelVersion.activated_at.desc()).limit(1)).first()


def activate(session: Session, actor: User, version: str, *, action: str = audit.ACTIVATE) -> None:
    """Make `version` active; workers load it on their next job."""
    target = _version(session, version)
    if target.active:
        raise InvalidInput(_("该版本已是当前模型"))
    current = model_registry.active(session)
    audit.record(session, actor, ENTITY, target.version, action,
                 {"active": current.version if current else None}, {"active": target.version})
    model_registry.activate(session, target.version)  # commits the audit entry with it


def rollback(session: Session, actor: User) -> str:
    target = previous(session)
    if target is None:
        raise InvalidInput(_("没有可回退的上一个模型"))
    activate(session, actor, target.version, action=audit.ROLLBACK)
    return target.version
