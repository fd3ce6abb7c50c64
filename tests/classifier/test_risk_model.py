"""The risk model (classifier.risk_model): what it suggests beside the rules, and its data."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from classifier.risk import RiskRules
from classifier.risk_model import (
    FALSE_ALARM_BUDGET,
    RISK_FILE,
    RiskModel,
    _threshold,
    _training_texts,
    fingerprint,
    fit,
    load,
    load_or_fit,
    risk_notes,
    save,
)
from hotline.seed.load import corpus_rows

# Written for this test, in none of the model's texts: risky in words no rule knows.
UNSEEN_RISKY = [
    ("我把家里的药都攒起来了，打算今晚一次全吃了", "self_harm"),
    ("活着真没劲，我准备从楼上下去", "self_harm"),
    ("邻居老太太一个人住，一个星期没见她出门了，敲门也没人应", "child_elder"),
]


@lru_cache(maxsize=1)
def model() -> RiskModel:
    """As the intake fits it (hotline.intake.triage.intake_risk_model)."""
    return fit([row["text"] for row in corpus_rows()])


ORDINARY = ["小区门口路灯坏了很久没人修", "拖欠工资三个月了，一直要不到", "请问公积金怎么提取",
            "邻居装修太吵了", "我想咨询一下低保怎么申请"]


@pytest.mark.parametrize(("text", "category"), UNSEEN_RISKY)
def test_it_suggests_a_risk_the_rules_miss_with_the_nearest_risky_note(
        text: str, category: str) -> None:
    assert RiskRules.default().assess(text) is None
    suggestion = model().suggest(text)
    assert suggestion is not None and suggestion.score >= suggestion.threshold
    assert suggestion.category == category
    reason = suggestion.as_dict()
    assert reason["by"] == "risk_model" and reason["nearest"] in {
        r["text"] for r in risk_notes("dev")}


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_requests_get_no_suggestion(text: str) -> None:
    assert model().suggest(text) is None


def test_the_threshold_flags_at_most_the_budget_of_the_ordinary_texts() -> None:
    scores = np.linspace(-3.0, 1.0, 401)
    risky = np.zeros(len(scores), dtype=bool)
    risky[-50:] = True
    threshold = _threshold(scores, risky)
    flagged = (scores >= threshold) & ~risky
    assert flagged.sum() <= FALSE_ALARM_BUDGET * (~risky).sum()
    assert ((scores >= threshold - 0.011) & ~risky).sum() > FALSE_ALARM_BUDGET * (~risky).sum()


def test_the_halves_are_disjoint_balanced_and_only_dev_trains() -> None:
    dev, holdout = risk_notes("dev"), risk_notes("holdout")
    assert not {r["text"] for r in dev} & {r["text"] for r in holdout}
    for half in (dev, holdout):
        assert {r["category"] for r in half if r["risky"] == "1"} == {
            "self_harm", "violence", "mass_gathering", "child_elder"}
        assert sum(r["risky"] == "0" for r in half) >= 20
    trained = {text for text, _ in model().risky}
    assert trained == {r["text"] for r in dev if r["risky"] == "1"}


def test_a_stored_model_scores_and_suggests_as_the_fitted_one(tmp_path: Path) -> None:
    stored = load(save(model(), tmp_path / RISK_FILE))
    texts = [t for t, _ in UNSEEN_RISKY] + ORDINARY
    assert np.allclose(stored.scores(texts), model().scores(texts))
    assert stored.threshold == model().threshold
    assert stored.suggest(UNSEEN_RISKY[0][0]) == model().suggest(UNSEEN_RISKY[0][0])


def _no_fitting(*_args: object) -> RiskModel:
    raise AssertionError("fitted although a current model was stored")


def test_load_or_fit_loads_a_current_file_and_refits_a_missing_old_or_damaged_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / RISK_FILE
    ordinary = ["小区门口路灯坏了很久没人修"]
    first = load_or_fit(path, ordinary)  # missing: fitted and stored
    assert path.is_file() and first.fingerprint == load(path).fingerprint
    with monkeypatch.context() as patched:
        patched.setattr(RiskModel, "fitted", classmethod(_no_fitting))
        assert load_or_fit(path, ordinary).fingerprint == first.fingerprint
    other = load_or_fit(path, [*ordinary, "公交车晚点"])  # fitted on other texts: refitted
    assert other.fingerprint != first.fingerprint == fingerprint(*_training_texts(ordinary))
    assert load(path).fingerprint == other.fingerprint
    path.write_bytes(b"not a skops file")
    assert load_or_fit(path, ordinary).fingerprint == first.fingerprint
    assert load(path).fingerprint == first.fingerprint


def _all_texts() -> list[str]:
    from classifier.risk_model import _ordinary_texts
    notes = risk_notes("dev") + risk_notes("holdout")
    return ([r["text"] for r in notes] + _ordinary_texts() + [r["text"] for r in corpus_rows()]
            + [t for t, _ in UNSEEN_RISKY] + ORDINARY + ["", "   ", "ABC  def\t\n路灯"])


def test_the_quick_score_is_scikit_learns_score() -> None:
    texts = _all_texts()
    quick = np.array([model()._quick_score(t) for t in texts])
    assert np.abs(quick - model().scores(texts)).max() < 1e-12


def test_a_text_below_the_threshold_is_decided_without_scikit_learn(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Routing scores every ticket no rule marks: the sparse transform cost a millisecond each
    (bench/deadlines fell under 1,000 tickets/s). Only texts at or near the threshold use it."""
    transformed: list[str] = []
    exact = model().vectorizer.transform

    def counted(texts: list[str]) -> object:
        transformed.extend(texts)
        return exact(texts)

    monkeypatch.setattr(model().vectorizer, "transform", counted)
    for text in ORDINARY:
        assert model().suggest(text) is None
    assert transformed == []
    suggestion = model().suggest(UNSEEN_RISKY[0][0])
    assert suggestion is not None and len(transformed) == 1
    # Within the margin of the threshold the exact score decides, either way.
    text = ORDINARY[0]
    score = float(model().scores([text])[0])
    for threshold, suggested in ((score, True), (np.nextafter(score, np.inf), False)):
        monkeypatch.setattr(model(), "threshold", float(threshold))
        transformed.clear()
        assert (model().suggest(text) is not None) is suggested
        assert transformed == [text] if suggested else len(transformed) == 1


def test_suggestions_are_those_of_the_exact_scores() -> None:
    texts = _all_texts()
    scores = model().scores(texts)
    for text, score in zip(texts, scores, strict=True):
        suggestion = model().suggest(text)
        assert (suggestion is not None) is bool(score >= model().threshold)
        if suggestion is not None:
            assert suggestion.score == float(score)
