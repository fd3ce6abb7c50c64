"""The outbox: every message to a citizen is a row first, then one send by a job.

At most once, whatever the queue does: the job claims its row with a conditional UPDATE
(`queued → sending`) and only the claimant talks to the provider; a second run of the same
job, or a sweeper re-queue racing it, matches no row and does nothing. A job killed after the
provider accepted but before the SID was stored leaves the row in `sending`; the sweeper marks
such rows `uncertain` for an agent instead of sending again, because Twilio has no idempotency
key for messages and a duplicate answer SMS is worse than a phone call.

Status callbacks only move a row forward (see RANK): a late "sent" never undoes "delivered".
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session, scoped_session

from config import OutboxSettings
from hotline.domain.marks import N_
from hotline.domain.phones import is_mobile
from hotline.messaging import texts
from hotline.messaging.sender import PermanentFailure, Sender, TemporaryFailure, UncertainFailure
from hotline.messaging.texts import STAFF_NOTICE
from hotline.models import Intake, Notification, OutboundMessage, Role, Ticket, utcnow

log = logging.getLogger(__name__)

QUEUED, SENDING, ACCEPTED, SENT = "queued", "sending", "accepted", "sent"
DELIVERED, UNDELIVERED, FAILED, UNCERTAIN = "delivered", "undelivered", "failed", "uncertain"
TO_CALL, CALLED = "to_call", "called"
# How far along a message is; a status update must move it to a higher rank.
RANK = {QUEUED: 0, SENDING: 1, ACCEPTED: 2, SENT: 3, DELIVERED: 4, UNDELIVERED: 4, FAILED: 4}
PROBLEM_STATUSES = frozenset({FAILED, UNDELIVERED, UNCERTAIN})
STATUS_LABELS = {
    QUEUED: N_("待发送"), SENDING: N_("发送中"), ACCEPTED: N_("已提交"), SENT: N_("已发出"), DELIVERED: N_("已送达"),
    UNDELIVERED: N_("未送达"), FAILED: N_("发送失败"), UNCERTAIN: N_("结果未知，请核实"), TO_CALL: N_("待电话告知"),
    CALLED: N_("已电话告知"),
}
NO_SENDER = "短信通道未配置 / no SMS provider configured"
_said_no_sender = threading.Event()
# session.info key: (transaction, rows) whose send jobs wait for that transaction's commit.
_SENDS = "hotline.outbox.sends"


def mobile(phone: str | None) -> bool:
    try:
        return bool(phone) and is_mobile(phone or "")
    except Exception:  # an unparsable stored number is simply not a mobile
        return False


def plan(session: Session, *, kind: str, line: str, number: str, to: str | None,
         dedupe_key: str, values: dict[str, str] | None = None, ticket: Ticket | None = None,
         intake: Intake | None = None, channel: str = "sms", body: str | None = None,
         status: str = QUEUED) -> OutboundMessage | None:
    """Add an outbox row (once per `dedupe_key`) to the session; the unit of work queues its
    send job after the commit (hotline.app.unit_of_work)."""
    with session.no_autoflush:
        if session.scalar(select(OutboundMessage.id).where(OutboundMessage.dedupe_key == dedupe_key)):
            return None
        if body is None:
            body = texts.render(session, line, kind, {"number": number, **(values or {})}).body
    message = OutboundMessage(kind=kind, channel=channel, line=line, ticket=ticket, intake=intake,
                              ticket_number=number, to_addr=to, body=body, status=status,
                              dedupe_key=dedupe_key)
    session.add(message)
    if channel == "sms":
        _sends(session).append(message)
    return message


def plan_staff_texts(session: Session, messages: list[dict[str, Any]]) -> None:
    """Outbox rows of duty-phone SMS in one INSERT (the deadline scan's hundreds at once).

    Each of `messages` gives ticket_id, ticket_number, to_addr, body, dedupe_key and created_at;
    numbers that are not mobiles get no row. The send jobs are queued after the commit, as for
    `plan`'s rows; a rollback forgets them.
    """
    rows = [{"kind": STAFF_NOTICE, "channel": "sms", "status": QUEUED,
             "updated_at": m["created_at"], **m} for m in messages if mobile(m["to_addr"])]
    if rows:
        table = OutboundMessage.__table__
        _sends(session).extend(session.scalars(insert(table).returning(table.c.id), rows).all())


def _sends(session: Session) -> list[OutboundMessage | int]:
    """The rows planned in the session's current transaction (a rollback starts another, so
    what it planned is forgotten without a listener)."""
    actual = session() if isinstance(session, scoped_session) else session  # Flask's db.session
    transaction = actual.get_transaction()
    held = session.info.get(_SENDS)
    if held is None or held[0] is not transaction:
        held = session.info[_SENDS] = (transaction, [])
    return held[1]


def planned_sends(session: Session) -> list[int]:
    """Ids of the sms rows planned in the current transaction, taken for queuing after its
    commit; call after the flush that gave them ids."""
    rows = _sends(session)
    session.info.pop(_SENDS, None)
    return [r if isinstance(r, int) else r.id for r in rows
            if isinstance(r, int) or r.id is not None]


def _retry_delay(base: int, attempts: int) -> int:
    """Exponential back-off: base, 2×base, 4×base… capped, so an outage is not hammered."""
    return min(base * 2 ** max(attempts - 1, 0), 3600)


def claim(session: Session, message_id: int, now: datetime) -> OutboundMessage | None:
    """Take the row for this job, or None when another run has it or it is not due yet."""
    result = session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == message_id, OutboundMessage.status == QUEUED,
               OutboundMessage.channel == "sms",
               or_(OutboundMessage.next_attempt_at.is_(None), OutboundMessage.next_attempt_at <= now))
        .values(status=SENDING, attempts=OutboundMessage.attempts + 1, claimed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.get(OutboundMessage, message_id, populate_existing=True)


def send(session: Session, message_id: int, sender: Sender | None,
         retry: Callable[[int, int], None], *, limits: OutboxSettings, public_base_url: str) -> str:
    """Send one outbox row; `retry(message_id, delay_seconds)` schedules the next attempt,
    backing off and giving up as `limits` say. Delivery receipts are asked for at
    `public_base_url`'s /twilio/status.

    Returns what happened (for the job's result and logs).
    """
    now = utcnow()
    message = claim(session, message_id, now)
    if message is None:
        session.rollback()
        return "skipped"
    if sender is None:
        return _fail(session, message, None, NO_SENDER)
    try:
        result = sender.send(message.to_addr or "", message.body, status_callback=public_base_url + "/twilio/status")
    except PermanentFailure as exc:
        return _fail(session, message, exc.code, str(exc))
    except UncertainFailure as exc:
        return _fail(session, message, None, f"{exc}：请核实市民是否收到", status=UNCERTAIN)
    except TemporaryFailure as exc:
        if message.attempts >= limits.max_attempts:
            return _fail(session, message, exc.code, f"{exc} (gave up after {message.attempts} tries)")
        delay = _retry_delay(limits.retry_base_seconds, message.attempts)
        message.status, message.error_code, message.error_message = QUEUED, exc.code, str(exc)
        message.next_attempt_at = now + timedelta(seconds=delay)
        session.commit()
        log.warning("outbox %s: temporary failure, retry in %ss: %s", message_id, delay, exc)
        retry(message_id, delay)
        return "retry"
    message.status, message.provider_sid = ACCEPTED, result.sid
    message.provider_status, message.sent_at = result.status, utcnow()
    message.error_code = message.error_message = None
    if message.kind == "tracking_code":
        message.body = "（验证码短信，内容不保存）"  # the code must not outlive its use in our tables
    session.commit()
    return "sent"


def _fail(session: Session, message: OutboundMessage, code: int | None, text: str,
          status: str = FAILED) -> str:
    """No more tries (failed, or uncertain); the ticket page and the agents' inbox show it."""
    message.status, message.error_code, message.error_message = status, code, text
    message.next_attempt_at = None
    _notify(session, message, f"工单 {message.ticket_number} 的短信（{message.kind}）发送失败："
                              f"{text}。{_call_instead(message)}", cause=text)
    session.commit()
    if text != NO_SENDER:
        log.warning("outbox %s failed permanently: %s", message.id, text)
    elif not _said_no_sender.is_set():  # the same cause for every message: said once
        _said_no_sender.set()
        log.warning("%s: outbound SMS are marked failed for agents to phone instead (set "
                    "TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER); said once "
                    "per process", NO_SENDER)
    return status


def _call_instead(message: OutboundMessage) -> str:
    """Whom the agent phones instead: the unit on duty for an overdue alert, the duty supervisor
    for a risk alert, else the citizen."""
    if message.kind == texts.RISK_ALERT:
        return "请立即电话通知值班督办。"
    return "请电话通知承办单位值班人员。" if message.kind == STAFF_NOTICE else "请电话联系市民。"


def _notify(session: Session, message: OutboundMessage, text: str, cause: str) -> None:
    """Tell the agents (never with the phone number: the ticket page shows it to those allowed).

    An acknowledgement is written before its ticket exists, so the ticket is found by number.
    `cause` (the provider's error) groups the notices: one outage is one line, not hundreds.
    """
    ticket_id = message.ticket_id or session.scalar(
        select(Ticket.id).where(Ticket.number == message.ticket_number))
    session.add(Notification(role=Role.AGENT.value, ticket_id=ticket_id, kind="sms_failed",
                             level="red", body=text, cause=cause[:200]))


def apply_status(session: Session, sid: str, new: str | None, provider_status: str,
                 error_code: int | None) -> tuple[OutboundMessage | None, bool]:
    """Apply a delivery receipt whose provider word `provider_status` means our status `new`
    (None: a word we do not know); returns (message, whether it moved the message forward)."""
    message = session.scalars(
        select(OutboundMessage).where(OutboundMessage.provider_sid == sid)
    ).one_or_none()
    if message is None or new is None:
        session.rollback()
        return message, False
    lower = [s for s, r in RANK.items() if r < RANK[new]]
    values: dict[str, object] = {"status": new, "provider_status": provider_status[:16],
                                 "updated_at": utcnow()}
    if new in (FAILED, UNDELIVERED):
        values["error_code"] = error_code
        values["error_message"] = f"运营商回执：{provider_status}（错误码 {error_code}）"
    result = session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == message.id, OutboundMessage.status.in_(lower))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    moved = result.rowcount == 1  # type: ignore[attr-defined]
    if moved and new in (FAILED, UNDELIVERED):
        _notify(session, message, f"工单 {message.ticket_number} 的短信未送达（{provider_status}，"
                                  f"错误码 {error_code}）。{_call_instead(message)}",
                cause=str(values["error_message"]))
    session.commit()
    session.refresh(message)
    return message, moved


def due(session: Session, now: datetime, older_than: timedelta, limit: int = 500) -> list[int]:
    """Queued rows whose job was lost (Redis down, worker gone) or whose retry is due."""
    return list(session.scalars(
        select(OutboundMessage.id)
        .where(OutboundMessage.status == QUEUED, OutboundMessage.channel == "sms",
               OutboundMessage.created_at <= now - older_than,
               or_(OutboundMessage.next_attempt_at.is_(None), OutboundMessage.next_attempt_at <= now))
        .order_by(OutboundMessage.id)
        .limit(limit)
    ))


def mark_stuck(session: Session, now: datetime, older_than: timedelta) -> int:
    """Rows left in `sending` by a dead job: uncertain, for a person to check (never re-sent)."""
    result = session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.status == SENDING, OutboundMessage.claimed_at <= now - older_than)
        .values(status=UNCERTAIN, updated_at=now,
                error_message="发送中断，结果未知：请核实市民是否收到 / interrupted, outcome unknown")
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]
