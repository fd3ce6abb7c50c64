from __future__ import annotations

from datetime import date

import numpy as np
import pytest

import classifier
from classifier import Prediction, TrainingError, UrgencyRules
from classifier.model import PLAIN_SHARES, _blend, _macro_f1, _macro_f1s, class_offsets
from tests.classifier.conftest import synthetic_corpus


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


def test_probabilities_in_steps_equal_one_step(model: classifier.Model, monkeypatch) -> None:
    texts, _ = synthetic_corpus(per_label=3, seed=7)
    whole = model.probabilities(texts)
    monkeypatch.setattr("classifier.model.BATCH", 4)
    assert np.allclose(model.probabilities(texts), whole, atol=1e-6)
    assert model.probabilities([]).shape == (0, len(model.labels))


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


def _right_and_noise() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels, out-of-fold scores that always pick them, and scores that are pure noise."""
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 20)
    return y, np.eye(3)[y] * 5.0 + rng.normal(0, 0.1, (60, 3)), rng.normal(0, 1.0, (60, 3))


def test_blend_share_follows_the_better_member_out_of_fold() -> None:
    y, right, noise = _right_and_noise()
    assert _blend([right, noise, noise], y).share == 0.0
    mix = _blend([noise, right, noise], y)
    assert mix.share > 0.0 and mix.weights[1] > 0.0
    assert mix.offsets.shape == (3,)


def test_the_nearest_texts_vote_joins_the_blend_only_when_it_helps() -> None:
    y, right, noise = _right_and_noise()
    assert _blend([right, right, noise], y).neighbour_weight == 0.0
    mix = _blend([noise, noise, right], y)
    assert mix.neighbour_weight > 0.0 and mix.neighbour_step > 0.0
    assert _macro_f1(y, mix.scores([noise, noise, right]).argmax(axis=1), 3) == 1.0


def _biased_scores(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Scores like a one-vs-rest SVM's on unbalanced data: the small class 2 scores low."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(3), [300, 200, 60])
    scores = np.eye(3)[y] * 1.0 + rng.normal(0, 0.5, (len(y), 3))
    scores[:, 2] -= 0.6
    return scores, y


def test_macro_f1_matches_scikit_learn() -> None:
    from sklearn.metrics import f1_score
    rng = np.random.default_rng(1)
    y, pred = rng.integers(0, 4, 200), rng.integers(0, 4, 200)
    assert np.isclose(_macro_f1(y, pred, 4), f1_score(y, pred, average="macro"))


def test_the_offset_search_scores_its_steps_at_once_exactly_as_one_by_one() -> None:
    rng = np.random.default_rng(2)
    y = np.concatenate([np.arange(5), rng.integers(0, 5, 195)])
    preds = rng.integers(0, 5, (21, 200))
    preds[3] = y  # a perfect row, and one that never names class 4
    preds[4] = np.minimum(preds[4], 3)
    assert _macro_f1s(y, preds, 5).tolist() == [_macro_f1(y, row, 5) for row in preds]


def test_offsets_raise_a_minority_class_recall_on_unseen_scores() -> None:
    scores, y = _biased_scores(0)
    offsets, f1 = class_offsets(scores, y)
    assert f1 > _macro_f1(y, scores.argmax(axis=1), 3)
    assert offsets[2] > offsets[0] and offsets[2] > offsets[1]
    new_scores, new_y = _biased_scores(1)  # offsets learnt on one sample, used on another
    before, after = new_scores.argmax(axis=1), (new_scores + offsets).argmax(axis=1)
    small = new_y == 2
    assert (after[small] == 2).mean() > (before[small] == 2).mean() + 0.2
    assert _macro_f1(new_y, after, 3) > _macro_f1(new_y, before, 3)


def test_no_offsets_when_nothing_is_gained() -> None:
    y = np.repeat(np.arange(3), 20)
    scores = np.eye(3)[y] * 5.0
    offsets, f1 = class_offsets(scores, y)
    assert f1 == 1.0 and not offsets.any()


def test_trained_model_records_its_blend(model: classifier.Model) -> None:
    assert model.card["plain_svm_share"] in PLAIN_SHARES
    assert set(model.card["class_offsets"]) == set(model.labels)


def _confusable(seed: int, counts: dict[str, int]) -> tuple[list[str], list[str]]:
    """Half of the 城乡建设 and 交通运输 texts also carry two words of the other topic."""
    import random

    from tests.classifier.conftest import FILLER, TOPIC_WORDS

    pair = {"城乡建设": "交通运输", "交通运输": "城乡建设"}
    rng, texts, labels = random.Random(seed), [], []
    for label, n in counts.items():
        for _ in range(n):
            parts = rng.sample(TOPIC_WORDS[label], 2) + rng.sample(FILLER, 4)
            if label in pair and rng.random() < 0.5:
                parts += rng.sample(TOPIC_WORDS[pair[label]], 2)
            rng.shuffle(parts)
            texts.append("".join(parts))
            labels.append(label)
    return texts, labels


def test_training_learns_offsets_that_raise_a_small_confusable_class_recall(monkeypatch) -> None:
    """Like 交通运输 beside 城乡建设 on the real data: small, and sharing words with a big class."""
    from classifier import model as model_module

    train_set = _confusable(0, {"城乡建设": 240, "交通运输": 40, "教育文体": 80})
    texts, labels = _confusable(100, {"城乡建设": 100, "交通运输": 100, "教育文体": 10})
    small = np.array(labels) == "交通运输"

    def small_recall(model: classifier.Model) -> float:
        predicted = np.array([p.label for p in model.predict(texts)])
        return float((predicted[small] == "交通运输").mean())

    with_offsets = classifier.train(*train_set)
    assert with_offsets.card["class_offsets"]["交通运输"] > 0
    monkeypatch.setattr(model_module, "OFFSET_STEPS", (0.0,))
    without = classifier.train(*train_set)
    assert not any(without.card["class_offsets"].values())
    assert small_recall(with_offsets) > small_recall(without) + 0.1


def test_inner_folds_by_group_rank_are_the_splitters_folds_on_the_texts() -> None:
    from sklearn.model_selection import StratifiedGroupKFold

    from classifier.model import _inner_folds
    texts, labels = synthetic_corpus(per_label=12, seed=3)
    groups = [t[:4] for t in texts]  # many texts share a group
    groups[1] = groups[0] + "\x00"  # the same group for numpy
    y = np.array([sorted(set(labels)).index(label) for label in labels])
    splitter = StratifiedGroupKFold(n_splits=2, shuffle=True, random_state=5)
    expected = [test for _, test in splitter.split(np.zeros(len(y)), y, groups)]
    folds = _inner_folds(y, groups, 5)
    assert folds is not None and len(folds) == len(expected)
    assert all(np.array_equal(a, b) for a, b in zip(folds, expected, strict=True))
