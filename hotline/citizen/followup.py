"""回访 follow-up: asking the citizen after the answer, reading the verdict, and redo (重办).

The verdict is data (a `follow_ups` row: unit, solved, satisfied, channel, raw words), because
the units' solution and satisfaction rates (三率) are computed from it; 未解决 or 不满意 sends the
ticket back to the same unit through `lifecycle.reopen`, with the citizen's words as the reason.

`parse` is pure: citizens answer "11", "１ １", "3", "解决了，满意", "没解决！" or "我选 2 1 谢谢",
often with the ticket number quoted. Words win over nothing, digits fill what words leave, and a
contradiction (two different values for one question) makes that question unknown.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from config import FollowupSettings
from hotline.domain import lifecycle
from hotline.domain.effects import SMS_ANSWER_CHANNELS
from hotline.domain.errors import DomainError, InvalidInput
from hotline.domain.events import EventKind
from hotline.domain.lifecycle import CITIZEN, SYSTEM, Actor
from hotline.domain.phones import normalise_phone
from hotline.domain.roles import Permission, require
from hotline.identity.access import hides_identity
from hotline.messaging import texts
from hotline.messaging.outbox import mobile, plan
from hotline.models import Channel, FollowUp, Message, OutboundMessage, Status, Ticket, utcnow

log = logging.getLogger(__name__)

SOLVED_LABELS = {1: "解决", 2: "部分解决", 3: "未解决"}
SATISFIED_LABELS = {1: "满意", 2: "基本满意", 3: "不满意"}
PENDING, ANSWERED, NOT_RATED, NEEDS_AGENT, SUPERSEDED = (
    "pending", "answered", "not_rated", "needs_agent", "superseded")
MAX_CLARIFICATIONS = 1
# An unreadable reply longer than this is taken as a new request (it opens a ticket as usual).
MAX_UNREADABLE_ANSWER = 15

_SOLVED_WORDS = {
    3: ("未解决", "没解决", "没有解决", "没能解决", "不解决", "尚未解决", "解决不了", "未得到解决",
        "没有得到解决", "没处理", "未处理", "没有处理"),
    2: ("部分解决", "解决了一部分", "解决一部分", "基本解决", "部分已解决"),
    1: ("已解决", "解决了", "已经解决", "解决"),
}
_SATISFIED_WORDS = {
    3: ("不满意", "很不满意", "非常不满意", "不太满意", "不怎么满意"),
    2: ("基本满意", "比较满意", "还算满意", "一般"),
    1: ("非常满意", "很满意", "满意"),
}
_TICKET_NUMBER = re.compile(r"\d{8}-?\d{6}")
_LONG_DIGITS = re.compile(r"\d{3,}")


@dataclass(frozen=True)
class Verdict:
    solved: int | None = None
    satisfied: int | None = None

    @property
    def complete(self) -> bool:
        return self.solved is not None and self.satisfied is not None

    @property
    def unhappy(self) -> bool:
        """未解决 or 不满意: enough to send the ticket back, whatever the other answer."""
        return self.solved == 3 or self.satisfied == 3

    @property
    def empty(self) -> bool:
        return self.solved is None and self.satisfied is None


def _words(text: str, table: dict[int, tuple[str, ...]]) -> tuple[str, set[int]]:
    """Values named by words (longest first, so 不满意 is not also 满意); text with them blanked."""
    found: set[int] = set()
    pairs = sorted(((w, v) for v, words in table.items() for w in words), key=lambda p: -len(p[0]))
    for word, value in pairs:
        if word in text:
            found.add(value)
            text = text.replace(word, " " * len(word))
    return text, found


def _one(values: set[int]) -> int | None:
    return next(iter(values)) if len(values) == 1 else None


def parse(raw: str) -> Verdict:
    """The citizen's answer to the two questions, as far as it can be read."""
    text = unicodedata.normalize("NFKC", raw or "")
    text = _LONG_DIGITS.sub(" ", _TICKET_NUMBER.sub(" ", text))
    text, solved = _words(text, _SOLVED_WORDS)
    text, satisfied = _words(text, _SATISFIED_WORDS)
    digits = [int(d) for d in re.findall(r"\d", text)]
    if any(d not in (1, 2, 3) for d in digits) or len(digits) > 2:
        digits = []  # "5", "0" or a phone number: not an answer to these questions
        if not solved and not satisfied:
            return Verdict()
    if len(digits) == 2:
        solved.add(digits[0])
        satisfied.add(digits[1])
    elif len(digits) == 1:
        # One digit answers the first question still open.
        (satisfied if solved and not satisfied else solved).add(digits[0])
    return Verdict(_one(solved), _one(satisfied))


def describe(verdict: Verdict) -> str:
    return (f"解决情况：{SOLVED_LABELS.get(verdict.solved or 0, '未答')}；"
            f"满意度：{SATISFIED_LABELS.get(verdict.satisfied or 0, '未答')}")


# --- rounds ------------------------------------------------------------------------------------


def answered_on_track(ticket: Ticket) -> bool:
    """Web and Open311 citizens (and callers without a mobile) are not asked by SMS."""
    return not (ticket.channel in SMS_ANSWER_CHANNELS and mobile(ticket.phone))


def open_round(session: Session, ticket: Ticket) -> int:
    """A new follow-up round for an approved answer; returns its number. Called in a flush."""
    with session.no_autoflush:
        earlier = list(session.scalars(select(FollowUp).where(FollowUp.ticket_id == ticket.id))) \
            if ticket.id is not None else []
    for old in earlier:
        if old.status == PENDING:
            old.status = SUPERSEDED
    number = max((f.round for f in earlier), default=0) + 1
    session.add(FollowUp(ticket=ticket, department_id=ticket.department_id, round=number,
                         status=PENDING, asked_at=utcnow() if answered_on_track(ticket) else None))
    return number


def pending_round(session: Session, ticket_id: int) -> FollowUp | None:
    return session.scalars(
        select(FollowUp).where(FollowUp.ticket_id == ticket_id, FollowUp.status == PENDING)
        .order_by(FollowUp.round.desc())
    ).first()


def ask(session: Session, ticket: Ticket, at: datetime | None = None) -> bool:
    """Send the follow-up question once the answer reached the phone (an outbox row)."""
    round_ = pending_round(session, ticket.id)
    if round_ is None or round_.asked_at is not None or not mobile(ticket.phone):
        return False
    round_.asked_at = at or utcnow()
    plan(session, kind=texts.FOLLOWUP_ASK, line=ticket.line.value, number=ticket.number,
         to=ticket.phone, ticket=ticket, dedupe_key=f"ask:{ticket.number}:{round_.round}")
    return True


# --- verdicts ----------------------------------------------------------------------------------


def _planner(session: Session) -> lifecycle.Planner | None:
    """The deadline planner of the routing snapshot, so a redo gets a fresh reply deadline."""
    try:
        from hotline.catalogue.snapshot import current
    except ImportError:  # pragma: no cover - older trees without the workflow snapshot
        return None
    return current(session).planner


_PHONE_LIKE = re.compile(r"\+?\d[\d\s-]{6,}\d")


def _reason(ticket: Ticket, verdict: Verdict, raw: str, channel: str) -> str:
    """What the unit reads: the verdict and the citizen's words, never who the citizen is."""
    words = raw.strip()
    if hides_identity(ticket):
        words = _PHONE_LIKE.sub("***", words)
        if ticket.citizen_name:
            words = words.replace(ticket.citizen_name, "***")
    via = {"sms": "短信", "web": "网上", "phone": "电话"}.get(channel, channel)
    text = f"市民{via}回访：{describe(verdict)}。"
    return text + (f"市民原话：{words}" if words else "")


def record(session: Session, round_: FollowUp, verdict: Verdict, *, channel: str, raw: str,
           actor: Actor = CITIZEN, recorded_by: str | None = None) -> str:
    """Store the verdict and act on it: redo (重办) when unhappy, else close (办结).

    Returns "reopened", "closed" or "recorded" (the ticket could not be closed yet, e.g. an
    assisting unit is still working; the verdict is kept either way).
    """
    ticket = round_.ticket
    now = utcnow()
    round_.status, round_.solved, round_.satisfied = ANSWERED, verdict.solved, verdict.satisfied
    round_.channel, round_.raw_text, round_.answered_at = channel, raw[:2000], now
    round_.recorded_by = recorded_by or actor.label
    lifecycle.record(ticket, actor, EventKind.FOLLOW_UP, note=describe(verdict), public=True, at=now,
                     data={"solved": verdict.solved, "satisfied": verdict.satisfied,
                           "channel": channel, "round": round_.round})
    outcome = "recorded"
    try:
        if verdict.unhappy:
            lifecycle.reopen(ticket, actor, _reason(ticket, verdict, raw, channel),
                             planner=_planner(session), at=now)
            outcome = "reopened"
        elif ticket.status == Status.REPLIED:
            lifecycle.close(ticket, SYSTEM, note=f"回访：{describe(verdict)}", at=now)
            outcome = "closed"
    except DomainError as exc:
        log.warning("follow-up on %s recorded but not acted on: %s", ticket.number, exc.message)
    if channel == "sms" and outcome != "recorded":
        kind = texts.FOLLOWUP_REDO if outcome == "reopened" else texts.FOLLOWUP_THANKS
        plan(session, kind=kind, line=ticket.line.value, number=ticket.number, to=ticket.phone,
             ticket=ticket, dedupe_key=f"{kind}:{ticket.number}:{round_.round}")
    return outcome


def answer_by_sms(session: Session, *, sid: str, sender: str, body: str, region: str) -> bool:
    """An SMS from a phone with a follow-up question outstanding is its answer, not a new ticket.

    Returns False when the sender has no such question (the webhook opens a ticket as usual).
    Idempotent on the MessageSid: Twilio's retry of the same SMS changes nothing.
    """
    try:
        phone = normalise_phone(sender, region)
    except InvalidInput:
        return False
    if session.scalar(select(Message.id).where(Message.provider_sid == sid)) is not None:
        session.rollback()
        return True
    round_ = session.scalars(
        select(FollowUp).join(Ticket, FollowUp.ticket_id == Ticket.id)
        .where(FollowUp.status == PENDING, FollowUp.asked_at.is_not(None), Ticket.phone == phone)
        .order_by(FollowUp.asked_at.desc())
    ).first()
    if round_ is None:
        session.rollback()
        return False
    verdict = parse(body)
    if verdict.empty and len(re.sub(r"\s", "", body)) > MAX_UNREADABLE_ANSWER:
        session.rollback()  # a long text that answers nothing is a new request, not a rating
        return False
    ticket = round_.ticket
    session.add(Message(direction="in", channel=Channel.SMS, kind="follow_up", provider_sid=sid,
                        ticket_id=ticket.id, from_addr=phone, body=body[:2000]))
    if verdict.complete or verdict.unhappy:
        record(session, round_, verdict, channel="sms", raw=body)
    elif round_.clarifications < MAX_CLARIFICATIONS:
        round_.clarifications += 1
        plan(session, kind=texts.FOLLOWUP_CLARIFY, line=ticket.line.value, number=ticket.number,
             to=phone, ticket=ticket, dedupe_key=f"clarify:{ticket.number}:{round_.round}")
    elif verdict.empty:
        # Still unreadable after asking again: a person phones (the call-back list shows it).
        round_.status, round_.raw_text, round_.channel = NEEDS_AGENT, body[:2000], "sms"
    else:
        record(session, round_, verdict, channel="sms", raw=body)
    return True


def record_by_agent(session: Session, ticket: Ticket, actor: Actor, *, solved: int | None,
                    satisfied: int | None, note: str) -> str:
    """An agent's phone follow-up (电话回访), recorded like the citizen's own answer."""
    require(actor.role, Permission.RECORD_FOLLOW_UP, "记录回访")
    verdict = Verdict(solved if solved in (1, 2, 3) else None,
                      satisfied if satisfied in (1, 2, 3) else None)
    if verdict.empty:
        raise InvalidInput("请选择解决情况或满意度 / choose at least one answer", field="solved")
    round_ = session.scalars(
        select(FollowUp).where(FollowUp.ticket_id == ticket.id,
                               FollowUp.status.in_((PENDING, NEEDS_AGENT)))
        .order_by(FollowUp.round.desc())
    ).first()
    if round_ is None:
        raise lifecycle.IllegalTransition("该工单没有待回访的答复 / nothing awaits a follow-up")
    outcome = record(session, round_, verdict, channel="phone", raw=note, actor=actor,
                     recorded_by=actor.label)
    return outcome


# --- the periodic job ----------------------------------------------------------------------------


def sweep(session: Session, limits: FollowupSettings, now: datetime | None = None) -> dict[str, int]:
    """Ask where no delivery receipt came; close as not rated where no answer came in time."""
    now = now or utcnow()
    no_receipt = now - limits.ask_without_receipt_after
    give_up = now - limits.no_answer_after
    asked = 0
    waiting = session.scalars(
        select(FollowUp).where(FollowUp.status == PENDING, FollowUp.asked_at.is_(None))
    ).all()
    for round_ in waiting:
        answer = session.scalars(
            select(OutboundMessage).where(OutboundMessage.ticket_id == round_.ticket_id,
                                          OutboundMessage.kind == texts.ANSWER)
            .order_by(OutboundMessage.id.desc())
        ).first()
        if answer is not None and answer.status in ("accepted", "sent") and answer.sent_at \
                and answer.sent_at <= no_receipt:
            asked += ask(session, round_.ticket, now)
    expired = 0
    for round_ in session.scalars(
        select(FollowUp).where(FollowUp.status == PENDING, FollowUp.asked_at <= give_up)
    ).all():
        round_.status, round_.answered_at, round_.channel = NOT_RATED, now, "none"
        ticket = round_.ticket
        lifecycle.record(ticket, SYSTEM, EventKind.FOLLOW_UP_EXPIRED, at=now, public=True,
                         note="回访期内未收到评价，按未评价办结 / no answer: closed as not rated")
        if ticket.status == Status.REPLIED:
            try:
                lifecycle.close(ticket, SYSTEM, note="回访未评价 / not rated", at=now)
            except DomainError as exc:
                log.warning("not-rated %s left open: %s", ticket.number, exc.message)
        expired += 1
    return {"asked": asked, "not_rated": expired}
