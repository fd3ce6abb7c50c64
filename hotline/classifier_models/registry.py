"""Training, registering and activating classifier models (the registry table).

Nothing here commits: the entry points (the `model` and `up` commands, the retraining job, the
admin pages) end with the unit of work, so a version is registered and activated together.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

import classifier
from classifier import data as classifier_data
from classifier import risk_model
from hotline.catalogue.snapshot import place_words
from hotline.models import ModelVersion, TrainingExample, utcnow
from hotline.seed.load import corpus_rows

REAL_BODIES = "tipdm2020c_attachment2_details_only.csv"
STARTER = "starter"  # model card key of the first start's quick model


def training_data(data_dir: Path, *, corpus_only: bool = False) -> tuple[list[str], list[str], str]:
    """The real labelled messages when their folder (HOTLINE_DATA_DIR) is present, else the
    repo's demo corpus.

    With the real messages come their titles (as short as a call note) and the demo corpus
    too: the corpus is the city's own call notes, labelled by its topic catalogue, which files
    buses and the metro under 交通运输 where the real data mostly has 城乡建设. Together they
    raised the share of call notes classified right from 0.77 to 0.87 on the development set's
    tuning half and from 0.89 to 0.91 on its held-out half (bench/classifier).
    """
    corpus = list(corpus_rows())
    texts, labels = [r["text"] for r in corpus], [r["topic"] for r in corpus]
    path = data_dir / REAL_BODIES
    if not path.exists() or corpus_only:
        return texts, labels, "hotline/seed/corpus.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r.get("label_conflict") != "True"]
    titles: tuple[list[str], list[str]] = ([], [])
    if (data_dir / classifier_data.TITLES).is_file():
        titles = classifier_data.tipdm_titles(data_dir)
    source = f"{path} + {classifier_data.TITLES if titles[0] else 'no titles'} + corpus"
    return ([r["text"] for r in rows] + titles[0] + texts,
            [r["label"] for r in rows] + titles[1] + labels, source)


def risk_model_file(models: Path) -> Path:
    """Where the risk model (可能有风险) is stored: in the models folder (HOTLINE_MODEL_DIR)."""
    return models / risk_model.RISK_FILE


def risk_ordinary_texts() -> list[str]:
    """The risk model's ordinary texts beside its shipped ones: the demo corpus, whose longer
    web-style messages keep long texts from looking risky."""
    return [row["text"] for row in corpus_rows()]


def store_risk_model(models: Path) -> risk_model.RiskModel:
    """Fit the risk model into `models` unless the file there was fitted on the same texts:
    done when a classifier is trained, so that no process fits it at its start."""
    return risk_model.load_or_fit(risk_model_file(models), risk_ordinary_texts())


def new_version(now: datetime | None = None) -> str:
    return f"m{(now or utcnow()):%Y%m%d%H%M%S%f}"


def register(session: Session, model_dir: Path, version: str, card: dict) -> ModelVersion:
    """Add the version to the registry; the caller's unit of work commits it."""
    row = ModelVersion(version=version, path=str(model_dir), card=card)
    session.add(row)
    session.flush()
    return row


def activate(session: Session, version: str) -> None:
    """Exactly one active version; workers notice the change on their next job, once the
    caller's unit of work has committed it."""
    target = session.scalars(select(ModelVersion).where(ModelVersion.version == version)).one()
    session.execute(update(ModelVersion).where(ModelVersion.active).values(active=False))
    target.active = True
    target.activated_at = utcnow()


def _store(models: Path, session: Session, model: classifier.Model, card: dict) -> ModelVersion:
    version = new_version()
    model_dir = models / version
    classifier.save(model, model_dir)
    store_risk_model(models)
    return register(session, model_dir, version, {**classifier.load(model_dir).card, **card})


def train_and_activate(models: Path, session: Session, texts: Sequence[str],
                       labels: Sequence[str], *, source: str, starter: bool = False) -> ModelVersion:
    """Train on `texts` with the city's place names in the tokenizer, store it under `models`
    (HOTLINE_MODEL_DIR) and make it active.

    `starter`: a model trained on the small demo corpus so that the first start is ready in
    seconds; `replace_starter` trains the real one behind it.
    """
    model = classifier.train(texts, labels, user_words=place_words(session))
    row = _store(models, session, model, {"source": source, **({STARTER: True} if starter else {})})
    activate(session, row.version)
    return row


def has_real_data(data_dir: Path) -> bool:
    return (data_dir / REAL_BODIES).exists()


def replace_starter(data_dir: Path, models: Path, session: Session) -> ModelVersion | None:
    """Train on the real labelled messages and activate the result, if the active model is
    still the starter (an administrator who activated another one meanwhile is not overruled).

    The first start activates the starter at once and leaves this to the trainer process:
    the full training takes 20 s of an idle core and minutes of a busy one, and the newcomer
    should not wait for it. The published figures (bench/classifier) are this model's.
    """
    current = active(session)
    if current is None or not current.card.get(STARTER) or not has_real_data(data_dir):
        return None
    texts, labels, source = training_data(data_dir)
    model = classifier.train(texts, labels, user_words=place_words(session))
    row = _store(models, session, model, {"source": source, "replaced_starter": current.version})
    still = active(session)
    if still is not None and still.version == current.version:
        activate(session, row.version)
    return row


def active(session: Session) -> ModelVersion | None:
    return session.scalars(select(ModelVersion).where(ModelVersion.active)).one_or_none()


def retrain(data_dir: Path, models: Path, session: Session, *, activate_if_better: bool = True,
            progress: Callable[[str], None] | None = None,
            ) -> tuple[ModelVersion, classifier.RetrainResult]:
    """A candidate from the base data plus every topic people set or corrected.

    It is registered whatever the outcome, so administrators can see its figures beside the
    active model's; it becomes active only when its macro-F1 on the same folds is not lower than
    the active configuration's by more than the tolerance — or never, when an administrator
    asked for a candidate to compare and activate by hand (`activate_if_better=False`).
    `progress` hears each stage entered: loading, evaluating, fitting, saving.
    """
    report = progress or (lambda _stage: None)
    report("loading")
    texts, labels, source = training_data(data_dir)
    corrections = [(e.text, e.label) for e in session.scalars(select(TrainingExample))]
    current = active(session)
    result = classifier.retrain(
        texts, labels, corrections, user_words=place_words(session),
        active_metrics=(current.card.get("retrain_active_metrics") if current else None),
        progress=report,
    )
    report("saving")
    row = _store(models, session, result.model, {
        "source": source, "corrections": len(corrections), "decision": result.reason,
        "activated": result.activate and activate_if_better,
        "retrain_active_metrics": result.active_metrics,
    })
    if result.activate and activate_if_better:
        activate(session, row.version)
    return row, result


def has_active(session: Session) -> bool:
    return session.scalar(select(ModelVersion.id).where(ModelVersion.active)) is not None
