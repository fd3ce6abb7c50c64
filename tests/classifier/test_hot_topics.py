from __future__ import annotations

import random
import time

from classifier import HotTopic, hot_topics
from classifier.text import stop_words
from classifier.trends import phrase_stop_words, stop_list
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


def _petitions(n: int = 200, seed: int = 0) -> list[str]:
    """Citizens' wording: every message asks (咨询), says when (今年) and what fails (不能)."""
    rng = random.Random(seed)
    problems = ["小区停水", "路灯不亮", "噪音扰民", "垃圾清运", "占道经营", "公交线路", "医保报销",
                "房屋漏水", "工资拖欠", "学校入学"]
    return [f"{rng.choice(['咨询', '我想咨询', '今年', '不能'])}东湖街道{rng.choice(problems)}"
            f"的事，今年一直不能解决，咨询一下怎么办" for _ in range(n)]


def test_function_words_no_longer_lead_the_list() -> None:
    unfiltered = [t.phrase for t in hot_topics(_petitions(), top=8, stop_words=frozenset())]
    assert {"今年", "今年不能"} & set(unfiltered)  # what the dashboard showed before the list
    phrases = [t.phrase for t in hot_topics(_petitions(), top=8)]
    assert not any(word in p for p in phrases for word in ("咨询", "今年", "不能", "怎么办"))
    assert {"小区停水", "房屋漏水"} & set(phrases)


def test_an_administrators_list_adds_and_keeps_words() -> None:
    stop = stop_list(added=["东湖"], kept=["今年"])
    assert "东湖" in stop and "今年" not in stop and "咨询" in stop
    phrases = [t.phrase for t in hot_topics(_petitions(), top=20, stop_words=stop)]
    assert "今年" in phrases and "东湖" not in phrases and "咨询" not in phrases


def test_the_shipped_phrase_list_leaves_the_classifiers_words_alone() -> None:
    # 咨询 tells the request type: the model's own stop list must not drop it.
    assert "咨询" in phrase_stop_words() and "咨询" not in stop_words()
