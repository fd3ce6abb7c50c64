"""The audit log: who changed what, when, and the row before and after.

One function writes every entry, so administrators' edits, model activations and sensitive reads
(a phone number revealed) all land in the same table with the same shape, and the audit page
can filter them together. The entry joins the caller's transaction: it is committed with the
change it describes, or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from hotline.models import AuditEntry, User, utcnow

CREATE, UPDATE, DELETE, DEACTIVATE = "create", "update", "delete", "deactivate"
RESET_PASSWORD, ACTIVATE, ROLLBACK, TRAIN = "reset_pass", "activate", "rollback", "train"
REVOKE_TOKEN = "revoke_token"
SYSTEM = "system"


def record(session: Session, actor: User | None, entity: str, entity_id: Any, action: str,
           before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None) -> AuditEntry:
    """Add one entry (actor None = the system, e.g. a scheduled job); the caller commits."""
    entry = AuditEntry(at=utcnow(), user_id=actor.id if actor else None,
                       username=actor.username if actor else SYSTEM, entity=entity,
                       entity_id=str(entity_id), action=action, before=before, after=after)
    session.add(entry)
    return entry


def changed(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    """Keys whose values differ, for showing only what an edit changed."""
    keys = list((before or {}).keys()) + [k for k in (after or {}) if k not in (before or {})]
    return [k for k in keys if (before or {}).get(k) != (after or {}).get(k)]


@dataclass(frozen=True)
class Filters:
    entity: str | None = None
    entities: tuple[str, ...] = ()  # any of these (empty: no restriction)
    entity_id: str | None = None
    username: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def query(filters: Filters) -> Select[tuple[AuditEntry]]:
    """Newest first, narrowed by whichever filters are set."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
    if filters.entity:
        stmt = stmt.where(AuditEntry.entity == filters.entity)
    if filters.entities:
        stmt = stmt.where(AuditEntry.entity.in_(filters.entities))
    if filters.entity_id:
        stmt = stmt.where(AuditEntry.entity_id == filters.entity_id)
    if filters.username:
        stmt = stmt.where(AuditEntry.username == filters.username)
    if filters.action:
        stmt = stmt.where(AuditEntry.action == filters.action)
    if filters.since:
        stmt = stmt.where(AuditEntry.at >= filters.since)
    if filters.until:
        stmt = stmt.where(AuditEntry.at < filters.until)
    return stmt
