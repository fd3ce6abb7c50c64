"""The evaluation protocol: stratified group k-fold, every figure from the test folds only.

Each fold calls :func:`classifier.train` on its training part, which fits its own calibration
and auto-dispatch threshold on that part, so the reported ECE, threshold and dispatch figures
are what production would see; nothing is tuned on a test fold.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedGroupKFold

from classifier.calibration import expected_calibration_error
from classifier.errors import TrainingError
from classifier.model import data_sha256, train
from classifier.text import normalize


def make_folds(labels: Sequence[str], groups: Sequence[str], folds: int, seed: int
               ) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index pairs; fewer folds than asked when the rarest label is too rare."""
    _, counts = np.unique(np.asarray(labels), return_counts=True)
    n = min(folds, int(counts.min()), len(set(groups)))
    if n < 2:
        raise TrainingError("every label needs at least two texts to cross-validate")
    splitter = StratifiedGroupKFold(n_splits=n, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(labels)), labels, groups))


def default_groups(texts: Sequence[str]) -> list[str]:
    """Texts identical after normalisation share a group, so no text is on both sides."""
    return [normalize(t) for t in texts]


def cross_validate(texts: Sequence[str], labels: Sequence[str],
                   splits: list[tuple[np.ndarray, np.ndarray]], *,
                   train_labels: Sequence[str] | None = None,
                   extra: Sequence[tuple[str, str]] = (), seed: int = 0,
                   user_words: Sequence[str] = ()) -> dict[str, Any]:
    """Out-of-fold figures against ``labels``.

    Models learn from ``train_labels`` (default: ``labels``) plus the ``extra`` (text, label)
    pairs, which join every training part and never a test part.
    """
    texts, labels = list(texts), [str(label) for label in labels]
    fit_labels = labels if train_labels is None else [str(label) for label in train_labels]
    label_set = sorted(set(labels) | set(fit_labels) | {label for _, label in extra})
    y = np.array([label_set.index(label) for label in labels])
    probs = np.zeros((len(texts), len(label_set)))
    thresholds = np.zeros(len(texts))
    fold_thresholds, fit_seconds = [], []
    for train_idx, test_idx in splits:
        started = time.perf_counter()
        model = train([texts[i] for i in train_idx] + [t for t, _ in extra],
                      [fit_labels[i] for i in train_idx] + [label for _, label in extra],
                      user_words=user_words, seed=seed)
        fit_seconds.append(round(time.perf_counter() - started, 2))
        columns = [label_set.index(label) for label in model.labels]
        probs[np.ix_(test_idx, columns)] = model.probabilities([texts[i] for i in test_idx])
        thresholds[test_idx] = model.threshold
        fold_thresholds.append(round(model.threshold, 4))
    report = figures(y, probs, label_set, thresholds)
    report.update(folds=len(splits), fold_thresholds=fold_thresholds, fit_seconds=fit_seconds)
    return report


def figures(y: np.ndarray, probs: np.ndarray, label_set: Sequence[str],
            thresholds: np.ndarray) -> dict[str, Any]:
    """Macro-F1, accuracy, per-class figures, confusion matrix, ECE and auto-dispatch."""
    pred = probs.argmax(axis=1)
    confidence = probs.max(axis=1)
    correct = pred == y
    ks = list(range(len(label_set)))
    precision, recall, f1, support = precision_recall_fscore_support(
        y, pred, labels=ks, zero_division=0)
    dispatched = confidence >= thresholds
    return {
        "n": len(y),
        "labels": list(label_set),
        "macro_f1": round(float(f1_score(y, pred, labels=ks, average="macro",
                                         zero_division=0)), 4),
        "accuracy": round(float(correct.mean()), 4),
        "per_class": {
            label: {"precision": round(float(p), 4), "recall": round(float(r), 4),
                    "f1": round(float(f), 4), "support": int(s)}
            for label, p, r, f, s in zip(label_set, precision, recall, f1, support, strict=True)
        },
        "confusion_matrix": confusion_matrix(y, pred, labels=ks).tolist(),
        "ece": round(expected_calibration_error(confidence, correct), 4),
        "threshold": round(float(thresholds.mean()), 4),
        "auto_dispatch": {
            "share": round(float(dispatched.mean()), 4),
            "accuracy": round(float(correct[dispatched].mean()), 4) if dispatched.any() else None,
            "count": int(dispatched.sum()),
        },
    }


def evaluate(texts: Sequence[str], labels: Sequence[str], groups: Sequence[str] | None = None,
             *, folds: int = 5, seed: int = 0, user_words: Sequence[str] = ()) -> dict[str, Any]:
    """All figures of the protocol as a JSON-serialisable dict.

    ``groups`` default to identical (normalised) texts. ``confusion_matrix`` rows are true
    labels and columns predictions, both in ``labels`` order.
    """
    if len(texts) != len(labels):
        raise TrainingError(f"{len(texts)} texts but {len(labels)} labels")
    groups = default_groups(texts) if groups is None else [str(g) for g in groups]
    labels = [str(label).strip() for label in labels]
    started = time.perf_counter()
    report = cross_validate(texts, labels, make_folds(labels, groups, folds, seed), seed=seed,
                            user_words=user_words)
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["protocol"] = protocol(texts, labels, report["folds"], seed)
    return report


def protocol(texts: Sequence[str], labels: Sequence[str], folds: int, seed: int
             ) -> dict[str, Any]:
    """What makes two evaluations comparable: same data, same folds."""
    return {"splitter": "StratifiedGroupKFold", "folds": folds, "seed": seed,
            "data_sha256": data_sha256(texts, labels)}
