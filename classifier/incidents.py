"""Which open tickets describe the same incident (合并办理): character n-gram TF-IDF cosine
behind an inverted index, so a new ticket is compared with the few open tickets that share
its rarest n-grams, not with every open ticket.

Pure: no database, no web framework. The caller decides what is "open", which place and topic
a ticket belongs to and how long the window is; this module only indexes texts under a bucket
key (street or district, topic) and scores them. Why character n-grams: Chinese needs no
tokenizer for them, and paraphrases of one incident keep the place names and the nouns of the
problem (停水, 爆管, 噪音), which are exactly the rare, heavily weighted n-grams.

The threshold is chosen on the development half of bench/clusters (pairwise precision and
recall), never here by feel.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

# bench/clusters/run.py chose it on its development pairs (bench/results/clusters.json).
THRESHOLD = 0.12
WINDOW = timedelta(hours=72)
NGRAMS = (2, 3)
# Candidates come only from the query's RAREST n-grams: a posting list is read for at most
# this many of them, so a lookup costs the same against 1,000 or 100,000 open tickets.
PROBE_GRAMS = 24
# ... and at most this many candidates (most shared rare n-grams first) are scored exactly.
RERANK = 64

_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
_DIGITS = re.compile(r"\d+")


def grams(text: str) -> Counter[str]:
    """Character 2- and 3-grams of the normalised text; runs of digits count as one symbol so
    that a house number or a date written differently does not separate two reports."""
    compact = _NOISE.sub("", _DIGITS.sub("0", unicodedata.normalize("NFKC", text).lower()))
    counts: Counter[str] = Counter()
    for n in NGRAMS:
        counts.update(compact[i : i + n] for i in range(len(compact) - n + 1))
    return counts


@dataclass
class _Doc:
    bucket: Hashable
    weights: dict[str, float]
    norm: float
    at: datetime | None


@dataclass(frozen=True)
class Neighbour:
    key: Hashable
    score: float


@dataclass
class IncidentIndex:
    """Open tickets by bucket, with document frequencies over all of them.

    Weights are sublinear tf × smoothed idf, fixed when a document is added (idf moves slowly
    once a few hundred tickets are in; re-adding refreshes it)."""

    docs: dict[Hashable, _Doc] = field(default_factory=dict)
    postings: dict[tuple[Hashable, str], set[Hashable]] = field(default_factory=lambda: defaultdict(set))
    df: Counter[str] = field(default_factory=Counter)

    def __len__(self) -> int:
        return len(self.docs)

    def _idf(self, gram: str) -> float:
        return math.log((1 + len(self.docs)) / (1 + self.df[gram])) + 1.0

    def _vector(self, counts: Counter[str]) -> tuple[dict[str, float], float]:
        weights = {g: (1.0 + math.log(c)) * self._idf(g) for g, c in counts.items()}
        return weights, math.sqrt(sum(w * w for w in weights.values())) or 1.0

    def add(self, key: Hashable, text: str, bucket: Hashable = None, at: datetime | None = None) -> None:
        """Index (or re-index) one open ticket under its bucket."""
        self.remove(key)
        counts = grams(text)
        self.df.update(counts.keys())
        weights, norm = self._vector(counts)
        self.docs[key] = _Doc(bucket, weights, norm, at)
        for gram in counts:
            self.postings[(bucket, gram)].add(key)

    def remove(self, key: Hashable) -> None:
        """Forget a ticket that is closed or handled elsewhere."""
        doc = self.docs.pop(key, None)
        if doc is None:
            return
        for gram in doc.weights:
            self.df[gram] -= 1
            keys = self.postings.get((doc.bucket, gram))
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self.postings[(doc.bucket, gram)]

    def similar(self, text: str, bucket: Hashable = None, *, now: datetime | None = None,
                window: timedelta = WINDOW, threshold: float = THRESHOLD,
                exclude: Hashable = None) -> list[Neighbour]:
        """Open tickets of the same bucket whose cosine with `text` reaches `threshold`, best
        first; only those added within `window` before `now` when both times are known."""
        counts = grams(text)
        if not counts:
            return []
        weights, norm = self._vector(counts)
        probes = sorted((g for g in weights if self.df[g]), key=lambda g: self.df[g])[:PROBE_GRAMS]
        hits: Counter[Hashable] = Counter()
        for gram in probes:
            hits.update(self.postings.get((bucket, gram), ()))
        hits.pop(exclude, None)
        found = []
        for key, _ in hits.most_common(RERANK):
            doc = self.docs[key]
            if now is not None and doc.at is not None and not (now - window <= doc.at <= now):
                continue
            dot = sum(w * doc.weights.get(g, 0.0) for g, w in weights.items())
            score = dot / (norm * doc.norm)
            if score >= threshold:
                found.append(Neighbour(key, round(score, 4)))
        return sorted(found, key=lambda n: -n.score)

    def pair(self, a: Hashable, b: Hashable) -> float:
        """The cosine of two indexed tickets, as `similar` scores them (for the benchmark's
        pairwise figures)."""
        x, y = self.docs[a], self.docs[b]
        return sum(w * y.weights.get(g, 0.0) for g, w in x.weights.items()) / (x.norm * y.norm)
