"""Administrators keep the knowledge base: list, create, edit and retire articles."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from hotline.app.extensions import db
from hotline.app.forms import show_error
from hotline.domain.errors import InvalidInput
from hotline.domain.roles import Permission
from hotline.identity.permissions import requires
from hotline.knowledge import service as knowledge
from hotline.models import Topic

bp = Blueprint("knowledge", __name__, template_folder="templates", url_prefix="/admin/knowledge")


class ArticleForm(FlaskForm):
    title = StringField(_l("标题"), validators=[DataRequired(), Length(max=knowledge.TITLE_MAX)])
    keywords = StringField(_l("关键词（逗号分隔）"),
                           validators=[Optional(), Length(max=knowledge.KEYWORDS_MAX)])
    topic = SelectField(_l("分类"), choices=[], validators=[Optional()])
    body = TextAreaField(_l("答复正文"), validators=[DataRequired(),
                                                    Length(max=knowledge.BODY_MAX)])
    active = BooleanField(_l("启用"), default=True)


def _form(obj: Any = None) -> ArticleForm:
    form = ArticleForm(obj=obj)
    topics = db.session.scalars(select(Topic).where(Topic.active).order_by(Topic.code))
    form.topic.choices = [SelectChoice("", _("（不限）")),
                         *(SelectChoice(t.code, t.name) for t in topics)]
    if obj is not None and request.method == "GET":
        form.topic.data = obj.topic.code if obj.topic else ""
    return form


def _save(form: ArticleForm, article_id: int | None) -> Any:
    """Validate and save; returns a redirect, or None when the form must be shown again."""
    if not form.validate_on_submit():
        return None
    try:
        knowledge.save(db.session, current_user, form.data, article_id)
    except InvalidInput as exc:
        db.session.rollback()
        show_error(form, exc)
        return None
    flash(_("已保存"), "ok")
    return redirect(url_for("knowledge.articles"))


@bp.route("/", methods=["GET", "POST"])
@requires(Permission.ADMINISTER)
def articles() -> Any:
    form = _form()
    done = _save(form, None)
    if done is not None:
        return done
    return render_template("knowledge/list.html", form=form,
                           articles=knowledge.listing(db.session)), 400 if form.is_submitted() else 200


@bp.route("/<int:article_id>", methods=["GET", "POST"])
@requires(Permission.ADMINISTER)
def edit(article_id: int) -> Any:
    article = knowledge.get(db.session, article_id)
    form = _form(article)
    done = _save(form, article_id)
    if done is not None:
        return done
    return render_template("knowledge/edit.html", form=form, article=article), \
        400 if form.is_submitted() else 200


@bp.route("/<int:article_id>/retire", methods=["POST"])
@requires(Permission.ADMINISTER)
def retire(article_id: int) -> Any:
    knowledge.retire(db.session, current_user, article_id)
    flash(_("已停用"), "ok")
    return redirect(url_for("knowledge.articles"))
