"""The form of what a caller said, shared by the agent console (a new call) and the repair of a
failed intake (hotline.intake.views): both end in an intake."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from hotline.app.labels import LINE_LABELS, REQUEST_TYPE_LABELS, choices


class CallerForm(FlaskForm):
    """What the citizen said and who they are: the call, or a failed intake being repaired."""

    phone = StringField(_l("来电号码"), validators=[DataRequired(), Length(max=32)])
    line = SelectField(_l("热线"), choices=choices(LINE_LABELS), default="12345")
    request_type = SelectField(_l("诉求类型"), choices=choices(REQUEST_TYPE_LABELS),
                               default="complaint")
    content = TextAreaField(_l("诉求内容"), validators=[DataRequired(), Length(max=4000)])
    name = StringField(_l("来电人姓名"), validators=[Optional(), Length(max=80)])
    address = StringField(_l("地址"), validators=[Optional(), Length(max=200)])
