"""Live updates without reloading: one small poll that says whether anything a page shows moved.

`GET /live` answers, for the signed-in user, the unread notice count (the badge) and a stamp of
each list they may watch — the unit's inbox, the centre's dispatch queue — built from a count
and the latest change of the rows behind it. The answer carries an ETag; a page polls with
If-None-Match (the browser does it for a `no-cache` response), so an unchanged state costs a
304 with no body. static/js/live.js updates the badge and refetches the list in place when a
stamp moves. bench/live measures the server cost per connected user.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Blueprint, Response, request
from flask_login import current_user
from sqlalchemy import func, or_, select

from hotline.app.extensions import db
from hotline.domain.roles import Permission, allows
from hotline.identity.permissions import requires
from hotline.models import AssistTask, ForwardTask, Ticket, User
from hotline.workbench import notices
from hotline.workbench.queues import waiting_at_centre

bp = Blueprint("live", __name__)
POLL_SECONDS = 15  # what static/js/live.js waits between polls (the page reads it from here)


def _stamp(row: Any) -> str:
    count, latest = row
    return f"{count}:{latest.isoformat() if latest else ''}"


def state(user: User) -> dict[str, Any]:
    """What the user's pages would show differently if it changed."""
    found: dict[str, Any] = {"unread": notices.unread_count(db.session, user)}
    if allows(user.role, Permission.DISPATCH):
        found["dispatch"] = _stamp(db.session.execute(
            select(func.count(Ticket.id), func.max(Ticket.updated_at))
            .where(waiting_at_centre())).one())
    if allows(user.role, Permission.UNIT_INBOX) and user.department_id is not None:
        assisting = select(AssistTask.ticket_id).where(
            AssistTask.department_id == user.department_id)
        forwarded = select(ForwardTask.ticket_id).where(  # 转派 to this unit
            ForwardTask.department_id == user.department_id)
        found["inbox"] = _stamp(db.session.execute(
            select(func.count(Ticket.id), func.max(Ticket.updated_at))
            .where(or_(Ticket.department_id == user.department_id,
                       Ticket.id.in_(assisting), Ticket.id.in_(forwarded)))).one())
    return found


@bp.app_context_processor
def _poll_seconds() -> dict[str, Any]:
    return {"live_poll_seconds": POLL_SECONDS}


@bp.get("/live")
@requires(Permission.READ_NOTIFICATIONS)
def live() -> Response:
    body = json.dumps(state(current_user), separators=(",", ":"))
    response = Response(body, mimetype="application/json")
    response.set_etag(hashlib.sha256(body.encode()).hexdigest()[:32])
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Poll-Seconds"] = str(POLL_SECONDS)
    return response.make_conditional(request)
