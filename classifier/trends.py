"""What citizens are calling about more than usual: phrases ranked by count x log-lift.

Lift compares a phrase's share of this period's texts with its share of the baseline texts
(e.g. the previous weeks). Without a baseline the background share comes from jieba's IDF
table (general Chinese), which ranks like TF-IDF: frequent here, rare in general. Phrases are
words and adjacent word pairs ("燃气" + "泄漏" -> "燃气泄漏"), because a pair names a problem
where either word alone is vague.

Words that name neither a place nor a problem (咨询, 今年, 不能) are dropped before phrases are
formed, so no pair spans them: the shipped ``phrase_stopwords.txt`` plus what administrators
add or keep (``hotline.reporting.stopwords`` reads their list from the database).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from pathlib import Path

import jieba

from classifier.text import MASK_TOKENS, Segmenter, normalize, segmenter_for

MIN_COUNT = 2
# A word is dropped when a selected pair containing it covers this share of its texts.
SUBSUMED = 0.5


@dataclass(frozen=True)
class HotTopic:
    phrase: str
    count: int  # texts of the period that contain the phrase
    score: float


@lru_cache(maxsize=1)
def phrase_stop_words() -> frozenset[str]:
    """The shipped list of words without a place or problem in them (``phrase_stopwords.txt``).

    Separate from ``stopwords.txt``, which also feeds the classifier's features: 咨询 and 投诉
    say nothing about where a problem is, but they do tell the request type.
    """
    lines = resources.files(__package__).joinpath("phrase_stopwords.txt").read_text(encoding="utf-8")
    return frozenset({line.strip() for line in lines.splitlines() if not line.startswith("#")} - {""})


def stop_list(added: Iterable[str] = (), kept: Iterable[str] = ()) -> frozenset[str]:
    """The shipped list with an administrator's additions, less the shipped words they keep."""
    return (phrase_stop_words() | {w.strip() for w in added if w.strip()}) - set(kept)


@lru_cache(maxsize=1)
def _jieba_idf() -> tuple[dict[str, float], float]:
    path = Path(jieba.__file__).parent / "analyse" / "idf.txt"
    idf = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word, _, value = line.partition(" ")
        if value:
            idf[word] = float(value)
    return idf, sorted(idf.values())[len(idf) // 2]


def _is_phrase_word(word: str) -> bool:
    return len(word) >= 2 and word not in MASK_TOKENS and not word.isdigit() and not word.isascii()


Phrase = tuple[str, ...]  # one word or a pair of adjacent words


def _phrases(segmenter: Segmenter, text: str, stop: frozenset[str]) -> set[Phrase]:
    words = [w if _is_phrase_word(w) and w not in stop else None
             for w in segmenter.words(normalize(text))]
    found: set[Phrase] = {(w,) for w in words if w}
    found.update((a, b) for a, b in pairwise(words) if a and b)
    return found


def _doc_counts(segmenter: Segmenter, texts: Iterable[str],
                stop: frozenset[str]) -> tuple[Counter[Phrase], int]:
    counts: Counter[Phrase] = Counter()
    n = 0
    for text in texts:
        counts.update(_phrases(segmenter, text, stop))
        n += 1
    return counts, n


def hot_topics(period_texts: Sequence[str], baseline_texts: Sequence[str] = (), *,
               top: int = 20, user_words: Sequence[str] = (),
               stop_words: frozenset[str] | None = None) -> list[HotTopic]:
    """The ``top`` phrases over-represented in ``period_texts``, best first.

    ``stop_words``: the words no phrase may contain; None is the shipped list (``stop_list()``
    builds one with an administrator's changes).
    """
    segmenter = segmenter_for(user_words)
    stop = phrase_stop_words() if stop_words is None else stop_words
    counts, n = _doc_counts(segmenter, period_texts, stop)
    if not n:
        return []
    base, n_base = _doc_counts(segmenter, baseline_texts, stop)
    if not n_base:
        idf, median = _jieba_idf()

    def background(phrase: Phrase) -> float:
        if n_base:
            return (base[phrase] + 1) / (n_base + 2)
        # A pair is at most as common as its rarer word: a conservative background share.
        return math.exp(-max(idf.get(word, median) for word in phrase))

    min_count = MIN_COUNT if n >= 10 else 1
    scored = []
    for phrase, count in counts.items():
        if count < min_count:
            continue
        lift = (count / n) / background(phrase)
        if lift > 1.0:
            scored.append(HotTopic("".join(phrase), count, round(count * math.log(lift), 4)))
    scored.sort(key=lambda h: (-h.score, -h.count, h.phrase))
    chosen: list[HotTopic] = []
    for topic in scored:
        if any(topic.phrase in c.phrase and c.count >= SUBSUMED * topic.count for c in chosen):
            continue
        chosen.append(topic)
        if len(chosen) == top:
            break
    return chosen
