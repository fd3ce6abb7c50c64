"""Canned reply texts (答复模板): which ones fit a ticket, and who may edit which.

A unit lead keeps the templates of their own unit; an administrator keeps every unit's and the
centre-wide ones (no unit). Staff only read them: a template is a starting point typed into the
reply box, the reply itself still goes through the life cycle like any other answer.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hotline.domain.errors import Forbidden, InvalidInput, NotFound
from hotline.domain.roles import Permission, allows
from hotline.identity import audit
from hotline.models import Department, ReplyTemplate, Role, Ticket, Topic, User
from hotline.tickets.lookups import topic_by_code

EDITORS = frozenset({Role.UNIT_LEAD, Role.ADMIN})
MAX_TITLE, MAX_BODY = 60, 2000


def for_ticket(session: Session, user: User, ticket: Ticket) -> list[ReplyTemplate]:
    """Active templates of the user's unit or the centre that fit the ticket's topic, the
    most specific first (own unit before centre, a topic before none)."""
    topics = [t.id for t in _chain(ticket.topic)]
    rows = session.scalars(select(ReplyTemplate).where(
        ReplyTemplate.active,
        or_(ReplyTemplate.department_id.is_(None), ReplyTemplate.department_id == user.department_id),
        or_(ReplyTemplate.topic_id.is_(None), ReplyTemplate.topic_id.in_(topics)),
    )).all()
    return sorted(rows, key=lambda r: (r.department_id is None, r.topic_id is None, r.title))


def _chain(topic: Topic | None) -> list[Topic]:
    return [topic, *_chain(topic.parent)] if topic is not None else []


def editable(session: Session, user: User) -> list[ReplyTemplate]:
    """What the management page lists for this user."""
    stmt = select(ReplyTemplate).order_by(ReplyTemplate.department_id, ReplyTemplate.title)
    if not allows(user.role, Permission.ADMINISTER):
        stmt = stmt.where(ReplyTemplate.department_id == user.department_id)
    return list(session.scalars(stmt))


def as_dict(row: ReplyTemplate) -> dict[str, Any]:
    return {"title": row.title, "body": row.body, "active": row.active,
            "unit": row.department.code if row.department else "",
            "topic": row.topic.code if row.topic else ""}


def _check_editor(user: User) -> None:
    if user.role not in EDITORS:
        raise Forbidden("只有单位负责人或管理员可以维护答复模板 / only unit leads and "
                        "administrators may edit reply templates")


def _get(session: Session, user: User, key: int) -> ReplyTemplate:
    row = session.get(ReplyTemplate, key)
    if row is None or (not allows(user.role, Permission.ADMINISTER) and row.department_id != user.department_id):
        raise NotFound("答复模板不存在 / reply template not found")
    return row


def save(session: Session, user: User, form: dict[str, Any], key: int | None = None) -> ReplyTemplate:
    """Create or update from form fields (title, body, topic code, unit code, active); commits."""
    _check_editor(user)
    title = str(form.get("title") or "").strip()
    body = str(form.get("body") or "").strip()
    if not title or len(title) > MAX_TITLE:
        raise InvalidInput(f"标题须为 1 至 {MAX_TITLE} 个字 / title must be 1..{MAX_TITLE} "
                           "characters", field="title")
    if not body or len(body) > MAX_BODY:
        raise InvalidInput(f"正文须为 1 至 {MAX_BODY} 个字 / body must be 1..{MAX_BODY} "
                           "characters", field="body")
    topic = topic_by_code(session, str(form.get("topic") or "").strip())
    department_id = _unit(session, user, str(form.get("unit") or "").strip())
    row = _get(session, user, key) if key is not None else ReplyTemplate()
    before = as_dict(row) if key is not None else None
    row.title, row.body, row.active = title, body, bool(form.get("active"))
    row.topic, row.department_id, row.updated_by = topic, department_id, user.username
    if key is None:
        session.add(row)
    session.flush()
    session.refresh(row)
    audit.record(session, user, "reply_templates", row.id,
                 audit.UPDATE if key is not None else audit.CREATE, before, as_dict(row))
    session.commit()
    return row


def delete(session: Session, user: User, key: int) -> None:
    _check_editor(user)
    row = _get(session, user, key)
    audit.record(session, user, "reply_templates", row.id, audit.DELETE, as_dict(row), None)
    session.delete(row)
    session.commit()


def _unit(session: Session, user: User, code: str) -> int | None:
    """A lead's templates always belong to their unit; an admin picks one or none (centre)."""
    if not allows(user.role, Permission.ADMINISTER):
        return user.department_id
    if not code:
        return None
    unit = session.scalars(select(Department).where(Department.code == code)).one_or_none()
    if unit is None:
        raise InvalidInput(f"未知单位 / unknown unit: {code}", field="unit")
    return unit.id
