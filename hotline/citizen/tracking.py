"""Citizen tracking (/track): a ticket's status, public timeline, answer and follow-up form.

Proof is the ticket number plus the phone number it was filed with, or a one-time code sent to
that phone. Every failure looks the same — unknown number, wrong phone, wrong or used code,
locked ticket — in its answer and in the work done for it (the same statements run, with an id
no ticket has when the number is unknown), so the page cannot be used to learn which numbers
exist. Guessing is slowed per IP (Flask-Limiter) and by failures counted in the database: per
ticket and client, so a stranger who knows the number (Open311 lists them) locks out only
himself, and under a much higher ceiling per ticket over all clients (see `_locked`). After
success the session holds that one ticket only.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import String, func, insert, literal, select, text, update

from hotline.app import settings, unit_of_work
from hotline.app.extensions import db, limiter
from hotline.app.i18n import Labels
from hotline.app.labels import EVENT_LABELS, N_, STATUS_LABELS
from hotline.citizen.followup import PENDING, Verdict, pending_round, record
from hotline.domain.errors import InvalidInput
from hotline.domain.events import EventKind
from hotline.domain.lifecycle import CITIZEN
from hotline.domain.numbering import canonical
from hotline.domain.phones import normalise_phone
from hotline.messaging import texts
from hotline.messaging.outbox import mobile, plan
from hotline.models import Status, Ticket, TrackingCode, TrackingFailure, utcnow

bp = Blueprint("track", __name__, template_folder="templates", url_prefix="/track")

SESSION_KEY = "track_ticket"
CODE_TTL = timedelta(minutes=10)
CODE_DAY = timedelta(days=1)
FAILURE_WINDOW = timedelta(minutes=15)
TICKET_FAILURE_WINDOW = timedelta(hours=1)
MAX_CODES_PER_WINDOW = 3
# Anyone who knows the number can ask for codes: this bounds the SMS sent to the citizen (and
# paid for) to a handful a day, while 3 per window alone would allow 432.
MAX_CODES_PER_DAY = 10
# An unknown number runs the same statements as a known one, against an id no ticket has (ids
# start at 1), and compares the given phone with a number no input normalises to.
NO_TICKET = 0
NO_PHONE = "+86" + "0" * 11
# Notes shown to the citizen: their own words, our follow-up summary and the progress notes
# (阶段性答复) written for them. Staff notes (returns, review comments, reopen reasons written by
# staff, internal notes) stay internal.
NOTE_KINDS = frozenset({EventKind.CITIZEN_MESSAGE, EventKind.FOLLOW_UP, EventKind.FOLLOW_UP_EXPIRED,
                        EventKind.PROGRESS_NOTE})
# The citizen's own state between the unit's reply and the centre's approval.
CITIZEN_STATUS_LABELS = {**STATUS_LABELS, "reviewing": N_("答复审核中")}
# 答复 in the timeline is the unit's draft, which the citizen reads only once approved.
PUBLIC_LABELS = {**EVENT_LABELS, EventKind.REPLIED: N_("承办单位提交答复"),
                 EventKind.REPLY_APPROVED: N_("答复审核通过"),
                 EventKind.FOLLOW_UP: N_("回访评价"), EventKind.FOLLOW_UP_EXPIRED: N_("回访未评价"),
                 EventKind.EXTENSION_APPROVED: N_("延期"), EventKind.URGED: N_("督办")}


def _page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, **context), status


def _rate() -> str:
    return settings.current().tracking.rate_limit


def _keyed(text: str) -> str:
    key = settings.current().secret_key.encode()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def _digest(ticket_id: int, code: str) -> str:
    return _keyed(f"{ticket_id}:{code}")


def _client() -> str:
    """The client as a keyed digest of its address: enough to count its failures, and the table
    keeps no citizen's IP address (an unkeyed hash of every IPv4 address is reversed in minutes).
    """
    return _keyed(f"client:{request.remote_addr or ''}")[:32]


def _find(number: str | None) -> Ticket | None:
    """A malformed number runs the same query as a well-formed one, and finds nothing."""
    key = canonical(number or "") or ""
    return db.session.scalars(select(Ticket).where(Ticket.number == key)).first()


def _codes_sent(ticket_id: int) -> tuple[int, int]:
    """Codes sent for the ticket within CODE_TTL and within a day."""
    now = utcnow()
    recent, today = db.session.execute(
        select(func.count().filter(TrackingCode.created_at >= now - CODE_TTL), func.count())
        .where(TrackingCode.ticket_id == ticket_id, TrackingCode.created_at >= now - CODE_DAY)).one()
    return int(recent), int(today)


def _locked(ticket_id: int, client: str) -> bool:
    """Whether this client may not try this ticket now.

    TRACK_MAX_FAILURES per ticket and client within FAILURE_WINDOW: a stranger who knows the
    number spends his own tries, not the citizen's. That alone would let an attacker who changes
    address (many machines, or the 2^64 addresses of one IPv6 /64) guess without end, and the
    proof is weak: unit staff see the phone as 138****8000, which leaves 10^4 candidates, and a
    code has 6 digits. So TRACK_TICKET_MAX_FAILURES over all clients within
    TICKET_FAILURE_WINDOW (50 an hour by default) caps the rate for everyone: about 100 hours on
    average for those 10^4 candidates, under 1.5e-4 an hour to hit one of the at most 3 live
    codes. The price: an attacker with 50 / TRACK_MAX_FAILURES = 10 addresses (one before this
    lock per client) can still lock the citizen out, for at most an hour after he stops; the
    citizen can still call 12345.
    """
    now = utcnow()
    mine, everyone = db.session.execute(
        select(func.count().filter(TrackingFailure.client == client,
                                   TrackingFailure.at >= now - FAILURE_WINDOW), func.count())
        .where(TrackingFailure.ticket_id == ticket_id,
               TrackingFailure.at >= now - TICKET_FAILURE_WINDOW)).one()
    limits = settings.current().tracking
    return mine >= limits.max_failures or everyone >= limits.ticket_max_failures


def _phone_matches(stored: str, raw: str) -> bool:
    try:
        given = normalise_phone(raw, settings.current().default_region)
    except InvalidInput:
        return False
    return hmac.compare_digest(given, stored)


def _code_matches(ticket_id: int, code: str, allowed: bool) -> bool:
    """Single use even when two requests race: only the UPDATE that sets used_at wins. A client
    that is locked out runs the same UPDATE, which then spends no code."""
    if not code.isdigit():
        return False
    now = utcnow()
    result = db.session.execute(
        update(TrackingCode)
        .where(TrackingCode.ticket_id == ticket_id, TrackingCode.code_hash == _digest(ticket_id, code),
               TrackingCode.used_at.is_(None), TrackingCode.expires_at > now, literal(allowed))
        .values(used_at=now)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1  # type: ignore[attr-defined]


def _record_failure(ticket_id: int, client: str) -> None:
    """One INSERT ... SELECT for known and unknown numbers alike: it writes the row only when the
    ticket exists.

    On PostgreSQL the commit then does not wait for the WAL flush: a transaction that wrote
    nothing (unknown number) waits for none, and that wait would tell the two apart (medians of
    600 tries on a 2-core VM: 4.3-5.9 ms apart with it, 0.2-1.0 ms without). A failure lost in
    a crash only gives one more try.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL synchronous_commit = off"))
    row = select(Ticket.id, literal(client, String), literal(utcnow(), TrackingFailure.at.type)) \
        .where(Ticket.id == ticket_id)
    db.session.execute(insert(TrackingFailure).from_select(["ticket_id", "client", "at"], row))


def verify(number: str, phone: str, code: str, client: str) -> Ticket | None:
    """The ticket if the proof holds.

    What runs depends on the input only, never on what the database holds: an unknown number, a
    wrong phone, a locked-out client and a right phone given while locked out all run the same
    statements and checks (both proofs are checked, without short-circuit), so their answers
    take the same time as well as reading the same.
    """
    ticket = _find(number)
    ticket_id = ticket.id if ticket else NO_TICKET
    allowed = not _locked(ticket_id, client)
    phone_ok = _phone_matches((ticket.phone if ticket else None) or NO_PHONE, phone) if phone else False
    code_ok = _code_matches(ticket_id, code, allowed) if code else False
    ok = allowed and (phone_ok or code_ok)
    if not ok:
        _record_failure(ticket_id, client)
    unit_of_work.commit(db.session)
    return ticket if ok else None


@bp.get("")
def start() -> Any:
    number = request.args.get("n", "")
    allowed = session.get(SESSION_KEY)
    ticket = _find(number) if number else None
    if ticket is not None and allowed == ticket.id:
        return redirect(url_for("track.show", number=ticket.number))
    return _page("track/start.html", number=number)


@bp.post("")
@limiter.limit(_rate)
def check() -> Any:
    number = (request.form.get("number") or "").strip()
    ticket = verify(number, (request.form.get("phone") or "").strip(),
                    (request.form.get("code") or "").strip(), _client())
    if ticket is None:
        return _page("track/start.html", 403, number=number,
                     error=_("工单号与手机号（或验证码）不匹配，请核对后重试。"))
    session[SESSION_KEY] = ticket.id  # this ticket only: a new proof replaces the old one
    return redirect(url_for("track.show", number=ticket.number))


@bp.post("/code")
@limiter.limit(_rate)
def send_code() -> Any:
    """Same answer whether or not the ticket exists or has a mobile, and the same reads for each.

    Only a code really sent writes its row and SMS, so the time of the answer can tell that a
    code went out, that is that the number exists (Open311 lists the numbers anyway) and was
    filed from a mobile. A dummy equivalent of the outbox row would need a ticket to hang on.
    The lock is the one of `verify`: a stranger locked out cannot ask for codes either.
    """
    number = (request.form.get("number") or "").strip()
    ticket = _find(number)
    ticket_id = ticket.id if ticket else NO_TICKET
    allowed = not _locked(ticket_id, _client())
    recent, today = _codes_sent(ticket_id)
    if ticket is not None and allowed and mobile(ticket.phone) \
            and recent < MAX_CODES_PER_WINDOW and today < MAX_CODES_PER_DAY:
        code = f"{secrets.randbelow(10**6):06d}"
        db.session.add(TrackingCode(ticket_id=ticket.id, code_hash=_digest(ticket.id, code),
                                    expires_at=utcnow() + CODE_TTL))
        plan(db.session, kind=texts.TRACKING_CODE, line=ticket.line.value, number=ticket.number,
             to=ticket.phone, ticket=ticket, dedupe_key=f"code:{uuid.uuid4().hex}",
             values={"code": code})
        unit_of_work.commit(db.session)
    return _page("track/start.html", number=number,
                 notice=_("如工单号正确，验证码已发送到登记的手机，10 分钟内有效。"))


def _allowed(number: str) -> Ticket:
    ticket = _find(number)
    if ticket is None or session.get(SESSION_KEY) != ticket.id:
        abort(404)
    return ticket


def latest_answer(ticket: Ticket) -> str | None:
    """The answer the centre approved (an unreviewed reply is not shown); for a member of an
    incident group, its master's approved answer (INCIDENT_ANSWERED), as its SMS said."""
    for e in reversed(ticket.events):
        if e.kind in (EventKind.REPLY_APPROVED, EventKind.INCIDENT_ANSWERED):
            return (e.data or {}).get("answer") or next(
                (r.note for r in reversed(ticket.events) if r.kind == EventKind.REPLIED and r.note), None)
        if e.kind == EventKind.REOPENED:
            return None
    return None


def citizen_status(ticket: Ticket, answer: str | None) -> str:
    """The state as the citizen should read it (a key of CITIZEN_STATUS_LABELS). Staff's 已答复 means the unit has answered, but
    the citizen sees an answer only once the centre approved it: until then it is 答复审核中,
    or the page would say 已答复 above 尚未答复."""
    if ticket.status == Status.REPLIED and answer is None:
        return "reviewing"
    return ticket.status.value


def _handling_unit(ticket: Ticket) -> str | None:
    """The unit that handles it: a member of an incident group is handled by its master's."""
    handled = ticket.department or (ticket.incident_master.department
                                    if ticket.incident_master is not None else None)
    return handled.name if handled else None


def expected_answer(ticket: Ticket, answer: str | None) -> datetime | None:
    """The reply deadline (in working time, set at intake, moved by an approved extension),
    while the citizen still waits for an answer."""
    if answer is not None or ticket.status == Status.CLOSED:
        return None
    return ticket.reply_due


@bp.get("/<number>")
def show(number: str) -> Any:
    ticket = _allowed(number)
    labels = Labels(PUBLIC_LABELS)
    timeline = [{"at": e.at, "label": labels.get(e.kind, e.kind),
                 "note": e.note if e.kind in NOTE_KINDS else None}
                for e in ticket.events if e.public]
    round_ = pending_round(db.session, ticket.id)
    answer = latest_answer(ticket)
    return _page("track/show.html", t=ticket, status_label=Labels(CITIZEN_STATUS_LABELS)[citizen_status(ticket, answer)],
                 timeline=timeline, answer=answer, reviewing=ticket.status == Status.REPLIED,
                 unit=_handling_unit(ticket),
                 expected=expected_answer(ticket, answer),
                 can_rate=round_ is not None and round_.status == PENDING)


@bp.post("/<number>/follow-up")
@limiter.limit(_rate)
def rate(number: str) -> Any:
    ticket = _allowed(number)
    round_ = pending_round(db.session, ticket.id)
    if round_ is None:
        return redirect(url_for("track.show", number=ticket.number))
    solved = request.form.get("solved", type=int)
    satisfied = request.form.get("satisfied", type=int)
    verdict = Verdict(solved if solved in (1, 2, 3) else None,
                      satisfied if satisfied in (1, 2, 3) else None)
    if not verdict.complete:
        flash(_("请选择：问题是否解决 / 是否满意"), "error")
        return redirect(url_for("track.show", number=ticket.number))
    outcome = record(db.session, round_, verdict, channel="web",
                     raw=(request.form.get("comment") or "").strip()[:1000], actor=CITIZEN)
    unit_of_work.commit(db.session)
    flash(_("已收到您的意见，工单已退回重新办理。") if outcome == "reopened"
          else _("感谢您的评价。"), "ok")
    return redirect(url_for("track.show", number=ticket.number))
