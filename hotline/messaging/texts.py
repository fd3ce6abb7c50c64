"""The words of every message to citizens: per-line templates, placeholders and SMS length.

Pure functions plus one lookup of the administrators' wording. Placeholders are `{name}`
replaced by a regular expression, not `str.format`, so an administrator's template can never
reach attributes (`{number.__class__}`) and a stray brace in Chinese text is just a brace.

Length: a Chinese SMS is UCS-2, 70 UTF-16 units in one segment and 67 per segment once split.
We allow `SEGMENT_BUDGET` segments; an answer longer than what is left is cut at the last
sentence end (。！？；) that fits, and the tracking link in the template leads to the full text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.app.batch import remembered
from hotline.domain.marks import N_
from hotline.models import MessageTemplate

SEGMENT_BUDGET = 3
UCS2_SINGLE, UCS2_PART = 70, 67
GSM_SINGLE, GSM_PART = 160, 153
SENTENCE_ENDS = "。！？；!?;"
ELLIPSIS = "…"

ACK = "ack"
ANSWER = "answer"
FOLLOWUP_ASK = "followup_ask"
FOLLOWUP_CLARIFY = "followup_clarify"
FOLLOWUP_THANKS = "followup_thanks"
FOLLOWUP_REDO = "followup_redo"
TRACKING_CODE = "tracking_code"
# The duty phone's SMS when a ticket goes overdue or is escalated (hotline.tickets.escalation): written
# by the scan, not from a template, and to a unit rather than a citizen.
STAFF_NOTICE = "staff_notification"
# The duty supervisors' SMS of an extreme-risk ticket (hotline.citizen.effects.staff_sms).
RISK_ALERT = "risk_alert"

DEFAULTS: dict[str, str] = {
    ACK: "【{line}】您的诉求已受理，工单号：{number}。凭工单号和本手机号可查询进度：{link}",
    ANSWER: "【{line}】您的工单{number}已办理答复：{answer} 全文及评价：{link}",
    FOLLOWUP_ASK: "【{line}】工单{number}回访：请回复两位数字，第一位是否解决（1解决 2部分解决 "
                  "3未解决），第二位是否满意（1满意 2基本满意 3不满意），如 11。",
    FOLLOWUP_CLARIFY: "【{line}】未能识别您的回复。请回复两位数字，如 11：第一位 1解决 2部分解决 "
                      "3未解决；第二位 1满意 2基本满意 3不满意。",
    FOLLOWUP_THANKS: "【{line}】感谢您的评价，工单{number}已办结。",
    FOLLOWUP_REDO: "【{line}】已收到您的意见，工单{number}已退回承办单位重新办理。",
    TRACKING_CODE: "【{line}】您查询工单{number}的验证码为 {code}，10分钟内有效。如非本人操作请忽略。",
}
KIND_LABELS = {
    ACK: N_("受理回执"), ANSWER: N_("答复通知"), FOLLOWUP_ASK: N_("回访提问"), FOLLOWUP_CLARIFY: N_("回访澄清"),
    FOLLOWUP_THANKS: N_("回访致谢"), FOLLOWUP_REDO: N_("重办告知"), TRACKING_CODE: N_("查询验证码"),
    STAFF_NOTICE: N_("超期提醒（值班电话）"), RISK_ALERT: N_("风险预警（值班督办）"),
}
PLACEHOLDERS = {"line", "number", "answer", "link", "code"}
REQUIRED: dict[str, set[str]] = {
    ACK: {"number"}, ANSWER: {"number", "answer"}, FOLLOWUP_ASK: {"number"},
    FOLLOWUP_THANKS: {"number"}, FOLLOWUP_REDO: {"number"}, TRACKING_CODE: {"code"},
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_GSM7 = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
            "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")


def units(text: str) -> int:
    """UTF-16 code units: what UCS-2 counts (an emoji outside the BMP takes two)."""
    return len(text.encode("utf-16-le")) // 2


def budget(text: str) -> int:
    """How many characters the allowed segments can carry for text like this."""
    if all(ch in _GSM7 for ch in text):
        return GSM_PART * SEGMENT_BUDGET
    return UCS2_PART * SEGMENT_BUDGET


def segments(text: str) -> int:
    gsm = all(ch in _GSM7 for ch in text)
    single, part = (GSM_SINGLE, GSM_PART) if gsm else (UCS2_SINGLE, UCS2_PART)
    size = len(text) if gsm else units(text)
    return 1 if size <= single else -(-size // part)


def shorten(text: str, limit: int) -> str:
    """`text` within `limit` units: whole sentences when one fits, else a hard cut with '…'."""
    text = re.sub(r"\s+", " ", text).strip()
    if units(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS if limit == 1 else ""
    best = -1
    for i, ch in enumerate(text):
        if units(text[: i + 1]) > limit:
            break
        if ch in SENTENCE_ENDS:
            best = i
    if best >= 0:
        return text[: best + 1]
    cut = text
    while units(cut) > limit - 1:
        cut = cut[:-1]
    return cut + ELLIPSIS


def placeholders(body: str) -> set[str]:
    return set(_PLACEHOLDER.findall(body))


def problems(kind: str, body: str) -> list[str]:
    """What is wrong with an administrator's template (empty list: fine)."""
    errors: list[str] = []
    if not body.strip():
        return ["模板不能为空 / the template is empty"]
    unknown = placeholders(body) - PLACEHOLDERS
    if unknown:
        errors.append(f"未知占位符 / unknown placeholders: {', '.join(sorted(unknown))}")
    missing = REQUIRED.get(kind, set()) - placeholders(body)
    if missing:
        errors.append(f"缺少占位符 / missing placeholders: {', '.join(sorted(missing))}")
    sample = fill(body, {"line": "12345", "number": "20240101-000001", "code": "123456",
                         "link": "https://example.gov.cn/track?n=20240101-000001", "answer": ""})
    if units(sample) > budget(sample) - (30 if "answer" in placeholders(body) else 0):
        errors.append(f"模板过长，超出 {SEGMENT_BUDGET} 条短信 / too long for "
                      f"{SEGMENT_BUDGET} segments")
    return errors


def fill(body: str, values: Mapping[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), body)


@dataclass(frozen=True)
class Rendered:
    body: str
    truncated: bool


def compose(template: str, values: Mapping[str, str]) -> Rendered:
    """The message text; the answer (if any) shortened so the whole fits the segment budget."""
    answer = values.get("answer", "")
    if "answer" not in placeholders(template):
        return Rendered(fill(template, values), False)
    fixed = fill(template, {**values, "answer": ""})
    room = budget(fixed + answer) - units(fixed)
    short = shorten(answer, max(room, 0))
    return Rendered(fill(template, {**values, "answer": short}), short != re.sub(r"\s+", " ", answer).strip())


def template_for(session: Session, line: str, kind: str) -> str:
    """The administrators' wording for this line, else the shipped default."""
    row = remembered(session, ("message_template", line, kind), lambda: session.scalars(
        select(MessageTemplate.body).where(MessageTemplate.line == line, MessageTemplate.kind == kind)
    ).first())
    return row or DEFAULTS[kind]


def render(session: Session, line: str, kind: str, values: Mapping[str, str]) -> Rendered:
    return compose(template_for(session, line, kind), {"line": line, **values})
