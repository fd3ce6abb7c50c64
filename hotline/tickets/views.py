"""Staff pages: the home page and the ticket page (the list and search: hotline.search)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.app.i18n import Labels
from hotline.app.labels import (
    ACTOR_LABELS,
    CHANNEL_LABELS,
    EVENT_LABELS,
    HANDOFF_LABELS,
    LINE_LABELS,
    REQUEST_TYPE_LABELS,
    RISK_CATEGORY_LABELS,
    RISK_LEVEL_LABELS,
    STATUS_LABELS,
    URGENCY_LABELS,
)
from hotline.catalogue import snapshot
from hotline.domain.numbering import canonical
from hotline.domain.roles import Permission
from hotline.identity.access import check_view, citizen_view, reveal_phone
from hotline.identity.permissions import can, requires
from hotline.models import Role, Ticket
from hotline.tickets.actions import find

bp = Blueprint("web", __name__, template_folder="templates")
SHANGHAI = ZoneInfo("Asia/Shanghai")


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    """Label tables in the reader's language, and the permission and privacy helpers."""
    return {
        "LINE_LABELS": Labels(LINE_LABELS),
        "REQUEST_TYPE_LABELS": Labels(REQUEST_TYPE_LABELS),
        "CHANNEL_LABELS": Labels(CHANNEL_LABELS),
        "STATUS_LABELS": Labels(STATUS_LABELS),
        "URGENCY_LABELS": Labels(URGENCY_LABELS),
        "EVENT_LABELS": Labels(EVENT_LABELS),
        "ACTOR_LABELS": Labels(ACTOR_LABELS),
        "RISK_CATEGORY_LABELS": Labels(RISK_CATEGORY_LABELS),
        "RISK_LEVEL_LABELS": Labels(RISK_LEVEL_LABELS),
        "HANDOFF_LABELS": Labels(HANDOFF_LABELS),
        "can": can,
        "citizen_of": lambda t: citizen_view(current_user, t),
    }


@bp.route("/")
def index() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    return render_template("index.html")


# Where each post starts its day: the page holding its own work (issue 16, "land on your work").
LANDING: dict[Role, str] = {
    Role.AGENT: "agent.log_call",
    Role.UNIT_STAFF: "work.inbox",
    Role.UNIT_LEAD: "work.inbox",
    Role.SUPERVISOR: "work.supervise",
    Role.ADMIN: "admin.home",
}


@bp.route("/home")
@requires(Permission.VIEW_TICKETS)
def home() -> Any:
    """The signed-in user's own page; sign-in lands here unless it was sent a safe `next`."""
    return redirect(url_for(LANDING.get(current_user.role, "search.tickets")))


@bp.route("/tickets/<number>")
@requires(Permission.VIEW_TICKETS)
def ticket(number: str) -> Any:
    key = canonical(number) or ""
    found = db.session.scalars(select(Ticket).where(Ticket.number == key)).one_or_none()
    return render_ticket(check_view(current_user, found))


@dataclass(frozen=True)
class Typed:
    """What one action form posted and why it was refused, to show the form again as typed."""

    form: str
    values: dict[str, str]
    message: str
    field: str | None

    def value(self, form: str, name: str, default: Any = "") -> Any:
        return self.values.get(name, default) if form == self.form else default


def render_ticket(t: Ticket, typed: Typed | None = None) -> str:
    """The ticket page; `typed` puts a refused form back as it was, its reason beside the field."""
    names = snapshot.current(db.session).place_names
    return render_template("tickets/show.html", t=t, citizen=citizen_view(current_user, t),
                           typed=typed, street_name=names.get(t.street or ""),
                           community_name=names.get(t.community or ""))


@bp.post("/tickets/<number>/phone")
@requires(Permission.REVEAL_PHONE)
def phone(number: str) -> Any:
    """Show a citizen's full number: a POST, because each look is audited (who, when, which
    ticket). The page script asks for JSON and puts the number in place; without JavaScript
    the answer is a small page with the number, a call link and the way back."""
    t = find(db.session, current_user, number)
    full = reveal_phone(db.session, current_user, t)
    unit_of_work.commit(db.session)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(number=t.number, phone=full)
    return render_template("tickets/phone.html", number=t.number, phone=full, back=None)


@bp.app_template_filter("localtime")
def localtime(value: datetime | None) -> str:
    """Stored in UTC, shown in Asia/Shanghai (domain.md §3)."""
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if value else ""
