"""The unit workbench around the ticket page: attachments, reply templates, remaining time.

State changes still go through hotline.tickets.actions (the `act` route); this module adds what a unit
needs beside them: files uploaded and downloaded with permission checks, the canned replies a
lead maintains, and each deadline's remaining working time for the ticket page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Request,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hotline.app import body_limits, settings, unit_of_work
from hotline.app.extensions import db
from hotline.catalogue import snapshot
from hotline.domain.errors import InvalidInput, NotFound
from hotline.domain.roles import Permission, allows
from hotline.identity.permissions import requires
from hotline.models import Attachment, DeadlineClock, Department, Ticket, Topic, Urgency, utcnow
from hotline.tickets.actions import find, guarded
from hotline.tickets.catalogue import ACTIONS
from hotline.workbench import attachments, remaining, reply_templates

bp = Blueprint("unit", __name__, template_folder="templates")
# Where files arrive: the upload form, and the ticket forms of actions that carry them (答复).
UPLOAD_PATHS = ("/attachments", *(f"/act/{action.name}" for action in ACTIONS if action.files))


def upload_limit() -> int:
    return settings.current().attachment_max_bytes


def storage() -> Path:
    return settings.current().attachment_dir


def checked_uploads() -> list[attachments.Upload]:
    """The form's files, validated before any change is made (the reply form uses this too)."""
    return attachments.check(request.files.getlist("attachment"), upload_limit())


def attach_then(user: Any, number: str, uploads: list[attachments.Upload],
                action: Callable[[], Ticket]) -> Ticket:
    """Stage the files with the change `action` commits, so one commit keeps both or neither
    (a reply whose file is refused is not sent, and no file outlives a failed reply)."""
    rows: list[Attachment] = []
    if uploads:
        rows = attachments.save(db.session, user, find(db.session, user, number), uploads,
                                storage())
    try:
        return action()
    except Exception:
        db.session.rollback()
        attachments.discard(rows, storage())
        raise


def _commit(ticket: Ticket) -> Ticket:
    with guarded(db.session):
        pass
    return ticket


def _is_upload(req: Request) -> bool:
    return req.method == "POST" and req.path.startswith("/tickets/") and req.path.endswith(UPLOAD_PATHS)


@bp.record_once
def _allow_uploads(state: BlueprintSetupState) -> None:
    """The global body limit is small (forms); upload routes may carry one file's worth more."""
    body_limits.allow(state.app, _is_upload,
                      lambda app: settings.current(app).attachment_max_bytes + 256 * 1024)


@bp.route("/tickets/<number>/attachments", methods=["POST"])
@requires(Permission.ATTACH_FILES)
def upload(number: str) -> Any:
    uploads = checked_uploads()
    if not uploads:
        raise InvalidInput("请选择要上传的文件 / choose a file to upload", field="attachment")
    ticket = find(db.session, current_user, number)
    attach_then(current_user, number, uploads, lambda: _commit(ticket))
    flash(_("已上传 %(n)d 个附件", n=len(uploads)), "ok")
    return redirect(url_for("web.ticket", number=ticket.number, _anchor="attachments"))


@bp.route("/tickets/<number>/attachments/<int:key>")
@requires(Permission.VIEW_TICKETS)
def download(number: str, key: int) -> Any:
    """Only someone who may see the ticket gets its files; always as a download."""
    ticket = find(db.session, current_user, number)
    row = db.session.get(Attachment, key)
    if row is None or row.ticket_id != ticket.id:
        raise NotFound("附件不存在 / attachment not found")
    path = storage() / row.storage_key
    if not path.is_file():
        raise NotFound("附件文件已丢失 / the attachment's file is missing")
    response = send_file(path, mimetype=row.content_type, as_attachment=True,
                         download_name=row.filename, max_age=0, conditional=False, etag=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _remaining(ticket: Ticket, clock: DeadlineClock, now: datetime) -> str:
    if clock.stopped_at is not None:
        return ""
    if clock.due_at is None:
        return remaining.describe(None, timedelta(0), urgent=False)
    urgent = ticket.urgency == Urgency.URGENT
    calendar = snapshot.current(db.session).planner.calendar
    span = remaining.left(clock.due_at, now, calendar, urgent=urgent)
    return remaining.describe(span, remaining.working_day(calendar.hours), urgent=urgent)


@bp.app_context_processor
def _unit_desk() -> dict[str, Any]:
    def unit_desk(t: Ticket) -> dict[str, Any]:
        now = utcnow()
        files = db.session.scalars(select(Attachment).where(Attachment.ticket_id == t.id)
                                   .order_by(Attachment.id)).all()
        return {
            "remaining": {c.id: _remaining(t, c, now) for c in t.clocks},
            "files": files,
            "may_attach": attachments.may_attach(current_user, t),
            "accept": attachments.ACCEPT,
            "max_mb": max(1, upload_limit() // (1024 * 1024)),
            "templates": reply_templates.for_ticket(db.session, current_user, t),
        }

    return {"unit_desk": unit_desk}


@bp.route("/reply-templates", methods=["GET", "POST"])
@requires(Permission.MANAGE_REPLY_TEMPLATES)
def templates() -> Any:
    """Unit leads keep their unit's canned replies, administrators everyone's."""
    form: dict[str, Any] = {}
    if request.method == "POST":
        form = _form()
        try:
            reply_templates.save(db.session, current_user, form)
            unit_of_work.commit(db.session)
        except InvalidInput as exc:
            db.session.rollback()
            return _render(form, exc), 400
        flash(_("已保存"), "ok")
        return redirect(url_for("unit.templates"))
    return _render(form, None)


@bp.route("/reply-templates/<int:key>", methods=["POST"])
@requires(Permission.MANAGE_REPLY_TEMPLATES)
def template_update(key: int) -> Any:
    if request.form.get("_delete"):
        reply_templates.delete(db.session, current_user, key)
        unit_of_work.commit(db.session)
        flash(_("已删除"), "ok")
        return redirect(url_for("unit.templates"))
    form = _form()
    try:
        reply_templates.save(db.session, current_user, form, key)
        unit_of_work.commit(db.session)
    except InvalidInput as exc:
        db.session.rollback()
        return _render(form, exc, key), 400
    flash(_("已保存"), "ok")
    return redirect(url_for("unit.templates"))


def _form() -> dict[str, Any]:
    data: dict[str, Any] = {k: request.form.get(k, "") for k in ("title", "body", "topic", "unit")}
    data["active"] = bool(request.form.get("active"))
    return data


def _render(form: dict[str, Any], error: InvalidInput | None, key: int | None = None) -> str:
    topics = db.session.scalars(select(Topic).where(Topic.active).order_by(Topic.code)).all()
    units = db.session.scalars(select(Department).where(Department.active)
                               .order_by(Department.code)).all() \
        if allows(current_user.role, Permission.ADMINISTER) else []
    return render_template("work/reply_templates.html",
                           rows=reply_templates.editable(db.session, current_user),
                           topics=topics, units=units, form=form, error=error, key=key)
