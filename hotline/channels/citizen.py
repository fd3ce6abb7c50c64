"""The citizen web form (市民留言): the simplest channel, and the one anyone can abuse.

Photos are checked and stripped of their metadata (hotline.channels.photos) before anything
is written, stored before the intake is committed and listed in its payload; a refused photo
answers with the form again, the citizen's text still in it. The position comes from the
browser's geolocation button or, when the citizen ticks it, from a photo's GPS tags.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Request, Response, abort, json, render_template, request
from flask.blueprints import BlueprintSetupState
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.http import is_resource_modified
from wtforms import (
    BooleanField,
    FloatField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from hotline.app import body_limits, settings
from hotline.app.extensions import db, limiter
from hotline.app.forms import show_error
from hotline.app.labels import LINE_LABELS, REQUEST_TYPE_LABELS, choices
from hotline.catalogue import snapshot
from hotline.channels import photos as photo_files
from hotline.domain.errors import InvalidInput
from hotline.domain.phones import mask_phone, normalise_phone
from hotline.intake.accept import Request as IntakeRequest
from hotline.intake.handover import submit
from hotline.messaging.outbox import mobile
from hotline.models import Channel, CityMap, utcnow
from hotline.reporting import street_map

bp = Blueprint("citizen", __name__, template_folder="templates")


class RequestForm(FlaskForm):
    line = SelectField(_l("热线"), choices=choices(LINE_LABELS), default="12345")
    request_type = SelectField(_l("诉求类型"), choices=choices(REQUEST_TYPE_LABELS), default="complaint")
    content = TextAreaField(_l("诉求内容"), validators=[DataRequired(), Length(max=4000)])
    phone = StringField(_l("手机号码"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("姓名（可选）"), validators=[Optional(), Length(max=80)])
    address = StringField(_l("地址（可选）"), validators=[Optional(), Length(max=200)])
    latitude = FloatField(widget=HiddenInput(), validators=[Optional(), NumberRange(-90, 90)])
    longitude = FloatField(widget=HiddenInput(), validators=[Optional(), NumberRange(-180, 180)])
    photos = MultipleFileField(_l("照片（可选）"), render_kw={"accept": photo_files.ACCEPT})
    share_photo_location = BooleanField(_l("使用照片中的拍摄位置作为问题位置"))
    confidential = BooleanField(_l("为我的身份保密"))


def _rate() -> str:
    return settings.current().web_intake_rate_limit


def _is_submission(req: Request) -> bool:
    return req.method == "POST" and req.path == "/submit"


@bp.record_once
def _allow_photos(state: BlueprintSetupState) -> None:
    """The form may carry its photos: each is refused one by one with a message on the form
    (text kept); only a body far over that is cut off with a bare 413."""
    body_limits.allow(state.app, _is_submission, _photos_body)


def _photos_body(app: Flask) -> int:
    config = settings.current(app)
    return config.web_photo_max_bytes * config.web_photo_max_count + 1024 * 1024


def _position(form: RequestForm, checked: list[photo_files.Photo]) -> tuple[float, float] | None:
    """A photo's GPS position if the citizen shares it, else the browser's, else none."""
    if form.share_photo_location.data:
        shared = next((p.position for p in checked if p.position), None)
        if shared:
            return shared
    lat, lon = form.latitude.data, form.longitude.data
    if (lat is None) != (lon is None):
        raise InvalidInput("位置不完整，请重新获取 / latitude and longitude go together",
                           field="address")
    return (lat, lon) if lat is not None and lon is not None else None


def expected_answer(at: datetime) -> datetime | None:
    """The answer date to tell the citizen now (the ticket gets its own once triaged)."""
    return snapshot.current(db.session).planner.expected_reply(at)


@bp.route("/map/city.geojson")
def city_map() -> Response:
    """The city's boundary GeoJSON, for the citizen form's and the dashboard's maps: a file of
    its own so the browser keeps it (a city's boundaries run to megabytes, and pages change far
    more often than the map). `no-cache` makes the browser revalidate on each use, which costs
    a 304 with no body until an administrator uploads a new file; the 304 is decided from the
    row's id and time alone, without loading the file."""
    version = street_map.current_version(db.session)
    if version is None:
        abort(404, "尚未上传城市边界地图 / no city map has been uploaded")
    if is_resource_modified(request.environ, etag=version.etag,
                            last_modified=version.uploaded_at):
        city = db.session.get_one(CityMap, version.id)
        response = Response(json.dumps(city.geojson, ensure_ascii=False, separators=(",", ":")),
                            mimetype="application/geo+json")
    else:
        response = Response(status=304)
    response.set_etag(version.etag)
    response.last_modified = version.uploaded_at
    response.cache_control.public = True
    response.cache_control.no_cache = True
    return response


def _form_page(form: RequestForm, status: int) -> tuple[str, int]:
    config = settings.current()
    return render_template("citizen/form.html", form=form, max_photos=config.web_photo_max_count,
                           max_mb=max(1, config.web_photo_max_bytes // (1024 * 1024)),
                           city_map_url=street_map.geojson_url(db.session)), status


@bp.route("/submit", methods=["GET", "POST"])
@limiter.limit(_rate, methods=["POST"])
def submit_form() -> Any:
    form = RequestForm()
    if not form.validate_on_submit():
        return _form_page(form, 400 if form.is_submitted() else 200)
    config = settings.current()
    directory: Path = config.attachment_dir
    stored: list[dict[str, Any]] = []
    try:
        checked = photo_files.read(request.files.getlist("photos"), max_bytes=config.web_photo_max_bytes,
                                   max_count=config.web_photo_max_count)
        position = _position(form, checked)
        stored = photo_files.store(checked, directory)
        extra: dict[str, Any] = {"photos": stored} if stored else {}
        if position:
            extra["lat"], extra["long"] = position
        intake, _created = submit(IntakeRequest(
            channel=Channel.WEB,
            line=form.line.data or "12345",
            content=form.content.data,
            request_type=form.request_type.data or "complaint",
            phone=form.phone.data,
            name=form.name.data,
            address=form.address.data,
            confidential=bool(form.confidential.data),
            extra=extra or None,
        ), region=config.default_region)
    except InvalidInput as exc:
        # Refused before the intake was written: its files go too. (Anything raised after the
        # commit leaves them, as the intake needs them.)
        photo_files.discard(stored, directory)
        show_error(form, exc)
        return _form_page(form, exc.status)
    # Accepted, so the phone normalises; the acknowledgement SMS goes to mobiles only.
    phone = normalise_phone(form.phone.data, config.default_region)
    return render_template("citizen/done.html", number=intake.ticket_number,
                           sms_to=mask_phone(phone) if mobile(phone) else None,
                           expected=expected_answer(utcnow())), 201
