"""Saved views: a staff member keeps the filters of a search under a name, to run it again."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.domain.errors import InvalidInput, NotFound
from hotline.models import SavedView, User
from hotline.search.params import as_query

MAX_VIEWS = 30
NAME_LENGTH = 60


def views_of(session: Session, user: User) -> list[SavedView]:
    return list(session.scalars(select(SavedView).where(SavedView.user_id == user.id)
                                .order_by(SavedView.name)))


def save(session: Session, user: User, name: str, args: dict[str, Any]) -> SavedView:
    """Keep validated search parameters under `name`; the same name again replaces them."""
    name = name.strip()
    if not name or len(name) > NAME_LENGTH:
        raise InvalidInput(f"名称需为 1 到 {NAME_LENGTH} 个字 / a name of 1 to {NAME_LENGTH} "
                           "characters", field="name")
    filters = as_query(args)
    if not filters:
        raise InvalidInput("没有可保存的查询条件 / nothing to save: no search terms or filters",
                           field="name")
    existing = {v.name: v for v in views_of(session, user)}
    view = existing.get(name)
    if view is None:
        if len(existing) >= MAX_VIEWS:
            raise InvalidInput(f"最多保存 {MAX_VIEWS} 个视图 / at most {MAX_VIEWS} saved views",
                               field="name")
        view = SavedView(user_id=user.id, name=name)
        session.add(view)
    view.filters = filters
    return view


def delete(session: Session, user: User, view_id: int) -> None:
    """Another user's view is not found, as if it did not exist."""
    view = session.get(SavedView, view_id)
    if view is None or view.user_id != user.id:
        raise NotFound("视图不存在 / saved view not found")
    session.delete(view)
