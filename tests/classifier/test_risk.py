"""Risk triage rules (classifier.risk): the shipped rules on a table of phrasings, negations,
reported speech and ordinary tickets, and the rule records' validation. No I/O."""

from __future__ import annotations

import pytest

from classifier import RuleError
from classifier.risk import (
    CHILD_ELDER,
    EXTREME,
    HIGH,
    MASS_GATHERING,
    SELF_HARM,
    VIOLENCE,
    RiskRules,
)


@pytest.fixture(scope="module")
def rules() -> RiskRules:
    return RiskRules.default()


# (text, category, level): what the shipped rules must find.
RISKY = [
    # self-harm, written and colloquial, first person and reported
    ("我想自杀，活不下去了", SELF_HARM, EXTREME),
    ("市民来电称欠债太多不想活了", SELF_HARM, EXTREME),
    ("来电人情绪激动，称如果今天不解决就去跳楼", SELF_HARM, EXTREME),
    ("我活着没意思 真的撑不住了", SELF_HARM, EXTREME),
    ("老公天天打我，我想一死了之", SELF_HARM, EXTREME),
    ("邻居说他不想活了，已经在楼顶坐了半小时", SELF_HARM, EXTREME),
    ("没办法了，我想自杀", SELF_HARM, EXTREME),
    ("我妈刚才吞了一瓶安眠药", SELF_HARM, EXTREME),
    ("工资要不到没法活了", SELF_HARM, EXTREME),
    ("她说要带着孩子一起去死", SELF_HARM, EXTREME),
    # threats and violence
    ("包工头扬言要砍死我们", VIOLENCE, EXTREME),
    ("再不给钱我就杀了他全家", VIOLENCE, EXTREME),
    ("有个男的拿着菜刀在小区里追人", VIOLENCE, EXTREME),
    ("他说要炸了政府大楼", VIOLENCE, EXTREME),
    ("我要跟他们同归于尽", VIOLENCE, EXTREME),
    ("再这样下去我真想打死他", VIOLENCE, EXTREME),
    ("来电人称长期被老公打得浑身是伤", VIOLENCE, HIGH),
    ("保安殴打外卖员，现在还在门口", VIOLENCE, HIGH),
    ("房东威胁要打断我的腿", VIOLENCE, HIGH),
    # mass gatherings
    ("上百人聚集在政府门口讨薪", MASS_GATHERING, EXTREME),
    ("几百个业主围堵售楼部要求退房", MASS_GATHERING, EXTREME),
    ("好几十个工人堵在工地门口拉横幅", MASS_GATHERING, HIGH),
    ("村民组织集体上访，明天一早出发", MASS_GATHERING, HIGH),
    # children and the elderly
    ("停车场有个小孩被锁在车里，一直在哭", CHILD_ELDER, EXTREME),
    ("对面楼有个孩子爬上阳台护栏了", CHILD_ELDER, EXTREME),
    ("怀疑邻居虐待孩子，经常听到哭喊", CHILD_ELDER, EXTREME),
    ("楼下独居老人好几天没开门了", CHILD_ELDER, HIGH),
    ("河边有小孩溺水", CHILD_ELDER, EXTREME),
    ("桥洞下有个婴儿被遗弃", CHILD_ELDER, HIGH),
]

# What must stay unmarked: negations, frames (news, films, prevention), figures of speech and
# ordinary tickets that share a word with a rule.
SAFE = [
    "我没有想自杀，只是想问问低保怎么申请",
    "我从来没有想过要自杀，请不要误会",
    "我不会打人的，只是想反映物业的问题",
    "他没说要砍人，只是吵了几句",
    "我不会打死他的，就是说说气话",
    "新闻里说有人在桥上跳楼，这座桥的护栏太矮了",
    "电视剧里那种拿着菜刀的场面太吓人了",
    "社区开展防止儿童溺水宣传，建议多放几块警示牌",
    "商场跳楼价甩卖，噪音太大",
    "好久不见，想死你了",
    "工厂偷排废气，这是让居民慢性自杀",
    "污水直排，我们还活不活了",
    "有人在麻将馆聚众赌博，噪音很大",
    "公司拖欠工资三个月，请求帮助讨薪",
    "小区门口十几个人排队做核酸",
    "孩子学校门口的红绿灯坏了",
    "老人想咨询养老保险怎么补缴",
    "市民来电反映18路公交车经常不按站点停靠",
    "举报一名小学老师体罚学生，让孩子在走廊罚站一整天",
]


@pytest.mark.parametrize(("text", "category", "level"), RISKY)
def test_shipped_rules_find_the_risk(rules: RiskRules, text: str, category: str,
                                     level: str) -> None:
    finding = rules.assess(text)
    assert finding is not None, text
    assert (finding.category, finding.level) == (category, level)
    assert finding.phrase in text


@pytest.mark.parametrize("text", SAFE)
def test_shipped_rules_leave_negated_framed_and_ordinary_texts_alone(rules: RiskRules,
                                                                      text: str) -> None:
    assert rules.assess(text) is None


def test_the_most_severe_finding_wins_whatever_the_order() -> None:
    rules = RiskRules.from_records([
        {"name": "吵架", "category": "violence", "level": "high", "pattern": "吵架"},
        {"name": "持刀", "category": "violence", "level": "extreme", "pattern": "持刀"},
    ])
    finding = rules.assess("两人吵架，其中一人持刀")
    assert finding is not None and (finding.rule, finding.level) == ("持刀", "extreme")


def test_a_negated_match_does_not_hide_a_later_one() -> None:
    rules = RiskRules.from_records([{"name": "自杀", "category": "self_harm",
                                     "level": "extreme", "pattern": "自杀"}])
    assert rules.assess("以前没有想过自杀，可现在我真的想自杀") is not None


def test_negatable_false_keeps_a_match_after_a_negation() -> None:
    """For patterns that carry their own "not" (活不下去, 几天没出门), where a preceding negation
    word is part of the distress, not a denial of it."""
    record = {"name": "活不下去", "category": "self_harm", "level": "extreme",
              "pattern": "活不下去"}
    assert RiskRules.from_records([record]).assess("我没有活不下去") is None
    assert RiskRules.from_records([record | {"negatable": False}]).assess("我没有活不下去")


def test_disabled_rules_are_skipped() -> None:
    rules = RiskRules.from_records([{"name": "a", "category": "other", "level": "high",
                                     "pattern": "危险", "enabled": False}])
    assert rules.assess("危险") is None


@pytest.mark.parametrize("record", [
    {"category": "other", "pattern": "x"},
    {"name": "a", "category": "other", "pattern": " "},
    {"name": "a", "category": "weather", "pattern": "x"},
    {"name": "a", "category": "other", "level": "medium", "pattern": "x"},
    {"name": "a", "category": "other", "kind": "glob", "pattern": "x"},
    {"name": "a", "category": "other", "kind": "regex", "pattern": "(unclosed"},
    {"name": "a", "category": "other", "kind": "regex", "pattern": "x?"},
])
def test_bad_records_are_refused_with_the_rules_name(record: dict) -> None:
    with pytest.raises(RuleError):
        RiskRules.from_records([record])
