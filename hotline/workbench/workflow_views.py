"""Staff pages of the workflow: unit inbox, ticket actions, supervisor view and staff notices.

Every form posts with its CSRF token; every change goes through hotline.tickets.actions, the same code
the API uses, and the ticket page offers and reads its forms by the same table
(hotline.tickets.catalogue). The administrators' pages are in hotline.admin.views.
"""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import fields
from sqlalchemy import and_, func, or_, select
from werkzeug.datastructures import MultiDict

from hotline.app import tables, unit_of_work
from hotline.app.extensions import db
from hotline.app.i18n import Labels
from hotline.catalogue import snapshot
from hotline.domain.deadlines import Planner, presets
from hotline.domain.errors import InvalidInput, NotFound
from hotline.domain.lifecycle import (
    RETURN_REASONS,
    needs_arbitration,
    open_assist_tasks,
    pending_extension,
)
from hotline.domain.marks import N_
from hotline.domain.roles import Permission, allows
from hotline.identity.access import check_view
from hotline.identity.permissions import requires
from hotline.intake.triage import suggested_unit
from hotline.models import (
    Department,
    Notification,
    NotificationRead,
    Role,
    Ticket,
    Topic,
    User,
    utcnow,
)
from hotline.reporting import dashboard
from hotline.reporting.figures import Period, today_in_shanghai
from hotline.tickets.actions import action_named, find, perform
from hotline.tickets.catalogue import BY_NAME, TicketAction
from hotline.tickets.escalation import RANK, clock_state, deadline_view, kind_label
from hotline.tickets.views import Typed, render_ticket
from hotline.workbench import inbox as inbox_queries
from hotline.workbench.views import attach_then, checked_uploads
from routing.calendar import SHANGHAI

bp = Blueprint("work", __name__, template_folder="templates")
STATE_LABELS = {"green": N_("正常"), "yellow": N_("临期"), "red": N_("超期"), "missing": N_("缺日历"),
                "met": N_("按时"), "late": N_("逾期完成"), "none": "—"}


def _audience(user: User) -> Any:
    """Notifications addressed to this user's post (and unit, for unit roles)."""
    dept = Notification.department_id.is_(None) if user.department_id is None else or_(
        Notification.department_id.is_(None), Notification.department_id == user.department_id)
    return and_(dept, or_(Notification.role.is_(None), Notification.role == user.role.value),
                or_(Notification.department_id.is_not(None), Notification.role.is_not(None)))


def unread_count(user: User) -> int:
    read = select(NotificationRead.notification_id).where(NotificationRead.user_id == user.id)
    return db.session.scalar(select(func.count(Notification.id)).where(
        _audience(user), Notification.id.not_in(read))) or 0


@bp.app_context_processor
def _workflow_helpers() -> dict[str, Any]:
    def workflow(t: Ticket) -> dict[str, Any]:
        role, unit = current_user.role, current_user.department_id
        centre = allows(role, Permission.DISPATCH)
        units = db.session.scalars(select(Department).where(Department.active)
                                   .order_by(Department.level, Department.code)).all() \
            if centre else []
        topics = db.session.scalars(select(Topic).where(Topic.active).order_by(Topic.code)).all() \
            if allows(role, Permission.SET_TOPIC) else []
        mine = unit is not None and unit == t.department_id  # the user's unit leads this ticket
        my_task = next((x for x in t.assist_tasks if x.department_id == unit and x.open), None) \
            if unit is not None else None
        supervisor = allows(role, Permission.URGE)
        pending = pending_extension(t)
        planner = snapshot.current(db.session).planner if supervisor else None
        suggested = suggested_unit(db.session, t) if offers(BY_NAME["dispatch"], t, role) else None
        return {"view": deadline_view(t), "units": units, "topics": topics, "reasons": Labels(RETURN_REASONS),
                "supervisor": supervisor,
                "mine": mine, "my_task": my_task, "arbitration": needs_arbitration(t),
                "pending_extension": pending, "open_tasks": open_assist_tasks(t),
                "suggested": next((u for u in units if u.code == suggested), None),
                "extension_preview": planner.extension_preview(t.reply_due, pending.days, utcnow())
                if pending and planner else None,
                "reply_overdue": t.reply_due is not None and t.reply_due <= utcnow(),
                "urge_presets": _urge_presets(planner),
                "applies": lambda name: applies(BY_NAME[name], t),
                "offers": lambda name: offers(BY_NAME[name], t, role)}

    return {"workflow": workflow, "unread_count": unread_count, "STATE_LABELS": STATE_LABELS,
            "kind_label": partial(kind_label, translate=_)}


def applies(action: TicketAction, ticket: Ticket) -> bool:
    """Whether the ticket is in a state where the life cycle accepts the action."""
    return ticket.status in action.states


def offers(action: TicketAction, ticket: Ticket, role: Role | None) -> bool:
    """A button only for what will work: the action applies and the post may do it. (The page
    adds what the table cannot know: whose unit leads, which tasks are open.)"""
    return applies(action, ticket) and allows(role, action.permission)


def _urge_presets(planner: Planner | None) -> list[dict[str, str]]:
    """督办 deadlines one click away, as the datetime-local field's value (Shanghai time)."""
    if planner is None:
        return []
    now = utcnow()
    today = now.astimezone(SHANGHAI).date()
    shown = []
    for n, due in presets(planner.calendar, now):
        local = due.astimezone(SHANGHAI)
        label = _("%(n)d 个工作日", n=n) if n else (
            _("今天下班前") if local.date() == today else _("下个工作日下班前"))
        shown.append({"label": label, "value": local.strftime("%Y-%m-%dT%H:%M"),
                      "title": local.strftime("%Y-%m-%d %H:%M")})
    return shown


@bp.route("/tickets/<number>/act/<action>", methods=["POST"])
@requires(Permission.VIEW_TICKETS)
def act(number: str, action: str) -> Any:
    """A ticket form: the action runs. A refused value brings the ticket page back (4xx) with
    everything as typed and the reason beside the field; other errors show as a 4xx page."""
    entry = action_named(action)
    form = request.form.get("form") or action
    back = request.form.get("next")
    try:
        data = form_arguments(entry, request.form)
        uploads = checked_uploads() if entry.files else []
        ticket = attach_then(current_user, number, uploads,
                             lambda: perform(db.session, current_user, number, action, data))
    except InvalidInput as exc:
        if back == url_for("work.supervise"):
            raise
        typed = Typed(form, request.form.to_dict(), exc.message, exc.field)
        return render_ticket(find(db.session, current_user, number), typed), exc.status
    label = _(entry.label)
    if back == url_for("work.supervise"):  # the dashboard's approval forms come back to it
        flash(_("已完成：%(action)s", action=label), "ok")
        return redirect(back)
    if not _still_visible(ticket):  # 退单: the ticket has left the unit
        flash(_("已完成：%(action)s。工单 %(number)s 已不在本单位办理。", action=label,
                number=ticket.number), "ok")
        return redirect(url_for("work.inbox") if allows(current_user.role, Permission.UNIT_INBOX)
                        else url_for("web.tickets"))
    flash(_("已完成：%(action)s", action=label), "ok")
    return redirect(url_for("web.ticket", number=ticket.number))


def form_arguments(action: TicketAction, form: MultiDict[str, str]) -> dict[str, Any]:
    """The form's fields as the action takes them, read by its schema (the API sends the same,
    as JSON, and the schema validates them there): lists from repeated fields, flags from
    checkbox and hidden values, whole numbers from text. The life cycle checks the values."""
    data: dict[str, Any] = {}
    for name, spec in action.schema().fields.items():
        if name not in form:
            continue
        if isinstance(spec, fields.List):
            data[name] = [value for value in form.getlist(name) if value]
        elif isinstance(spec, fields.Boolean):
            data[name] = form[name] in ("1", "true", "on", "yes")
        elif isinstance(spec, fields.Integer):
            data[name] = _whole_number(form[name], name, spec.metadata["label"])
        else:
            data[name] = form[name]
    return data


def _whole_number(text: str, name: str, label: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidInput(f"{label}须为整数 / {name} must be a whole number",
                           field=name) from None


def _still_visible(ticket: Ticket) -> bool:
    try:
        check_view(current_user, ticket)
    except NotFound:
        return False
    return True


@bp.route("/inbox")
@requires(Permission.UNIT_INBOX)
def inbox() -> Any:
    """The unit's tickets by tab, filtered and searched, the nearest deadline first."""
    filters = inbox_queries.Filters.parse(request.args)
    page = inbox_queries.load(db.session, current_user, filters)
    now = utcnow()
    items = [{"t": t, "clocks": inbox_queries.my_clocks(t, current_user),
              "lead": t.department_id == current_user.department_id} for t in page.tickets]
    for item in items:
        item["state"] = max((clock_state(c, now) for c in item["clocks"]),
                            key=lambda s: RANK.get(s, 0), default="none")
    topics = db.session.scalars(select(Topic).where(Topic.active, Topic.parent_id.is_(None))
                                .order_by(Topic.code)).all()
    return render_template("work/inbox.html", items=items, page=page, f=filters,
                           tabs=inbox_queries.TABS, topics=topics)


@bp.route("/supervise")
@requires(Permission.SUPERVISE)
def supervise() -> Any:
    """The supervisors' dashboard (看少、看快、看关键): what waits first, then the figures."""
    board = _board()
    shown = {key: board.table(key) for key in dashboard.TABLES}
    return render_template("work/supervise.html", board=board, tables=shown,
                           charts=dashboard.chart_data(board),
                           order_counts=board.orders[0], overdue_total=board.overdue_total,
                           period_links=dashboard.period_links(board.period.end),
                           state_labels=dashboard.state_labels(),
                           rate=lambda value: str(tables.Rate(value)))


@bp.route("/supervise/export/<key>.<fmt>")
@requires(Permission.SUPERVISE)
def supervise_export(key: str, fmt: str) -> Any:
    """Any dashboard table, for the same period, as XLSX or CSV (UTF-8 with BOM for Excel)."""
    if key not in dashboard.TABLES or fmt not in tables.FORMATS:
        raise NotFound("没有这个表格或格式 / no such table or format")
    board = _board()
    table = board.table(key)
    body = tables.to_xlsx(table) if fmt == "xlsx" else tables.to_csv(table)
    name = f"{key}_{board.period.start:%Y%m%d}-{board.period.end:%Y%m%d}.{fmt}"
    quoted = quote(f"{table.title}_{name}")
    return Response(body, mimetype=tables.FORMATS[fmt], headers={
        "Content-Disposition": f"attachment; filename={name}; filename*=UTF-8''{quoted}",
        "Cache-Control": "no-store"})


def _board() -> dashboard.Dashboard:
    now = utcnow()
    period = Period.parse(request.args.get("start"), request.args.get("end"),
                          today_in_shanghai(now))
    return dashboard.Dashboard(db.session, period, now)


@bp.route("/notifications", methods=["GET", "POST"])
@requires(Permission.READ_NOTIFICATIONS)
def notifications() -> Any:
    """Staff inbox of notices; POST marks everything shown as read."""
    items = db.session.scalars(select(Notification).where(_audience(current_user))
                               .order_by(Notification.id.desc()).limit(200)).all()
    read = set(db.session.scalars(select(NotificationRead.notification_id).where(
        NotificationRead.user_id == current_user.id)))
    if request.method == "POST":
        for n in items:
            if n.id not in read:
                db.session.add(NotificationRead(notification_id=n.id, user_id=current_user.id))
        unit_of_work.commit(db.session)
        return redirect(url_for("work.notifications"))
    return render_template("work/notifications.html", items=items, read=read)

