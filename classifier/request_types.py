"""The request type (诉求类型: 咨询/求助/投诉/举报/建议/表扬) from cue words kept as data.

No labelled data exists for the request type (the training corpus is labelled by topic only),
so a classifier cannot be trained for it; the cues are transparent rules in
``request_type_rules.json`` that anyone can read and edit: each matching cue adds its weight to
its type, the highest total wins (ties: the type listed first), and a text with no cue gets the
fallback. The agent confirms, and the answer says which words decided, so a wrong suggestion
is easy to see and to fix in the data. Each distinct cue word counts once (a long message
repeating a word is no more that type), and counts double within the first ``lead_chars``
characters: a caller, like a message's title, says first what they want. bench/request_types
measures it on held-out messages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from classifier.urgency import RuleError


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

    def __init__(self, rules: Iterable[TypeRule], fallback: str, lead_chars: int = 0) -> None:
        self.rules = tuple(rules)
        self.lead_chars = lead_chars
        by_code = {r.code: r for r in self.rules}
        if fallback not in by_code:
            raise RuleError(f"request type fallback '{fallback}' is not one of the types")
        self.fallback = by_code[fallback]

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> RequestTypeRules:
        """Validate and compile ``{"fallback": code, "types": [{"type", "label", "cues"}]}``."""
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
        return cls(rules, data.get("fallback", rules[0].code), lead)

    @classmethod
    def default(cls) -> RequestTypeRules:
        """The rules shipped in ``request_type_rules.json``."""
        return _default_rules()

    def guess(self, text: str) -> RequestTypeGuess:
        best: RequestTypeGuess | None = None
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
                best = RequestTypeGuess(rule.code, rule.label, tuple(found), score)
        return best or RequestTypeGuess(self.fallback.code, self.fallback.label, (), 0)


@lru_cache(maxsize=1)
def _default_rules() -> RequestTypeRules:
    raw = resources.files(__package__).joinpath("request_type_rules.json").read_text(
        encoding="utf-8")
    return RequestTypeRules.from_data(json.loads(raw))
