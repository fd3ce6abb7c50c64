"""Staff notices as queries: who a notice is for, grouped by kind and ticket (or by cause),
filtered by kind, paged, and marked read one at a time, by group or all at once.

A notice is addressed to a post (and a unit), rarely to one person of a unit (the handler a
ticket was given to); reading is per user
(notification_reads). Notices that share a cause (an SMS outage's error, written by
hotline.messaging.outbox) are one group whatever their tickets, so four hundred failed messages
read as one line with a count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, insert, literal, or_, select
from sqlalchemy.orm import Session, joinedload

from hotline.app.labels import NOTIFICATION_KIND_LABELS
from hotline.app.paging import Page, paged
from hotline.domain.errors import InvalidInput
from hotline.models import Notification, NotificationRead, Ticket, User

PER_PAGE = 30
NO_TICKET = "none"  # `?ticket=` of the notices about no ticket


def audience(user: User) -> ColumnElement[bool]:
    """Notifications addressed to this user's post (and unit, for unit roles), or to them."""
    dept = Notification.department_id.is_(None) if user.department_id is None else or_(
        Notification.department_id.is_(None), Notification.department_id == user.department_id)
    return and_(dept, or_(Notification.role.is_(None), Notification.role == user.role.value),
                or_(Notification.user_id.is_(None), Notification.user_id == user.id),
                or_(Notification.department_id.is_not(None), Notification.role.is_not(None)))


def _read_by(user: User) -> Any:
    return select(NotificationRead.notification_id).where(NotificationRead.user_id == user.id)


def unread_count(session: Session, user: User) -> int:
    return session.scalar(select(func.count(Notification.id)).where(
        audience(user), Notification.id.not_in(_read_by(user)))) or 0


@dataclass(frozen=True)
class Filters:
    """What the reader narrowed the list to: a kind, and one group (a ticket or a cause)."""

    kind: str = ""
    ticket: Ticket | None = None
    cause: str = ""
    no_ticket: bool = False  # the group of a kind's notices about no ticket (`?ticket=none`)

    @classmethod
    def parse(cls, session: Session, args: Mapping[str, Any]) -> Filters:
        kind = (args.get("kind") or "").strip()
        if kind and kind not in NOTIFICATION_KIND_LABELS:
            raise InvalidInput(f"未知通知类型 / unknown kind of notice: {kind}", field="kind")
        number = (args.get("ticket") or "").strip()
        ticket = None
        if number == NO_TICKET:
            return cls(kind, None, "", no_ticket=True)
        if number:
            ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one_or_none()
            if ticket is None:
                raise InvalidInput(f"没有这个工单 / no such ticket: {number}", field="ticket")
        return cls(kind, ticket, (args.get("cause") or "").strip()[:200])

    @property
    def one_group(self) -> bool:
        return bool(self.kind and (self.ticket is not None or self.cause or self.no_ticket))

    def args(self) -> dict[str, str]:
        """As URL arguments, empty ones left out."""
        found = {"kind": self.kind, "cause": self.cause,
                 "ticket": self.ticket.number if self.ticket else NO_TICKET if self.no_ticket
                 else ""}
        return {k: v for k, v in found.items() if v}

    def where(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.kind:
            found.append(Notification.kind == self.kind)
        if self.cause:
            found.append(Notification.cause == self.cause)
        elif self.ticket is not None:
            found += [Notification.cause.is_(None), Notification.ticket_id == self.ticket.id]
        elif self.no_ticket:
            found += [Notification.cause.is_(None), Notification.ticket_id.is_(None)]
        return found


@dataclass(frozen=True)
class Group:
    """Notices of one kind about one ticket, or sharing one cause, newest first."""

    kind: str
    ticket: Ticket | None
    cause: str | None
    count: int
    unread: int
    latest: Notification  # its body and time stand for the group
    red: bool  # any of them urgent

    def args(self) -> dict[str, str]:
        """The URL arguments that pick this group (its notices one by one, or marking it read)."""
        if self.cause:
            return {"kind": self.kind, "cause": self.cause}
        return {"kind": self.kind, "ticket": self.ticket.number if self.ticket else NO_TICKET}


def groups(session: Session, user: User, f: Filters, number: int) -> Page[Group]:
    """One page of groups, the newest notice's group first, with counts of all and unread."""
    unread = case((NotificationRead.id.is_(None), 1), else_=0)
    # Notices with a cause group by it alone; the others by their ticket.
    ticket_key = case((Notification.cause.is_(None), Notification.ticket_id), else_=None)
    stmt = (select(Notification.kind, ticket_key.label("ticket_id"), Notification.cause,
                   func.count(Notification.id), func.sum(unread), func.max(Notification.id),
                   func.max(case((Notification.level == "red", 1), else_=0)))
            .outerjoin(NotificationRead, and_(NotificationRead.notification_id == Notification.id,
                                              NotificationRead.user_id == user.id))
            .where(audience(user), *f.where())
            .group_by(Notification.kind, ticket_key, Notification.cause)
            .order_by(func.max(Notification.id).desc()))
    page = paged(session, stmt, number, PER_PAGE, scalars=False)
    latest = {n.id: n for n in session.scalars(
        select(Notification).options(joinedload(Notification.ticket))
        .where(Notification.id.in_([row[5] for row in page.items])))}
    found = [Group(kind, latest[last].ticket if ticket_id is not None else None, cause,
                   int(count), int(new or 0), latest[last], bool(red))
             for kind, ticket_id, cause, count, new, last, red in page.items]
    return Page(found, page.total, page.number, page.per_page)


def items(session: Session, user: User, f: Filters, number: int) -> Page[Notification]:
    """One page of single notices under the filters, newest first."""
    stmt = (select(Notification).options(joinedload(Notification.ticket))
            .where(audience(user), *f.where()).order_by(Notification.id.desc()))
    return paged(session, stmt, number, PER_PAGE)


def read_ids(session: Session, user: User, ids: list[int]) -> set[int]:
    """Which of these notices the user has read."""
    return set(session.scalars(select(NotificationRead.notification_id).where(
        NotificationRead.user_id == user.id, NotificationRead.notification_id.in_(ids))))


def mark_read(session: Session, user: User, f: Filters, one: int | None, now: datetime) -> int:
    """Mark as read, in one INSERT … SELECT: notice `one`, else every notice under the filters
    (a group, a kind, or all). Only the user's own notices, and only those still unread."""
    chosen = [Notification.id == one] if one is not None else f.where()
    unread = (select(Notification.id, literal(user.id), literal(now))
              .where(audience(user), *chosen, Notification.id.not_in(_read_by(user))))
    result = session.execute(insert(NotificationRead).from_select(
        ["notification_id", "user_id", "at"], unread))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def kind_counts(session: Session, user: User) -> dict[str, int]:
    """Unread notices per kind, for the kind filter."""
    return {kind: int(n) for kind, n in session.execute(
        select(Notification.kind, func.count(Notification.id))
        .where(audience(user), Notification.id.not_in(_read_by(user)))
        .group_by(Notification.kind))}
