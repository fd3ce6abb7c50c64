"""Training a candidate from /admin/models: its own queue and time limit, one at a time, and the
page telling queued / running (with the stage) / finished / failed (timeout included)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rq import Queue
from sqlalchemy import select

from hotline.app.extensions import db
from hotline.app.queue import DEFAULT_QUEUE, INTAKE_QUEUE, TRAINING_QUEUE, connection
from hotline.classifier_models.registry import REAL_BODIES
from hotline.models import ModelVersion
from tests.conftest import ChangeSettings
from tests.hotline.admin.helpers import entries, post, run_training, sign_in


@pytest.fixture
def admin(reference: None, client: FlaskClient, tmp_path: Path,
          settings: ChangeSettings) -> FlaskClient:
    settings(data_dir=tmp_path / "absent")  # the repository's own corpus
    sign_in(client, "admin")
    return client


def _queue(app: Flask, name: str) -> Queue:
    return Queue(name, connection=connection(app))


def _status(client: FlaskClient) -> dict[str, str | None]:
    return client.get("/admin/models/training").get_json()


def test_training_goes_to_its_own_queue_with_its_own_limit_one_at_a_time(
        app: Flask, admin: FlaskClient, settings: ChangeSettings) -> None:
    settings(training_timeout_seconds=1234)
    assert _status(admin) == {"state": None, "stage": None}
    assert post(admin, "/admin/models/train", {}).status_code == 302
    [job] = _queue(app, TRAINING_QUEUE).jobs
    assert job.func_name == "workers.retraining.train_candidate" and job.timeout == 1234
    assert _queue(app, INTAKE_QUEUE).count == 0 and _queue(app, DEFAULT_QUEUE).count == 0

    page = admin.get("/admin/models").get_data(as_text=True)
    assert "训练任务排队中" in page and "js/models_training.js" in page  # polls while queued
    assert _status(admin) == {"state": "queued", "stage": None}

    second = post(admin, "/admin/models/train", {})
    assert second.status_code == 409 and "已有训练任务" in second.get_data(as_text=True)
    assert _queue(app, TRAINING_QUEUE).count == 1
    assert [e.action for e in entries("models")] == ["train"]


@pytest.mark.slow
def test_the_page_shows_the_stage_while_running_then_the_candidate(
        app: Flask, admin: FlaskClient) -> None:
    post(admin, "/admin/models/train", {})
    seen: list[str] = []

    def watch() -> None:
        """What an administrator sees meanwhile (the trainer must run in the main thread: RQ
        installs signal handlers)."""
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if _status(admin) == {"state": "running", "stage": "evaluating"}:
                seen.append(admin.get("/admin/models").get_data(as_text=True))
                return
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    run_training(app)
    watcher.join()
    [page] = seen
    assert "正在训练" in page and "在相同的交叉验证折上评估" in page
    assert 'data-state="running"' in page and "disabled" in page
    db.session.expire_all()
    candidate = db.session.scalars(select(ModelVersion)).one()
    page = admin.get("/admin/models").get_data(as_text=True)
    assert "训练完成" in page and candidate.version in page
    assert "js/models_training.js" not in page  # nothing left to wait for
    assert post(admin, "/admin/models/train", {}).status_code == 302  # free for the next one


def test_a_timed_out_training_says_so_with_the_limit(app: Flask, admin: FlaskClient,
                                                     settings: ChangeSettings) -> None:
    settings(training_timeout_seconds=1)  # the corpus takes several seconds
    post(admin, "/admin/models/train", {})
    run_training(app)
    assert _status(admin) == {"state": "failed", "stage": None}
    page = admin.get("/admin/models").get_data(as_text=True)
    assert "训练失败" in page and "训练超时：超过 1 秒的时限" in page
    assert db.session.scalars(select(ModelVersion)).first() is None
    assert post(admin, "/admin/models/train", {}).status_code == 302  # may be tried again


def test_a_failed_training_shows_its_error(app: Flask, admin: FlaskClient, tmp_path: Path,
                                           settings: ChangeSettings) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / REAL_BODIES).write_text("内容,类别\n路灯坏了,城乡建设\n", encoding="utf-8")
    settings(data_dir=data)  # a data file without the expected columns
    post(admin, "/admin/models/train", {})
    run_training(app)
    page = admin.get("/admin/models").get_data(as_text=True)
    assert "训练失败" in page and "KeyError: &#39;text&#39;" in page
