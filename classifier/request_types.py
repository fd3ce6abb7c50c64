"""The request type (诉求类型: 咨询/求助/投诉/举报/建议/表扬) from cue words kept as data.

No labelled data exists for the request type (the training corpus is labelled by topic only),
so a classifier cannot be trained for it; the cues are transparent rules in
``request_type_rules.json`` that anyone can read and edit: each matching cue adds its weight to
its type, the highest total wins (ties: the type listed first), and a text with no cue gets the
fallback. The agent confirms, and the answer says which words decided, so a wrong suggestion
is easy to see and to fix in the data. Each distinct cue word counts once (a long message
repeating a word is no more that type), and counts double within the first ``lead_chars``
characters: a caller, like a message's title, says first what they want.

A raw score means little to an agent, so each guess also carries a confidence read from
``request_type_calibration.json``: how often, on labelled development texts, a guess with the
same margin over the runner-up type (or with no cue at all) was right, averaged over the
development sets so that no one set speaks for all (the call notes the cues were edited on
flatter the cues; the demo corpus, never edited on, does not). The margin is what
rules of any wording share, so an official's edit of the cues keeps a calibration that still
means something; the file names the rules it was measured on, and
``bench/request_types/run.py --calibrate`` measures it again (tests/classifier fail until it
is). bench/request_types measures both on held-out texts.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import Any

from classifier.urgency import RuleError

RULES = "request_type_rules.json"
CALIBRATION = "request_type_calibration.json"
MARGINS = (0, 1, 2, 3, 5)  # the buckets' lower margins: a tie, one light cue, … a clear lead
CONFIDENT_AT = 0.8  # a guess right four times in five is preselected; below, only a hint


@dataclass(frozen=True)
class Cue:
    regex: re.Pattern[str]
    weight: int
    lead_only: bool = False  # a word that says the type only when said first (占道, 希望)


@dataclass(frozen=True)
class TypeRule:
    code: str
    label: str
    cues: tuple[Cue, ...]


@dataclass(frozen=True)
class RequestTypeGuess:
    code: str
    label: str
    cues: tuple[str, ...]  # the words that decided, as they appear in the text; () = fallback
    score: int
    runner_up: int = 0  # the best score of any other type
    confidence: float | None = None  # from the calibration; None without one
    confident: bool = False  # confidence at or above the calibration's threshold

    @property
    def margin(self) -> int:
        return self.score - self.runner_up


@dataclass(frozen=True)
class Bucket:
    """Guesses with no cue (``margin_from`` None) or a margin of ``margin_from`` or more (up to
    the next bucket's), and how often such guesses were right on the development texts."""

    margin_from: int | None
    right: int
    texts: int
    confidence: float


class Calibration:
    """Confidence of a guess by its bucket: no cue, or its margin over the runner-up."""

    def __init__(self, buckets: Iterable[Bucket], confident_at: float,
                 rules_sha256: str = "") -> None:
        self.buckets = tuple(sorted(buckets, key=lambda b: -1 if b.margin_from is None
                                    else b.margin_from))
        self.confident_at = confident_at
        self.rules_sha256 = rules_sha256
        if not self.buckets or self.buckets[0].margin_from is not None:
            raise RuleError("request type calibration needs a bucket for guesses with no cue")
        if len(self.buckets) < 2 or self.buckets[1].margin_from != 0:
            raise RuleError("request type calibration needs a bucket from margin 0")
        margins = [b.margin_from for b in self.buckets[1:]]
        if len(set(margins)) != len(margins):
            raise RuleError("request type calibration: two buckets from the same margin")

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Calibration:
        """Validate ``{"confident_at", "rules_sha256", "buckets": [{"margin_from", "right",
        "texts", "confidence"}]}`` (``margin_from`` null: the guesses with no cue)."""
        if not isinstance(data, dict) or not isinstance(data.get("buckets"), list):
            raise RuleError("request type calibration needs a list of buckets")
        confident_at = data.get("confident_at")
        if not isinstance(confident_at, int | float) or not 0 <= confident_at <= 1:
            raise RuleError("request type calibration: confident_at must be between 0 and 1")
        buckets = []
        for record in data["buckets"]:
            margin, confidence = record.get("margin_from"), record.get("confidence")
            if margin is not None and (not isinstance(margin, int) or margin < 0):
                raise RuleError(f"request type calibration: bad margin_from {margin!r}")
            if not isinstance(confidence, int | float) or not 0 <= confidence <= 1:
                raise RuleError(f"request type calibration: bad confidence {confidence!r}")
            buckets.append(Bucket(margin, int(record.get("right", 0)), int(record.get("texts", 0)),
                                  float(confidence)))
        return cls(buckets, float(confident_at), str(data.get("rules_sha256", "")))

    @classmethod
    def default(cls) -> Calibration:
        """The calibration shipped in ``request_type_calibration.json``."""
        return _default_calibration()

    @classmethod
    def fit(cls, guesses: Iterable[RequestTypeGuess], gold: Iterable[str], *,
            sources: Iterable[str] | None = None, margins: Iterable[int] = MARGINS,
            confident_at: float = CONFIDENT_AT, rules_sha256: str = "") -> Calibration:
        """Each bucket's share of right guesses, smoothed by one right and one wrong guess
        (a bucket of 3 texts all right is 0.8, not 1.0), and made non-decreasing in the
        margin (pooling adjacent buckets that break the order), so a wider lead never shows
        as less sure.

        With ``sources`` (each guess's set: call notes, messages, titles …) a bucket's
        confidence is the sources' random-effects mean (:func:`_across_sources`), not their
        pooled count: the next text comes from a source like none of them, and the sets differ
        more than their sizes say (the call notes the cues were edited on 0.93 with no cue,
        titles 0.55), so the largest set must not speak for all.
        """
        edges = sorted(set(margins) | {0})
        cells: dict[int | None, dict[str, list[int]]] = {None: {}, **{m: {} for m in edges}}
        guesses = list(guesses)
        for guess, label, source in zip(guesses, gold, sources or [""] * len(guesses),
                                        strict=True):
            key = None if not guess.cues else max(m for m in edges if m <= guess.margin)
            cell = cells[key].setdefault(source, [0, 0])
            cell[0] += guess.code == label
            cell[1] += 1
        pools: list[tuple[dict[str, list[int]], int]] = []  # (cells, how many buckets) in order
        for m in edges:
            pools.append((cells[m], 1))
            while len(pools) > 1 and _across_sources(pools[-2][0]) > _across_sources(pools[-1][0]):
                (last, n), (before, k) = pools.pop(), pools.pop()
                pools.append((_merged(before, last), k + n))
        pooled = [_across_sources(c) for c, count in pools for _ in range(count)]
        buckets = [Bucket(None, *_totals(cells[None]), _across_sources(cells[None]))]
        buckets += [Bucket(m, *_totals(cells[m]), c) for m, c in zip(edges, pooled, strict=True)]
        return cls(buckets, confident_at, rules_sha256)

    def to_data(self) -> dict[str, Any]:
        return {"confident_at": self.confident_at, "rules_sha256": self.rules_sha256,
                "buckets": [{"margin_from": b.margin_from, "right": b.right, "texts": b.texts,
                             "confidence": round(b.confidence, 3)} for b in self.buckets]}

    def bucket(self, guess: RequestTypeGuess) -> Bucket:
        if not guess.cues:
            return self.buckets[0]
        found = self.buckets[1]
        for b in self.buckets[2:]:
            if b.margin_from is not None and b.margin_from <= guess.margin:
                found = b
        return found

    def confidence(self, guess: RequestTypeGuess) -> float:
        return self.bucket(guess).confidence


def _cue(code: str, record: Any) -> Cue:
    if not isinstance(record, dict) or not isinstance(record.get("words"), str) \
            or not record["words"].strip():
        raise RuleError(f"request type '{code}': a cue needs its words")
    weight = record.get("weight", 1)
    if not isinstance(weight, int) or weight < 1:
        raise RuleError(f"request type '{code}': weight must be a positive whole number")
    lead_only = record.get("lead_only", False)
    if not isinstance(lead_only, bool):
        raise RuleError(f"request type '{code}': lead_only must be true or false")
    words = record["words"]
    if not record.get("regex"):
        words = "|".join(re.escape(w.strip()) for w in words.split("|") if w.strip())
    try:
        return Cue(re.compile(words), weight, lead_only)
    except re.error as exc:
        raise RuleError(f"request type '{code}': bad regular expression: {exc}") from None


class RequestTypeRules:
    """Ordered type rules and the fallback type."""

    def __init__(self, rules: Iterable[TypeRule], fallback: str, lead_chars: int = 0,
                 calibration: Calibration | None = None, sha256: str = "") -> None:
        self.rules = tuple(rules)
        self.lead_chars = lead_chars
        self.calibration = calibration
        self.sha256 = sha256  # of the data the rules were read from (rules_sha256)
        by_code = {r.code: r for r in self.rules}
        if fallback not in by_code:
            raise RuleError(f"request type fallback '{fallback}' is not one of the types")
        self.fallback = by_code[fallback]

    @classmethod
    def from_data(cls, data: dict[str, Any], calibration: Calibration | None = None
                  ) -> RequestTypeRules:
        """Validate and compile ``{"fallback": code, "types": [{"type", "label", "cues"}]}``;
        with a calibration, each guess carries its confidence."""
        types = data.get("types") if isinstance(data, dict) else None
        if not isinstance(types, list) or not types:
            raise RuleError("request type rules need a list of types")
        rules = []
        for record in types:
            code, label = record.get("type"), record.get("label")
            if not isinstance(code, str) or not isinstance(label, str):
                raise RuleError(f"request type without a code or label: {record!r}")
            rules.append(TypeRule(code, label, tuple(_cue(code, c) for c in record.get("cues", []))))
        lead = data.get("lead_chars", 0)
        if not isinstance(lead, int) or lead < 0:
            raise RuleError("lead_chars must be a whole number of characters")
        return cls(rules, data.get("fallback", rules[0].code), lead, calibration,
                   rules_sha256(data))

    @classmethod
    def default(cls) -> RequestTypeRules:
        """The rules shipped in ``request_type_rules.json``."""
        return _default_rules()

    def guess(self, text: str) -> RequestTypeGuess:
        guess = self._scored(text)
        if self.calibration is None:
            return guess
        confidence = self.calibration.confidence(guess)
        return replace(guess, confidence=confidence,
                       confident=confidence >= self.calibration.confident_at)

    def _scored(self, text: str) -> RequestTypeGuess:
        best: RequestTypeGuess | None = None
        runner_up = 0
        for rule in self.rules:
            found: dict[str, int] = {}  # each distinct word once, at its best weight
            for cue in rule.cues:
                for match in cue.regex.finditer(text):
                    if cue.lead_only and match.start() >= self.lead_chars:
                        break
                    weight = cue.weight * (2 if match.start() < self.lead_chars else 1)
                    found[match.group(0)] = max(found.get(match.group(0), 0), weight)
            score = sum(found.values())
            if score and (best is None or score > best.score):
                runner_up = best.score if best else runner_up
                best = RequestTypeGuess(rule.code, rule.label, tuple(found), score)
            else:
                runner_up = max(runner_up, score)
        if best is None:
            return RequestTypeGuess(self.fallback.code, self.fallback.label, (), 0)
        return replace(best, runner_up=runner_up)

    def uncalibrated(self) -> RequestTypeRules:
        """The same rules without a calibration: what a calibration is measured on."""
        return RequestTypeRules(self.rules, self.fallback.code, self.lead_chars, None,
                                self.sha256)


def _smoothed(right: int, texts: int) -> float:
    return (right + 1) / (texts + 2)


def _across_sources(cells: dict[str, list[int]]) -> float:
    """The random-effects mean (DerSimonian–Laird) of the sources' smoothed shares: each source
    weighs by its size only as far as the sources agree; the more they differ, the more each
    counts the same. One source: its smoothed share; none: one right and one wrong, 0.5."""
    shares = [(_smoothed(r, n), n) for r, n in cells.values() if n]
    if len(shares) < 2:
        return shares[0][0] if shares else _smoothed(0, 0)
    variances = [p * (1 - p) / (n + 2) for p, n in shares]
    weights = [1 / v for v in variances]
    fixed = sum(w * p for w, (p, _n) in zip(weights, shares, strict=True)) / sum(weights)
    q = sum(w * (p - fixed) ** 2 for w, (p, _n) in zip(weights, shares, strict=True))
    scale = sum(weights) - sum(w * w for w in weights) / sum(weights)
    between = max(0.0, (q - (len(shares) - 1)) / scale)
    weights = [1 / (v + between) for v in variances]
    return sum(w * p for w, (p, _n) in zip(weights, shares, strict=True)) / sum(weights)


def _merged(a: dict[str, list[int]], b: dict[str, list[int]]) -> dict[str, list[int]]:
    return {s: [a.get(s, [0, 0])[0] + b.get(s, [0, 0])[0], a.get(s, [0, 0])[1] + b.get(s, [0, 0])[1]]
            for s in a.keys() | b.keys()}


def _totals(cells: dict[str, list[int]]) -> tuple[int, int]:
    return sum(r for r, _n in cells.values()), sum(n for _r, n in cells.values())


def rules_sha256(data: dict[str, Any]) -> str:
    """A fingerprint of what the rules say (comments left out), to tell whether a calibration
    was measured on these rules."""
    said = {k: v for k, v in data.items() if not k.startswith("_")}
    return hashlib.sha256(json.dumps(said, ensure_ascii=False, sort_keys=True)
                          .encode("utf-8")).hexdigest()


def _read(name: str) -> Any:
    return json.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _default_calibration() -> Calibration:
    return Calibration.from_data(_read(CALIBRATION))


@lru_cache(maxsize=1)
def _default_rules() -> RequestTypeRules:
    return RequestTypeRules.from_data(_read(RULES), _default_calibration())
