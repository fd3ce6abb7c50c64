"""Topic, confidence and urgency of citizen messages for the 12345 hotline.

Stable API (the app and the workers use exactly this; no Flask, nothing from ``hotline``):

``train(texts, labels, *, user_words=(), seed=0) -> Model``
    Fits jieba word 1-2-gram + character 1-3-gram TF-IDF features, a blend of an NB-weighted
    and a plain one-vs-rest linear SVM and of a vote of the 10 most similar training texts
    (``classifier.neighbours``), the blend's shares, per-class score offsets (for macro-F1:
    the SVMs favour big classes), a softmax temperature and the auto-dispatch threshold (all
    from 2-fold out-of-fold predictions on the training texts only). The SVMs also learn from
    call-note sized windows of the long texts, at a lower weight (``classifier.augment``).
    ``user_words``: district, street and department names from the app's database, added to
    the model's own jieba dictionary.
    Raises ``TrainingError`` (a ``ValueError``) for unusable data. Works from a few hundred
    short texts (the demo corpus) to tens of thousands.

``Model.predict(texts, *, urgency_rules=None, when=None) -> list[Prediction]``
    ``Prediction(label, confidence, top, urgency, urgency_rule)``: ``top`` holds the 3 most
    likely ``(label, probability)``; ``urgency`` is "紧急" or "一般", decided by
    ``urgency_rules`` (default ``UrgencyRules.default()``, the rules shipped in
    ``urgency_rules.json``), ``when`` (a ``date``) enables seasonal rules.
    ``Model.threshold``: auto-dispatch when ``confidence >= threshold``. ``Model.labels``,
    ``Model.card`` (training figures; after ``save``/``load`` the full model card).

``save(model, directory)`` / ``load(directory) -> Model``
    skops file + ``model_card.json``. ``load`` raises ``ModelError`` with a one-line message
    for a missing, corrupt, tampered or incompatible directory.

``evaluate(texts, labels, groups=None, *, folds=5, seed=0) -> dict``
    StratifiedGroupKFold figures (macro-F1, accuracy, per class, confusion matrix, ECE,
    threshold, auto-dispatch share and accuracy); groups default to identical texts.

``retrain(base_texts, base_labels, corrections, *, active_metrics=None, folds=5, seed=0,
tolerance=0.005) -> RetrainResult(model, metrics, activate, reason, active_metrics)``
    See ``classifier.retraining`` for how corrections enter the folds.

``UrgencyRules.from_records(records)``, ``UrgencyRules.default()``,
``rules.classify(text, when=None) -> (level, rule_name | None)``; ``RuleError``.

``hot_topics(period_texts, baseline_texts=(), *, top=20, user_words=(), stop_words=None)
-> list[HotTopic]``
    ``HotTopic(phrase, count, score)``; ``stop_words`` None drops the shipped
    ``phrase_stopwords.txt`` (``trends.stop_list(added, kept)`` applies an administrator's list).

``RiskRules.from_records(records)``, ``RiskRules.default()``, ``rules.assess(text) ->
RiskFinding | None``: risk triage (self-harm, violence, mass gatherings, children and the
elderly in danger) from rules as data, with negation (``classifier.risk``).

Command line: ``python -m classifier {train,evaluate,predict} --help``.
"""

from __future__ import annotations

import importlib
from typing import Any

# Names resolve on first use (PEP 562): ``import classifier`` and the CLI's error paths stay
# fast, scikit-learn and the dictionaries load only when a model is trained or loaded.
_HOMES = {
    "DataError": "errors", "ModelError": "errors", "TrainingError": "errors",
    "evaluate": "evaluation", "HotTopic": "trends", "hot_topics": "trends",
    "Model": "model", "Prediction": "model", "train": "model", "load": "persist",
    "save": "persist", "RetrainResult": "retraining", "retrain": "retraining",
    "RuleError": "urgency", "UrgencyRules": "urgency",
    "RiskFinding": "risk", "RiskRules": "risk",
}
__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'classifier' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
