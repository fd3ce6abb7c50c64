"""Model directories: ``model.skops`` (arrays and plain values only) + ``model_card.json``.

skops instead of pickle because a model directory is a file an administrator uploads and a
worker loads: loading must not run arbitrary code. The model is stored as plain data (numpy
arrays, lists, numbers, strings), rebuilt into objects by this module, so the trusted-type
list below is short and holds no class of ours or scikit-learn's. The card records the
sha256 of ``model.skops``, so a swapped or damaged file is refused before skops reads it.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scipy.sparse as sp
import skops.io as sio

from classifier.card import CARD_FILE, FORMAT_VERSION, library_versions, read_card
from classifier.errors import ModelError
from classifier.features import CharNgrams, WordNgrams
from classifier.linear import LinearScores
from classifier.model import Featurizer, Model
from classifier.neighbours import Neighbours
from classifier.text import segmenter_for

MODEL_FILE = "model.skops"
# Every type a model file may contain; anything else makes load() refuse the file.
TRUSTED_TYPES = ["numpy.dtype", "numpy.ndarray", "builtins.dict", "builtins.list",
                 "builtins.str", "builtins.int", "builtins.float", "builtins.NoneType"]


def _state(model: Model) -> dict[str, Any]:
    f = model.featurizer
    return {
        "labels": list(model.labels),
        "user_words": list(f.segmenter.user_words),
        "words": f.words.get_state(),
        "chars": f.chars.get_state(),
        "coef": model.scores.coef,
        "intercept": model.scores.intercept,
        "temperature": float(model.temperature),
        "threshold": float(model.threshold),
        "neighbour_weight": float(model.neighbour_weight),
        "neighbours": None if model.neighbours is None else _neighbours_state(model.neighbours),
    }


def _neighbours_state(near: Neighbours) -> dict[str, Any]:
    columns = near.columns
    return {"data": columns.data, "indices": columns.indices, "indptr": columns.indptr,
            "labels": near.labels}


def _neighbours(state: dict[str, Any] | None, n_features: int, n_classes: int
                ) -> Neighbours | None:
    """The nearest-texts vote; None for a model without one (and every format-1 file)."""
    if state is None:
        return None
    labels = state["labels"]
    if len(state["indptr"]) != n_features + 1 or (len(labels) and labels.max() >= n_classes):
        raise ModelError("model file is inconsistent: neighbours do not match the features")
    columns = sp.csr_matrix((state["data"], state["indices"], state["indptr"]),
                            shape=(n_features, len(labels)))
    return Neighbours(columns, labels, n_classes)


def _model(state: dict[str, Any], card: dict[str, Any]) -> Model:
    featurizer = Featurizer(segmenter_for(state["user_words"]), WordNgrams.from_state(state["words"]),
                            CharNgrams.from_state(state["chars"]))
    scores = LinearScores(state["coef"], state["intercept"])
    if scores.coef.shape != (len(featurizer.words.idf) + len(featurizer.chars.idf),
                             len(state["labels"])):
        raise ModelError("model file is inconsistent: weights do not match the features")
    return Model(labels=state["labels"], featurizer=featurizer, scores=scores,
                 temperature=state["temperature"], threshold=state["threshold"], card=card,
                 neighbours=_neighbours(state.get("neighbours"), scores.coef.shape[0],
                                        len(state["labels"])),
                 neighbour_weight=float(state.get("neighbour_weight", 0.0)))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def save(model: Model, directory: str | Path) -> Path:
    """Write the model directory (created if needed) and return its path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / MODEL_FILE
    sio.dump(_state(model), path, compression=zipfile.ZIP_DEFLATED)
    card = {
        **model.card,
        "format_version": FORMAT_VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "threshold": float(model.threshold),
        "labels": list(model.labels),
        "libraries": library_versions(),
        "model_file": MODEL_FILE,
        "model_sha256": _sha256(path),
    }
    (directory / CARD_FILE).write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n",
                                       encoding="utf-8")
    model.card = card
    return directory


def _types(path: Path) -> set[str]:
    """Every type named in the file's schema.

    ``skops.io.get_untrusted_types`` leaves out what skops trusts by default (all of
    scikit-learn, for one); a model file of ours holds plain data only, so anything else in it
    means it was not written by :func:`save`.
    """
    with zipfile.ZipFile(path) as archive:
        schema = json.loads(archive.read("schema.json"))
    found: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if "__module__" in node and "__class__" in node:
                found.add(f"{node['__module__']}.{node['__class__']}")
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(schema)
    return found


def load(directory: str | Path) -> Model:
    """Load a model directory written by :func:`save`; ModelError with a one-line reason."""
    directory = Path(directory)
    card = read_card(directory)
    path = directory / MODEL_FILE
    if not path.is_file():
        raise ModelError(f"{directory} has no {MODEL_FILE}")
    if _sha256(path) != card.get("model_sha256"):
        raise ModelError(f"{path} does not match the sha256 in its model card "
                         "(damaged or replaced)")
    try:
        untrusted = _types(path) - set(TRUSTED_TYPES)
        if untrusted:
            raise ModelError(f"{path} contains types that are not allowed: "
                             f"{', '.join(sorted(untrusted))}")
        state = sio.load(path, trusted=TRUSTED_TYPES)
        return _model(state, card)
    except ModelError:
        raise
    except Exception as exc:  # skops/zipfile/numpy raise many types for a damaged file
        raise ModelError(f"{path} cannot be read: {type(exc).__name__}: {exc}") from None
