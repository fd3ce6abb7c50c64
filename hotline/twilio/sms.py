"""SMS to a hotline number: a new intake, or a supplement to the sender's own open ticket.

Idempotent on Twilio's MessageSid (the intake's `source_ref`): Twilio retries a webhook that timed
out, and the retry must answer the same number without opening a second ticket.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.domain import states
from hotline.domain.content import MAX_CONTENT, InvalidCharacter, normalise_text
from hotline.domain.errors import InvalidInput
from hotline.domain.numbering import find_numbers
from hotline.domain.phones import normalise_phone
from hotline.intake.accept import Accepted, Request, find_existing
from hotline.intake.handover import submit
from hotline.models import Channel, Line, Message, Ticket
from hotline.twilio.webhook import remember

REPLY_NEW = "【{line}】您的诉求已受理，工单号：{number}。凭工单号和本手机号可查询办理进度。"
REPLY_SUPPLEMENT = "【{line}】您的补充信息已加入工单{number}，将与原诉求一并办理。"
REPLY_EMPTY = "【{line}】短信内容为空，请用文字描述您要反映的问题后重新发送。"
REPLY_TOO_LONG = "【{line}】短信内容过长（最多{limit}字），请精简后重新发送。"
REPLY_BAD_SENDER = "【{line}】无法识别您的手机号码，请用手机发送短信或拨打{line}热线。"
REPLY_BAD_CHARACTER = "【{line}】短信含有无法识别的字符，请修改后重新发送或拨打{line}热线。"
REPLY_REFUSED = "【{line}】短信未能受理，请修改后重新发送或拨打{line}热线。"
REPLY_UNAVAILABLE = "【12345】抱歉，系统暂时无法受理短信，本条短信未能保存，请稍后重新发送或拨打12345热线。"
REPLY_UNKNOWN_NUMBER = "【12345】本号码暂未开通短信受理，请拨打12345热线反映问题。"


@dataclass(frozen=True)
class Receipt:
    """What the citizen is told: the ticket number, and whether the text joined an open ticket."""

    line: Line
    number: str
    supplement: bool

    @property
    def reply(self) -> str:
        template = REPLY_SUPPLEMENT if self.supplement else REPLY_NEW
        return template.format(line=self.line.value, number=self.number)


def refusal(exc: InvalidInput, line: Line, body: str) -> str:
    """The Chinese reply for content we refuse; Twilio sends it to the citizen as an SMS."""
    if exc.field == "phone":
        return REPLY_BAD_SENDER.format(line=line.value)
    if isinstance(exc, InvalidCharacter):
        return REPLY_BAD_CHARACTER.format(line=line.value)
    if exc.field == "content":
        if not normalise_text(body):
            return REPLY_EMPTY.format(line=line.value)
        return REPLY_TOO_LONG.format(line=line.value, limit=MAX_CONTENT)
    return REPLY_REFUSED.format(line=line.value)


def quoted_open_ticket(session: Session, body: str, phone: str) -> Ticket | None:
    """An open ticket the text quotes by number and that was filed from this phone.

    Matching the phone is what keeps a quoted number from attaching text to (or revealing)
    someone else's case: a stranger's number just opens a new ticket.
    """
    numbers = find_numbers(body)
    if not numbers:
        return None
    return session.scalars(
        select(Ticket)
        .where(Ticket.number.in_(numbers), Ticket.phone == phone, Ticket.status.in_(states.OPEN))
        .order_by(Ticket.created_at.desc())
        .limit(1)
    ).first()


def receive(session: Session, *, sid: str, sender: str, dialled: str, line: Line, body: str,
            region: str) -> Receipt:
    """Accept the SMS (committed before anything is queued); InvalidInput stores nothing."""
    body = body.replace("\x00", "")  # PostgreSQL text cannot hold NUL
    phone = normalise_phone(sender, region)
    target = quoted_open_ticket(session, body, phone)
    intake, _created = submit(
        Request(channel=Channel.SMS, line=line.value, content=body, phone=phone, source_ref=sid),
        region=region, target_ticket_id=target.id if target else None,
    )
    # A retry may find the intake but not the message (a crash between the two commits).
    remember(session, Message(
        direction="in", channel=Channel.SMS,
        kind="supplement" if intake.target_ticket_id else "intake",
        provider_sid=sid, ticket_id=intake.target_ticket_id, intake_id=intake.id,
        from_addr=phone, to_addr=dialled, body=body,
    ))
    return _receipt(session, intake)


def replay(session: Session, sid: str) -> Receipt | None:
    """The answer already given to this MessageSid, if Twilio is retrying an SMS we accepted.

    Checked before anything else reads the text, so a retry can never be taken for something
    new (a follow-up answer, a supplement to a ticket that has closed since).
    """
    intake = find_existing(session, Channel.SMS, sid)
    return _receipt(session, intake) if intake is not None else None


def _receipt(session: Session, intake: Accepted) -> Receipt:
    """Answer from what the first delivery stored, so a retry says exactly the same."""
    if intake.target_ticket_id is not None:
        quoted = session.get_one(Ticket, intake.target_ticket_id)
        return Receipt(Line(intake.line), quoted.number, supplement=True)
    return Receipt(Line(intake.line), intake.ticket_number, supplement=False)
