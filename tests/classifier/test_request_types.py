"""Request-type cue rules: each type's cues, the weighting that decides between them, the
fallback, and the checks on rules written as data."""

from __future__ import annotations

import pytest

from classifier.request_types import RequestTypeRules
from classifier.urgency import RuleError

RULES = RequestTypeRules.default()


@pytest.mark.parametrize(("text", "code"), [
    ("请问社保卡丢了怎么补办", "consult"),
    ("咨询货运从业资格证续期需要什么材料", "consult"),
    ("老人走失了，求助大家帮忙寻找", "help"),
    ("楼下烧烤店每晚噪音扰民，投诉多次没人管", "complaint"),
    ("举报某工地偷排污水", "report"),
    ("建议在学校门口增设红绿灯", "suggestion"),
    ("表扬环卫工人，为他们点赞", "praise"),
    ("小区门口路灯坏了", "complaint"),  # no cue: the fallback
])
def test_each_type(text: str, code: str) -> None:
    assert RULES.guess(text).code == code


def test_the_words_that_decided_are_named_once_each() -> None:
    guess = RULES.guess("举报：有人违章搭建，违章搭建已有三年")
    assert guess.cues == ("举报", "违章搭建") and guess.label == "举报"
    assert RULES.guess("小区门口路灯坏了").cues == ()


def test_what_is_said_first_weighs_double() -> None:
    """A complaint that closes by suggesting something is still a complaint, and the other way
    round: the lead of the message decides between cues of equal weight."""
    tail = "，" + "情况说明" * 12
    assert RULES.guess("投诉物业乱收费" + tail + "建议").code == "complaint"
    assert RULES.guess("建议增设公交站" + tail + "投诉").code == "suggestion"


def test_a_lead_only_cue_counts_only_when_said_first() -> None:
    """占用 in a call note's first words is a report; deep inside a long message it is often
    only the setting of a complaint, so it does not count there."""
    assert RULES.guess("BRT专用道经常被社会车辆占用").code == "report"
    assert RULES.guess("小区门口路灯坏了" + "，情况说明" * 10 + "，人行道被占用").code == "complaint"
    data = {"lead_chars": 4, "types": [{"type": "a", "label": "A", "cues": [
        {"words": "x", "lead_only": True}]}, {"type": "b", "label": "B", "cues": []}],
        "fallback": "b"}
    rules = RequestTypeRules.from_data(data)
    assert rules.guess("x...").code == "a" and rules.guess("....x").code == "b"


def test_a_question_that_got_no_answer_is_not_a_question() -> None:
    assert RULES.guess("开发商交房两年了还没办下房产证，业主多次询问无果").code == "complaint"
    assert RULES.guess("请问环保部门投诉电话多少").code == "consult"


def test_rules_written_as_data_are_checked() -> None:
    good = {"fallback": "a", "types": [{"type": "a", "label": "A", "cues": [{"words": "x"}]}]}
    assert RequestTypeRules.from_data(good).guess("x").code == "a"
    for bad in ({"types": []},
                {"fallback": "zz", "types": good["types"]},
                {"types": [{"type": "a", "label": "A", "cues": [{"words": ""}]}]},
                {"types": [{"type": "a", "label": "A", "cues": [{"words": "x", "weight": 0}]}]},
                {"types": [{"type": "a", "label": "A", "cues": [{"words": "(", "regex": True}]}]},
                {"lead_chars": -1, "types": good["types"]},
                {"types": [{"type": "a", "label": "A", "cues": [{"words": "x", "lead_only": 1}]}]}):
        with pytest.raises(RuleError):
            RequestTypeRules.from_data(bad)
