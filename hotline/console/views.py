"""The agent console (坐席): log a call, see who is calling and what the catalogue suggests, and
end the call — dispatched, answered from the knowledge base (直接办结) or left for dispatch.

The page works without JavaScript (a plain form); static/js/agent_console.js adds the live
panels from the JSON endpoints below while the agent types.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import HiddenField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from hotline.app import settings
from hotline.app.extensions import db
from hotline.app.forms import show_error
from hotline.app.labels import STATUS_LABELS
from hotline.console import service as console
from hotline.domain.errors import DomainError, InvalidInput
from hotline.domain.lifecycle import Actor
from hotline.domain.numbering import canonical
from hotline.domain.roles import Permission
from hotline.identity.permissions import requires
from hotline.intake.forms import CallerForm
from hotline.knowledge import service as knowledge
from hotline.models import Department, Ticket
from hotline.tickets.views import localtime

bp = Blueprint("agent", __name__, template_folder="templates", url_prefix="/agent")
OUTCOME_LABELS = {"dispatch": _l("派单"), "direct": _l("直接办结"), "manual": _l("待人工分拨")}


class CallForm(CallerForm):
    outcome = RadioField(_l("处理方式"), choices=[SelectChoice(k, v) for k, v in OUTCOME_LABELS.items()],
                         default="dispatch")
    unit = SelectField(_l("承办单位"), choices=[], validators=[Optional()])
    answer = TextAreaField(_l("答复内容"), validators=[Optional(), Length(max=4000)])
    article_id = HiddenField()
    repeat_of = HiddenField()
    incident_master = HiddenField()
    suggested_unit = HiddenField()


def _unit_choices() -> list[SelectChoice]:
    units = db.session.scalars(select(Department).where(Department.active)
                               .order_by(Department.level, Department.code))
    return [SelectChoice("", _("（请选择）")),
            *(SelectChoice(u.code, f"{u.name}（{u.code}）") for u in units)]


def _call(form: CallForm) -> console.Call:
    article = (form.article_id.data or "").strip()
    if article and not article.isdigit():
        raise InvalidInput(_("知识库条目编号无效"), field="answer")
    return console.Call(
        phone=form.phone.data or "", line=form.line.data or "12345",
        request_type=form.request_type.data or "complaint", content=form.content.data or "",
        name=form.name.data, address=form.address.data, outcome=form.outcome.data or "",
        unit=form.unit.data, suggested_unit=form.suggested_unit.data,
        answer=form.answer.data, article_id=int(article) if article else None,
        repeat_of=(form.repeat_of.data or "").strip() or None,
        incident_master=(form.incident_master.data or "").strip() or None)


@bp.route("/calls/new", methods=["GET", "POST"])
@requires(Permission.LOG_CALL)
def log_call() -> Any:
    form = CallForm()
    form.unit.choices = _unit_choices()
    if form.validate_on_submit():
        try:
            ticket, refused = console.log_call(db.session, Actor.of(current_user), _call(form),
                                               region=settings.current().default_region)
        except InvalidInput as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            # The saved-ticket card is the one confirmation (number, state, unit, topic, group,
            # risk); a flash only for what did not happen.
            if refused is not None and ticket.incident_master is None:
                flash(_("工单已生成，但未能%(what)s：%(why)s", what=OUTCOME_LABELS[form.outcome.data],
                        why=refused.message), "error")
            # Back to a fresh console for the next call, the number shown large to read out.
            return redirect(url_for("agent.log_call", saved=ticket.number))
    status = 400 if form.is_submitted() else 200
    return render_template("agent/console.html", form=form, saved=_saved()), status


def _saved() -> Ticket | None:
    """The ticket just saved (`?saved=`), if it is one: shown large with its link."""
    key = canonical(request.args.get("saved", ""))
    return db.session.scalars(select(Ticket).where(Ticket.number == key)).one_or_none() \
        if key else None


def _decided_by(by: str | None) -> str:
    return {
        "topic_rule": _("按分类匹配派单目录"),
        "keyword_rule": _("关键词规则"),
        "line_default": _("热线默认单位"),
        "district_government": _("属地政府首接负责"),
    }.get(by or "", _("需人工选择单位"))


def _json_error(exc: DomainError) -> Any:
    body: dict[str, Any] = {"error": {"code": exc.code, "message": exc.message}}
    if exc.field:
        body["error"]["field"] = exc.field
    return jsonify(body), exc.status


@bp.route("/callers")
@requires(Permission.LOG_CALL)
def caller_history() -> Any:
    """The caller's earlier tickets, fetched while the number is typed."""
    try:
        tickets = console.history(db.session, request.args.get("phone", ""),
                                  settings.current().default_region)
    except DomainError as exc:
        return _json_error(exc)
    return jsonify({"tickets": [{
        "number": t.number, "url": url_for("web.ticket", number=t.number),
        "created_at": localtime(t.created_at), "status": t.status.value,
        "status_label": STATUS_LABELS.get(t.status.value, t.status.value),
        "content": t.content[:80], "unit": t.department.name if t.department else None,
        "open": t.status.value != "closed",
    } for t in tickets]})


@bp.route("/suggest", methods=["POST"])
@requires(Permission.LOG_CALL)
def suggest() -> Any:
    """Topic, unit, urgency and request type with their confidence, and similar open tickets
    (JSON in/out)."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not all(
            isinstance(data.get(k, ""), str) for k in ("text", "address", "line", "phone")):
        return _json_error(InvalidInput(_("请求须为 JSON 对象，字段为字符串"), field="text"))
    try:
        result = console.preview(db.session, data.get("text", ""),
                                 address=data.get("address") or None,
                                 line=data.get("line") or "12345", phone=data.get("phone"),
                                 region=settings.current().default_region)
    except DomainError as exc:
        return _json_error(exc)
    result["unit"]["by_label"] = _decided_by(result["unit"]["by"])
    if result["incident"]:
        found = result["incident"]
        found["url"] = url_for("web.ticket", number=found["master"])
        found["text"] = _("可能与 %(number)s 号工单为同一事件（%(n)s 人来电）",
                          number=found["master"], n=found["size"])
        # A lone open ticket is no group yet: attaching the call makes one for a supervisor.
        found["state"] = (_("尚未成组，并入后待督办确认") if found["size"] == 1
                          else _("合并组已确认") if found["confirmed"] else _("合并组待督办确认"))
    for match in result["similar"]:
        match["url"] = url_for("web.ticket", number=match["number"])
        match["status_label"] = STATUS_LABELS.get(match["status"], match["status"])
    return jsonify(result)


@bp.route("/knowledge")
@requires(Permission.LOG_CALL)
def knowledge_search() -> Any:
    """Answers from the knowledge base for the agent's keywords."""
    try:
        hits = knowledge.search(db.session, request.args.get("q", ""))
    except DomainError as exc:
        return _json_error(exc)
    return jsonify({"articles": [{
        "id": h.article.id, "title": h.article.title, "body": h.article.body,
        "keywords": h.article.keyword_list, "score": h.score,
        "topic": h.article.topic.name if h.article.topic else None,
    } for h in hits]})
