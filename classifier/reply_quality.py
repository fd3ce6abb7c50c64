"""How good a unit's answer (办理结果) looks before the centre reviews it (审核).

The 2020 TipDM task 3 judges a government reply by its relevance (相关性: does it answer what
the citizen asked), completeness (完整性: what was done, where, when) and interpretability
(可解释性: on what basis, and whom to ask). A reviewer reads dozens of answers a day; the
evasive ones ("已转相关部门", "建议您咨询相关部门" and nothing else) and the ones that talk past
the message are what they must catch. This module scores the three and lists its reasons, each
with the words of the reply or the message that decided it, so the supervisor sees why and
still decides (nothing here blocks a reply).

Pure: no I/O, no web framework; the same jieba segmentation as the classifier
(``classifier.text``). Reasons are ``中文 / English`` pairs like the project's other messages.
bench/replies measures the scores against hand labels on TipDM message-reply pairs.

``assess(message, reply) -> ReplyQuality``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Any

from classifier.text import normalize, segmenter_for

# The weights of the three criteria in the score (0-100): relevance first, since an answer to
# another question is worse than a short answer to the right one.
WEIGHTS = {"relevance": 0.4, "completeness": 0.35, "interpretability": 0.25}
# An evasive reply scores at most this, whatever words it shares with the message.
EVASIVE_CAP = 20
# Characters of substance (greetings, thanks, dates and hand-off phrases removed) under which a
# reply says nothing; with a hand-off phrase it is evasive.
EMPTY_CHARS = 15
THIN_CHARS = 40
GOOD, FAIR = 70, 40  # score bands: 较好 / 一般 / 差

# Words every message or reply uses whatever it is about: shared, they prove nothing.
GENERIC = frozenset(re.findall(r"\S+", """
问题 反映 情况 您好 你好 希望 请求 要求 相关 有关 部门 政府 领导 书记 市长 我们 你们 市民 网友
处理 解决 答复 回复 留言 来信 收悉 感谢 谢谢 支持 关注 关心 工作 调查 了解 核实 现将 如下
目前 现在 已经 一直 没有 不能 可以 进行 认真 高度 重视 尊敬 本人 群众 老百姓 居民 单位 事情
来电 来电人 是否 为什么 什么 怎么 如何 能否 请问 咨询 投诉 举报 建议 严重 影响 一下 这种 这样 很多 非常
"""))

_CJK = re.compile(r"[\u3400-\u9fff]")
_QUOTED = re.compile(r"[“\"「『]([^”\"」』]{5,})[”\"」』]")
_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;\n]?")
_SIGN_OFF = re.compile(r"(?:\d{4}\s*[年\-/.]\s*\d{1,2}\s*[月\-/.]\s*\d{1,2}\s*日?|特此回复)[。.\s]*$")

# Sentences that carry no answer: greetings, acknowledgements, thanks, the reply's own frame.
_BOILERPLATE = re.compile(
    r"^\W*(?:(?:网友|市民|尊敬的|亲爱的)?[^，,：:。]{0,12}(?:您好|你好)|"
    r".{0,20}(?:已收悉|收悉|已经收到|已收到)|"
    r"(?:感谢|谢谢|非常感谢|再次感谢).{0,40}|"
    r".{0,12}(?:现(?:将有关情况|就有关情况|将|就)?(?:回复|答复)如下).{0,12}|"
    r"(?:特此回复|此复|祝.{0,10})\W*)\W*$")

# Evasion: the answer is that somebody else will answer.
EVASION = re.compile(
    r"(?:已|已经|将)?(?:转|转交|转至|转给|转到|交办|转办|移交|函转)(?:至|给|到)?[^。；，,]{0,10}?"
    r"(?:相关|有关|职能|责任)?(?:部门|单位|股室|局|中心|公司|委|办|所|队|站)"
    r"|(?:已|已经)(?:转|转交|转至|转给|交办|转办|移交)[^。；，,]{1,12}?(?:调查|处理|办理|核实|办复|核处|调研)"
    r"|建议(?:您|你)?(?:向|到|去|咨询|联系|前往)[^。；]{0,8}(?:相关|有关)(?:部门|单位)"
    r"|请(?:您|你)?(?:向|到|咨询|联系)(?:相关|有关)(?:部门|单位)"
    r"|不属于(?:我|本)(?:单位|部门|局|办|中心)?(?:的)?(?:职责|职能|管辖|受理)"
    r"|(?:通过|走)(?:法律|司法)(?:途径|程序)"
    r"|(?:敬请|请)(?:您|你)?(?:耐心)?(?:等待|关注后续)"
    r"|处理(?:情况|结果)(?:会|将)(?:及时)?(?:回复|反馈)")

# What was done or found, or (for an enquiry) what the citizen is to do.
ACTION = re.compile(
    r"(?:已|已经|现已|均已)[^，。；]{0,6}?(?:完成|安排|组织|督促|责令|要求|整改|维修|修复|清理|清除|拆除|"
    r"查处|立案|约谈|调解|检查|处罚|罚款|下发|下达|协调|落实|解决|更换|安装|疏通|恢复|开展|联系|"
    r"召开|施划|关闭|退还|发放|拨付|建成|开通|通水|通电|批复|出台|制定|撤销|纠正|取缔|停业|补缴|支付)"
    r"|(?:立即|及时|迅速|随即|多次|专门)[^，。；]{0,8}?(?:安排|组织|要求|督促|开展|召开|进行|联系|前往|赶赴)"
    r"|(?:下发|出台|印发|发布|公布|制定|召开|组织|开展|完成|安排|督促|责令|要求|约谈|签订|建成|开通|处罚|"
    r"立案|拆除|清理|整改|查处|支付|发放|拨付|进行)了"
    r"|经(?:过)?(?:调查|调査|核实|核查|查|了解|现场|检测|监测|走访|排查|勘察|测量)"
    r"|(?:现场|实地)(?:查看|检查|核实|勘察|调查|勘查|踏勘)"
    r"|(?:正在|正按|将于|计划于|预计|下一步|拟于|待[^，。]{1,12}后)"
    r"|(?:需|须|需要|应|请)(?:您|你)?(?:携带|提供|持|准备|到|前往|办理|申请)"
    r"|(?:所需|需提供|需要提供)的?(?:材料|资料|证件)|办理(?:流程|程序|手续)")

# A concrete place (the city's own names end so); "A市" or "我局" alone is no place.
PLACE = re.compile(
    r"[\u3400-\u9fffA-Za-z0-9]{1,10}?(?:街道|社区|村|组|路口|路段|大道|路|街|巷|小区|花园|苑|"
    r"栋|号楼|单元|广场|公园|学校|小学|中学|幼儿园|医院|市场|工地|大厦|门口|窗口|服务中心|"
    r"办事处|营业厅|车站|站)")

# A date, time or time limit in the body (the sign-off date is removed first).
WHEN = re.compile(
    r"\d{4}\s*年(?:\s*\d{1,2}\s*月)?|\d{1,2}\s*月\s*\d{1,2}\s*[日号]|\d{1,2}\s*月(?:底|初|中旬|上旬|下旬|份)"
    r"|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[:：]\d{2}|\d+\s*个?(?:工作日|日|天|周|月)内|(?:今年|明年|年底|年内|"
    r"月底|近日|日前|近期|当天|当日|次日|上午|下午|凌晨|晚上|夜间)")

# Law, regulation or policy named, or a document number (长政发〔2014〕7号); in this order of
# preference for the words shown to the reviewer.
BASIS = (
    re.compile(r"《[^》]{2,60}》(?:第[一二三四五六七八九十百零〇\d]+条)?"),
    re.compile(r"[\u3400-\u9fff]{1,8}[〔\[【（(]\s*\d{4}\s*[〕\]】）)]\s*\d+\s*号"),
    re.compile(r"第[一二三四五六七八九十百零〇\d]+条"),
    re.compile(r"(?:根据|依据|按照|依照|参照|遵照)[^，。；]{0,30}?(?:法|条例|规定|办法|细则|意见|通知|"
               r"政策|文件|标准|规范|规划|方案|精神|原则|要求)"),
)

CONTACT = (
    re.compile(r"(?:联系|咨询|服务|监督|投诉|举报|办公)?(?:电话|热线)[：:\s]*[\d\-—()（）*]{5,}"),
    re.compile(r"(?<!\d)(?:0\d{2,3}\s*[-—]\s*)?\d{7,8}(?!\d)|(?<!\d)1[3-9]\d{9}(?!\d)"
               r"|(?<!\d)123\d{2}(?!\d)"),
    re.compile(r"联系人[：:]?[\u3400-\u9fff]{0,4}|(?:致电|拨打|来电)(?:咨询)?"
               r"|(?:窗口|办公室|服务大厅)(?:咨询|办理)"),
)

# The reply says why: a reason or a cause.
EXPLANATION = re.compile(r"由于|因为|原因|因此|所以|鉴于|导致|造成|因[^此为，。]{2,}?[，,。；]|故(?:无法|不能|暂|不)")


@dataclass(frozen=True)
class Reason:
    """One finding: `code` for machines, `good` for its colour, `message` as 中文 / English,
    `evidence` the words of the reply or the message behind it (Chinese in both languages:
    they are the citizen's and the unit's words, which pages mark as such)."""

    code: str
    good: bool
    message: str
    evidence: str = ""


@dataclass(frozen=True)
class ReplyQuality:
    score: int  # 0-100
    band: str  # "good" | "fair" | "poor"
    relevance: float  # 0-1 each
    completeness: float
    interpretability: float
    evasive: bool
    reasons: tuple[Reason, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"score": self.score, "band": self.band, "relevance": self.relevance,
                "completeness": self.completeness, "interpretability": self.interpretability,
                "evasive": self.evasive,
                "reasons": [{"code": r.code, "good": r.good, "message": r.message,
                             "evidence": r.evidence} for r in self.reasons]}


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").replace("\r", "")


def _substance(reply: str) -> tuple[str, list[str]]:
    """The reply without its frame (greetings, thanks, sign-off) and without hand-off
    sentences; and the hand-off phrases found."""
    body = _SIGN_OFF.sub("", reply.strip())
    kept, evasions = [], []
    for sentence in _SENTENCE.findall(body):
        if _BOILERPLATE.match(sentence.strip()):
            continue
        found = EVASION.search(sentence)
        if found:
            evasions.append(found.group(0))
            # What is left once the hand-off and the courtesies are gone: "您反映的问题已转
            # 市教育局调查处理" leaves nothing.
            rest = EVASION.sub("", _QUOTED.sub("", sentence))
            rest = re.sub(r"(?:您|你)?(?:所)?反映的?(?:问题|情况)?|关于|调查|处理|办理|核实|办复|"
                          r"进行|的|了|和|等|[\W\d]", "", rest)
            if len(rest) < 12:
                continue
        kept.append(sentence)
    return "".join(kept), evasions


def _terms(normalized: str) -> list[str]:
    return [w for w in segmenter_for().words(normalized)
            if len(w) >= 2 and w not in GENERIC and _CJK.search(w)]


def _bigrams(text: str) -> Counter[str]:
    chars = "".join(c for c in text if _CJK.match(c))
    return Counter(chars[i:i + 2] for i in range(len(chars) - 1))


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    # Sublinear counts: a long message repeating its place name ten times is not ten times
    # more about it.
    wa = {k: 1 + math.log(v) for k, v in a.items()}
    wb = {k: 1 + math.log(v) for k, v in b.items()}
    dot = sum(w * wb[k] for k, w in wa.items() if k in wb)
    return dot / (math.sqrt(sum(w * w for w in wa.values())) * math.sqrt(sum(w * w for w in wb.values())))


def relevance(message: str, reply: str) -> tuple[float, list[str], list[str]]:
    """(0-1, the message's key terms the reply takes up, those it leaves out).

    Two views of one question: the share of the message's key terms (jieba words, the
    generic ones dropped, each weighted by how often the message repeats it) that the reply
    uses, and (less) the cosine of their character bigrams
    (robust to segmentation: 物业费 / 物业 费). Text the reply quotes from the message is left
    out, or "您反映的“XX小区停水”问题已转相关部门" would look relevant."""
    reply_text = normalize(_QUOTED.sub("", reply))
    message_text = normalize(message)
    counts = Counter(_terms(message_text))
    # Most repeated first: a message names what it is about again and again.
    terms = sorted(counts, key=lambda t: -counts[t])
    weight = {t: 1 + math.log(counts[t]) for t in terms}
    shared = [t for t in terms if t in reply_text]
    missing = [t for t in terms if t not in reply_text]
    coverage = sum(weight[t] for t in shared) / sum(weight.values()) if terms else 0.0
    cosine = _cosine(_bigrams(message_text), _bigrams(reply_text))
    value = 0.7 * min(1.0, coverage / 0.35) + 0.3 * min(1.0, cosine / 0.3)
    return round(value, 3), shared, missing


def _first(pattern: re.Pattern[str] | tuple[re.Pattern[str], ...], text: str) -> str | None:
    """The words that matched, from the most telling pattern of a tuple that matches."""
    for p in pattern if isinstance(pattern, tuple) else (pattern,):
        found = p.search(text)
        if found:
            return found.group(0).strip()
    return None


def _listed(words: list[str], n: int = 5) -> str:
    return "、".join(words[:n])


def assess(message: str, reply: str) -> ReplyQuality:
    """Score `reply` as the answer to `message`, with its reasons (problems first: they are what
    a reviewer looks for)."""
    message, reply = _clean(message), _clean(reply)
    substance, evasions = _substance(reply)
    rel, shared, missing = relevance(message, substance)
    what, where, when = _first(ACTION, substance), _first(PLACE, substance), _first(WHEN, substance)
    basis, contact = _first(BASIS, substance), _first(CONTACT, reply)
    why = _first(EXPLANATION, substance)
    completeness = round((bool(what) * 0.5 + bool(where) * 0.25 + bool(when) * 0.25)
                         * min(1.0, len(substance) / 80), 3)
    interpretability = round(min(1.0, 0.6 * bool(basis) + 0.3 * bool(why) + 0.3 * bool(contact)), 3)
    own_words = len(_QUOTED.sub("", substance))  # the citizen's words quoted back are not an answer
    empty = own_words < EMPTY_CHARS
    evasive = bool(evasions) and (empty or (own_words < THIN_CHARS and not what))
    score = 100 * (WEIGHTS["relevance"] * rel + WEIGHTS["completeness"] * completeness
                   + WEIGHTS["interpretability"] * interpretability)
    if evasive or empty:
        score = min(score, EVASIVE_CAP)
    score = round(score)
    band = "good" if score >= GOOD else "fair" if score >= FAIR else "poor"

    reasons: list[Reason] = []
    if evasive:
        reasons.append(Reason("evasive", False, "推诿：只有转办用语，没有办理结果 / evasive: only a "
                                                "hand-off, no outcome", evasions[0]))
    elif empty:
        reasons.append(Reason("empty", False, "答复没有实质内容（只有问候、致谢或日期） / the reply "
                                              "says nothing of substance (greetings, thanks, a date)"))
    elif evasions:
        reasons.append(Reason("handoff", True, "含转办用语，另有答复内容 / contains a hand-off, with "
                                               "more besides", evasions[0]))
    if not empty:
        if rel >= 0.5 and shared:
            reasons.append(Reason("relevant", True, "回应了留言的要点 / answers the message's points",
                                  _listed(shared)))
        elif missing:
            reasons.append(Reason("off_topic", False, "与留言关联弱，未提及 / barely relates to the "
                                                      "message; not mentioned", _listed(missing)))
        reasons.append(Reason("what", True, "说明了办理情况 / says what was done", what)
                       if what else Reason("what", False, "未说明做了什么、查明了什么 / does not say "
                                                          "what was done or found"))
        reasons.append(Reason("where", True, "有具体地点 / names a place", where)
                       if where else Reason("where", False, "未说明具体地点 / names no place"))
        reasons.append(Reason("when", True, "有时间或期限 / gives a date or time limit", when)
                       if when else Reason("when", False, "未给出时间或办理期限 / gives no date or "
                                                          "time limit"))
        if basis:
            reasons.append(Reason("basis", True, "给出依据 / cites a basis", basis))
        if why:
            reasons.append(Reason("why", True, "解释了原因 / explains why", why))
    if contact:
        reasons.append(Reason("contact", True, "留有联系方式 / gives a contact", contact))
    if not (basis or contact) and not empty:
        reasons.append(Reason("no_basis", False, "没有法规政策依据，也没有联系方式 / no legal or "
                                                 "policy basis and no contact"))
    reasons.sort(key=lambda r: r.good)
    return ReplyQuality(score, band, rel, completeness, interpretability, evasive, tuple(reasons))
