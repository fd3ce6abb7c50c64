"""The nearest-texts vote: which features a text keeps, how the nearest ones vote, and that it
survives saving and loading."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
import skops.io as sio

import classifier
from classifier import neighbours
from classifier.card import CARD_FILE
from classifier.model import NEIGHBOUR_WEIGHTS
from classifier.neighbours import Neighbours, strongest
from classifier.persist import MODEL_FILE, TRUSTED_TYPES, _sha256
from classifier.text import normalize


def test_strongest_keeps_the_largest_entries_of_each_row() -> None:
    x = sp.csr_matrix(np.array([[0.5, 0.2, 0.9, 0.2], [0.1, 0.0, 0.0, 0.0]], dtype=np.float32))
    assert np.allclose(strongest(x, 2).toarray(), [[0.5, 0, 0.9, 0], [0.1, 0, 0, 0]])
    # Of two equal entries the one in the lower column stays.
    assert np.allclose(strongest(x, 3).toarray()[0], [0.5, 0.2, 0.9, 0])
    assert (strongest(x, 4) != x).nnz == 0


def _two_blocks(*rows: list[float]) -> sp.csr_matrix:
    """Rows made of two unit blocks, as the featurizer makes them."""
    blocks = [np.asarray(r, dtype=np.float32) / np.linalg.norm(r) for r in rows]
    return sp.csr_matrix(np.hstack([blocks, blocks]))


TRAINING = _two_blocks([1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0, 0, 1])


def test_a_text_seen_in_training_gets_its_labels_full_vote() -> None:
    near = Neighbours.fit(TRAINING, np.array([0, 0, 1, 2]), 3)
    scores = near.scores(_two_blocks([1, 0, 0]))
    second = 0.9 / np.hypot(0.9, 0.1)  # the cosine of the second training text with it
    assert scores[0].tolist() == pytest.approx([1.0 + second, 0.0, 0.0])


def test_only_the_k_nearest_vote(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(neighbours, "K", 1)
    near = Neighbours.fit(TRAINING, np.array([0, 1, 1, 2]), 3)
    scores = near.scores(_two_blocks([0.9, 0.1, 0]))
    assert scores[0].argmax() == 1 and np.count_nonzero(scores[0]) == 1


def test_training_records_the_chosen_weight(model: classifier.Model) -> None:
    assert model.card["neighbours"]["weight_step"] in NEIGHBOUR_WEIGHTS
    assert (model.neighbours is None) == (model.neighbour_weight == 0)


def test_a_model_with_neighbours_predicts_the_same_after_loading(
        model: classifier.Model, corpus, tmp_path: Path) -> None:
    """The vote is fitted here on labels shifted by one class and weighted far above the SVMs,
    so that a model which ignored it (before or after loading) would predict the true ones."""
    texts, labels = corpus
    x = model.featurizer.transform([normalize(t) for t in texts])
    n = len(model.labels)
    shifted = (np.array([model.labels.index(label) for label in labels]) + 1) % n
    voting = _copy(model)
    voting.neighbours, voting.neighbour_weight = Neighbours.fit(x, shifted, n), 100.0
    loaded = classifier.load(classifier.save(voting, tmp_path / "m"))
    assert loaded.neighbour_weight == 100.0 and loaded.neighbours is not None
    assert (loaded.neighbours.columns != voting.neighbours.columns).nnz == 0
    before, after = voting.probabilities(texts[:40]), loaded.probabilities(texts[:40])
    assert np.allclose(after, before, atol=1e-6)
    assert np.array_equal(after.argmax(axis=1), shifted[:40])
    assert np.array_equal(model.probabilities(texts[:40]).argmax(axis=1), (shifted[:40] - 1) % n)


def _copy(model: classifier.Model) -> classifier.Model:
    return classifier.Model(labels=model.labels, featurizer=model.featurizer, scores=model.scores,
                            temperature=model.temperature, threshold=model.threshold,
                            card=dict(model.card))


def test_a_format_1_model_still_loads_without_the_vote(model_dir: Path, tmp_path: Path) -> None:
    """Models saved before the vote existed (format 1) keep working after an upgrade."""
    old = Path(shutil.copytree(model_dir, tmp_path / "old"))
    state = sio.load(old / MODEL_FILE, trusted=TRUSTED_TYPES)
    for key in ("neighbours", "neighbour_weight"):
        state.pop(key)
    sio.dump(state, old / MODEL_FILE)
    card = json.loads((old / CARD_FILE).read_text(encoding="utf-8"))
    card.update(format_version=1, model_sha256=_sha256(old / MODEL_FILE))
    (old / CARD_FILE).write_text(json.dumps(card), encoding="utf-8")
    loaded = classifier.load(old)
    assert loaded.neighbours is None and loaded.neighbour_weight == 0.0
    assert loaded.predict(["小区物业乱收费，电梯也坏了"])[0].label == "城乡建设"
