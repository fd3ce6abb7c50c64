"""The reply-quality check: evasive answers flagged, complete ones high, relevance to the message."""

from __future__ import annotations

import pytest

from classifier.reply_quality import EVASIVE_CAP, assess, relevance

MESSAGE = ("市民来电反映A1区幸福路128号幸福小区门口的路灯坏了一个多月，晚上漆黑一片，"
           "老人出行不便，请尽快维修路灯。")
COMPLETE = ("您好！经核实，幸福小区门口路灯因线路老化损坏。我局已于12月3日安排维修人员到幸福路128号"
            "现场更换线路和灯具，路灯已恢复照明。根据《A市城市照明管理办法》第十二条，路灯由区城管局"
            "负责养护，如再有故障请拨打0731-84561234。感谢您的支持！")


def codes(reply: str, message: str = MESSAGE, *, good: bool | None = None) -> set[str]:
    return {r.code for r in assess(message, reply).reasons if good is None or r.good == good}


@pytest.mark.parametrize("reply", [
    "您好，您反映的问题已转相关部门处理。感谢您的支持！",
    "您的留言已收悉。关于您反映的问题，已转市城管局调查处理。",
    "建议您咨询相关部门。",
    "网友您好：您反映的路灯问题我办已转交有关单位，处理情况会及时回复给您。谢谢！",
    "您的留言已收悉！我们已将您反映的问题转相关部门进行处理，敬请关注后续回复，谢谢！",
])
def test_a_hand_off_with_nothing_else_is_evasive(reply: str) -> None:
    quality = assess(MESSAGE, reply)
    assert quality.evasive and quality.score <= EVASIVE_CAP and quality.band == "poor"
    first = quality.reasons[0]
    assert first.code == "evasive" and not first.good
    assert first.message.startswith("推诿") and " / evasive" in first.message
    assert first.evidence and first.evidence in reply  # the words that gave it away


def test_a_hand_off_beside_a_real_answer_is_not_evasive() -> None:
    reply = COMPLETE + "另，路面坑洼问题已转区住建局处理。"
    quality = assess(MESSAGE, reply)
    assert not quality.evasive and quality.score >= 70
    assert "handoff" in codes(reply) and "evasive" not in codes(reply)


def test_a_complete_answer_scores_high_and_says_why() -> None:
    quality = assess(MESSAGE, COMPLETE)
    assert quality.score >= 85 and quality.band == "good" and not quality.evasive
    assert codes(COMPLETE, good=True) >= {"relevant", "what", "where", "when", "basis", "contact"}
    assert codes(COMPLETE, good=False) == set()
    evidence = {r.code: r.evidence for r in quality.reasons}
    assert evidence["basis"] == "《A市城市照明管理办法》第十二条"
    assert evidence["contact"] == "0731-84561234"
    assert evidence["where"] == "幸福小区" and evidence["when"] == "12月3日"
    assert "路灯" in evidence["relevant"].split("、")


def test_what_where_when_and_basis_each_count() -> None:
    full = assess(MESSAGE, COMPLETE).score
    vague = "您好，关于幸福小区门口路灯不亮的问题，我们会重视，感谢您的监督。"
    quality = assess(MESSAGE, vague)
    assert quality.score < full - 30
    assert {"what", "when", "no_basis"} <= codes(vague, good=False)


def test_an_answer_about_something_else_is_off_topic() -> None:
    other = ("您好！经核实，该小区物业公司收取停车费已按业主大会决议执行，收费标准不高于周边小区，"
             "我局已于5月5日组织业委会召开协调会。根据《物业管理条例》第十一条办理。")
    own, foreign = relevance(MESSAGE, COMPLETE)[0], relevance(MESSAGE, other)[0]
    assert own > 0.7 and foreign < 0.3
    assert "off_topic" in codes(other, good=False)
    assert assess(MESSAGE, other).score < assess(MESSAGE, COMPLETE).score
    missing = next(r.evidence for r in assess(MESSAGE, other).reasons if r.code == "off_topic")
    assert "路灯" in missing.split("、")


def test_quoting_the_message_does_not_make_a_hand_off_relevant() -> None:
    reply = "您反映的“幸福小区门口的路灯坏了一个多月，请尽快维修路灯”的问题，已转相关部门处理。"
    assert relevance(MESSAGE, reply.split("，已转")[0])[0] < 0.3
    assert assess(MESSAGE, reply).evasive


def test_greetings_and_a_date_alone_say_nothing() -> None:
    quality = assess(MESSAGE, "你好！2019年10月10日")
    assert not quality.evasive and quality.score <= EVASIVE_CAP
    assert [r.code for r in quality.reasons] == ["empty"]


def test_the_sign_off_date_is_not_a_time_limit() -> None:
    reply = "您好！经核实，幸福小区门口路灯已更换灯具。2019年5月9日"
    assert "when" in codes(reply, good=False)
    assert "when" in codes("您好！经核实，幸福小区门口路灯已于5月8日更换灯具。2019年5月9日", good=True)


def test_as_dict_is_plain_data() -> None:
    data = assess(MESSAGE, COMPLETE).as_dict()
    assert set(data) == {"score", "band", "relevance", "completeness", "interpretability",
                         "evasive", "reasons"}
    assert all(set(r) == {"code", "good", "message", "evidence"} for r in data["reasons"])
