from __future__ import annotations

from datetime import date

import numpy as np
import pytest

import classifier
from classifier import Prediction, TrainingError, UrgencyRules
from classifier.model import PLAIN_SHARES, _blend_weights

from .conftest import synthetic_corpus


def test_predicts_held_out_synthetic_texts(model: classifier.Model) -> None:
    texts, labels = synthetic_corpus(per_label=10, seed=99)
    predicted = [p.label for p in model.predict(texts)]
    assert np.mean(np.array(predicted) == np.array(labels)) >= 0.9


def test_prediction_fields(model: classifier.Model) -> None:
    [pred] = model.predict(["小区物业乱收费，电梯也坏了"])
    assert isinstance(pred, Prediction)
    assert pred.label == "城乡建设" == pred.top[0][0]
    assert pred.confidence == pred.top[0][1]
    assert len(pred.top) == 3 and len({label for label, _ in pred.top}) == 3
    probs = [p for _, p in pred.top]
    assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1 + 1e-6
    assert (pred.urgency, pred.urgency_rule) == ("一般", None)


def test_probabilities_cover_all_labels(model: classifier.Model) -> None:
    probs = model.probabilities(["学校老师", "医院医生"])
    assert probs.shape == (2, 7) and np.allclose(probs.sum(axis=1), 1.0)
    assert model.labels == tuple(sorted(model.labels))


def test_threshold_and_card(model: classifier.Model) -> None:
    assert 0.0 < model.threshold <= 1.0
    card = model.card
    assert card["n_texts"] == 210 and card["labels"] == list(model.labels)
    assert len(card["data_sha256"]) == 64 and card["user_words"] == 1
    assert card["metrics"]["folds"] == 2 and card["temperature"] > 0


def test_urgency_uses_the_given_rules_and_date(model: classifier.Model) -> None:
    text = "小区燃气泄漏，家里也没有暖气"
    assert model.predict([text])[0].urgency_rule == "燃气泄漏"
    custom = UrgencyRules.from_records([{"name": "暖气", "pattern": "没有暖气", "level": "紧急",
                                         "negatable": False, "months": [1]}])
    assert model.predict([text], urgency_rules=custom, when=date(2024, 1, 5))[0].urgency_rule \
        == "暖气"
    assert model.predict([text], urgency_rules=custom, when=date(2024, 6, 5))[0].urgency == "一般"


def test_empty_and_odd_inputs(model: classifier.Model) -> None:
    assert model.predict([]) == []
    preds = model.predict(["", "！！！", "13800138000", "a" * 5000])
    assert all(p.label in model.labels for p in preds)


def test_training_is_deterministic_for_a_seed(corpus) -> None:
    texts, labels = corpus
    a = classifier.train(texts, labels, seed=3)
    b = classifier.train(texts, labels, seed=3)
    sample = texts[:15]
    assert np.array_equal(a.probabilities(sample), b.probabilities(sample))
    assert a.threshold == b.threshold


def test_tiny_training_set_still_makes_a_model_that_defers_to_people() -> None:
    model = classifier.train(["学校收费", "医院排队"], ["教育文体", "卫生计生"])
    assert model.threshold == 1.0 and model.card["metrics"] is None
    assert model.predict(["学校"])[0].label == "教育文体"


@pytest.mark.parametrize(("texts", "labels", "message"), [
    (["a", "b"], ["x"], "2 texts but 1 labels"),
    (["a", "b"], ["x", "x"], "two different labels"),
    (["a", "b"], ["x", " "], "empty"),
])
def test_bad_training_data_is_refused(texts, labels, message) -> None:
    with pytest.raises(TrainingError, match=message):
        classifier.train(texts, labels)


def test_blend_share_follows_the_better_member_out_of_fold() -> None:
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 20)
    right = np.eye(3)[y] * 5.0 + rng.normal(0, 0.1, (60, 3))
    noise = rng.normal(0, 1.0, (60, 3))
    assert _blend_weights([right, noise], y)[1] == 0.0
    weights, share = _blend_weights([noise, right], y)
    assert share > 0.0 and weights[1] > 0.0


def test_trained_model_records_its_blend(model: classifier.Model) -> None:
    assert model.card["plain_svm_share"] in PLAIN_SHARES
