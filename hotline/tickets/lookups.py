"""Catalogue rows looked up by the codes people type into forms and filters."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.domain.errors import InvalidInput
from hotline.models import Department, Topic


def topic_by_code(session: Session, code: str | None) -> Topic | None:
    """None for an empty field; an unknown code is the reader's mistake (400), not a 404."""
    if not code:
        return None
    topic = session.scalars(select(Topic).where(Topic.code == code)).one_or_none()
    if topic is None:
        raise InvalidInput(f"未知分类 / unknown topic: {code}", field="topic")
    return topic


def descendant_units(session: Session, unit_id: int | None) -> list[Department]:
    """The active units below `unit_id` on the parent chain, at any depth, nearest level first,
    then by code: the units a ticket may be forwarded to (转派). One query of every unit; the
    hierarchy is a few hundred rows, and walking it here keeps the rule level-agnostic."""
    if unit_id is None:
        return []
    units = session.scalars(select(Department)).all()
    children: dict[int, list[Department]] = {}
    for unit in units:
        if unit.parent_id is not None:
            children.setdefault(unit.parent_id, []).append(unit)
    found: list[tuple[int, str, Department]] = []  # depth below the unit, code, unit
    seen = {unit_id}
    todo = [(unit_id, 0)]
    while todo:
        parent, depth = todo.pop()
        for child in children.get(parent, []):
            if child.id not in seen:
                seen.add(child.id)
                todo.append((child.id, depth + 1))
                found.append((depth + 1, child.code, child))
    return [unit for _, _, unit in sorted(found, key=lambda f: f[:2]) if unit.active]
