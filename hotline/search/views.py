"""The search page `/tickets` (找工单) and the saved views on it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.domain.errors import InvalidInput
from hotline.domain.roles import Permission, allows
from hotline.identity.access import citizen_view
from hotline.identity.permissions import requires
from hotline.models import Department, Place, Topic
from hotline.search import params, saved
from hotline.search.service import Results, search

bp = Blueprint("search", __name__, template_folder="templates")


def _choices() -> dict[str, Any]:
    """What the filter lists offer; a unit's staff see no list of other units."""
    everyone = allows(current_user.role, Permission.VIEW_ALL_TICKETS)
    places = db.session.scalars(select(Place).where(Place.active).order_by(Place.code)).all()
    return {
        "topics": db.session.scalars(select(Topic).where(Topic.active, Topic.parent_id.is_(None))
                                     .order_by(Topic.code)).all(),
        "units": db.session.scalars(select(Department).where(Department.active)
                                    .order_by(Department.code)).all() if everyone else [],
        "districts": [p for p in places if p.kind == "district"],
        "streets": [p for p in places if p.kind == "street"],
        "communities": [p for p in places if p.kind == "community"],
    }


@bp.route("/tickets")
@requires(Permission.VIEW_TICKETS)
def tickets() -> Any:
    """Search and list tickets; `?status=pending_dispatch` is the manual dispatch queue."""
    raw = request.args.to_dict()
    error, status = None, 200
    try:
        args = params.load(raw)
        results = search(db.session, current_user, args)
    except InvalidInput as exc:
        error, status = exc.message, 400
        args, results = {}, Results([], 0, 1, params.PER_PAGE)
    return render_template("search/list.html", results=results, raw=raw, error=error,
                           query=params.as_query(args), views=saved.views_of(db.session, current_user),
                           citizen=lambda t: citizen_view(current_user, t),
                           default_per_page=params.PER_PAGE, **_choices()), status


@bp.post("/tickets/views")
@requires(Permission.VIEW_TICKETS)
def save_view() -> Any:
    """Keep the filters the form carries under the name typed beside them."""
    args = params.load({k: v for k, v in request.form.items() if k in params.FILTERS})
    view = saved.save(db.session, current_user, request.form.get("name", ""), args)
    unit_of_work.commit(db.session)
    flash(_("已保存视图“%(name)s”", name=view.name), "ok")
    return redirect(url_for("search.tickets", **view.filters))


@bp.post("/tickets/views/<int:view_id>/delete")
@requires(Permission.VIEW_TICKETS)
def delete_view(view_id: int) -> Any:
    saved.delete(db.session, current_user, view_id)
    unit_of_work.commit(db.session)
    flash(_("已删除视图"), "ok")
    return redirect(url_for("search.tickets"))
