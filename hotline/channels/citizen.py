"""The citizen web form (市民留言): the simplest channel, and the one anyone can abuse."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from hotline.app import settings
from hotline.app.extensions import limiter
from hotline.app.forms import show_error
from hotline.app.labels import LINE_LABELS, REQUEST_TYPE_LABELS, choices
from hotline.domain.errors import InvalidInput
from hotline.intake.accept import Request
from hotline.intake.handover import submit
from hotline.models import Channel

bp = Blueprint("citizen", __name__, template_folder="templates")


class RequestForm(FlaskForm):
    line = SelectField("热线", choices=choices(LINE_LABELS), default="12345")
    request_type = SelectField("诉求类型", choices=choices(REQUEST_TYPE_LABELS), default="complaint")
    content = TextAreaField("诉求内容", validators=[DataRequired(), Length(max=4000)])
    phone = StringField("手机号码", validators=[DataRequired(), Length(max=32)])
    name = StringField("姓名（可选）", validators=[Optional(), Length(max=80)])
    address = StringField("地址（可选）", validators=[Optional(), Length(max=200)])
    confidential = BooleanField("为我的身份保密")


def _rate() -> str:
    return settings.current().web_intake_rate_limit


@bp.route("/submit", methods=["GET", "POST"])
@limiter.limit(_rate, methods=["POST"])
def submit_form() -> Any:
    form = RequestForm()
    if form.validate_on_submit():
        try:
            intake, _created = submit(Request(
                channel=Channel.WEB,
                line=form.line.data or "12345",
                content=form.content.data,
                request_type=form.request_type.data or "complaint",
                phone=form.phone.data,
                name=form.name.data,
                address=form.address.data,
                confidential=bool(form.confidential.data),
            ), region=settings.current().default_region)
        except InvalidInput as exc:
            show_error(form, exc)
        else:
            return render_template("citizen/done.html", number=intake.ticket_number), 201
    status = 400 if form.is_submitted() else 200
    return render_template("citizen/form.html", form=form), status
