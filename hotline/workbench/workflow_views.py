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
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from hotline.app import settings, tables, unit_of_work
from hotline.app.extensions import db
from hotline.app.i18n import Labels
from hotline.app.labels import NOTIFICATION_KIND_LABELS
from hotline.app.paging import page_number
from hotline.catalogue import snapshot
from hotline.domain.deadlines import Planner, kind_label, presets
from hotline.domain.errors import DomainError, InvalidInput, NotFound
from hotline.domain.lifecycle import (
    APPEAL_KINDS,
    CONTACT_METHODS,
    FORWARD_STATES,
    RATES,
    RETURN_REASONS,
    UNIT_ROLES,
    active_suspension,
    contacted,
    excluded_rates,
    needs_arbitration,
    open_assist_tasks,
    open_forward,
    pending_appeal,
    pending_extension,
    pending_suspension,
    reply_approved,
)
from hotline.domain.marks import N_
from hotline.domain.roles import Permission, allows
from hotline.identity.access import check_view
from hotline.identity.permissions import requires
from hotline.intake.triage import suggested_unit
from hotline.models import (
    LEVEL_RANK,
    Department,
    Role,
    Status,
    SurgeAlert,
    Ticket,
    Topic,
    User,
    utcnow,
)
from hotline.reporting import dashboard, governance, street_map, surges
from hotline.reporting.figures import Period, today_in_shanghai
from hotline.tickets import incidents
from hotline.tickets.actions import action_named, find, perform
from hotline.tickets.catalogue import BY_NAME, TicketAction
from hotline.tickets.escalation import RANK, clock_state, deadline_view
from hotline.tickets.lookups import descendant_units
from hotline.tickets.reply_review import BAND_LABELS, reply_quality
from hotline.tickets.views import Typed, render_ticket
from hotline.workbench import inbox as inbox_queries
from hotline.workbench import notices
from hotline.workbench import risk as risk_list
from hotline.workbench.views import attach_then, checked_uploads
from routing.calendar import SHANGHAI

bp = Blueprint("work", __name__, template_folder="templates")
STATE_LABELS = {"green": N_("正常"), "yellow": N_("临期"), "red": N_("超期"), "missing": N_("缺日历"),
                "met": N_("按时"), "late": N_("逾期完成"), "none": "—"}


def unread_count(user: User) -> int:
    return notices.unread_count(db.session, user)


@bp.app_context_processor
def _workflow_helpers() -> dict[str, Any]:
    def workflow(t: Ticket) -> dict[str, Any]:
        role, unit = current_user.role, current_user.department_id
        centre = allows(role, Permission.DISPATCH)
        units = db.session.scalars(select(Department).where(Department.active)
                                   .order_by(LEVEL_RANK, Department.code)).all() \
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
        approved = t.status == Status.REPLIED and reply_approved(t)
        # The reply-quality check beside 审核通过 / 退回重办, for the reviewer only.
        quality = reply_quality(t) \
            if not approved and offers(BY_NAME["review-reply"], t, role) else None
        # 下一件 once this unit has answered: its inbox's next ticket.
        after = inbox_queries.next_up(db.session, current_user, t) \
            if mine and t.status == Status.REPLIED and allows(role, Permission.UNIT_INBOX) else None
        # 转派: the open task (the parent sees its state, the child works it) and, for the lead
        # unit's lead, the units below it that the ticket may be handed to.
        forward_task = open_forward(t)
        forward_units = descendant_units(db.session, unit) \
            if mine and forward_task is None and offers(BY_NAME["forward"], t, role) else []
        # levels (issue 17): the people the working unit's lead may name as the ticket's handler
        # (the unit an open 转派 task sits with, else the lead unit)
        working_here = forward_task.department_id == unit if forward_task is not None else mine
        handlers = db.session.scalars(select(User).where(
            User.department_id == unit, User.active, User.role.in_(UNIT_ROLES))
            .order_by(User.username)).all() \
            if working_here and offers(BY_NAME["assign"], t, role) else []
        return {"view": deadline_view(t), "units": units, "handlers": handlers, "topics": topics, "reasons": Labels(RETURN_REASONS),
                "supervisor": supervisor,
                "mine": mine, "my_task": my_task, "arbitration": needs_arbitration(t),
                "pending_extension": pending, "open_tasks": open_assist_tasks(t),
                "suggested": next((u for u in units if u.code == suggested), None),
                "extension_preview": planner.extension_preview(t.reply_due, pending.days, utcnow())
                if pending and planner else None,
                "reply_overdue": t.reply_due is not None and t.reply_due <= utcnow(),
                "reply_approved": approved, "next_up": after,
                "reply_quality": quality, "quality_band": BAND_LABELS[quality.band] if quality else None,
                "urge_presets": _urge_presets(planner),
                "forward_task": forward_task, "forward_units": forward_units,
                "my_forward": forward_task if forward_task is not None and unit is not None
                and forward_task.department_id == unit else None,
                "applies": lambda name: applies(BY_NAME[name], t),
                "offers": lambda name: offers(BY_NAME[name], t, role)}

    return {"workflow": workflow, "unread_count": unread_count, "STATE_LABELS": STATE_LABELS,
            "FORWARD_STATES": FORWARD_STATES, "kind_label": partial(kind_label, translate=_)}


# --- casework (issue 17): what the ticket page's casework forms need --------------------------


@bp.app_context_processor
def _casework_helpers() -> dict[str, Any]:
    def casework(t: Ticket) -> dict[str, Any]:
        return {"contacted": contacted(t), "pending_suspension": pending_suspension(t),
                "suspension": active_suspension(t), "pending_appeal": pending_appeal(t),
                "excluded": [RATES[r] for r in RATES if r in excluded_rates(t)]}

    return {"casework": casework, "CONTACT_METHODS": Labels(CONTACT_METHODS),
            "APPEAL_KINDS": Labels(APPEAL_KINDS)}


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
                        else url_for("search.tickets"))
    flash(_("已完成：%(action)s", action=label), "ok")
    if action == "hand-off" and back == url_for("agent.log_call", saved=ticket.number):
        return redirect(back)  # recorded from the console's saved-call card: back to it
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
    unit = current_user.department_id
    items = [{"t": t, "clocks": inbox_queries.my_clocks(t, current_user),
              "lead": t.department_id == unit,
              "forwarded": any(f.department_id == unit for f in t.forward_tasks)}
             for t in page.tickets]
    for item in items:
        item["state"] = max((clock_state(c, now) for c in item["clocks"]),
                            key=lambda s: RANK.get(s, 0), default="none")
    topics = db.session.scalars(select(Topic).where(Topic.active, Topic.parent_id.is_(None))
                                .order_by(Topic.code)).all()
    return render_template("work/inbox.html", items=items, page=page, f=filters,
                           tabs=inbox_queries.TABS, views=inbox_queries.VIEWS, topics=topics)


@bp.route("/supervise")
@requires(Permission.SUPERVISE)
def supervise() -> Any:
    """The supervisors' dashboard (看少、看快、看关键): what waits first, then the figures."""
    board = _board()
    shown = {key: board.table(key) for key in dashboard.TABLES}
    risks, risk_total = risk_list.open_risks(db.session)
    return render_template("work/supervise.html", board=board, tables=shown,
                           risks=risks, risk_total=risk_total,
                           charts=dashboard.chart_data(board) | {"map": _map_chart(board)},
                           order_counts=board.orders[0], overdue_total=board.overdue_total,
                           open_surges=len(surges.open_alerts(db.session)),
                           overdue_tasks=governance.overdue_count(db.session, utcnow()),
                           proposed_groups=incidents.proposed_count(db.session),
                           period_links=dashboard.period_links(board.period.end),
                           state_labels=dashboard.state_labels(),
                           map_link=map_link, map_levels=street_map.level_labels(),
                           community_link=community_link,
                           map_drill=lambda row: map_drill(board, row),
                           rate=lambda value: str(tables.Rate(value)))


def map_link(row: street_map.MapStreet) -> str:
    """A map row's drill-down: the street's (or district's) tickets, the overdue ones when
    there are any, since those are what made it red."""
    where = {"street": row.code} if row.is_street else {"district": row.code}
    return url_for("search.tickets", **where, **({"overdue": "1"} if row.overdue else {}))


def community_link(row: street_map.MapCommunity) -> str:
    """A community's drill-down on the map: its tickets (the overdue ones when there are
    any); the row of the street's tickets placed in no community opens the street's."""
    where = {"community": row.code} if row.is_community else {"street": row.code}
    return url_for("search.tickets", **where, **({"overdue": "1"} if row.overdue else {}))


def map_drill(board: dashboard.Dashboard, row: street_map.MapStreet) -> str | None:
    """The map drilled into a street with communities (its 社区/村 as points), same period."""
    if not row.is_street or not row.communities:
        return None
    return url_for("work.supervise", map_street=row.code, start=board.period.start.isoformat(),
                   end=board.period.end.isoformat(), _anchor="street-map-title")


def _map_chart(board: dashboard.Dashboard) -> dict[str, Any]:
    rows = board.street_map
    drills = {r.code: url for r in rows if (url := map_drill(board, r))}
    inside = board.community_map
    return street_map.chart(rows, street_map.geojson_url(db.session),
                            {r.code: map_link(r) for r in rows}, drills=drills,
                            focus=board.map_focus, inside=inside,
                            inside_links={r.code: community_link(r) for r in inside})


@bp.route("/supervise/export/<key>.<fmt>")
@requires(Permission.SUPERVISE)
def supervise_export(key: str, fmt: str) -> Any:
    """Any dashboard table, for the same period, as XLSX or CSV (UTF-8 with BOM for Excel)."""
    if key not in dashboard.TABLES or fmt not in tables.FORMATS:
        raise NotFound("没有这个表格或格式 / no such table or format")
    board = _board(everything=True)
    table = board.deadlines(board.deadline_filter(request.args)) if key == "deadlines" \
        else board.table(key)
    body = tables.to_xlsx(table) if fmt == "xlsx" else tables.to_csv(table)
    name = f"{key}_{board.period.start:%Y%m%d}-{board.period.end:%Y%m%d}.{fmt}"
    quoted = quote(f"{table.title}_{name}")
    return Response(body, mimetype=tables.FORMATS[fmt], headers={
        "Content-Disposition": f"attachment; filename={name}; filename*=UTF-8''{quoted}",
        "Cache-Control": "no-store"})


def _board(*, everything: bool = False) -> dashboard.Dashboard:
    now = utcnow()
    period = Period.parse(request.args.get("start"), request.args.get("end"),
                          today_in_shanghai(now))
    return dashboard.Dashboard(db.session, period, now, everything=everything,
                               response_basis=settings.current().reporting.response_basis,
                               district=request.args.get("district"),
                               map_street=request.args.get("map_street"))


@bp.route("/supervise/overdue")
@requires(Permission.SUPERVISE)
def overdue() -> Any:
    """The whole overdue and near-due list, filtered by unit, district and street, paged; its
    export (supervise_export, key `deadlines`, same arguments) writes every matching row."""
    board = _board()
    where = board.deadline_filter(request.args)
    number = page_number(request.args)
    table = board.deadlines(where, number)
    pages = max(1, -(-(table.total or 0) // dashboard.DEADLINE_ROWS))
    if number > pages:
        table = board.deadlines(where, pages)
    args = {k: v for k in ("unit", "district", "street", "overdue")
            if (v := request.args.get(k, "").strip())}
    return render_template("work/overdue.html", table=table, args=args, number=min(number, pages),
                           pages=pages, units=board.active_units, districts=board.districts,
                           streets=board.street_places)


@bp.get("/notifications")
@requires(Permission.READ_NOTIFICATIONS)
def notifications() -> Any:
    """Staff notices, grouped by kind and ticket (or cause) and paged; with a group or a kind
    chosen and `?each=1`, or a single group, the notices one by one."""
    f = notices.Filters.parse(db.session, request.args)
    number = page_number(request.args)
    each = f.one_group or request.args.get("each") == "1"
    page = notices.items(db.session, current_user, f, number) if each \
        else notices.groups(db.session, current_user, f, number)
    read = notices.read_ids(db.session, current_user, [n.id for n in page.items]) if each \
        else set()
    return render_template("work/notifications.html", page=page, f=f, each=each, read=read,
                           kinds=notices.kind_counts(db.session, current_user),
                           KIND_LABELS=Labels(NOTIFICATION_KIND_LABELS))


@bp.post("/notifications")
@requires(Permission.READ_NOTIFICATIONS)
def notifications_read() -> Any:
    """Mark read: the notice `id`, else every notice under the posted filters (one group, one
    kind, or everything), then back to the list as it was."""
    f = notices.Filters.parse(db.session, request.form)
    one = request.form.get("id")
    if one is not None and not one.isdigit():
        raise InvalidInput("通知编号须为整数 / id must be a whole number", field="id")
    notices.mark_read(db.session, current_user, f, int(one) if one else None, utcnow())
    unit_of_work.commit(db.session)
    back = {k: v for k in ("kind", "ticket", "cause", "each", "page")
            if (v := request.form.get(f"back_{k}", ""))}
    return redirect(url_for("work.notifications", **back))


# --- 未诉先办: surge alerts and 主动治理 tasks (hotline.reporting.surges, .governance) ----------


def _alert_link(alert: SurgeAlert) -> str:
    """The alert's tickets in the ticket search: its street, topic and the window's days."""
    first = alert.window_start.astimezone(SHANGHAI).date()
    last = alert.window_end.astimezone(SHANGHAI).date()
    return url_for("search.tickets", street=alert.street, topic=alert.topic.code,
                   created_from=first.isoformat(), created_to=last.isoformat())


@bp.get("/supervise/surges")
@requires(Permission.SUPERVISE)
def surge_list() -> Any:
    """Open surge alerts (turn into a task or dismiss) and the governance tasks with, once
    closed, the calls of the weeks after next to the weeks before."""
    return _surge_page()


def _surge_page(refused: DomainError | None = None, *, alert_id: int | None = None,
                typed: dict[str, str] | None = None) -> str:
    """The surges page; after a refused decision, with its reason above the tables and what
    was typed kept in that alert's form (unit, due day, note)."""
    now = utcnow()
    board = _board()
    alerts = surges.open_alerts(db.session)
    tasks = governance.tasks(db.session)
    return render_template(
        "work/surges.html", alerts=alerts, tasks=tasks, link=_alert_link,
        place=lambda code: surges.place_name(db.session, code),
        outcomes={t.id: governance.outcome(db.session, t, now) for t in tasks},
        overdue=lambda task: governance.overdue(task, now),
        units=board.active_units, today=today_in_shanghai(now),
        weeks=governance.OUTCOME_WEEKS, refused=refused, refused_alert=alert_id,
        typed=typed or {})


@bp.post("/supervise/surges/<int:key>")
@requires(Permission.SUPERVISE)
def surge_decide(key: int) -> Any:
    """`_action` task (unit, due, note) or dismiss."""
    alert = governance.find_alert(db.session, key)
    if request.form.get("_action") == "dismiss":
        governance.dismiss(db.session, current_user, alert)
        message = _("预警已忽略")
    else:
        try:
            governance.create_task(db.session, current_user, alert, request.form.get("unit", ""),
                                   request.form.get("due", ""), request.form.get("note"),
                                   today_in_shanghai(utcnow()))
        except DomainError as exc:  # an unknown unit or a past day: say so on the page
            db.session.rollback()
            typed = {k: (request.form.get(k) or "")[:200] for k in ("unit", "due", "note")}
            return _surge_page(exc, alert_id=key, typed=typed), exc.status
        message = _("已转为主动治理任务")
    unit_of_work.commit(db.session)
    flash(message, "ok")
    return redirect(url_for("work.surge_list"), 303)


@bp.post("/supervise/governance/<int:key>/close")
@requires(Permission.SUPERVISE)
def governance_close(key: int) -> Any:
    task = governance.find_task(db.session, key)
    governance.close_task(db.session, current_user, task, request.form.get("result", ""), utcnow())
    unit_of_work.commit(db.session)
    flash(_("治理任务已办结"), "ok")
    return redirect(url_for("work.surge_list"), 303)


# --- 合并办理: incident groups (hotline.tickets.incidents, the same calls as the API) -----------


@bp.get("/supervise/incidents")
@requires(Permission.MANAGE_INCIDENTS)
def incident_groups() -> Any:
    """Open incident groups, proposed first: confirm, split a member off, add a ticket."""
    return _incident_page()


def _incident_page(refused: DomainError | None = None, *, master: str = "",
                   typed: str = "") -> str:
    """The groups page; after a refused act, with its reason above the group acted on and
    the number as typed kept in that group's add field."""
    groups = incidents.open_groups(db.session)
    return render_template("work/incidents.html", groups=groups,
                           suggested=incidents.suggestions(db.session, groups),
                           place=lambda code: surges.place_name(db.session, code),
                           refused=refused, refused_master=master, typed=typed)


@bp.post("/supervise/incidents/<number>/<verb>")
@requires(Permission.MANAGE_INCIDENTS)
def incident_act(number: str, verb: str) -> Any:
    """confirm, or split / add the posted `ticket`, then back to the group on the list. (Not
    `action`: that route argument names a ticket action, which the permissions matrix reads.)"""
    try:
        master = incidents.act(db.session, current_user, number, verb, request.form.get("ticket"))
    except DomainError as exc:  # a wrong number or a ticket that may not join: say so here
        db.session.rollback()
        typed = (request.form.get("ticket") or "")[:40] if verb == "add" else ""
        return _incident_page(exc, master=number, typed=typed), exc.status
    unit_of_work.commit(db.session)
    flash({"confirm": _("已确认合并办理"), "split": _("已移出合并组，另行分拨"),
           "add": _("已并入合并组")}[verb], "ok")
    return redirect(url_for("work.incident_groups", _anchor=f"group-{master.number}"), 303)
