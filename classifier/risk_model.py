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
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np
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


class RiskModel:
    """Fitted on construction from the shipped texts (well under a second)."""

    def __init__(self, risky: Sequence[tuple[str, str]], ordinary: Sequence[str]) -> None:
        texts = [normalize(t) for t, _ in risky] + [normalize(t) for t in ordinary]
        y = np.array([1] * len(risky) + [0] * len(ordinary))
        self.vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True,
                                          min_df=1)
        x = self.vectorizer.fit_transform(texts)
        model = LogisticRegression(C=C, class_weight="balanced", solver="liblinear")
        folds = StratifiedKFold(FOLDS, shuffle=True, random_state=0)
        oof = cross_val_predict(model, x, y, cv=folds, method="decision_function")
        self.threshold = _threshold(oof, y == 1)
        self.model = model.fit(x, y)
        self.risky_rows = x[: len(risky)]
        self.risky = list(risky)

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        return self.model.decision_function(self.vectorizer.transform(
            [normalize(t) for t in texts]))

    def suggest(self, text: str) -> RiskSuggestion | None:
        """A suggestion when the text scores at or above the threshold, else None."""
        x = self.vectorizer.transform([normalize(text)])
        score = float(self.model.decision_function(x)[0])
        if score < self.threshold:
            return None
        sims = (self.risky_rows @ x.T).toarray().ravel()
        best = int(sims.argmax())
        nearest, category = self.risky[best]
        return RiskSuggestion(score, self.threshold, category, nearest, float(sims[best]))


def fit(ordinary: Sequence[str] = ()) -> RiskModel:
    """The model on the shipped texts plus ``ordinary`` ones (none about a person in danger).

    Without the web app's demo corpus the TipDM bodies the rules do not flag were suggested
    15.6 % of the time, with it 1.9 % (bench/risk): the call notes alone are all short.
    """
    risky = [(r["text"], r["category"]) for r in risk_notes("dev") if r["risky"] == "1"]
    safe = [r["text"] for r in risk_notes("dev") if r["risky"] == "0"]
    return RiskModel(risky, safe + _ordinary_texts() + list(ordinary))
