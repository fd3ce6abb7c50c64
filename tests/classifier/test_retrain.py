from __future__ import annotations

import random

import pytest

import classifier
from classifier import evaluation
from tests.classifier.conftest import synthetic_corpus


@pytest.fixture(scope="module")
def base() -> tuple[list[str], list[str]]:
    return synthetic_corpus(per_label=8, seed=5)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """Records each cross-validation run retrain makes."""
    calls: list[dict] = []
    real = evaluation.cross_validate

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr("classifier.retraining.cross_validate", spy)
    return calls


def test_helpful_corrections_are_activated(base, counted) -> None:
    new_texts, new_labels = synthetic_corpus(per_label=3, seed=6)
    result = classifier.retrain(*base, list(zip(new_texts, new_labels, strict=True)), folds=3)
    assert result.activate and "activate" in result.reason
    assert result.metrics["corrections"] == {"relabelled": 0, "added": 21}
    assert result.model.card["n_texts"] == len(base[0]) + 21
    assert len(counted) == 2  # active and candidate on the same folds
    assert counted[1]["extra"] and not counted[0].get("extra")


def test_harmful_corrections_are_not_activated(base) -> None:
    rng = random.Random(0)
    texts, labels = synthetic_corpus(per_label=10, seed=7)
    wrong = [(t, rng.choice(sorted({*labels} - {lab})))
             for t, lab in zip(texts, labels, strict=True)]
    result = classifier.retrain(*base, wrong, folds=3)
    assert not result.activate
    assert result.metrics["macro_f1"] < result.active_metrics["macro_f1"] - 0.005
    assert "keep the active model" in result.reason


@pytest.mark.slow
def test_active_metrics_are_reused_only_for_the_same_protocol(base, counted) -> None:
    first = classifier.retrain(*base, [], folds=3)
    assert first.activate  # same data, same folds: equal figures
    classifier.retrain(*base, [], active_metrics=first.active_metrics, folds=3)
    assert len(counted) == 3  # the second run evaluated only the candidate
    classifier.retrain(*base, [], active_metrics=first.active_metrics, folds=3, seed=1)
    assert len(counted) == 5  # other seed, other folds: the active figures are recomputed


def test_a_correction_of_a_base_text_replaces_its_label(base, counted) -> None:
    texts, labels = base
    fixed = [(texts[0], "卫生计生")] if labels[0] != "卫生计生" else [(texts[0], "交通运输")]
    result = classifier.retrain(texts, labels, fixed, folds=3)
    assert result.metrics["corrections"] == {"relabelled": 1, "added": 0}
    assert counted[0]["train_labels"] == labels  # active config learnt the old label
