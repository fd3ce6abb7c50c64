"""受理失败: the agents' page of intakes that failed processing (hotline.intake.failed), where each
is retried or made into its ticket by hand, under the number the citizen was already told."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import Length, Optional

from hotline.app import settings, unit_of_work
from hotline.app.extensions import db
from hotline.app.forms import show_error
from hotline.domain.content import displayable
from hotline.domain.errors import InvalidInput
from hotline.domain.roles import Permission
from hotline.identity.permissions import requires
from hotline.intake import failed as dead_letter
from hotline.intake.accept import Request
from hotline.intake.forms import CallerForm
from hotline.intake.handover import hand_over

bp = Blueprint("intakes", __name__, template_folder="templates", url_prefix="/intakes")


class RepairForm(CallerForm):
    # Left empty, the number the citizen gave stays: the page never shows it in full.
    phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=32)])


@bp.app_context_processor
def _count() -> dict[str, Any]:
    return {"failed_intake_count": lambda: dead_letter.failed_count(db.session)}


@bp.get("/failed")
@requires(Permission.LOG_CALL)
def failed() -> Any:
    return render_template("intakes/failed.html",
                           intakes=[dead_letter.shown(i) for i in dead_letter.failed(db.session)])


@bp.post("/<int:intake_id>/retry")
@requires(Permission.LOG_CALL)
def retry(intake_id: int) -> Any:
    intake = dead_letter.retry(db.session, intake_id, current_user)
    unit_of_work.commit(db.session)
    hand_over(intake.id)
    flash(_("已重新处理受理记录 %(number)s", number=intake.ticket_number), "ok")
    return redirect(url_for("intakes.failed"))


@bp.route("/<int:intake_id>/ticket", methods=["GET", "POST"])
@requires(Permission.LOG_CALL)
def make_ticket(intake_id: int) -> Any:
    intake = dead_letter.get_failed(db.session, intake_id)
    p = intake.payload
    form = RepairForm(data={"line": intake.line.value, "request_type": p.get("request_type"),
                            "content": displayable(p.get("content") or ""),
                            "name": p.get("name"), "address": p.get("address")})
    if form.validate_on_submit():
        try:
            ticket = dead_letter.make_ticket(db.session, intake_id, current_user, Request(
                channel=intake.channel, line=form.line.data or intake.line.value,
                content=form.content.data, request_type=form.request_type.data or "complaint",
                phone=form.phone.data or p.get("phone"), name=form.name.data,
                address=form.address.data, confidential=bool(p.get("confidential"))),
                settings.current().default_region)
        except InvalidInput as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            unit_of_work.commit(db.session)
            flash(_("已生成工单 %(number)s，待人工分拨", number=ticket.number), "ok")
            return redirect(url_for("web.ticket", number=ticket.number))
    status = 400 if form.is_submitted() else 200
    return render_template("intakes/ticket.html", form=form, intake=dead_letter.shown(intake)), status
