"""The classifier registry in the app: activation, hot reload in workers, retraining with corrections."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from classifier.risk_model import RiskModel
from hotline.app import settings as app_settings
from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.app.queue import DEFAULT_QUEUE, try_enqueue
from hotline.classifier_models import registry as model_registry
from hotline.classifier_models.active import ActiveModel
from hotline.intake import triage
from hotline.models import ModelVersion, TrainingExample
from hotline.seed.load import corpus_rows
from tests.conftest import ChangeSettings, drain
from tests.hotline.tickets.helpers import act, new_ticket
from workers.context import in_app


@in_app
def retrain_model() -> str:
    """A retraining as an RQ job (the test queues it, as the admin page queues its training)."""
    configured = app_settings.current()
    row, result = model_registry.retrain(configured.data_dir, configured.model_dir, db.session)
    unit_of_work.commit(db.session)
    return f"{row.version}: {result.reason}"


@pytest.fixture
def corpus_app(app: Flask, reference: None, tmp_path: Path, settings: ChangeSettings) -> Flask:
    """Train from the repository's own corpus, whatever is on this machine."""
    settings(data_dir=tmp_path / "absent")
    return app


def _train(app: Flask) -> ModelVersion:
    configured = app_settings.current(app)
    texts, labels, source = model_registry.training_data(configured.data_dir)
    return model_registry.train_and_activate(configured.model_dir, db.session, texts, labels,
                                             source=source)


def test_workers_pick_up_a_newly_activated_model_without_restart(corpus_app: Flask) -> None:
    worker_view = ActiveModel()  # what a running worker holds
    first = _train(corpus_app)
    assert worker_view.get(db.session)[0] == first.version
    second = _train(corpus_app)
    assert worker_view.get(db.session)[0] == second.version
    model_registry.activate(db.session, first.version)  # roll back
    unit_of_work.commit(db.session)
    assert worker_view.get(db.session)[0] == first.version
    assert db.session.scalar(select(func.count()).where(ModelVersion.active)) == 1
    suggestion = worker_view.suggest(db.session, "小区物业乱收费，停车费涨了三次")
    assert suggestion is not None and suggestion.label == "城乡建设"


def _no_fitting(*_args: object) -> RiskModel:
    raise AssertionError("the risk model was fitted at start although training stored it")


def test_training_stores_the_risk_model_and_a_process_loads_it_without_fitting(
        corpus_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    models = app_settings.current(corpus_app).model_dir
    stored = model_registry.risk_model_file(models)
    stored.unlink(missing_ok=True)  # the models folder may be shared by earlier tests
    _train(corpus_app)
    assert stored.is_file()
    triage.intake_risk_model.cache_clear()  # a process starting after the training
    monkeypatch.setattr(RiskModel, "fitted", classmethod(_no_fitting))
    try:
        hint = triage.intake_risk_model().suggest("我把家里的药都攒起来了，打算今晚一次全吃了")
    finally:
        triage.intake_risk_model.cache_clear()
    assert hint is not None and hint.category == "self_harm"


def test_a_missing_model_directory_leaves_tickets_to_people(corpus_app: Flask) -> None:
    row = _train(corpus_app)
    row.path = str(Path(row.path) / "gone")
    db.session.commit()
    assert ActiveModel().suggest(db.session, "路灯坏了") is None


@pytest.mark.slow
def test_topics_people_set_become_examples_for_the_retraining_job(corpus_app: Flask,
                                                                  client: FlaskClient) -> None:
    active = _train(corpus_app)
    water = new_ticket("来电反映小区二次供水水箱清洗不及时，水有异味")
    taxi = new_ticket("网约车司机绕路多收费，平台不处理投诉")
    assert act(client, "agent", water.number, "set-topic", {"topic": "cxjs-sdq"}).status_code == 200
    assert act(client, "agent", taxi.number, "set-topic", {"topic": "jtys"}).status_code == 200
    assert act(client, "agent", taxi.number, "set-topic", {"topic": "nope"}).status_code == 400
    assert act(client, "zjj", water.number, "set-topic", {"topic": "jtys"}).status_code in (403, 404)
    examples = db.session.scalars(select(TrainingExample).order_by(TrainingExample.id)).all()
    assert [(e.ticket_id, e.label, e.created_by) for e in examples] == [
        (water.id, "城乡建设", "agent"), (taxi.id, "交通运输", "agent")]
    assert water.events[-1].kind == "topic_set" and water.events[-1].data["to"] == "cxjs-sdq"

    try_enqueue(DEFAULT_QUEUE, retrain_model)
    drain(corpus_app)
    candidate = db.session.scalars(select(ModelVersion).order_by(ModelVersion.id.desc())).first()
    assert candidate.version != active.version
    assert candidate.card["corrections"] == 2 and "same 5 folds" in candidate.card["decision"]
    # On a few hundred texts two corrections move macro-F1 by noise either way: what must hold
    # is that the registry follows the verdict computed on the same folds.
    assert candidate.active is candidate.card["activated"]
    expected = candidate.version if candidate.card["activated"] else active.version
    assert model_registry.active(db.session).version == expected


@pytest.mark.slow
def test_retraining_keeps_the_active_model_when_the_candidate_is_worse(corpus_app: Flask) -> None:
    active = _train(corpus_app)
    configured = app_settings.current(corpus_app)
    texts, labels, _ = model_registry.training_data(configured.data_dir)
    wrong = {label: next(other for other in sorted(set(labels)) if other != label) for label in labels}
    # Many confidently wrong "corrections" of new texts: a candidate trained on them gets worse.
    db.session.add_all([TrainingExample(text=f"{text}（补充{i}）", label=wrong[label], created_by="agent")
                        for i, (text, label) in enumerate(zip(texts, labels, strict=True))])
    db.session.commit()
    row, result = model_registry.retrain(configured.data_dir, configured.model_dir, db.session)
    unit_of_work.commit(db.session)
    assert not result.activate and "keep the active model" in result.reason
    db.session.expire_all()
    assert model_registry.active(db.session).version == active.version
    assert row.active is False and row.card["activated"] is False


def _real_data(tmp_path: Path) -> Path:
    """A small stand-in for the real labelled messages: the corpus under the real file's name."""
    import csv

    folder = tmp_path / "real"
    folder.mkdir()
    rows = list(corpus_rows())
    with (folder / model_registry.REAL_BODIES).open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=["text", "label", "label_conflict"])
        writer.writeheader()
        writer.writerows({"text": r["text"], "label": r["topic"], "label_conflict": "False"}
                         for r in rows)
    return folder


def _starter(app: Flask) -> ModelVersion:
    configured = app_settings.current(app)
    texts, labels, source = model_registry.training_data(configured.data_dir, corpus_only=True)
    return model_registry.train_and_activate(configured.model_dir, db.session, texts, labels,
                                             source=source, starter=True)


def test_the_starter_model_is_replaced_by_one_on_the_real_data(corpus_app: Flask,
                                                               tmp_path: Path) -> None:
    starter = _starter(corpus_app)
    models = app_settings.current(corpus_app).model_dir
    absent = app_settings.current(corpus_app).data_dir
    assert model_registry.replace_starter(absent, models, db.session) is None  # no real data yet
    real_data = _real_data(tmp_path)

    real = model_registry.replace_starter(real_data, models, db.session)

    assert real is not None and model_registry.active(db.session).version == real.version
    assert model_registry.REAL_BODIES in real.card["source"]
    assert real.card["replaced_starter"] == starter.version
    assert model_registry.replace_starter(real_data, models, db.session) is None  # once only


def test_a_model_activated_meanwhile_is_not_overruled(corpus_app: Flask, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _starter(corpus_app)
    real_data, models = _real_data(tmp_path), app_settings.current(corpus_app).model_dir
    chosen: list[str] = []
    train = model_registry.classifier.train

    def admin_activates_during_training(*args: object, **kwargs: object) -> object:
        if not chosen:  # an administrator's choice, mid-training (which trains too)
            chosen.append("")
            chosen[0] = _train(corpus_app).version
        return train(*args, **kwargs)

    monkeypatch.setattr(model_registry.classifier, "train", admin_activates_during_training)
    real = model_registry.replace_starter(real_data, models, db.session)

    assert real is not None  # registered, for comparison
    assert model_registry.active(db.session).version == chosen[0]


def test_real_data_trains_with_its_titles_and_the_city_corpus(tmp_path: Path) -> None:
    """Production learns short texts from the titles and the city's own labelled call notes."""
    (tmp_path / model_registry.REAL_BODIES).write_text(
        "id,text,label,sources,label_conflict\nD1,路灯坏了很久没人修,城乡建设,x,False\n"
        "D2,冲突的一行,环境保护,x,True\n", encoding="utf-8")
    corpus, topics, _ = model_registry.training_data(tmp_path, corpus_only=True)
    texts, labels, source = model_registry.training_data(tmp_path)
    assert (texts, labels) == (["路灯坏了很久没人修", *corpus], ["城乡建设", *topics])
    assert "no titles" in source
    (tmp_path / "tipdm2020c_attachment2_subjects.csv").write_text(
        "id,text,label,subject_label_conflict\nS1,公交车不来,交通运输,False\n", encoding="utf-8")
    texts, labels, source = model_registry.training_data(tmp_path)
    assert texts[:2] == ["路灯坏了很久没人修", "公交车不来"] and labels[1] == "交通运输"
    assert len(texts) == 2 + len(corpus) and "subjects" in source
