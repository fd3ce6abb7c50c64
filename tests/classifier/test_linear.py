"""The one-vs-rest SVMs: the same models whatever the number of processes that fit them."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.svm import LinearSVC

from classifier import linear
from classifier.linear import NBSVM, PLAIN_SVM, Problem, fit_members, nb_ratios
from classifier.model import Featurizer
from classifier.text import normalize, segmenter_for
from tests.classifier.conftest import synthetic_corpus


@pytest.fixture(scope="module")
def rows() -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    texts, labels = synthetic_corpus(per_label=20)
    x = Featurizer(segmenter_for(()), min_df=1).fit_transform([normalize(t) for t in texts])
    names = sorted(set(labels))
    y = np.array([names.index(label) for label in labels])
    weights = np.where(np.arange(len(y)) % 3 == 0, 0.3, 1.0)
    return x, y, weights


def _reference(x, y, n_classes, scale, c, weights):
    """The loop the project used before: ``x @ diags(scale)`` and one fit per class here."""
    coef = np.zeros((x.shape[1], n_classes), dtype=np.float32)
    intercept = np.zeros(n_classes, dtype=np.float32)
    for k in range(n_classes):
        xk = x if scale is None else x @ sp.diags(scale[:, k])
        svm = LinearSVC(C=c, class_weight="balanced", tol=linear.TOLERANCE, random_state=0)
        svm.fit(xk, (y == k).astype(np.int8), sample_weight=weights)
        learnt = svm.coef_.ravel()
        coef[:, k] = learnt if scale is None else scale[:, k] * learnt
        intercept[k] = svm.intercept_[0]
    return coef, intercept


def test_members_are_bit_identical_to_the_one_class_at_a_time_fits(rows) -> None:
    x, y, weights = rows
    n = int(y.max()) + 1
    nb, plain = fit_members([Problem(NBSVM, x, y, weights), Problem(PLAIN_SVM, x, y, weights)], n)
    for fitted, scale, c in ((nb, nb_ratios(x, y, n, weights), linear.NB_C),
                             (plain, None, linear.PLAIN_C)):
        coef, intercept = _reference(x, y, n, scale, c, weights)
        assert np.array_equal(fitted.coef, coef)
        assert np.array_equal(fitted.intercept, intercept)


def test_the_same_models_in_one_process_and_in_two(rows, monkeypatch) -> None:
    x, y, weights = rows
    n = int(y.max()) + 1
    problems = [Problem(NBSVM, x, y, weights), Problem(PLAIN_SVM, x[::2], y[::2], None)]
    monkeypatch.setattr(linear, "JOBS", 1)
    alone = fit_members(problems, n)
    monkeypatch.setattr(linear, "JOBS", 2)
    monkeypatch.setattr(linear, "PARALLEL_NNZ", 0)  # this corpus is small: force the workers
    shared = fit_members(problems, n)
    for one, two in zip(alone, shared, strict=True):
        assert np.array_equal(one.coef, two.coef)
        assert np.array_equal(one.intercept, two.intercept)


@pytest.mark.parametrize(("value", "expected"), [(3, 3), (0, 1), (1, 1)])
def test_jobs_as_set(monkeypatch, value, expected) -> None:
    monkeypatch.setattr(linear, "JOBS", value)
    assert linear.jobs() == expected


def test_jobs_default_to_the_cores_available(monkeypatch) -> None:
    monkeypatch.setattr(linear, "JOBS", None)
    monkeypatch.setattr(linear.joblib, "cpu_count", lambda: 2)
    assert linear.jobs() == 2
