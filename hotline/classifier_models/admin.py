"""Classifier models in the admin pages: figures side by side, train a candidate, activate one,
roll back to the one active before.

Training takes minutes of CPU, so the page only enqueues the RQ job, on a queue of its own that
only the trainer process consumes (intake never waits behind it), with its own time limit. One
training at a time: the id of the latest job is kept in Redis, and its RQ status and meta (the
stage the job reports) are what the page shows, up to the error of a failed or timed-out run.
Activation and roll-back are audited like any other edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis
from flask_babel import gettext as _
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.app.queue import TRAIN_CANDIDATE, TRAINING_QUEUE, connection, queue
from hotline.classifier_models import registry as model_registry
from hotline.domain.errors import Conflict, InvalidInput, NotFound
from hotline.identity import audit
from hotline.models import ModelVersion, User

ENTITY = "models"
CURRENT_JOB = "hotline:training:job"  # id of the latest training job
STARTING = "hotline:training:starting"  # held for the moment of checking and enqueuing
QUEUED, RUNNING, FINISHED, FAILED = "queued", "running", "finished", "failed"
STATES = {JobStatus.QUEUED: QUEUED, JobStatus.SCHEDULED: QUEUED, JobStatus.DEFERRED: QUEUED,
          JobStatus.CREATED: QUEUED, JobStatus.STARTED: RUNNING, JobStatus.FINISHED: FINISHED}


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


@dataclass(frozen=True)
class Training:
    """The latest training job as the page shows it; `stage` while running, `version` once
    finished, `error` once failed."""

    state: str
    stage: str | None
    version: str | None
    error: str | None
    enqueued_at: datetime | None
    ended_at: datetime | None

    @property
    def busy(self) -> bool:
        return self.state in (QUEUED, RUNNING)


def _error(job: Job) -> str:
    """What went wrong, in one line: RQ's timeout said plainly, else the exception's last line."""
    result = job.latest_result()
    text = (result.exc_string if result is not None else None) or ""
    if "JobTimeoutException" in text:
        return _("训练超时：超过 %(s)s 秒的时限（TRAINING_TIMEOUT_SECONDS）", s=job.timeout)
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else _("训练任务已停止（%(status)s）", status=job.get_status())


def training() -> Training | None:
    """The latest training job, or None when there was none, RQ has forgotten it or Redis is
    down (the models page still lists the registry's versions then)."""
    conn = connection()
    try:
        job_id = conn.get(CURRENT_JOB)
        if job_id is None:
            return None
        job = Job.fetch(job_id.decode(), connection=conn)
        state = STATES.get(job.get_status(), FAILED)
        meta = job.get_meta()
        error = _error(job) if state == FAILED else None
    except (NoSuchJobError, redis.RedisError):
        return None
    return Training(state=state, stage=meta.get("stage") if state == RUNNING else None,
                    version=meta.get("version"), error=error,
                    enqueued_at=job.enqueued_at, ended_at=job.ended_at)


def train_candidate(session: Session, actor: User, *, timeout_seconds: int) -> None:
    """Queue a retraining that registers a candidate without activating it, stopped by RQ after
    `timeout_seconds`; refused while another one is queued or running (two would only compete
    for the same CPU)."""
    conn = connection()
    try:
        if not conn.set(STARTING, 1, nx=True, ex=30):
            raise Conflict(_("已有训练任务正在排队或进行，请等它结束后再试"))
        try:
            latest = training()
            if latest is not None and latest.busy:
                raise Conflict(_("已有训练任务正在排队或进行，请等它结束后再试"))
            enqueued = queue(TRAINING_QUEUE).enqueue(
                TRAIN_CANDIDATE, job_timeout=timeout_seconds,
                result_ttl=86400, failure_ttl=7 * 86400)
            conn.set(CURRENT_JOB, enqueued.id)
        finally:
            conn.delete(STARTING)
    except redis.RedisError as exc:
        raise Conflict(_("任务队列暂不可用，请稍后再试")) from exc
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
