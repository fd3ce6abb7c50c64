"""Retraining with the corrections dispatchers made, activated only if it does not hurt.

Corrections join the training folds only; the test folds are the base texts, identical for
the candidate and the active configuration. So both are scored on the same items, the
comparison measures the effect on the whole intake rather than on the few (often unusual)
corrected texts a candidate has just learnt, and the active figures stay reusable for the
next retraining on the same base (``active_metrics``). A correction of a text that is already
in the base replaces its label: the person's correction is the truth both are scored against.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from classifier.evaluation import cross_validate, default_groups, make_folds, protocol
from classifier.model import Model, train
from classifier.text import normalize

TOLERANCE = 0.005


@dataclass
class RetrainResult:
    model: Model
    metrics: dict[str, Any]  # the candidate's cross-validated figures
    activate: bool
    reason: str
    active_metrics: dict[str, Any] | None = None


def retrain(base_texts: Sequence[str], base_labels: Sequence[str],
            corrections: Sequence[tuple[str, str]], *,
            active_metrics: dict[str, Any] | None = None, folds: int = 5, seed: int = 0,
            tolerance: float = TOLERANCE, user_words: Sequence[str] = (),
            progress: Callable[[str], None] | None = None) -> RetrainResult:
    """Train on base + corrections; ``activate`` iff candidate macro-F1 >= active - tolerance.

    ``active_metrics`` are reused when their ``protocol`` (data hash of the corrected base
    labels, folds, seed) matches this run, as returned in ``RetrainResult.active_metrics``;
    otherwise the active configuration (base texts with their original labels) is evaluated
    again on the same folds. ``progress`` hears the stage being entered ("evaluating", then
    "fitting"), for a caller that shows a long run's progress.
    """
    report = progress or (lambda _stage: None)
    report("evaluating")
    fixed = {normalize(text): str(label) for text, label in corrections}
    keys = [normalize(t) for t in base_texts]
    truth = [fixed.get(key, str(label)) for key, label in zip(keys, base_labels, strict=True)]
    known = set(keys)
    extra = [(text, str(label)) for text, label in corrections if normalize(text) not in known]
    splits = make_folds(truth, default_groups(base_texts), folds, seed)
    proto = protocol(base_texts, truth, len(splits), seed)
    active = active_metrics
    if not active or active.get("protocol") != proto:
        active = cross_validate(base_texts, truth, splits, train_labels=base_labels, seed=seed,
                                user_words=user_words)
        active["protocol"] = proto
    candidate = cross_validate(base_texts, truth, splits, extra=extra, seed=seed,
                               user_words=user_words)
    candidate["protocol"] = proto
    candidate["corrections"] = {"relabelled": len(corrections) - len(extra), "added": len(extra)}
    cand_f1, active_f1 = candidate["macro_f1"], active["macro_f1"]
    activate = cand_f1 >= active_f1 - tolerance
    verdict = "activate" if activate else "keep the active model"
    reason = (f"{verdict}: candidate macro-F1 {cand_f1:.4f} vs active {active_f1:.4f} on the "
              f"same {len(splits)} folds (tolerance {tolerance})")
    report("fitting")
    model = train(list(base_texts) + [t for t, _ in extra], truth + [label for _, label in extra],
                  user_words=user_words, seed=seed)
    model.card["retrain"] = {"reason": reason, "candidate": candidate, "active_macro_f1": active_f1}
    return RetrainResult(model, candidate, activate, reason, active)
