"""The administrators' pages: a home with every area, a list and an edit form per area, the
classifier models and the audit log.

Views are thin: they turn the posted form into a dict and call the admin service, which
validates, audits and invalidates the routing cache. A bad value comes back as the same form
with the message beside the field and status 400.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from hotline.admin import ENTITIES, org, places
from hotline.admin.entity import Entity
from hotline.app import body_limits, settings, unit_of_work
from hotline.app.extensions import db
from hotline.classifier_models import admin as classifier_models
from hotline.domain.errors import DomainError, InvalidInput
from hotline.domain.roles import Permission
from hotline.identity import audit, auth
from hotline.identity.permissions import requires
from hotline.models import ApiToken
from hotline.reporting import street_map

bp = Blueprint("admin", __name__, template_folder="templates", url_prefix="/admin")
SHANGHAI = ZoneInfo("Asia/Shanghai")
PAGE = 50

# The home page's groups, in the order an administrator sets a city up.
GROUPS: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (_l("组织与人员"), ("units", "users")),
    (_l("分类与派单"), ("topics", "rules", "stopwords", "places")),
    (_l("时限与日历"), ("sla", "days", "years")),
    (_l("热线与消息"), ("lines",)),
    (_l("风险研判"), ("risks", "duty", "surges")),
)
HINTS = {
    "units": _l("市、区、街道三级承办单位，上下级关系与值班电话"),
    "users": _l("新建账号、分配岗位与单位、重置密码、停用"),
    "topics": _l("诉求分类树；一级分类即智能分类的类别"),
    "rules": _l("分类/关键词/区县/热线 → 承办单位；修改后下一张工单即按新规则派单"),
    "sla": _l("派单、签收、答复时限，按分类和紧急程度"),
    "days": _l("法定节假日与调休补班，逐日调整"),
    "years": _l("已完整录入放假安排的年份"),
    "lines": _l("来电号码对应的热线与语音问候"),
    "risks": _l("自伤、暴力、群体聚集、儿童老人安危 → 紧急并标记风险；极高风险立即通知值班督办"),
    "duty": _l("接收极高风险预警短信的值班督办手机"),
    "surges": _l("街道某类来电比往常同期明显增多时提醒督办：阈值、最少来电数、倍数与判断方法"),
    "stopwords": _l("督办页热点词与增多预警中不显示的词：在内置词表上增加或保留"),
    "places": _l("区县、街道、社区的名称、别名和坐标；工单按它们定位并画在地图上"),
}
# What an audit entry records (hotline.identity.audit), not the ticket actions.
AUDIT_ACTION_LABELS = {
    audit.CREATE: _l("新增"), audit.UPDATE: _l("修改"), audit.DELETE: _l("删除"),
    audit.DEACTIVATE: _l("停用"), audit.RESET_PASSWORD: _l("重置密码"),
    audit.ACTIVATE: _l("启用模型"), audit.ROLLBACK: _l("回退模型"), audit.TRAIN: _l("训练候选模型"),
    "login": _l("登录"), "login_failed": _l("登录失败"), "locked": _l("账号锁定"),
    "phone_reveal": _l("查看完整号码"), audit.REVOKE_TOKEN: _l("撤销 API 令牌"),
}
# Entries other modules write: admin edits elsewhere, and sign-ins and phone reveals (reads).
OTHER_ENTITIES = {"models": _l("分类模型"), "message_templates": _l("短信模板"),
                  places.MAP_ENTITY: _l("城市边界地图"),
                  "knowledge": _l("知识库"), "reply_templates": _l("答复模板")}
ACCESS_ENTITIES = {"user": _l("登录与账号安全"), "ticket": _l("工单号码查看")}


def _labels() -> dict[str, Any]:
    return {name: spec.label for name, spec in ENTITIES.items()} | OTHER_ENTITIES | ACCESS_ENTITIES


def field_label(entity: str, key: str) -> Any:
    """A field's heading in the reader's language where the area declares it, else its key."""
    spec = ENTITIES.get(entity)
    if spec is None:
        return key
    return next((fld.label for fld in spec.fields if fld.name == key),
                dict(spec.columns).get(key, key))


@bp.app_context_processor
def _admin_helpers() -> dict[str, Any]:
    return {"ADMIN_ENTITY_LABELS": _labels(), "admin_endpoints": current_app.view_functions,
            "field_label": field_label}


@bp.route("/")
@requires(Permission.ADMINISTER)
def home() -> Any:
    counts = {name: db.session.scalar(select(func.count()).select_from(spec.model))
              for name, spec in ENTITIES.items()}
    changes = tuple(name for name in _labels() if name not in ACCESS_ENTITIES)
    recent = db.session.scalars(audit.query(audit.Filters(entities=changes)).limit(8)).all()
    active_model = next((m for m in classifier_models.listing(db.session) if m.active), None)
    return render_template("admin/home.html", groups=GROUPS, hints=HINTS, counts=counts,
                           recent=recent, actions=AUDIT_ACTION_LABELS, changed=audit.changed,
                           active_model=active_model)


# --- the city's boundary map ------------------------------------------------------------------


@bp.record_once
def _allow_map_upload(state: BlueprintSetupState) -> None:
    """The global body limit is small (forms); the map upload may carry one boundary file."""
    body_limits.allow(state.app, lambda req: req.method == "POST" and req.path == "/admin/map",
                      lambda _app: places.MAX_MAP_BYTES + 64 * 1024)


@bp.route("/map", methods=["GET", "POST"])
@requires(Permission.ADMINISTER)
def city_map() -> Any:
    """The city's boundary GeoJSON: what is in use, and an upload that replaces it (checked
    against the gazetteer; a bad file is a 400 with the reason, nothing stored)."""
    error, status = None, 200
    if request.method == "POST":
        upload = request.files.get("geojson")
        try:
            summary = places.upload_map(db.session, current_user,
                                        upload.read() if upload else b"",
                                        upload.filename or "" if upload else "")
            unit_of_work.commit(db.session)
        except InvalidInput as exc:
            db.session.rollback()
            error, status = exc, 400
        else:
            flash(_("已启用新的城市边界：%(d)d 个区县、%(s)d 个街道",
                    d=len(summary.districts), s=len(summary.streets)), "ok")
            return redirect(url_for("admin.city_map"))
    return render_template("admin/map.html", current=street_map.current(db.session),
                           error=error, limit=places.MAX_MAP_BYTES // 1024 // 1024), status


# --- audit log --------------------------------------------------------------------------------


def _day(name: str) -> datetime | None:
    """A YYYY-MM-DD filter as the start of that day in Shanghai; a bad date is a 400."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        day = datetime.strptime(raw, "%Y-%m-%d")
    except ValueError:
        raise InvalidInput(_("日期格式须为 YYYY-MM-DD"), field=name) from None
    return day.replace(tzinfo=SHANGHAI)


@bp.route("/audit")
@requires(Permission.ADMINISTER)
def audit_log() -> Any:
    until = _day("until")
    filters = audit.Filters(
        entity=request.args.get("entity") or None,
        entity_id=(request.args.get("entity_id") or "").strip() or None,
        username=(request.args.get("username") or "").strip() or None,
        action=request.args.get("action") or None,
        since=_day("since"), until=until + timedelta(days=1) if until else None)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    entries = db.session.scalars(audit.query(filters).offset((page - 1) * PAGE)
                                 .limit(PAGE + 1)).all()
    def page_url(number: int) -> str:
        return url_for("admin.audit_log", **(request.args.to_dict() | {"page": number}))

    return render_template("admin/audit.html", entries=entries[:PAGE], more=len(entries) > PAGE,
                           page=page, page_url=page_url, args=request.args,
                           actions=AUDIT_ACTION_LABELS, changed=audit.changed)


# --- classifier models ------------------------------------------------------------------------


@bp.route("/models")
@requires(Permission.ADMINISTER)
def models() -> Any:
    rows = classifier_models.listing(db.session)
    previous = classifier_models.previous(db.session)
    return render_template("admin/models.html", rows=rows,
                           active=next((r for r in rows if r.active), None),
                           previous=previous.version if previous else None,
                           training=classifier_models.training())


@bp.route("/models/training")
@requires(Permission.ADMINISTER)
def training_status() -> Any:
    """What static/js/models_training.js polls while a training runs: it reloads the page when
    the state or stage changed."""
    current = classifier_models.training()
    return jsonify({"state": current.state if current else None,
                    "stage": current.stage if current else None})


@bp.route("/models/train", methods=["POST"])
@requires(Permission.ADMINISTER)
def train_model() -> Any:
    classifier_models.train_candidate(
        db.session, current_user, timeout_seconds=settings.current().training_timeout_seconds)
    unit_of_work.commit(db.session)
    flash(_("已提交训练任务；训练完成后候选模型会出现在列表中（通常需要几分钟）。"), "ok")
    return redirect(url_for("admin.models"))


@bp.route("/models/<version>/activate", methods=["POST"])
@requires(Permission.ADMINISTER)
def activate_model(version: str) -> Any:
    classifier_models.activate(db.session, current_user, version)
    unit_of_work.commit(db.session)
    flash(_("已启用模型 %(v)s，工作进程将在下一个任务时加载。", v=version), "ok")
    return redirect(url_for("admin.models"))


@bp.route("/models/rollback", methods=["POST"])
@requires(Permission.ADMINISTER)
def rollback_model() -> Any:
    version = classifier_models.rollback(db.session, current_user)
    unit_of_work.commit(db.session)
    flash(_("已回退到模型 %(v)s。", v=version), "ok")
    return redirect(url_for("admin.models"))


# --- every other area: list, create, edit, deactivate, delete ---------------------------------


def _spec(entity: str) -> Entity:
    if entity not in ENTITIES:
        abort(404)
    return ENTITIES[entity]


@bp.route("/<entity>")
@requires(Permission.ADMINISTER)
def listing(entity: str) -> Any:
    spec = _spec(entity)
    if entity == "units":
        tree = org.unit_tree(db.session)
        rows = [(spec.as_dict(d), depth) for d, depth in tree]
    else:
        rows = [(spec.as_dict(r), 0) for r in ENTITIES.rows(db.session, entity)]
    choices = _choice_labels(spec)
    query = (request.args.get("q") or "").strip()
    if query:
        rows = [(r, depth) for r, depth in rows if _matches(r, query, choices)]
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    shown = rows[(page - 1) * PAGE:page * PAGE]

    def page_url(number: int) -> str:
        return url_for("admin.listing", entity=entity, q=query or None, page=number)

    return render_template("admin/list.html", entity=entity, spec=spec, rows=shown,
                           total=len(rows), query=query, page=page,
                           more=page * PAGE < len(rows), page_url=page_url, choices=choices,
                           configured=_configured_only(rows) if entity == "lines" else {})


def _configured_only(rows: list[tuple[dict[str, Any], int]]) -> dict[str, str]:
    """Numbers the TWILIO_LINE_NUMBERS seed answers that have no row yet (offered for taking over)."""
    have = {r["number"] for r, _depth in rows}
    seed = settings.current().twilio.line_numbers
    return {number: line for number, line in seed.items() if number not in have}


def _matches(row: dict[str, Any], query: str, choices: dict[str, dict[str, str]]) -> bool:
    """Whether any shown value, or the label of a coded one, contains the search words."""
    texts = [str(v) for v in row.values() if v is not None]
    texts += [str(choices[k].get(str(v), "")) for k, v in row.items() if k in choices]
    return all(any(word in text for text in texts) for word in query.split())


def _choice_labels(spec: Entity) -> dict[str, dict[str, str]]:
    """Coded values shown by their labels in the list (岗位, 层级, 热线 ...)."""
    return {fld.name: dict(fld.choices(db.session)) for fld in spec.fields
            if fld.choices is not None}


def _posted(spec: Entity, creating: bool) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for fld in spec.fields:
        if fld.on_create_only and not creating:
            continue
        data[fld.name] = bool(request.form.get(fld.name)) if fld.kind == "checkbox" \
            else request.form.get(fld.name, "")
    return data


def _form_page(entity: str, spec: Entity, values: dict[str, Any], key: int | None,
               error: DomainError | None = None, status: int = 200) -> Any:
    history = db.session.scalars(audit.query(audit.Filters(entity=entity, entity_id=str(key)))
                                 .limit(20)).all() if key is not None else []
    errors = {error.field: error.message} if error is not None and error.field else {}
    general = error.message if error is not None and not error.field else None
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == key)
                                .order_by(ApiToken.id)).all() \
        if entity == "users" and key is not None else []
    return render_template(
        "admin/form.html", entity=entity, spec=spec, values=values, key=key, errors=errors,
        general=general, history=history, actions=AUDIT_ACTION_LABELS, changed=audit.changed,
        tokens=tokens,
        choices={fld.name: fld.choices(db.session) for fld in spec.fields if fld.choices},
    ), status


@bp.route("/<entity>/new", methods=["GET", "POST"])
@requires(Permission.ADMINISTER)
def create(entity: str) -> Any:
    spec = _spec(entity)
    if request.method == "GET":
        defaults = {fld.name: True for fld in spec.fields if fld.name == "active"}
        return _form_page(entity, spec, defaults | dict(request.args), None)
    data = _posted(spec, creating=True)
    try:
        saved = ENTITIES.save(db.session, current_user, entity, data)
        unit_of_work.commit(db.session)
    except InvalidInput as exc:
        data.pop("password", None)  # never echo a password back into the page
        return _form_page(entity, spec, data, None, exc, 400)
    flash(_("已新增 %(label)s #%(id)s", label=spec.label, id=saved["id"]), "ok")
    return redirect(url_for("admin.listing", entity=entity))


@bp.route("/<entity>/<int:key>", methods=["GET", "POST"])
@requires(Permission.ADMINISTER)
def edit(entity: str, key: int) -> Any:
    spec = _spec(entity)
    row = ENTITIES.find(db.session, entity, key)
    if request.method == "GET":
        return _form_page(entity, spec, spec.as_dict(row), key)
    action = request.form.get("_action", "save")
    data = _posted(spec, creating=False)
    target = url_for("admin.listing", entity=entity)
    try:
        if action == "deactivate":
            ENTITIES.deactivate(db.session, current_user, entity, key)
            done = _("已停用")
        elif action == "delete":
            ENTITIES.delete(db.session, current_user, entity, key)
            done = _("已删除")
        elif action == "reset_password" and entity == "users":
            org.reset_password(db.session, current_user, row, request.form)
            done, target = _("已重置密码，账号已解锁"), url_for("admin.edit", entity=entity, key=key)
        else:
            ENTITIES.save(db.session, current_user, entity, data, key)
            done = _("已保存")
        unit_of_work.commit(db.session)
    except InvalidInput as exc:
        db.session.rollback()
        values = spec.as_dict(ENTITIES.find(db.session, entity, key))
        if action == "save":
            values |= data
        return _form_page(entity, spec, values, key, exc, 400)
    flash(done, "ok")
    return redirect(target)


@bp.route("/users/<int:key>/tokens/<int:token_id>/revoke", methods=["POST"])
@requires(Permission.ADMINISTER)
def revoke_token(key: int, token_id: int) -> Any:
    """The revoke button beside each of a user's API tokens; refused everywhere at once."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != key:
        abort(404)
    if not row.revoked:
        auth.revoke(db.session, current_user, [row])
        unit_of_work.commit(db.session)
    flash(_("已撤销 API 令牌 #%(id)s", id=token_id), "ok")
    return redirect(url_for("admin.edit", entity="users", key=key))
