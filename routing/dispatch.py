"""Choosing the responsible unit from the dispatch catalogue (派单目录), FixMyStreet-style.

The catalogue is data (rows officials edit); this module only matches a case against it and says
why, so every routing decision can be explained and replayed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Rule:
    id: int
    department: str
    priority: int = 100
    topic: str | None = None
    district: str | None = None
    line: str | None = None
    keywords: tuple[str, ...] = ()
    # A gazetteer street code: the rule applies only to tickets located in that street; with no
    # topic it is 属地 dispatch, the street alone deciding (直派街乡).
    street: str | None = None


@dataclass(frozen=True)
class Case:
    """What routing knows about a ticket. `topics` is the topic code and its ancestors."""

    text: str
    line: str
    district: str | None = None
    topics: tuple[str, ...] = ()
    confident: bool = False
    street: str | None = None


@dataclass(frozen=True)
class Decision:
    department: str | None
    reason: dict[str, Any] = field(default_factory=dict)

    @property
    def manual(self) -> bool:
        return self.department is None


def _matches(rule: Rule, case: Case, *, use_topic: bool) -> bool:
    if rule.line and rule.line != case.line:
        return False
    if rule.district and rule.district != case.district:
        return False
    if rule.street and rule.street != case.street:
        return False
    if rule.keywords:
        return any(word in case.text for word in rule.keywords)
    if rule.topic is None:
        return rule.street is not None  # the place is known whatever the classifier thinks
    return use_topic and rule.topic in case.topics


def _specificity(rule: Rule) -> tuple[int, int, int, int]:
    """Priority first; among equals the rule naming more of the case wins (street, district,
    line)."""
    return (rule.priority, int(rule.street is not None), int(rule.district is not None),
            int(rule.line is not None))


def decide(
    rules: Iterable[Rule],
    case: Case,
    *,
    line_defaults: Mapping[str, str] = {},
    district_governments: Mapping[str, str] = {},
) -> Decision:
    """The unit for `case`, or a manual decision saying why none was found.

    Order: keyword rules (they override the classifier), then topic rules when the classifier is
    confident — and street rules without a topic whatever its confidence, since they need only
    the place (直派街乡) — then the line's default unit (12315 -> market regulation), then — when
    only the district is known — that district's government (首接负责). Otherwise a person
    decides. A street rule that decides says so (`by: street_rule`, with the street).
    """
    rules = list(rules)
    keyword = [r for r in rules if r.keywords and _matches(r, case, use_topic=False)]
    if keyword:
        best = max(keyword, key=_specificity)
        hit = next(w for w in best.keywords if w in case.text)
        return Decision(best.department, {"by": "keyword_rule", "rule": best.id, "keyword": hit})
    topical = [r for r in rules if not r.keywords and _matches(r, case, use_topic=case.confident)]
    if topical:
        best = max(topical, key=_specificity)
        if best.street is not None:
            return Decision(best.department,
                            {"by": "street_rule", "rule": best.id, "street": best.street})
        return Decision(best.department, {"by": "topic_rule", "rule": best.id})
    if case.line in line_defaults:
        return Decision(line_defaults[case.line], {"by": "line_default", "line": case.line})
    if case.confident and case.district in district_governments:
        return Decision(
            district_governments[case.district], {"by": "district_government", "district": case.district}
        )
    why = "low_confidence" if not case.confident else "no_rule"
    return Decision(None, {"by": "manual", "why": why})


def topic_chain(code: str, parents: Mapping[str, str | None]) -> tuple[str, ...]:
    """`code` and its ancestors, most specific first."""
    chain: list[str] = []
    current: str | None = code
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return tuple(chain)
