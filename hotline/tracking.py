"""Citizen tracking (/track): a ticket's status, public timeline, answer and follow-up form.

Proof is the ticket number plus the phone number it was filed with, or a one-time code sent to
that phone. Every failure looks the same — unknown number, wrong phone, wrong or used code,
locked ticket — so the page cannot be used to learn which numbers exist. Guessing is slowed per
IP (Flask-Limiter) and per ticket (failures counted in the database, so many IPs cannot share
the work). After success the session holds that one ticket only.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from .domain.errors import InvalidInput
from .domain.lifecycle import CITIZEN, REPLY_APPROVED
from .domain.numbering import canonical
from .domain.phones import normalise_phone
from .extensions import db, limiter
from .followup import PENDING, Verdict, pending_round, record
from .i18n import Labels
from .messaging import texts
from .messaging.hooks import mobile, plan
from .models import Ticket, TrackingCode, TrackingFailure, utcnow
from .vocab import EVENT_LABELS, N_, STATUS_LABELS

bp = Blueprint("track", __name__, url_prefix="/track")

SESSION_KEY = "track_ticket"
CODE_TTL = timedelta(minutes=10)
FAILURE_WINDOW = timedelta(minutes=15)
MAX_CODES_PER_WINDOW = 3
# Notes shown to the citizen: their own words and our follow-up summary. Staff notes (returns,
# review comments, reopen reasons written by staff) stay internal.
NOTE_KINDS = frozenset({"citizen_message", "follow_up", "follow_up_expired"})
PUBLIC_LABELS = {**EVENT_LABELS, "reply_approved": N_("答复审核通过"), "follow_up": N_("回访评价"),
                 "follow_up_expired": N_("回访未评价"), "extension_approved": N_("延期"),
                 "urged": N_("督办")}


def _page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, **context), status


def _rate() -> str:
    return str(current_app.config.get("TRACK_RATE_LIMIT", "10 per minute;60 per hour"))


def _digest(ticket_id: int, code: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"{ticket_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _find(number: str | None) -> Ticket | None:
    key = canonical(number or "")
    return db.session.scalars(select(Ticket).where(Ticket.number == key)).first() if key else None


def _recent(model: type[TrackingCode] | type[TrackingFailure], column: Any, ticket_id: int) -> int:
    since = utcnow() - (CODE_TTL if model is TrackingCode else FAILURE_WINDOW)
    return int(db.session.scalar(select(func.count()).select_from(model)
                                 .where(model.ticket_id == ticket_id, column >= since)) or 0)


def _locked(ticket: Ticket) -> bool:
    limit = int(current_app.config.get("TRACK_MAX_FAILURES", 5))
    return _recent(TrackingFailure, TrackingFailure.at, ticket.id) >= limit


def _phone_matches(ticket: Ticket, raw: str) -> bool:
    try:
        given = normalise_phone(raw, current_app.config["DEFAULT_REGION"])
    except InvalidInput:
        return False
    return bool(ticket.phone) and hmac.compare_digest(given, ticket.phone or "")


def _code_matches(ticket: Ticket, code: str) -> bool:
    """Single use even when two requests race: only the UPDATE that sets used_at wins."""
    if not code.isdigit():
        return False
    now = utcnow()
    result = db.session.execute(
        update(TrackingCode)
        .where(TrackingCode.ticket_id == ticket.id, TrackingCode.code_hash == _digest(ticket.id, code),
               TrackingCode.used_at.is_(None), TrackingCode.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1  # type: ignore[attr-defined]


def verify(number: str, phone: str, code: str) -> Ticket | None:
    ticket = _find(number)
    if ticket is None:
        return None
    ok = not _locked(ticket) and (
        (_phone_matches(ticket, phone) if phone else False)
        or (_code_matches(ticket, code) if code else False))
    if not ok:
        db.session.add(TrackingFailure(ticket_id=ticket.id))
    db.session.commit()
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
                    (request.form.get("code") or "").strip())
    if ticket is None:
        return _page("track/start.html", 403, number=number,
                     error=_("工单号与手机号（或验证码）不匹配，请核对后重试。"))
    session[SESSION_KEY] = ticket.id  # this ticket only: a new proof replaces the old one
    return redirect(url_for("track.show", number=ticket.number))


@bp.post("/code")
@limiter.limit(_rate)
def send_code() -> Any:
    """Same answer whether or not the ticket exists or has a mobile."""
    number = (request.form.get("number") or "").strip()
    ticket = _find(number)
    if ticket is not None and mobile(ticket.phone) and not _locked(ticket) \
            and _recent(TrackingCode, TrackingCode.created_at, ticket.id) < MAX_CODES_PER_WINDOW:
        code = f"{secrets.randbelow(10**6):06d}"
        db.session.add(TrackingCode(ticket_id=ticket.id, code_hash=_digest(ticket.id, code),
                                    expires_at=utcnow() + CODE_TTL))
        plan(db.session, kind=texts.TRACKING_CODE, line=ticket.line.value, number=ticket.number,
             to=ticket.phone, ticket=ticket, dedupe_key=f"code:{uuid.uuid4().hex}",
             values={"code": code})
        db.session.commit()
    return _page("track/start.html", number=number,
                 notice=_("如工单号正确，验证码已发送到登记的手机，10 分钟内有效。"))


def _allowed(number: str) -> Ticket:
    ticket = _find(number)
    if ticket is None or session.get(SESSION_KEY) != ticket.id:
        abort(404)
    return ticket


def latest_answer(ticket: Ticket) -> str | None:
    """The answer the centre approved (an unreviewed reply is not shown)."""
    for e in reversed(ticket.events):
        if e.kind == REPLY_APPROVED:
            return (e.data or {}).get("answer") or next(
                (r.note for r in reversed(ticket.events) if r.kind == "replied" and r.note), None)
        if e.kind == "reopened":
            return None
    return None


@bp.get("/<number>")
def show(number: str) -> Any:
    ticket = _allowed(number)
    labels = Labels(PUBLIC_LABELS)
    timeline = [{"at": e.at, "label": labels.get(e.kind, e.kind),
                 "note": e.note if e.kind in NOTE_KINDS else None}
                for e in ticket.events if e.public]
    round_ = pending_round(db.session, ticket.id)
    return _page("track/show.html", t=ticket, status_label=Labels(STATUS_LABELS)[ticket.status.value],
                 timeline=timeline, answer=latest_answer(ticket),
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
    db.session.commit()
    flash(_("已收到您的意见，工单已退回重新办理。") if outcome == "reopened"
          else _("感谢您的评价。"), "ok")
    return redirect(url_for("track.show", number=ticket.number))
