"""Urgency (紧急/一般) from rules that administrators edit as data, not from the model.

A missed gas leak is far costlier than a false alarm and the training labels say nothing
about urgency, so urgency is decided by transparent keyword and regex rules. Records look like
``{"name": "燃气泄漏", "pattern": "燃气泄漏|煤气泄漏", "kind": "keyword", "level": "紧急",
"enabled": true, "months": [11, 12, 1, 2, 3]}``: a keyword pattern is a ``|``-separated list of
literal words, a regex pattern a Python regular expression; ``months`` (optional) limits a rule
to part of the year (no heating is urgent in winter only). A match preceded in the same clause
by a negation (不是, 没有, 并非, …) does not count, unless the rule sets ``"negatable": false``
(for rules whose pattern already says "no", such as 没有暖气).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

URGENT = "紧急"
NORMAL = "一般"
LEVELS = (URGENT, NORMAL)
KINDS = ("keyword", "regex")
# How far before a match a negation still applies: "不是燃气泄漏", "并没有发生火灾".
NEGATION_WINDOW = 4
DEFAULT_NEGATIONS = ("不是", "没有", "并非", "并未", "未发生", "无", "没", "不存在", "排除")
_CLAUSE_END = re.compile(r"[,.;!?，。；！？\n]")


class RuleError(ValueError):
    """A rule record an administrator wrote is invalid; the message names the rule."""


@dataclass(frozen=True)
class UrgencyRule:
    name: str
    regex: re.Pattern[str]
    level: str
    months: frozenset[int] | None = None
    negatable: bool = True

    def applies(self, text: str, negations: Sequence[str], when: date | None) -> bool:
        if self.months is not None and when is not None and when.month not in self.months:
            return False
        for match in self.regex.finditer(text):
            if not (self.negatable and _negated(text, match.start(), negations)):
                return True
        return False


def _negated(text: str, start: int, negations: Sequence[str]) -> bool:
    before = text[max(0, start - NEGATION_WINDOW - 3):start]
    before = _CLAUSE_END.split(before)[-1][-NEGATION_WINDOW - 2:]
    return any(neg in before for neg in negations)


def _compile(record: dict[str, Any]) -> UrgencyRule:
    name = record.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RuleError(f"urgency rule without a name: {record!r}")
    pattern, kind = record.get("pattern"), record.get("kind", "keyword")
    level = record.get("level", URGENT)
    if not isinstance(pattern, str) or not pattern.strip():
        raise RuleError(f"urgency rule '{name}': empty pattern")
    if kind not in KINDS:
        raise RuleError(f"urgency rule '{name}': kind must be one of {KINDS}, not {kind!r}")
    if level not in LEVELS:
        raise RuleError(f"urgency rule '{name}': level must be one of {LEVELS}, not {level!r}")
    if kind == "keyword":
        words = [w.strip() for w in pattern.split("|") if w.strip()]
        pattern = "|".join(re.escape(w) for w in words)
    try:
        regex = re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise RuleError(f"urgency rule '{name}': bad regular expression: {exc}") from None
    months = record.get("months")
    if months is not None:
        if not months or not all(isinstance(m, int) and 1 <= m <= 12 for m in months):
            raise RuleError(f"urgency rule '{name}': months must be numbers 1..12")
        months = frozenset(months)
    return UrgencyRule(name.strip(), regex, level, months, bool(record.get("negatable", True)))


class UrgencyRules:
    """An ordered rule list: the first matching 紧急 rule wins, else the first 一般 rule."""

    def __init__(self, rules: Iterable[UrgencyRule],
                 negations: Sequence[str] = DEFAULT_NEGATIONS) -> None:
        self.rules = tuple(rules)
        self.negations = tuple(negations)

    @classmethod
    def from_records(cls, records: list[dict[str, Any]],
                     negations: Sequence[str] = DEFAULT_NEGATIONS) -> UrgencyRules:
        """Validate and compile records; disabled records are skipped. Raises RuleError."""
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise RuleError("urgency rules must be a list of objects")
        return cls([_compile(r) for r in records if r.get("enabled", True)], negations)

    @classmethod
    def default(cls) -> UrgencyRules:
        """The rules shipped in ``urgency_rules.json``."""
        return _default_rules()

    def classify(self, text: str, when: date | None = None) -> tuple[str, str | None]:
        """(level, name of the deciding rule or None). ``when`` enables seasonal rules;
        without it a seasonal rule applies all year (better a false alarm than a miss)."""
        normal: str | None = None
        # Each rule scans the text on its own: measured faster than one combined alternation
        # as a pre-filter (Python's engine can skip ahead to a lone rule's first characters,
        # not to an alternation of groups), and nearly every text matches no rule at all.
        for rule in self.rules:
            if (rule.level == URGENT or normal is None) and rule.applies(
                    text, self.negations, when):
                if rule.level == URGENT:
                    return URGENT, rule.name
                normal = rule.name
        return NORMAL, normal


@lru_cache(maxsize=1)
def _default_rules() -> UrgencyRules:
    raw = resources.files(__package__).joinpath("urgency_rules.json").read_text(encoding="utf-8")
    data = json.loads(raw)
    return UrgencyRules.from_records(data["rules"], data.get("negations", DEFAULT_NEGATIONS))
