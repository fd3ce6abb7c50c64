"""Message texts: placeholders, UCS-2 segment budget, cutting answers at a sentence end."""

from __future__ import annotations

from hotline.messaging import texts


def test_short_answer_is_kept_whole() -> None:
    out = texts.compose(texts.DEFAULTS[texts.ANSWER],
                        {"line": "12345", "number": "20240101-000001", "answer": "路灯已修复。",
                         "link": "https://x.cn/track?n=20240101-000001"})
    assert "路灯已修复。" in out.body and not out.truncated
    assert texts.units(out.body) <= texts.UCS2_PART * texts.SEGMENT_BUDGET


def test_long_answer_cut_at_the_last_sentence_end_within_budget() -> None:
    answer = "经核查，该路段路灯线路老化。" * 5 + "我单位已于本周更换线路并恢复照明！" + "后续将加强巡查维护。" * 10
    link = "https://hotline.example.gov.cn/track?n=20240101-000001"
    out = texts.compose(texts.DEFAULTS[texts.ANSWER],
                        {"line": "12345", "number": "20240101-000001", "answer": answer, "link": link})
    assert out.truncated
    assert texts.units(out.body) <= 201
    assert texts.segments(out.body) <= texts.SEGMENT_BUDGET
    assert out.body.endswith(link)  # the link to the full text survives
    short = out.body.split("已办理答复：", 1)[1].split(" 全文及评价", 1)[0]
    assert short[-1] in texts.SENTENCE_ENDS and answer.startswith(short)


def test_answer_without_sentence_end_is_cut_hard_with_ellipsis() -> None:
    assert texts.shorten("甲" * 50, 10) == "甲" * 9 + "…"
    assert texts.shorten("一句话。第二句很长很长很长", 8) == "一句话。"
    assert texts.shorten("  空白\n\n折叠  ", 20) == "空白 折叠"


def test_ucs2_counts_utf16_units_and_segments() -> None:
    assert texts.units("😀") == 2
    assert texts.segments("字" * 70) == 1
    assert texts.segments("字" * 71) == 2
    assert texts.segments("a" * 160) == 1
    assert texts.segments("字" * 201) == 3


def test_placeholders_are_replaced_without_format_semantics() -> None:
    assert texts.fill("{number.__class__} {number} {{x}}", {"number": "N"}) == "{number.__class__} N {{x}}"


def test_template_problems() -> None:
    assert texts.problems(texts.ANSWER, texts.DEFAULTS[texts.ANSWER]) == []
    assert any("unknown" in p for p in texts.problems(texts.ACK, "工单{number}{secret}"))
    assert any("missing" in p for p in texts.problems(texts.ANSWER, "工单{number}"))
    assert any("too long" in p for p in texts.problems(texts.ACK, "{number}" + "长" * 300))
    assert texts.problems(texts.ACK, "  ") == ["模板不能为空 / the template is empty"]


def test_every_default_fits_and_names_its_required_placeholders() -> None:
    for kind, body in texts.DEFAULTS.items():
        assert texts.problems(kind, body) == [], kind
