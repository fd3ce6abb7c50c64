from __future__ import annotations

import random
import time

from classifier import HotTopic, hot_topics
from tests.classifier.conftest import synthetic_corpus


def _period(n_burst: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    texts, _ = synthetic_corpus(per_label=20, seed=seed)
    burst = [f"{rng.choice(['东湖花园', '红枫苑'])}小区燃气泄漏，电话13800138000，2024年报修"
             for _ in range(n_burst)]
    return texts + burst


def test_a_burst_tops_the_period_against_its_baseline() -> None:
    period, baseline = _period(25), synthetic_corpus(per_label=20, seed=1)[0]
    topics = hot_topics(period, baseline, top=5)
    assert all(isinstance(t, HotTopic) for t in topics)
    assert ("燃气" in topics[0].phrase or "泄漏" in topics[0].phrase) and topics[0].count == 25
    assert [t.score for t in topics] == sorted((t.score for t in topics), reverse=True)


def test_masked_tokens_numbers_and_stop_words_never_appear() -> None:
    phrases = {t.phrase for t in hot_topics(_period(25), top=50)}
    assert phrases and not phrases & {"PHONE", "0", "0年", "我们", "希望", "问题"}
    assert not any(ch.isdigit() for p in phrases for ch in p)


def test_user_words_keep_place_names_whole() -> None:
    phrases = {t.phrase for t in hot_topics(_period(25), top=50, user_words=["东湖花园"])}
    assert "东湖花园" in phrases


def test_empty_period() -> None:
    assert hot_topics([]) == []


def test_a_few_thousand_texts_in_under_two_seconds() -> None:
    period = _period(200) * 9
    hot_topics(period[:10])  # dictionaries load once per process
    started = time.perf_counter()
    hot_topics(period, period[:1000])
    assert len(period) >= 3000 and time.perf_counter() - started < 2.0
