"""Catalogue rows looked up by the codes people type into forms and filters."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.domain.errors import InvalidInput
from hotline.models import Topic


def topic_by_code(session: Session, code: str | None) -> Topic | None:
    """None for an empty field; an unknown code is the reader's mistake (400), not a 404."""
    if not code:
        return None
    topic = session.scalars(select(Topic).where(Topic.code == code)).one_or_none()
    if topic is None:
        raise InvalidInput(f"未知分类 / unknown topic: {code}", field="topic")
    return topic
