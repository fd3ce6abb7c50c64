"""The follow-up answer parser: what citizens actually type."""

from __future__ import annotations

import pytest

from hotline.citizen.followup import Verdict, parse


@pytest.mark.parametrize(("text", "solved", "satisfied"), [
    ("11", 1, 1),
    ("33", 3, 3),
    ("21", 2, 1),
    ("１１", 1, 1),          # full-width digits
    ("１ ３", 1, 3),
    ("1，2", 1, 2),
    ("3", 3, None),          # one digit answers the first question
    ("我选3吧", 3, None),
    ("回复：12 谢谢", 1, 2),
    ("解决了，满意", 1, 1),
    ("已解决 非常满意！", 1, 1),
    ("部分解决，基本满意", 2, 2),
    ("没解决", 3, None),
    ("问题没有解决，很不满意", 3, 3),
    ("不满意", None, 3),
    ("解决了 2", 1, 2),      # words first, the digit fills the open question
    ("工单20240101-000123 我的回答是 13", 1, 3),  # the quoted ticket number is not an answer
    ("13812348000", None, None),  # a phone number is not an answer
    ("好的", None, None),
    ("5", None, None),
    ("123", None, None),
    ("", None, None),
    ("解决 未解决", None, None),  # contradiction: unknown
])
def test_parse(text: str, solved: int | None, satisfied: int | None) -> None:
    assert parse(text) == Verdict(solved, satisfied)


def test_unhappy_and_complete() -> None:
    assert parse("3").unhappy and not parse("3").complete
    assert parse("13").unhappy and parse("13").complete
    assert not parse("12").unhappy
    assert parse("嗯").empty
