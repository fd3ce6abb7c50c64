from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
import sklearn
import skops.io as sio
from sklearn.linear_model import LogisticRegression

import classifier
from classifier import ModelError
from classifier.card import CARD_FILE, FORMAT_VERSION
from classifier.persist import MODEL_FILE, _sha256


@pytest.fixture
def copy(model_dir: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(model_dir, tmp_path / "m"))


def _edit_card(directory: Path, **changes) -> None:
    card = json.loads((directory / CARD_FILE).read_text(encoding="utf-8"))
    card.update(changes)
    (directory / CARD_FILE).write_text(json.dumps(card), encoding="utf-8")


def test_round_trip_predicts_the_same(model: classifier.Model, model_dir: Path, corpus) -> None:
    loaded = classifier.load(model_dir)
    texts = corpus[0][:30]
    assert np.allclose(loaded.probabilities(texts), model.probabilities(texts), atol=1e-6)
    assert loaded.labels == model.labels and loaded.threshold == model.threshold
    assert loaded.card["class_offsets"] == model.card["class_offsets"]
    assert np.array_equal(loaded.scores.intercept, model.scores.intercept)  # offsets inside
    assert loaded.featurizer.segmenter.user_words == ("东湖花园",)


def test_card_describes_the_model(model_dir: Path) -> None:
    card = json.loads((model_dir / CARD_FILE).read_text(encoding="utf-8"))
    assert card["format_version"] == FORMAT_VERSION
    assert len(card["data_sha256"]) == 64 and card["model_sha256"] == _sha256(
        model_dir / MODEL_FILE)
    assert {"python", "scikit-learn", "jieba", "skops", "numpy"} <= set(card["libraries"])
    assert card["libraries"]["scikit-learn"] == sklearn.__version__
    assert card["labels"] and card["threshold"] > 0 and card["created_at"]
    assert card["training_seconds"] > 0 and card["metrics"]["accuracy"] > 0


def test_model_file_is_skops_not_pickle(model_dir: Path) -> None:
    assert zipfile.is_zipfile(model_dir / MODEL_FILE)
    assert sio.get_untrusted_types(file=model_dir / MODEL_FILE) == []


def _refused(directory: Path, match: str) -> None:
    with pytest.raises(ModelError, match=match) as info:
        classifier.load(directory)
    assert "\n" not in str(info.value)


def test_missing_directory_and_files(tmp_path: Path, copy: Path) -> None:
    _refused(tmp_path / "nope", "does not exist")
    _refused(tmp_path, "no model_card.json")
    (copy / MODEL_FILE).unlink()
    _refused(copy, "no model.skops")


def test_corrupt_card(copy: Path) -> None:
    (copy / CARD_FILE).write_text("{not json", encoding="utf-8")
    _refused(copy, "unreadable")
    (copy / CARD_FILE).write_text("[1, 2]", encoding="utf-8")
    _refused(copy, "not a JSON object")


def test_tampered_model_file(copy: Path) -> None:
    data = bytearray((copy / MODEL_FILE).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (copy / MODEL_FILE).write_bytes(bytes(data))
    _refused(copy, "does not match the sha256")


def test_corrupt_model_file_with_a_matching_card(copy: Path) -> None:
    (copy / MODEL_FILE).write_bytes(b"this is not a zip file")
    _edit_card(copy, model_sha256=_sha256(copy / MODEL_FILE))
    _refused(copy, "cannot be read")


def test_model_file_with_foreign_types_is_refused(copy: Path) -> None:
    sio.dump({"labels": ["a"], "x": LogisticRegression()}, copy / MODEL_FILE)
    _edit_card(copy, model_sha256=_sha256(copy / MODEL_FILE))
    _refused(copy, "not allowed")


def test_incompatible_versions(copy: Path) -> None:
    _edit_card(copy, format_version=FORMAT_VERSION + 1)
    _refused(copy, "model format")
    major, minor = sklearn.__version__.split(".")[:2]
    card = json.loads((copy / CARD_FILE).read_text(encoding="utf-8"))
    _edit_card(copy, format_version=FORMAT_VERSION,
               libraries={**card["libraries"], "scikit-learn": f"{major}.{int(minor) + 1}.0"})
    _refused(copy, "scikit-learn")
