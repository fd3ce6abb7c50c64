"""Staff pages of the citizen's loop: the agent records a phone follow-up (电话回访)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.citizen.followup import record_by_agent
from hotline.domain.errors import DomainError
from hotline.domain.lifecycle import Actor
from hotline.domain.numbering import canonical
from hotline.domain.roles import Permission
from hotline.identity.permissions import requires
from hotline.models import Ticket

bp = Blueprint("followup", __name__)


@bp.post("/tickets/<number>/follow-up")
@requires(Permission.RECORD_FOLLOW_UP)
def phone_follow_up(number: str) -> Any:
    """电话回访: the agent records what the citizen said on the phone."""
    ticket = db.session.scalars(select(Ticket).where(Ticket.number == (canonical(number) or ""))).first()
    if ticket is None:
        abort(404)
    try:
        outcome = record_by_agent(
            db.session, ticket, Actor.of(current_user),
            solved=request.form.get("solved", type=int), satisfied=request.form.get("satisfied", type=int),
            note=(request.form.get("note") or "").strip())
        unit_of_work.commit(db.session)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        flash({"reopened": "已记录回访，工单已退回承办单位重办。", "closed": "已记录回访，工单已办结。"}
              .get(outcome, "已记录回访。"), "ok")
    return redirect(url_for("web.ticket", number=ticket.number))
