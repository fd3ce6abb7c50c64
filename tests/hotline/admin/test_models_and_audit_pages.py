"""Classifier models from the admin page (train a candidate on the real RQ worker, compare,
activate, roll back), the audit page's filters, and message templates written to the log."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.app.extensions import db
from hotline.classifier_models import registry as model_registry
from hotline.models import ModelVersion
from tests.conftest import ChangeSettings
from tests.hotline.admin.helpers import entries, last, post, run_training, sign_in


@pytest.mark.slow
def test_train_a_candidate_compare_activate_and_roll_back(app: Flask, reference: None,
                                                         client: FlaskClient,
                                                         tmp_path: Path,
                                                         settings: ChangeSettings) -> None:
    corpus = settings(data_dir=tmp_path / "absent")  # the repository's own corpus
    texts, labels, source = model_registry.training_data(corpus.data_dir)
    first = model_registry.train_and_activate(corpus.model_dir, db.session, texts, labels,
                                              source=source)
    sign_in(client, "admin")
    assert "没有可回退" in post(client, "/admin/models/rollback", {}).get_data(as_text=True)

    assert post(client, "/admin/models/train", {}).status_code == 302
    assert last("models").action == "train"
    run_training(app)  # the trainer trains and registers the candidate, without activating it
    db.session.expire_all()
    candidate = db.session.scalars(select(ModelVersion).where(ModelVersion.id != first.id)).one()
    assert not candidate.active and model_registry.active(db.session).version == first.version

    page = client.get("/admin/models").get_data(as_text=True)
    assert first.version in page and candidate.version in page and "当前使用" in page
    assert "宏 F1" in page and "%" in page  # figures side by side

    assert post(client, f"/admin/models/{candidate.version}/activate", {}).status_code == 302
    db.session.expire_all()
    assert model_registry.active(db.session).version == candidate.version
    entry = last("models")
    assert (entry.action, entry.before, entry.after) == \
        ("activate", {"active": first.version}, {"active": candidate.version})
    again = post(client, f"/admin/models/{candidate.version}/activate", {})
    assert again.status_code == 400
    assert post(client, "/admin/models/no-such/activate", {}).status_code == 404

    assert post(client, "/admin/models/rollback", {}).status_code == 302
    db.session.expire_all()
    assert model_registry.active(db.session).version == first.version
    assert last("models").action == "rollback"


def test_audit_page_filters(app: Flask, reference: None, client: FlaskClient) -> None:
    sign_in(client, "admin")
    post(client, "/admin/years/new", {"year": "2027", "note": "国务院办公厅通知"})
    post(client, "/admin/days/new", {"day": "2027-01-01", "name": "元旦"})
    years = client.get("/admin/audit?entity=years").get_data(as_text=True)
    assert "国务院办公厅通知" in years and "元旦" not in years
    days = client.get("/admin/audit?entity=days&action=create&username=admin")
    assert "元旦" in days.get_data(as_text=True)
    assert "国务院办公厅通知" not in days.get_data(as_text=True)
    assert "元旦" not in client.get("/admin/audit?username=agent").get_data(as_text=True)
    assert "元旦" not in client.get("/admin/audit?action=delete").get_data(as_text=True)
    assert client.get("/admin/audit?since=2027-99-01").status_code == 400
    dated = client.get("/admin/audit?since=2000-01-01&until=2000-01-02").get_data(as_text=True)
    assert "没有符合条件的记录" in dated

    row = db.session.scalars(select(ModelVersion)).first()
    assert row is None  # no model here: the page says so instead of failing
    assert "还没有训练过模型" in client.get("/admin/models").get_data(as_text=True)


def test_message_template_changes_are_audited(app: Flask, reference: None,
                                              client: FlaskClient) -> None:
    sign_in(client, "admin")
    body = "【{line}】您的诉求已受理，工单号{number}，可在{link}查询。"
    assert post(client, "/admin/message-templates",
                {"line": "12345", "kind": "ack", "body": body}).status_code == 302
    entry = last("message_templates")
    assert (entry.action, entry.before, entry.after["body"]) == ("create", None, body)
    post(client, "/admin/message-templates", {"line": "12345", "kind": "ack",
                                              "body": body.replace("可在", "请在")})
    entry = last("message_templates")
    assert entry.action == "update" and entry.before["body"] == body
    assert len(entries("message_templates")) == 2
