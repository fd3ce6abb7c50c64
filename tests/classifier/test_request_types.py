"""Request-type cue rules: each type's cues, the weighting that decides between them, the
fallback, and the checks on rules written as data."""

from __future__ import annotations

import pytest

from classifier.request_types import (
    Calibration,
    RequestTypeGuess,
    RequestTypeRules,
    rules_sha256,
)
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


# --- confidence -------------------------------------------------------------------------------

def _guess(code: str, score: int, runner_up: int = 0, cues: tuple[str, ...] = ("w",)
           ) -> RequestTypeGuess:
    return RequestTypeGuess(code, code, cues if score else (), score, runner_up)


def test_a_guess_knows_its_margin_over_the_runner_up() -> None:
    plain = RULES.uncalibrated()
    both = plain.guess("举报楼下烧烤店噪音扰民")  # 举报 3×2 against 扰民 and 噪音, 1×2 each
    assert (both.code, both.score, both.runner_up, both.margin) == ("report", 6, 4, 2)
    assert plain.guess("小区门口路灯坏了").margin == 0 and plain.guess("举报偷排").runner_up == 0
    tie = RequestTypeRules.from_data({"lead_chars": 0, "types": [
        {"type": "a", "label": "A", "cues": [{"words": "x"}]},
        {"type": "b", "label": "B", "cues": [{"words": "y"}]}]}).guess("yx")
    assert (tie.code, tie.margin) == ("a", 0)  # a tie goes to the type listed first


def test_fit_counts_each_bucket_smooths_and_keeps_the_order() -> None:
    guesses = ([_guess("complaint", 0)] * 4            # no cue: 3 of 4 right
               + [_guess("report", 3, 3)] * 2          # a tie: 0 of 2 right
               + [_guess("report", 4, 3)] * 3          # margin 1: 3 of 3
               + [_guess("report", 5, 3)] * 5          # margin 2: 3 of 5, below margin 1
               + [_guess("report", 9, 0)] * 8)         # margin 9: 8 of 8
    gold = (["complaint"] * 3 + ["help"] + ["help"] * 2 + ["report"] * 3
            + ["report"] * 3 + ["help"] * 2 + ["report"] * 8)
    fitted = Calibration.fit(guesses, gold, margins=(0, 1, 2, 5), confident_at=0.8)
    table = {b.margin_from: (b.right, b.texts, round(b.confidence, 3)) for b in fitted.buckets}
    assert table[None] == (3, 4, round(4 / 6, 3))
    assert table[0] == (0, 2, 0.25)
    # margins 1 and 2 pooled: (3 + 3 + 1) / (3 + 5 + 2), not 0.8 then 0.571
    assert table[1][2] == table[2][2] == 0.7 and table[1][:2] == (3, 3)
    assert table[5] == (8, 8, 0.9)
    assert [fitted.confidence(g) for g in (_guess("x", 0), _guess("x", 7, 6), _guess("x", 7, 3),
                                           _guess("x", 20, 1))] == [
        pytest.approx(4 / 6), 0.7, 0.7, 0.9]


def test_sets_that_disagree_count_more_alike_than_their_sizes() -> None:
    """A large set right 95 times in 100 and two small ones right half the time: the pooled
    count would claim (105 + 1) / (120 + 2) = 0.869 for the next text from yet another set;
    the random-effects mean lies nearer the sets' own mean; sets that agree give their share."""
    guesses = [_guess("complaint", 0)] * 120
    gold = ["complaint"] * 95 + ["help"] * 5 + (["complaint"] * 5 + ["help"] * 5) * 2
    sources = ["notes"] * 100 + ["titles"] * 10 + ["messages"] * 10
    spread = Calibration.fit(guesses, gold, sources=sources).buckets[0]
    assert (spread.right, spread.texts) == (105, 120)
    shares = (96 / 102, 6 / 12, 6 / 12)
    assert sum(shares) / 3 < spread.confidence < 0.8 < 106 / 122
    agreeing = ["complaint"] * 8 + ["help"] * 2
    both = Calibration.fit(guesses[:20], agreeing * 2, sources=sources[100:]).buckets[0]
    assert both.confidence == pytest.approx(9 / 12)  # each set smoothed: (8 + 1) / (10 + 2)

def test_a_calibrated_guess_carries_its_confidence_and_whether_it_is_confident() -> None:
    calibration = Calibration.from_data({"confident_at": 0.8, "buckets": [
        {"margin_from": None, "confidence": 0.6}, {"margin_from": 0, "confidence": 0.3},
        {"margin_from": 3, "confidence": 0.9}]})
    rules = RequestTypeRules.from_data({"lead_chars": 0, "fallback": "b", "types": [
        {"type": "a", "label": "A", "cues": [{"words": "x", "weight": 3}, {"words": "z"}]},
        {"type": "b", "label": "B", "cues": [{"words": "y"}]}]}, calibration)
    assert (rules.guess("xy").confidence, rules.guess("xy").confident) == (0.3, False)
    assert (rules.guess("x").confidence, rules.guess("x").confident) == (0.9, True)
    assert (rules.guess("...").confidence, rules.guess("...").code) == (0.6, "b")
    assert rules.uncalibrated().guess("x").confidence is None


def test_calibration_written_as_data_is_checked() -> None:
    good = [{"margin_from": None, "confidence": 0.5}, {"margin_from": 0, "confidence": 0.5}]
    assert Calibration.from_data({"confident_at": 0.8, "buckets": good}).buckets[1].margin_from == 0
    for bad in ({"confident_at": 0.8},
                {"confident_at": 1.5, "buckets": good},
                {"confident_at": 0.8, "buckets": good[:1]},
                {"confident_at": 0.8, "buckets": good[1:]},
                {"confident_at": 0.8, "buckets": [*good, {"margin_from": 0, "confidence": 0.6}]},
                {"confident_at": 0.8, "buckets": [*good, {"margin_from": -2, "confidence": 0.6}]},
                {"confident_at": 0.8, "buckets": [*good, {"margin_from": 2, "confidence": 2}]}):
        with pytest.raises(RuleError):
            Calibration.from_data(bad)


def test_the_shipped_calibration_was_measured_on_the_shipped_rules() -> None:
    """An edit of request_type_rules.json needs the calibration measured again."""
    assert RULES.calibration is not None
    assert RULES.calibration.rules_sha256 == RULES.sha256, (
        "request_type_rules.json changed: run .venv/bin/python bench/request_types/run.py "
        "--calibrate")
    confidences = [b.confidence for b in RULES.calibration.buckets[1:]]
    assert confidences == sorted(confidences)


def test_the_fingerprint_follows_what_the_rules_say_not_their_comments() -> None:
    data = {"fallback": "a", "types": [{"type": "a", "label": "A", "cues": [{"words": "x"}]}]}
    same = rules_sha256({**data, "_comment": "a note"})
    assert rules_sha256(data) == same
    assert rules_sha256({**data, "lead_chars": 3}) != same
