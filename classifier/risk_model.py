"""可能有风险: a character n-gram model that suggests a risk the rules (classifier.risk) missed.

The rules find what they were written for ("我想自杀", "上百人聚集"); callers in danger also say
it other ways ("药攒了一瓶，今晚全吃掉", "楼下独居老人好几天没动静了"). A logistic regression on
character 1-3-gram TF-IDF, trained on the project's own risky call notes (the ``dev`` half of
``devsets/risk_notes.csv``) against ordinary ones (that half's safe notes, the 350 notes of
the call-note set and whatever ordinary texts the caller adds: the web app adds its demo
corpus, whose longer web-style messages keep long texts from looking risky), scores every text; above its threshold the ticket shows 可能有风险 with the
nearest risky note as the reason. It is a suggestion for the agent and the supervisor, never
an alert and never a mark: the false alarms a learnt model makes must cost a glance, not a
supervisor's call. ``bench/risk`` measures it on the ``holdout`` half and the TipDM bodies.

The threshold is chosen on the dev half alone (out-of-fold scores): the lowest score at which
at most ``FALSE_ALARM_BUDGET`` of the ordinary training texts would be flagged.

Fitting takes one to four seconds (five folds for the threshold), too long for the web's first
console suggestion: the model is fitted when a classifier is trained and stored beside it
(:func:`save`, skops, plain data only), and a process loads it (:func:`load_or_fit`); a
missing file, or one fitted on other texts or settings (its ``fingerprint``), is fitted anew.

The category shown is the nearest risky note's. A similarity-weighted vote of the k nearest
and a category logistic regression were tried on the dev half (leave-one-out over its risky
notes): neither beat the single nearest note there, so it stays; bench/risk reports the
category's held-out accuracy.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import math
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import skops.io as sio
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from classifier.text import normalize

RISK_NOTES = "risk_notes.csv"
# Shipped ordinary texts that join the negatives: none of them is about a person in danger.
ORDINARY = ("call_notes.csv",)
FALSE_ALARM_BUDGET = 0.02
C = 4.0  # fixed a priori (a weak regulariser for a few hundred short texts), not tuned
FOLDS = 5
RISK_FILE = "risk_model.skops"
# A quick score this far under the threshold is decided without scikit-learn: far above the
# rounding between the two computations (1e-15), far below any score's meaning.
QUICK_MARGIN = 1e-9
STATE_VERSION = 1  # bump when the stored state or the fitting changes: older files are refitted
# The stored file holds plain data only (as classifier.persist): loading runs no code of its own.
TRUSTED_TYPES = ["numpy.dtype", "numpy.ndarray", "builtins.dict", "builtins.list",
                 "builtins.str", "builtins.int", "builtins.float"]


@dataclass(frozen=True)
class RiskSuggestion:
    """The model's score, its threshold, and the nearest risky note (the reason shown)."""

    score: float
    threshold: float
    category: str
    nearest: str
    similarity: float

    def as_dict(self) -> dict[str, object]:
        return {"by": "risk_model", "score": round(self.score, 3),
                "threshold": round(self.threshold, 3), "category": self.category,
                "nearest": self.nearest, "similarity": round(self.similarity, 3)}


def risk_notes(split: str) -> list[dict[str, str]]:
    """The rows of ``devsets/risk_notes.csv`` in ``split`` (``dev`` or ``holdout``)."""
    raw = resources.files(__package__).joinpath("devsets", RISK_NOTES).read_text(encoding="utf-8")
    return [row for row in csv.DictReader(raw.splitlines()) if row["split"] == split]


def _ordinary_texts() -> list[str]:
    texts = []
    for name in ORDINARY:
        raw = resources.files(__package__).joinpath("devsets", name).read_text(encoding="utf-8")
        texts += [row["text"] for row in csv.DictReader(raw.splitlines())]
    return texts


def _threshold(scores: np.ndarray, risky: np.ndarray) -> float:
    """The lowest threshold (a text is flagged at ``score >= threshold``) flagging at most
    ``FALSE_ALARM_BUDGET`` of the ordinary texts: just above the first ordinary score that
    would be one too many."""
    ordinary = np.sort(scores[~risky])[::-1]
    allowed = int(FALSE_ALARM_BUDGET * len(ordinary))
    if allowed >= len(ordinary):
        return float(ordinary[-1])
    return float(np.nextafter(ordinary[allowed], np.inf))


def _vectorizer(vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=1,
                           vocabulary=vocabulary)


def fingerprint(risky: Sequence[tuple[str, str]], ordinary: Sequence[str]) -> str:
    """What a fitted model depends on: its texts and its settings. A stored model with another
    fingerprint is out of date."""
    key = [STATE_VERSION, C, FOLDS, FALSE_ALARM_BUDGET, [list(r) for r in risky], list(ordinary)]
    return hashlib.sha256(json.dumps(key, ensure_ascii=False).encode("utf-8")).hexdigest()


class RiskModel:
    """The fitted vectorizer and weights, the threshold and the risky notes (for the reason)."""

    def __init__(self, vectorizer: TfidfVectorizer, coef: np.ndarray, intercept: float,
                 threshold: float, risky: Sequence[tuple[str, str]], fingerprint: str) -> None:
        self.vectorizer, self.coef, self.intercept = vectorizer, coef, intercept
        self.threshold, self.risky, self.fingerprint = threshold, list(risky), fingerprint
        self.risky_rows = vectorizer.transform([normalize(t) for t, _ in risky])
        # The score of one text in plain Python (see _quick_score): the vectorizer's own
        # analyzer, and each term's idf and weight as floats.
        self._analyze = vectorizer.build_analyzer()
        self._terms = {term: (float(vectorizer.idf_[i]), float(coef[i]))
                       for term, i in vectorizer.vocabulary_.items()}

    @classmethod
    def fitted(cls, risky: Sequence[tuple[str, str]], ordinary: Sequence[str]) -> RiskModel:
        """Fit on ``risky`` (text, category) and ``ordinary`` texts (about a second idle)."""
        texts = [normalize(t) for t, _ in risky] + [normalize(t) for t in ordinary]
        y = np.array([1] * len(risky) + [0] * len(ordinary))
        vectorizer = _vectorizer()
        x = vectorizer.fit_transform(texts)
        model = LogisticRegression(C=C, class_weight="balanced", solver="liblinear")
        folds = StratifiedKFold(FOLDS, shuffle=True, random_state=0)
        oof = cross_val_predict(model, x, y, cv=folds, method="decision_function")
        model.fit(x, y)
        return cls(vectorizer, model.coef_.ravel(), float(model.intercept_[0]),
                   _threshold(oof, y == 1), risky, fingerprint(risky, ordinary))

    def _decision(self, x: Any) -> np.ndarray:
        return np.asarray(x @ self.coef).ravel() + self.intercept

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        return self._decision(self.vectorizer.transform([normalize(t) for t in texts]))

    def _nearest(self, x: Any) -> tuple[int, float]:
        sims = (self.risky_rows @ x.T).toarray().ravel()
        best = int(sims.argmax())
        return best, float(sims[best])

    def category(self, text: str) -> str:
        """The category a suggestion for ``text`` would show: its nearest risky note's."""
        return self.risky[self._nearest(self.vectorizer.transform([normalize(text)]))[0]][1]

    def _quick_score(self, text: str) -> float:
        """The score ``scores`` gives, computed for one text without scikit-learn: its sparse
        matrices and input checks cost about a millisecond a text, most of the routing step's
        time (bench/deadlines), for the sum of a few dozen terms. The same n-grams (the
        vectorizer's analyzer), sublinear tf times idf, L2-normalised, dotted with the weights;
        it differs from ``scores`` only by rounding (about 1e-15)."""
        counts: dict[str, int] = {}
        terms = self._terms
        for gram in self._analyze(normalize(text)):
            if gram in terms:
                counts[gram] = counts.get(gram, 0) + 1
        squares = dot = 0.0
        for gram, count in counts.items():
            idf, weight = terms[gram]
            value = (math.log(count) + 1.0) * idf
            squares += value * value
            dot += value * weight
        return (dot / math.sqrt(squares) if squares else 0.0) + self.intercept

    def suggest(self, text: str) -> RiskSuggestion | None:
        """A suggestion when the text scores at or above the threshold, else None.

        Most texts score well below the threshold: they are decided by ``_quick_score``. A
        text within ``QUICK_MARGIN`` of it, or above it, is scored by scikit-learn as before,
        so every decision and every suggestion is the one ``scores`` would give."""
        if self._quick_score(text) < self.threshold - QUICK_MARGIN:
            return None
        x = self.vectorizer.transform([normalize(text)])
        score = float(self._decision(x)[0])
        if score < self.threshold:
            return None
        best, similarity = self._nearest(x)
        nearest, category = self.risky[best]
        return RiskSuggestion(score, self.threshold, category, nearest, similarity)


def _training_texts(ordinary: Sequence[str]) -> tuple[list[tuple[str, str]], list[str]]:
    risky = [(r["text"], r["category"]) for r in risk_notes("dev") if r["risky"] == "1"]
    safe = [r["text"] for r in risk_notes("dev") if r["risky"] == "0"]
    return risky, safe + _ordinary_texts() + list(ordinary)


def fit(ordinary: Sequence[str] = ()) -> RiskModel:
    """The model on the shipped texts plus ``ordinary`` ones (none about a person in danger).

    Without the web app's demo corpus the TipDM bodies the rules do not flag were suggested
    15.6 % of the time, with it 1.9 % (bench/risk): the call notes alone are all short.
    """
    return RiskModel.fitted(*_training_texts(ordinary))


def save(model: RiskModel, path: str | Path) -> Path:
    """Write the model as plain data (vocabulary, idf, weights, threshold, notes)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # One unicode array, not a list: skops reads an array at once and a list string by string.
    terms = np.array(sorted(model.vectorizer.vocabulary_,
                            key=model.vectorizer.vocabulary_.__getitem__))
    state = {"version": STATE_VERSION, "fingerprint": model.fingerprint, "terms": terms,
             "idf": model.vectorizer.idf_, "coef": model.coef, "intercept": model.intercept,
             "threshold": model.threshold, "risky": [list(r) for r in model.risky]}
    # Written aside and renamed: a web process and a worker may store it at the same moment,
    # and neither may read the other's half-written file.
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    sio.dump(state, partial, compression=zipfile.ZIP_DEFLATED)
    partial.replace(path)
    return path


def load(path: str | Path) -> RiskModel:
    """The stored model; OSError or ValueError (skops, numpy) for an unreadable file."""
    state = sio.load(Path(path), trusted=TRUSTED_TYPES)
    vectorizer = _vectorizer({str(term): i for i, term in enumerate(state["terms"])})
    vectorizer.idf_ = state["idf"]
    if len(state["coef"]) != len(state["terms"]):
        raise ValueError(f"{path}: weights do not match the vocabulary")
    return RiskModel(vectorizer, state["coef"], float(state["intercept"]),
                     float(state["threshold"]), [tuple(r) for r in state["risky"]],
                     state["fingerprint"])


def _stored(path: Path, wanted: str) -> RiskModel | None:
    """The model at ``path`` if it is readable and has the ``wanted`` fingerprint."""
    if not path.is_file():
        return None
    try:
        stored = load(path)
    except Exception:  # skops/zipfile/numpy raise many types for a damaged or foreign file
        return None
    return stored if stored.fingerprint == wanted else None


def load_or_fit(path: str | Path | None, ordinary: Sequence[str] = ()) -> RiskModel:
    """The model stored at ``path`` when it was fitted on these texts with these settings;
    otherwise fitted now and, when ``path`` is given, stored there for the next process.

    A file that cannot be read or written is no error: the suggestion is a hint, and this
    process keeps its own fit.
    """
    risky, texts = _training_texts(ordinary)
    wanted = fingerprint(risky, texts)
    stored = _stored(Path(path), wanted) if path is not None else None
    if stored is not None:
        return stored
    model = RiskModel.fitted(risky, texts)
    if path is not None:
        with contextlib.suppress(OSError):
            save(model, path)
    return model
