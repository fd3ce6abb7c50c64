"""Sanity checks on the TipDM data, skipped where it is absent; the full protocol is in
bench/classifier/run.py."""

from __future__ import annotations

import random

import pytest
from sklearn.metrics import f1_score

import classifier
import config
from classifier import data

TIPDM = config.load().data_dir
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not data.available(TIPDM), reason="TipDM data absent")]


def _split(texts, labels, n_train: int, n_test: int, seed: int = 0):
    rows = list(zip(texts, labels, strict=True))
    random.Random(seed).shuffle(rows)
    return rows[:n_train], rows[n_train:n_train + n_test]


@pytest.mark.parametrize(("loader", "floor"), [(data.tipdm_bodies, 0.8),
                                               (data.tipdm_titles, 0.7)])
def test_subsample_scores_well_above_chance(loader, floor: float) -> None:
    train, test = _split(*loader(TIPDM), 1500, 500)
    model = classifier.train([t for t, _ in train], [lab for _, lab in train])
    predicted = [p.label for p in model.predict([t for t, _ in test])]
    assert f1_score([lab for _, lab in test], predicted, average="macro") > floor  # chance ~0.14


def test_loaders_drop_conflicting_rows() -> None:
    bodies, body_labels = data.tipdm_bodies(TIPDM)
    titles, _ = data.tipdm_titles(TIPDM)
    assert len(bodies) == len(body_labels) == 7082 and len(titles) == 9202
    assert len(set(body_labels)) == 7
