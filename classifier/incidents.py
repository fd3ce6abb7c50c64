"""Which open tickets describe the same incident (合并办理): character n-gram TF-IDF cosine,
of the whole text and of the text without its named places, with a penalty when the named
places, numbered buildings or problems conflict, behind an inverted index, so a new ticket is
compared with the few open tickets that share its rarest n-grams, not with every open ticket.
The problems come from a shipped vocabulary (``incident_problems.txt``): callers say one
problem in many words (没水, 断水, 一滴水都没有), which the n-grams alone cannot tell apart from
another problem of the same estate (停水 and 电梯 at 平安小区 shared as many n-grams as two
reports of the outage). The place inside the street comes from two more: the words that end a
place's name (``incident_places.txt``: 路, 小区, 华庭, 菜市场; an estate and a market are both
spots, so 金沙菜市场 and 金沙广场 conflict) and the kinds of venue callers name without a name
(``incident_venues.txt``: a KTV and a bar of one road are two incidents).

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
from functools import lru_cache
from importlib import resources

# bench/clusters/run.py chose it on its development pairs (bench/results/clusters.json): the
# lowest with dev precision >= 0.95 (0.952 / 0.959 on the dev set with its hard negatives).
THRESHOLD = 0.08
WINDOW = timedelta(hours=72)
NGRAMS = (2, 3)
# Candidates come only from the query's RAREST n-grams: a posting list is read for at most
# this many of them, so a lookup costs the same against 1,000 or 100,000 open tickets.
PROBE_GRAMS = 24
# ... and at most this many candidates (most shared rare n-grams first) are scored exactly.
RERANK = 64

_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
_DIGITS = re.compile(r"\d+")
# Named things a caller pins the incident to: the two characters before a place word ("东风路",
# "湖景花园", "河西小学") and numbered buildings, units and bus lines ("3栋" = "三栋", "204路").
# Two characters because the left edge of a Chinese name is unknowable without a tokenizer, and
# the last two before the suffix are the same whoever writes it ("反映东风路" → "东风路").
_PLACES_FILE = "incident_places.txt"
# Kinds that pin one spot however the caller names it: a text naming 金沙菜市场 and one naming
# 金沙广场 point at two spots, as two estates do.
SPOT_KINDS = frozenset({"estate", "facility"})


def _vocabulary(name: str) -> list[list[str]]:
    """The (name, regular expression) lines of a shipped vocabulary file."""
    lines = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return [line.split("\t", 1) for line in lines.splitlines() if line.strip() and not line.startswith("#")]


_PLACE = re.compile("|".join(f"(?P<{kind}>{words})" for kind, words in _vocabulary(_PLACES_FILE)))
# Characters that end a name on its left: function words, pronouns, "门口/旁边" and the generic
# roads (马路, 道路, 公路, 线路) that name nothing.
_NOT_NAME = set("的了在和与及跟同是住我你他她们那这个条到从向对里上下边旁口前后处也都很就又还被把给让为着"
                "有没一说门家全区马道公走过修线电每该整隔")
_NUMBERED = re.compile(r"(?<!月)([0-9]+|[一二三四五六七八九十两]+)(栋|幢|号楼|单元|期|号|路)")
_NUMBER_KIND = {"栋": "building", "幢": "building", "号楼": "building", "单元": "unit", "期": "phase",
                "号": "house", "路": "line"}
_HAN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}
# A pair naming different places or buildings of one kind (金桂苑 / 平安小区, 5栋 / 8栋) is two
# incidents however alike the complaint reads. The score can mix the whole texts' cosine with
# the cosine of what is wrong (without the place names); once the places, problems and venues
# conflict, the mix no longer helps: on the development half of bench/clusters with its hard
# negatives, weights 0 / 0.1 / 0.2 / 0.3 / 0.4 / 0.5 / 0.7 gave recall 0.959 / 0.837 / 0.740 /
# 0.862 / 0.781 / 0.463 / 0.496 at precision >= 0.95, so it is the whole texts' cosine alone.
CONFLICT_PENALTY = 0.5
PROBLEM_WEIGHT = 0.0
CONFLICT_NAMES = 2
# A text naming more problems than this is a letter about a place's history (物业, 停水, 电梯
# and 房产证 at once), not one incident, and its problems conflict with nothing.
CONFLICT_PROBLEMS = 2


@lru_cache(maxsize=1)
def _problem_words() -> re.Pattern[str]:
    """One pattern of the shipped problem vocabulary (``incident_problems.txt``), a named group
    a problem."""
    return re.compile("|".join(f"(?P<{name}>{words})" for name, words in _vocabulary("incident_problems.txt")))


@lru_cache(maxsize=1)
def _venue_words() -> re.Pattern[str]:
    """One pattern of the shipped venue vocabulary (``incident_venues.txt``)."""
    return re.compile("|".join(f"(?P<{name}>{words})" for name, words in _vocabulary("incident_venues.txt")))


def venues(text: str) -> frozenset[str]:
    """The kinds of place inside a street a text names (KTV, 烧烤, 工地), by the shipped
    vocabulary."""
    return frozenset(m.lastgroup or "" for m in _venue_words().finditer(_normal(text)))


def problems(text: str) -> frozenset[str]:
    """The problems a text names (停水, 电梯, 噪音), by the shipped vocabulary."""
    return frozenset(m.lastgroup or "" for m in _problem_words().finditer(_normal(text)))


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def canonical(text: str) -> str:
    """The text with each problem's words replaced by its name (没水, 断水 → 停水), so that two
    callers who word one problem differently share its n-grams."""
    return _problem_words().sub(lambda m: m.lastgroup or "", _normal(text))


def _han_number(written: str) -> int:
    """三 → 3, 十二 → 12, 204 → 204 (the numbers callers give buildings and lines)."""
    if written.isdigit():
        return int(written)
    if "十" in written:
        tens, _, units = written.partition("十")
        return _HAN_DIGITS.get(tens, 1) * 10 + _HAN_DIGITS.get(units, 0)
    return int("".join(str(_HAN_DIGITS[c]) for c in written))


def entities(text: str) -> tuple[frozenset[tuple[str, str]], str]:
    """The named places and numbers of a text as (kind, name), and the text without them: what
    is wrong, as opposed to where (the place's n-grams would otherwise make any two problems of
    one street look alike)."""
    normal = unicodedata.normalize("NFKC", text).lower()
    found: set[tuple[str, str]] = set()
    spans: list[tuple[int, int]] = []
    for match in _NUMBERED.finditer(normal):
        found.add((_NUMBER_KIND[match.group(2)], str(_han_number(match.group(1)))))
        spans.append(match.span())
    taken = {i for a, b in spans for i in range(a, b)}
    for match in _PLACE.finditer(normal):
        start = match.start()
        name = normal[max(0, start - 2):start]
        if len(name) == 2 and not taken & {start - 2, start - 1} and all(
                "\u4e00" <= c <= "\u9fff" and c not in _NOT_NAME for c in name):
            found.add((match.lastgroup or "", name + match.group()))
            spans.append((start - 2, match.end()))
            taken.update(range(start - 2, match.end()))
    rest, last = [], 0
    for a, b in sorted(spans):
        if a >= last:
            rest.append(normal[last:a])
            last = b
    rest.append(normal[last:])
    return frozenset(found), "|".join(rest)


def grams(text: str) -> Counter[str]:
    """Character 2- and 3-grams of the normalised text, none across a "|" (where an entity was
    cut out); runs of digits count as one symbol so that a date written differently does not
    separate two reports (numbered buildings are compared as entities)."""
    counts: Counter[str] = Counter()
    for part in unicodedata.normalize("NFKC", text).lower().split("|"):
        compact = _NOISE.sub("", _DIGITS.sub("0", part))
        for n in NGRAMS:
            counts.update(compact[i : i + n] for i in range(len(compact) - n + 1))
    return counts


def _spot_kind(kind: str) -> str:
    return "spot" if kind in SPOT_KINDS else kind


def conflicts(a: frozenset[tuple[str, str]], b: frozenset[tuple[str, str]]) -> bool:
    """Both pin a spot by a place or number of one kind, and not the same one: two estates, two
    buildings, an estate and a market (SPOT_KINDS are one kind). A text naming more than
    CONFLICT_NAMES of a kind describes a route or an area (a bus line's stops, a letter's
    history), not a spot, and its names of that kind do not conflict."""
    a = frozenset((_spot_kind(kind), name) for kind, name in a)
    b = frozenset((_spot_kind(kind), name) for kind, name in b)
    for kind in {kind for kind, _ in a} & {kind for kind, _ in b}:
        mine, theirs = {e for e in a if e[0] == kind}, {e for e in b if e[0] == kind}
        if len(mine) <= CONFLICT_NAMES and len(theirs) <= CONFLICT_NAMES and not mine & theirs:
            return True
    return False


def venues_conflict(a: frozenset[str], b: frozenset[str]) -> bool:
    """Both name the kind of place (at most CONFLICT_NAMES each) and share none: a KTV and a bar
    of one road."""
    return bool(a and b) and len(a) <= CONFLICT_NAMES and len(b) <= CONFLICT_NAMES and not a & b


def problems_conflict(a: frozenset[str], b: frozenset[str]) -> bool:
    """Both name what is wrong, neither names more than CONFLICT_PROBLEMS problems, and they
    share none: 停水 and 电梯 at one estate are two incidents."""
    return bool(a and b) and len(a) <= CONFLICT_PROBLEMS and len(b) <= CONFLICT_PROBLEMS and not a & b


def combine(full: float, problem: float, conflict: bool) -> float:
    """The pair's score: the cosine of the whole texts mixed with the cosine of what is wrong
    (without the place names, which any two problems of one estate share), lowered when the
    places or the problems conflict."""
    score = PROBLEM_WEIGHT * problem + (1 - PROBLEM_WEIGHT) * full
    return score - CONFLICT_PENALTY if conflict else score


@dataclass
class _Doc:
    bucket: Hashable
    weights: dict[str, float]
    norm: float
    named: frozenset[tuple[str, str]]
    place_grams: frozenset[str]
    problem_norm: float
    problems: frozenset[str]
    venues: frozenset[str]
    at: datetime | None


@dataclass(frozen=True)
class Neighbour:
    key: Hashable
    score: float


@dataclass
class IncidentIndex:
    """Open tickets by bucket, with document frequencies over all of them.

    Candidates come from the postings of every n-gram of the text (the place names are the rarest,
    so they find the street's reports of one place); a candidate is scored on the rest of the text
    (what is wrong) and on its named places. Weights are sublinear tf × smoothed idf, fixed when a
    document is added (idf moves slowly once a few hundred tickets are in; re-adding refreshes it)."""

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
        text = canonical(text)
        self.df.update(grams(text).keys())
        doc = self.docs[key] = self._doc(text, bucket, at)
        for gram in doc.weights:
            self.postings[(bucket, gram)].add(key)

    def _doc(self, text: str, bucket: Hashable, at: datetime | None) -> _Doc:
        """The weights of a canonical text, its named entities, the n-grams only they account
        for, the norm of the rest (what is wrong) and its problems."""
        weights, norm = self._vector(grams(text))
        named, problem = entities(text)
        place_grams = frozenset(weights.keys() - grams(problem).keys())
        rest = math.sqrt(sum(w * w for g, w in weights.items() if g not in place_grams)) or 1.0
        return _Doc(bucket, weights, norm, named, place_grams, rest, problems(text), venues(text), at)

    def _score(self, query: _Doc, doc: _Doc) -> float:
        dot = problem_dot = 0.0
        for g, w in query.weights.items():
            other = doc.weights.get(g)
            if other is not None:
                dot += w * other
                if g not in query.place_grams and g not in doc.place_grams:
                    problem_dot += w * other
        conflict = (conflicts(query.named, doc.named) or problems_conflict(query.problems, doc.problems)
                    or venues_conflict(query.venues, doc.venues))
        return combine(dot / (query.norm * doc.norm), problem_dot / (query.problem_norm * doc.problem_norm),
                       conflict)

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
        """Open tickets of the same bucket whose score with `text` reaches `threshold`, best
        first; only those added within `window` before `now` when both times are known."""
        query = self._doc(canonical(text), bucket, now)
        if not query.weights:
            return []
        probes = sorted((g for g in query.weights if self.df[g]), key=lambda g: self.df[g])[:PROBE_GRAMS]
        hits: Counter[Hashable] = Counter()
        for gram in probes:
            hits.update(self.postings.get((bucket, gram), ()))
        hits.pop(exclude, None)
        found = []
        for key, _ in hits.most_common(RERANK):
            doc = self.docs[key]
            if now is not None and doc.at is not None and not (now - window <= doc.at <= now):
                continue
            score = self._score(query, doc)
            if score >= threshold:
                found.append(Neighbour(key, round(score, 4)))
        return sorted(found, key=lambda n: -n.score)

    def pair(self, a: Hashable, b: Hashable) -> float:
        """The score of two indexed tickets, as `similar` scores them (for the benchmark's
        pairwise figures)."""
        return self._score(self.docs[a], self.docs[b])
