"""Risk triage: self-harm, violence, mass gatherings, children and the elderly in danger.

Urgency rules (classifier.urgency) catch emergencies of things (gas, fire, water); these catch
danger to people, which a centre must pass on at once (to the duty supervisor, to 110/120), and
which the topic model cannot see: "我想自杀，活不下去了" reads as 一般 to it. A missed threat costs a
life, a false alarm a supervisor's minute, so the rules are transparent data that administrators
edit (the `risk_rules` table; the shipped set is ``risk_rules.json``): each record names a
``category``, a ``level`` (``extreme`` alerts the duty supervisor, ``high`` makes the ticket
紧急 and marked) and a keyword or regex ``pattern``, as the urgency rules do.

Two things keep ordinary and negated texts unmarked, both tested phrase by phrase in
tests/classifier/test_risk.py:

- negation: a match right after a negation word, with only "helper" words between
  (没有想过要自杀, 不会打人, 他没说要砍人), does not count, unless the rule says
  ``"negatable": false`` (its pattern already says "not": 活不下去, 几天没出门). Unlike the
  urgency rules' any-negation-in-the-clause test, "没办法了，我想自杀" stays a risk: the
  negation must lead up to the match, not merely stand somewhere before it;
- frames: a match in a sentence that reports the news, a film, a game or prevention work
  (新闻里说有人跳楼, 防止儿童溺水宣传) is about no one in danger.

Reported speech about a real person is kept on purpose: "邻居说他不想活了" is a neighbour at risk.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from classifier.urgency import RuleError

SELF_HARM, VIOLENCE, MASS_GATHERING, CHILD_ELDER, OTHER = (
    "self_harm", "violence", "mass_gathering", "child_elder", "other")
CATEGORIES = (SELF_HARM, VIOLENCE, MASS_GATHERING, CHILD_ELDER, OTHER)
EXTREME, HIGH = "extreme", "high"
LEVELS = (EXTREME, HIGH)  # most severe first
KINDS = ("keyword", "regex")
DEFAULT_NEGATIONS = ("没有", "没", "不是", "并非", "并未", "不会", "不想", "不要", "不再", "不打算",
                     "从未", "从没", "绝不", "绝对不", "无意", "不可能")
# Words that may stand between a negation and what it negates: 没有*想过要*自杀, 不会*去*打人.
HELPERS = ("想过", "想要", "打算", "准备", "说过", "说要", "真的", "会", "想", "要", "去", "过",
           "再", "敢", "曾", "说", "有")
DEFAULT_FRAMES = ("新闻", "电视剧", "电视上", "电影", "小说", "报道", "游戏里", "视频里", "剧里",
                  "宣传", "讲座", "科普", "防止", "预防", "演练", "培训")
_CLAUSE_END = re.compile(r"[,.;!?，。；！？、\s]")
_SENTENCE_END = re.compile(r"[.!?。！？\n]")
# How far back in its sentence a frame still governs a match: "新闻里说有人在政府门口聚集".
FRAME_WINDOW = 24


@dataclass(frozen=True)
class RiskFinding:
    """What a rule found: its category and level, the rule's name and the words matched."""

    category: str
    level: str
    rule: str
    phrase: str

    def as_dict(self) -> dict[str, str]:
        return {"category": self.category, "level": self.level, "rule": self.rule,
                "phrase": self.phrase}


@dataclass(frozen=True)
class RiskRule:
    name: str
    regex: re.Pattern[str]
    category: str
    level: str
    negatable: bool = True


def _compile(record: dict[str, Any]) -> RiskRule:
    name = record.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RuleError(f"risk rule without a name: {record!r}")
    pattern, kind = record.get("pattern"), record.get("kind", "keyword")
    category, level = record.get("category"), record.get("level", HIGH)
    if not isinstance(pattern, str) or not pattern.strip():
        raise RuleError(f"risk rule '{name}': empty pattern")
    if kind not in KINDS:
        raise RuleError(f"risk rule '{name}': kind must be one of {KINDS}, not {kind!r}")
    if category not in CATEGORIES:
        raise RuleError(f"risk rule '{name}': category must be one of {CATEGORIES}, "
                        f"not {category!r}")
    if level not in LEVELS:
        raise RuleError(f"risk rule '{name}': level must be one of {LEVELS}, not {level!r}")
    if kind == "keyword":
        words = [w.strip() for w in pattern.replace("｜", "|").split("|") if w.strip()]
        pattern = "|".join(re.escape(w) for w in words)
    try:
        regex = re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise RuleError(f"risk rule '{name}': bad regular expression: {exc}") from None
    if regex.search(""):
        raise RuleError(f"risk rule '{name}': the pattern matches an empty text")
    return RiskRule(name.strip(), regex, category, level, bool(record.get("negatable", True)))


class RiskRules:
    """An ordered rule list: the most severe finding wins, the first rule among equals."""

    def __init__(self, rules: Iterable[RiskRule], negations: Sequence[str] = DEFAULT_NEGATIONS,
                 frames: Sequence[str] = DEFAULT_FRAMES) -> None:
        self.rules = tuple(rules)
        self.frames = tuple(frames)
        # Longest first, so 没有 is tried before 没 and 想过 before 想.
        negs = "|".join(re.escape(n) for n in sorted(set(negations), key=len, reverse=True))
        helpers = "|".join(re.escape(h) for h in sorted(HELPERS, key=len, reverse=True))
        self._negated = re.compile(f"(?:{negs})(?:{helpers}){{0,3}}$") if negs else None

    @classmethod
    def from_records(cls, records: list[dict[str, Any]],
                     negations: Sequence[str] = DEFAULT_NEGATIONS,
                     frames: Sequence[str] = DEFAULT_FRAMES) -> RiskRules:
        """Validate and compile records; disabled ones are skipped. Raises RuleError."""
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise RuleError("risk rules must be a list of objects")
        return cls([_compile(r) for r in records if r.get("enabled", True)], negations, frames)

    @classmethod
    def default(cls) -> RiskRules:
        """The rules shipped in ``risk_rules.json`` (what a new database is seeded with)."""
        return _default_rules()

    def _counts(self, rule: RiskRule, text: str, match: re.Match[str]) -> bool:
        start = match.start()
        sentence = _SENTENCE_END.split(text[:start])[-1]
        if any(frame in sentence[-FRAME_WINDOW:] for frame in self.frames):
            return False
        if not rule.negatable or self._negated is None:
            return True
        clause = _CLAUSE_END.split(sentence)[-1]
        return self._negated.search(clause) is None

    def assess(self, text: str) -> RiskFinding | None:
        """The most severe risk the text shows, or None (nearly every text: most rules never
        match, and each scans the text once)."""
        best: RiskFinding | None = None
        for rule in self.rules:
            if best is not None and LEVELS.index(rule.level) >= LEVELS.index(best.level):
                continue
            for match in rule.regex.finditer(text):
                if self._counts(rule, text, match):
                    best = RiskFinding(rule.category, rule.level, rule.name, match.group(0))
                    break
            if best is not None and best.level == EXTREME:
                return best
        return best


@lru_cache(maxsize=1)
def default_records() -> tuple[dict[str, Any], ...]:
    """The shipped rule records, as the seed loads them into the database."""
    raw = resources.files(__package__).joinpath("risk_rules.json").read_text(encoding="utf-8")
    return tuple(json.loads(raw)["rules"])


@lru_cache(maxsize=1)
def _default_rules() -> RiskRules:
    return RiskRules.from_records(list(default_records()))
