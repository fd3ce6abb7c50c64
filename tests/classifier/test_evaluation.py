from __future__ import annotations

import json

import numpy as np
import pytest

import classifier
from classifier.calibration import (
    expected_calibration_error,
    fit_temperature,
    pick_threshold,
    softmax,
)
from classifier.evaluation import make_folds


def test_evaluate_reports_every_figure(corpus) -> None:
    texts, labels = corpus
    report = classifier.evaluate(texts, labels, folds=3)
    json.dumps(report)
    assert report["n"] == len(texts) and report["folds"] == 3
    assert report["macro_f1"] > 0.8 and 0 <= report["ece"] <= 1
    assert np.array(report["confusion_matrix"]).sum() == len(texts)
    assert set(report["per_class"]) == set(labels)
    assert len(report["fold_thresholds"]) == 3 and 0 < report["threshold"] <= 1
    assert 0 <= report["auto_dispatch"]["share"] <= 1
    assert report["protocol"]["folds"] == 3 and len(report["protocol"]["data_sha256"]) == 64


def test_groups_never_straddle_folds() -> None:
    labels = ["a", "b"] * 20
    groups = [f"g{i // 4}" for i in range(40)]
    for train, test in make_folds(labels, groups, 5, seed=0):
        assert not {groups[i] for i in train} & {groups[i] for i in test}


def test_folds_shrink_for_rare_labels() -> None:
    assert len(make_folds(["a"] * 10 + ["b"] * 3, [str(i) for i in range(13)], 5, 0)) == 3
    with pytest.raises(classifier.TrainingError):
        make_folds(["a"] * 10 + ["b"], [str(i) for i in range(11)], 5, 0)


def test_temperature_recovers_a_known_scale() -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(4000, 4)) * 3
    y = np.array([rng.choice(4, p=p) for p in softmax(logits, 1.0)])
    assert fit_temperature(logits * 5, y) == pytest.approx(5.0, rel=0.1)


def test_threshold_is_the_lowest_cut_meeting_the_target() -> None:
    confidence = np.array([0.99, 0.95, 0.9, 0.8, 0.7, 0.6])
    correct = np.array([1, 1, 1, 1, 0, 0], dtype=bool)
    assert pick_threshold(confidence, correct, target=0.95) == 0.8
    assert pick_threshold(confidence, correct, target=0.8) == 0.7
    assert pick_threshold(confidence, ~correct, target=0.95) == 1.0


def test_threshold_does_not_split_tied_confidences() -> None:
    confidence = np.array([0.9, 0.9, 0.5])
    correct = np.array([1, 0, 1], dtype=bool)
    assert pick_threshold(confidence, correct, target=0.6) == 0.5


def test_ece_of_perfect_and_overconfident_predictions() -> None:
    assert expected_calibration_error(np.array([1.0, 1.0]), np.array([True, True])) == 0.0
    assert expected_calibration_error(np.full(4, 0.9), np.array([1, 0, 0, 0], bool)) \
        == pytest.approx(0.65)
