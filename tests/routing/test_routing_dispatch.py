"""Dispatch rules on a street (直派街乡, issue 17): a rule naming a street applies only to tickets
located there and routes them straight to the street's unit; elsewhere the catalogue answers
as before."""

from __future__ import annotations

from routing.dispatch import Case, Rule, decide

CITY = Rule(1, "zjj", priority=50, topic="cxjs")
DISTRICT = Rule(2, "a1-zjj", priority=80, topic="cxjs", district="a1")
STREET = Rule(3, "a1-s1", priority=300, topic="cxjs", street="a1-s1")
TERRITORY = Rule(4, "a2-s3", priority=150, street="a2-s3")  # any topic, 属地
GAS = Rule(5, "rqjt", priority=900, keywords=("煤气",))
RULES = (CITY, DISTRICT, STREET, TERRITORY, GAS)
GOVERNMENTS = {"a1": "a1-gov", "a2": "a2-gov"}


def case(street: str | None, *, district: str | None = "a1", confident: bool = True,
         text: str = "小区路灯坏了", topics: tuple[str, ...] = ("cxjs-szss", "cxjs")) -> Case:
    return Case(text=text, line="12345", district=district, topics=topics, confident=confident,
                street=street)


def test_a_street_rule_routes_a_ticket_of_that_street_to_the_street_unit() -> None:
    decision = decide(RULES, case("a1-s1"), district_governments=GOVERNMENTS)
    assert decision.department == "a1-s1"
    assert decision.reason == {"by": "street_rule", "rule": 3, "street": "a1-s1"}


def test_another_street_or_none_stays_with_the_district_as_before() -> None:
    for street in ("a1-s2", None):
        decision = decide(RULES, case(street), district_governments=GOVERNMENTS)
        assert decision.department == "a1-zjj" and decision.reason == {"by": "topic_rule",
                                                                        "rule": 2}


def test_a_street_rule_on_a_topic_needs_the_classifier_confident() -> None:
    unsure = decide(RULES, case("a1-s1", confident=False), district_governments=GOVERNMENTS)
    assert unsure.department is None and unsure.reason["why"] == "low_confidence"


def test_a_street_rule_without_a_topic_needs_only_the_place() -> None:
    for confident in (True, False):
        decision = decide(RULES, case("a2-s3", district="a2", confident=confident, topics=()),
                          district_governments=GOVERNMENTS)
        assert decision.department == "a2-s3" and decision.reason["by"] == "street_rule"


def test_keyword_rules_still_come_first() -> None:
    decision = decide(RULES, case("a1-s1", text="楼道里有煤气味"),
                      district_governments=GOVERNMENTS)
    assert decision.department == "rqjt" and decision.reason["by"] == "keyword_rule"


def test_at_equal_priority_the_street_rule_beats_the_district_rule() -> None:
    district = Rule(6, "a1-zjj", priority=200, topic="cxjs", district="a1")
    street = Rule(7, "a1-s1", priority=200, topic="cxjs", street="a1-s1")
    for rules in ((district, street), (street, district)):
        assert decide(rules, case("a1-s1")).department == "a1-s1"
