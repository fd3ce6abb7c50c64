from __future__ import annotations

from datetime import date

import pytest

from classifier import RuleError, UrgencyRules

URGENT_EXAMPLES = [
    ("小区里闻到很浓的煤气味，怀疑燃气泄漏", "燃气泄漏"),
    ("楼道天然气泄露了，快来人", "燃气泄漏"),
    ("对面居民楼起火了，浓烟很大", "火灾"),
    ("仓库发生火灾", "火灾"),
    ("工地旁边的围墙倒塌了，压到了路人", "倒塌"),
    ("路面塌陷出现一个大坑", "倒塌"),
    ("主水管爆裂，整条街都是水", "内涝爆管"),
    ("暴雨后地下室进水很深", "内涝爆管"),
    ("有人受伤倒在路边", "人员受伤被困"),
    ("电梯突然停了，里面困住了两个人", "电梯困人"),
    ("我被困在电梯里了", "人员受伤被困"),
    ("小区里有人触电了", "触电"),
    ("电线断落在人行道上", "触电"),
    ("我家孩子走失了，请帮忙找", "儿童走失"),
    ("学校食堂发生食物中毒", "食物中毒"),
    ("化工厂氯气泄漏，气味刺鼻", "危化品泄漏"),
    ("昨晚附近发生爆炸", "爆炸"),
]

CALM_EXAMPLES = [
    "小区物业费太高，希望核查",
    "学校乱收费问题",
    "公交车班次太少，等车太久",
    "不是燃气泄漏，是下水道的臭味",
    "经检查没有燃气泄漏",
    "并非火灾，只是有人烧烤",
    "担心燃气泄漏，建议加装报警器",
    "请问养老金什么时候调整",
    "",
]


@pytest.fixture(scope="module")
def rules() -> UrgencyRules:
    return UrgencyRules.default()


@pytest.mark.parametrize(("text", "rule"), URGENT_EXAMPLES)
def test_default_rules_flag_emergencies(rules: UrgencyRules, text: str, rule: str) -> None:
    assert rules.classify(text) == ("紧急", rule)


@pytest.mark.parametrize("text", CALM_EXAMPLES)
def test_default_rules_leave_ordinary_and_negated_texts_alone(rules: UrgencyRules,
                                                              text: str) -> None:
    assert rules.classify(text) == ("一般", None)


def test_negation_in_an_earlier_clause_does_not_cancel_a_later_match(
        rules: UrgencyRules) -> None:
    assert rules.classify("不是我报的警，但楼下确实着火了")[0] == "紧急"
    assert rules.classify("这不是演习。燃气泄漏了")[0] == "紧急"


@pytest.mark.parametrize(("when", "level"), [
    (date(2021, 1, 10), "紧急"), (date(2021, 12, 1), "紧急"), (date(2021, 3, 31), "紧急"),
    (date(2021, 7, 1), "一般"), (date(2021, 10, 31), "一般"), (None, "紧急"),
])
def test_no_heating_is_urgent_in_winter_only(rules: UrgencyRules, when: date | None,
                                             level: str) -> None:
    assert rules.classify("家里没有暖气，老人受不了", when)[0] == level


def test_normal_level_rules_name_themselves_without_raising_urgency(rules: UrgencyRules) -> None:
    assert rules.classify("小区停水两天了") == ("一般", "停水停电")


def test_first_urgent_rule_wins_over_a_normal_one(rules: UrgencyRules) -> None:
    assert rules.classify("停电后电梯困人") == ("紧急", "电梯困人")


def test_records_keyword_regex_disabled_and_months() -> None:
    rules = UrgencyRules.from_records([
        {"name": "井盖", "pattern": "井盖丢失|井盖缺失", "kind": "keyword", "level": "紧急",
         "enabled": True},
        {"name": "高温", "pattern": r"(高温|中暑).{0,4}(工人|老人)", "kind": "regex",
         "level": "紧急", "enabled": True, "months": [6, 7, 8]},
        {"name": "关掉的", "pattern": "噪音", "kind": "keyword", "level": "紧急",
         "enabled": False},
        {"name": "字面", "pattern": "a.b", "kind": "keyword", "level": "紧急"},
    ])
    assert rules.classify("路口井盖丢失") == ("紧急", "井盖")
    assert rules.classify("高温下工人晕倒", date(2022, 7, 1)) == ("紧急", "高温")
    assert rules.classify("高温下工人晕倒", date(2022, 1, 1)) == ("一般", None)
    assert rules.classify("夜间噪音") == ("一般", None)
    assert rules.classify("axb") == ("一般", None)  # keywords are literal, not regex
    assert rules.classify("A.B") == ("紧急", "字面")


def test_negatable_false_keeps_patterns_that_say_no() -> None:
    rules = UrgencyRules.from_records([
        {"name": "停气", "pattern": "没有燃气", "kind": "keyword", "level": "紧急",
         "negatable": False}])
    assert rules.classify("全楼没有燃气") == ("紧急", "停气")


@pytest.mark.parametrize(("record", "message"), [
    ({"pattern": "x"}, "without a name"),
    ({"name": "a", "pattern": ""}, "empty pattern"),
    ({"name": "a", "pattern": "x", "kind": "fuzzy"}, "kind"),
    ({"name": "a", "pattern": "x", "level": "高"}, "level"),
    ({"name": "a", "pattern": "(", "kind": "regex"}, "bad regular expression"),
    ({"name": "a", "pattern": "x", "months": [13]}, "months"),
    ({"name": "a", "pattern": "x", "months": []}, "months"),
])
def test_invalid_records_are_refused_with_the_rule_named(record: dict, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        UrgencyRules.from_records([record])


def test_records_must_be_a_list_of_objects() -> None:
    with pytest.raises(RuleError):
        UrgencyRules.from_records({"name": "a"})  # type: ignore[arg-type]


def test_no_rules_means_everything_is_normal() -> None:
    assert UrgencyRules.from_records([]).classify("燃气泄漏") == ("一般", None)
