"""Pages of the outbox: the administrators' message templates, the agents' call-back list and
the ticket page's message panel (Twilio's delivery receipts: hotline.twilio.status; the phone
follow-up form posts to hotline.citizen.views)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.app.i18n import Labels
from hotline.app.labels import FOLLOW_UP_LABELS, SATISFIED_LABELS, SOLVED_LABELS
from hotline.domain.roles import Permission
from hotline.identity import audit
from hotline.identity.access import recipient_view, reveal_recipient
from hotline.identity.permissions import requires
from hotline.messaging import outbox, texts
from hotline.models import FollowUp, Line, MessageTemplate, OutboundMessage, Ticket, utcnow

bp = Blueprint("messaging", __name__, template_folder="templates")


# --- ticket page panel ------------------------------------------------------------------------


@bp.app_context_processor
def _panel() -> dict[str, Any]:
    def ticket_messages(ticket: Ticket) -> list[OutboundMessage]:
        return list(db.session.scalars(
            select(OutboundMessage).where(or_(OutboundMessage.ticket_id == ticket.id,
                                              OutboundMessage.ticket_number == ticket.number))
            .order_by(OutboundMessage.id)))

    def ticket_follow_ups(ticket: Ticket) -> list[FollowUp]:
        return list(db.session.scalars(
            select(FollowUp).where(FollowUp.ticket_id == ticket.id).order_by(FollowUp.round)))

    return {"ticket_messages": ticket_messages, "ticket_follow_ups": ticket_follow_ups,
            "OUTBOX_LABELS": Labels(outbox.STATUS_LABELS), "MESSAGE_KIND_LABELS": Labels(texts.KIND_LABELS),
            "FOLLOW_UP_LABELS": Labels(FOLLOW_UP_LABELS), "SOLVED_LABELS": Labels(SOLVED_LABELS),
            "SATISFIED_LABELS": Labels(SATISFIED_LABELS)}


# --- call-back list ----------------------------------------------------------------------------


@bp.get("/callbacks")
@requires(Permission.CALL_CITIZENS)
def callbacks() -> Any:
    """Citizens an agent must phone: answers for callers without a mobile, messages that
    failed, and follow-ups the citizen answered unreadably twice."""
    to_call = db.session.scalars(
        select(OutboundMessage).options(joinedload(OutboundMessage.ticket))
        .where(or_(OutboundMessage.status == outbox.TO_CALL,
                   OutboundMessage.status.in_(outbox.PROBLEM_STATUSES)))
        .order_by(OutboundMessage.created_at).limit(500)).all()
    unclear = db.session.scalars(
        select(FollowUp).options(joinedload(FollowUp.ticket))
        .where(FollowUp.status == "needs_agent").order_by(FollowUp.created_at).limit(500)).all()
    return render_template("messaging/callbacks.html", messages=to_call, follow_ups=unclear,
                           recipient_of=lambda m: recipient_view(current_user, m))


def _outbound(message_id: int) -> OutboundMessage:
    message = db.session.get(OutboundMessage, message_id)
    if message is None:
        abort(404)
    return message


@bp.post("/callbacks/<int:message_id>/phone")
@requires(Permission.CALL_CITIZENS)
def callback_phone(message_id: int) -> Any:
    """The full number to call back: an agent needs it, and each look is audited."""
    message = _outbound(message_id)
    full = reveal_recipient(db.session, current_user, message)
    unit_of_work.commit(db.session)  # the audit entry first, then the number
    if request.accept_mimetypes.best == "application/json":
        return jsonify(number=message.ticket_number, phone=full)
    return render_template("tickets/phone.html", number=message.ticket_number, phone=full,
                           back=url_for("messaging.callbacks"))


@bp.post("/callbacks/<int:message_id>/done")
@requires(Permission.CALL_CITIZENS)
def callback_done(message_id: int) -> Any:
    message = _outbound(message_id)
    if message.status == outbox.TO_CALL or message.status in outbox.PROBLEM_STATUSES:
        message.status, message.handled_by, message.updated_at = outbox.CALLED, current_user.username, utcnow()
        unit_of_work.commit(db.session)
        flash(_("工单 %(number)s 已标记为电话告知。", number=message.ticket_number), "ok")
    return redirect(url_for("messaging.callbacks"))


# --- templates (admin) ---------------------------------------------------------------------------


@bp.route("/admin/message-templates", methods=["GET", "POST"])
@requires(Permission.ADMINISTER)
def message_templates() -> Any:
    """One row per line and kind; an empty row falls back to the shipped default."""
    errors: dict[tuple[str, str], list[str]] = {}
    if request.method == "POST":
        line, kind = request.form.get("line", ""), request.form.get("kind", "")
        body = (request.form.get("body") or "").strip()
        if line not in {li.value for li in Line} or kind not in texts.DEFAULTS:
            abort(400)
        errors[(line, kind)] = texts.problems(kind, body)
        if not errors[(line, kind)]:
            row = db.session.scalars(select(MessageTemplate).where(
                MessageTemplate.line == line, MessageTemplate.kind == kind)).first()
            before = {"line": line, "kind": kind, "body": row.body} if row else None
            if row is None:
                row = MessageTemplate(line=line, kind=kind, body=body)
                db.session.add(row)
            row.body, row.updated_at, row.updated_by = body, utcnow(), current_user.username
            db.session.flush()
            audit.record(db.session, current_user, "message_templates", row.id,
                         audit.UPDATE if before else audit.CREATE, before,
                         {"line": line, "kind": kind, "body": body})
            unit_of_work.commit(db.session)
            flash(_("已保存 %(line)s 的「%(kind)s」模板。", line=line, kind=_(texts.KIND_LABELS[kind])), "ok")
            return redirect(url_for("messaging.message_templates"))
    rows = {(r.line, r.kind): r for r in db.session.scalars(select(MessageTemplate))}
    status = 400 if any(errors.values()) else 200
    return render_template("messaging/templates.html", rows=rows, lines=[li.value for li in Line],
                           kinds=texts.DEFAULTS, labels=Labels(texts.KIND_LABELS), errors=errors,
                           posted=request.form, budget=texts.SEGMENT_BUDGET), status
