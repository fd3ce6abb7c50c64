"""The retraining jobs: learn from the topics people set, keep the better model."""

from __future__ import annotations

from rq import get_current_job

from hotline.app import settings
from hotline.app.extensions import db
from hotline.classifier_models import registry as model_registry
from workers.context import in_app


def _note(**values: str) -> None:
    """Save progress in the job's meta, where the admin page reads it while the job runs."""
    job = get_current_job()
    if job is not None:
        job.meta.update(values)
        job.save_meta()


@in_app
def train_candidate() -> str:
    """An administrator's "train a candidate": registered for comparison, never auto-activated.

    Runs on the training queue (hotline.classifier_models.admin.start_training).
    """
    configured = settings.current()
    row, result = model_registry.retrain(configured.data_dir, configured.model_dir, db.session,
                                         activate_if_better=False,
                                         progress=lambda stage: _note(stage=stage))
    _note(stage="done", version=row.version)
    return f"{row.version}: candidate ({result.reason})"
