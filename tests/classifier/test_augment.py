"""Call-note windows cut from long training texts (classifier/augment.py) and how training
uses them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

import classifier
from classifier import augment, data
from classifier.model import Windows

REPO = Path(__file__).resolve().parents[2]
LONG_TEXT = "小区物业长期不作为，" * 20


def test_windows_are_call_note_sized_cuts_of_long_texts_only() -> None:
    texts = ["路灯坏了", LONG_TEXT, "短" * augment.LONG, LONG_TEXT + "垃圾"]
    cut, sources = augment.windows(texts, seed=3)
    assert sources == [1] * augment.PER_TEXT + [3] * augment.PER_TEXT
    for window, source in zip(cut, sources, strict=True):
        opening = next(o for o in sorted(augment.OPENINGS, key=len, reverse=True)
                       if window.startswith(o))
        body = window[len(opening):]
        assert augment.SHORTEST <= len(body) <= augment.LONGEST and body in texts[source]
    assert augment.windows(texts, seed=3) == (cut, sources)
    assert augment.windows(texts, seed=4) != (cut, sources)


def test_a_text_and_its_windows_are_on_the_same_side_of_a_fold() -> None:
    x = sp.csr_matrix(np.eye(3, dtype=np.float32))
    extra = Windows(sp.csr_matrix(np.full((4, 3), 0.5, dtype=np.float32)), np.array([0, 0, 2, 2]),
                    np.array([0, 0, 2, 2]))
    rows, labels, weights = extra.rows(x, np.array([0, 1, 2]), np.array([1, 2]))
    assert rows.shape == (4, 3) and labels.tolist() == [1, 2, 2, 2]
    assert weights.tolist() == [1.0, 1.0, augment.WINDOW_WEIGHT, augment.WINDOW_WEIGHT]


@pytest.fixture(scope="module")
def demo_model() -> classifier.Model:
    """The model a machine without the TipDM data trains: the repository's demo corpus."""
    path = REPO / "hotline" / "seed" / "corpus.csv"
    texts, labels = data.columns(data.read_rows(path), path, "text", "topic")
    return classifier.train(texts, labels)


@pytest.mark.parametrize(("note", "topic"), [
    ("市民来电反映东湖路的路灯坏了一个月", "城乡建设"),
    ("来电人称老板拖欠三个月工资不给", "劳动和社会保障"),
    ("举报化工厂晚上偷排废水 河水发臭", "环境保护"),
    ("26路公交车半小时都不来一班", "交通运输"),
    ("孩子上幼儿园要交的费用太多了", "教育文体"),
    ("医院挂号排队三个小时看病三分钟", "卫生计生"),
    ("景区门票涨价还强制买观光车票", "商贸旅游"),
])
def test_the_demo_model_gets_short_notes_right(demo_model: classifier.Model, note: str,
                                               topic: str) -> None:
    assert demo_model.predict([note])[0].label == topic
