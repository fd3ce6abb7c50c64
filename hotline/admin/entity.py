"""What the admin service needs to know about one kind of row, and the service itself.

Create, edit, deactivate and delete go through `save`, `deactivate` and `delete` here for the
web pages and the API alike, so validation, the audit entry (who, when, before, after) and the
catalogue stamp that makes every worker reload happen the same way for every kind of row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.admin.fields import Field
from hotline.catalogue import snapshot
from hotline.domain.errors import InvalidInput, NotFound
from hotline.identity import audit
from hotline.models import User

Fill = Callable[[Session, Any, Mapping[str, Any], User], None]


@dataclass(frozen=True)
class Entity:
    """One admin area.

    fill: validate `data` and write it onto the row (raises InvalidInput with a field name).
    as_dict: the row as the audit log, the API and the list page show it.
    columns: (key of as_dict, heading) for the list page.
    routing: the row feeds the routing snapshot, so an edit bumps the catalogue stamp.
    deletable: rows nothing else points at may be deleted; others are only deactivated.
    check_deactivate: an extra refusal before deactivating (e.g. one's own account).
    on_change: what else an edit or deactivation of an existing row must do, given the row and
    its dict before and after, in the same transaction (e.g. end a deactivated user's sessions).
    """

    model: type[Any]
    fill: Fill
    as_dict: Callable[[Any], dict[str, Any]]
    label: Any
    fields: tuple[Field, ...]
    columns: tuple[tuple[str, Any], ...]
    order: tuple[Any, ...]
    routing: bool = True
    deletable: bool = False
    check_deactivate: Callable[[Session, Any, User], None] | None = None
    on_change: Callable[[Session, Any, dict[str, Any], dict[str, Any]], None] | None = None

    @property
    def has_active(self) -> bool:
        return hasattr(self.model, "active")


class Registry(dict[str, Entity]):
    """Entities by their URL name."""

    def spec(self, entity: str) -> Entity:
        if entity not in self:
            raise NotFound(_("没有这个管理项目：%(name)s", name=entity))
        return self[entity]

    def find(self, session: Session, entity: str, key: int) -> Any:
        spec = self.spec(entity)
        row = session.get(spec.model, key)
        if row is None:
            raise NotFound(_("%(label)s %(key)s 不存在", label=spec.label, key=key))
        return row

    def rows(self, session: Session, entity: str) -> list[Any]:
        spec = self.spec(entity)
        return list(session.scalars(select(spec.model).order_by(*spec.order)))

    def save(self, session: Session, user: User, entity: str, data: Mapping[str, Any],
             key: int | None = None) -> dict[str, Any]:
        """Create (key None) or update a row; audited; workers reload the catalogue."""
        spec = self.spec(entity)
        row = self.find(session, entity, key) if key is not None else spec.model()
        before = spec.as_dict(row) if key is not None else None
        try:
            with session.no_autoflush:
                spec.fill(session, row, data, user)
        except InvalidInput:
            session.rollback()
            raise
        session.add(row)
        session.flush()
        after = spec.as_dict(row)
        if before != after:
            audit.record(session, user, entity, after["id"],
                         audit.UPDATE if key is not None else audit.CREATE, before, after)
            self._changed(session, spec, row, before, after)
        return after

    def deactivate(self, session: Session, user: User, entity: str, key: int) -> dict[str, Any]:
        """Stop using a row that tickets or other rows still point at; history keeps it."""
        spec = self.spec(entity)
        if not spec.has_active:
            raise InvalidInput(_("此项目不能停用，只能删除"))
        row = self.find(session, entity, key)
        if spec.check_deactivate is not None:
            spec.check_deactivate(session, row, user)
        before = spec.as_dict(row)
        row.active = False
        session.flush()
        after = spec.as_dict(row)
        audit.record(session, user, entity, key, audit.DEACTIVATE, before, after)
        self._changed(session, spec, row, before, after)
        return after

    def delete(self, session: Session, user: User, entity: str, key: int) -> None:
        spec = self.spec(entity)
        if not spec.deletable:
            raise InvalidInput(_("此项目已被引用，不能删除，请停用"))
        row = self.find(session, entity, key)
        before = spec.as_dict(row)
        session.delete(row)
        audit.record(session, user, entity, key, audit.DELETE, before, None)
        self._changed(session, spec)

    @staticmethod
    def _changed(session: Session, spec: Entity, row: Any = None,
                 before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
        if spec.routing:
            snapshot.bump(session)
        if spec.on_change is not None and before is not None and after is not None:
            spec.on_change(session, row, before, after)
