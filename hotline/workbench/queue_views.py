"""The centre's queues: the manual dispatch queue (待分拨) and its bulk dispatch.

Bulk dispatch runs every chosen ticket through the same catalogue action the ticket page uses
(hotline.tickets.actions.perform_many), one event per ticket and one commit; the page then says
how many went where and which did not, and why.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hotline.app.extensions import db
from hotline.app.paging import page_number
from hotline.domain.errors import InvalidInput
from hotline.domain.roles import Permission
from hotline.identity.permissions import requires
from hotline.models import utcnow
from hotline.tickets.actions import perform_many
from hotline.tickets.catalogue import BY_NAME
from hotline.workbench.queues import active_units, dispatch_queue
from hotline.workbench.workflow_views import form_arguments

bp = Blueprint("queues", __name__, template_folder="templates")


def _queue_page(error: InvalidInput | None = None) -> tuple[str, int]:
    number = page_number(request.values)
    units = active_units(db.session)
    page = dispatch_queue(db.session, current_user, number, utcnow(), units)
    chosen = set(request.form.getlist("numbers")) if error else set()
    return render_template("work/dispatch.html", page=page, units=units, error=error,
                           chosen=chosen), error.status if error else 200


@bp.get("/dispatch")
@requires(Permission.DISPATCH)
def dispatch() -> Any:
    """待分拨: the tickets waiting at the centre, oldest first, to dispatch one or several."""
    return _queue_page()


@bp.post("/dispatch")
@requires(Permission.DISPATCH)
def dispatch_many() -> Any:
    """派单 of every ticket ticked to one lead unit (and the same 协办 units)."""
    try:
        args = form_arguments(BY_NAME["dispatch"], request.form)
        outcome = perform_many(db.session, current_user, request.form.getlist("numbers"),
                               "dispatch", args)
    except InvalidInput as exc:
        return _queue_page(exc)
    if outcome.done:
        lead = outcome.done[0].department
        flash(_("已派单 %(n)d 件至 %(unit)s：%(numbers)s", n=len(outcome.done),
                unit=lead.label if lead else "", numbers="、".join(t.number for t in outcome.done)),
              "ok")
    if outcome.failed:
        flash(_("未派单 %(n)d 件：%(why)s", n=len(outcome.failed),
                why="；".join(f"{number}（{reason}）" for number, reason in outcome.failed)), "error")
    return redirect(url_for("queues.dispatch", page=request.form.get("page") or None))
