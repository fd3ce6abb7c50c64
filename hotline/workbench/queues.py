"""The centre's manual dispatch queue (待分拨) as a query: what waits longest first.

Tickets the router could not place, and tickets a unit sent back (退单), wait at the centre until
a person dispatches them. The queue is paged in SQL oldest first, since the dispatch deadline
runs from intake; each row carries the catalogue's suggestion (the same one the ticket page
offers), so a dispatcher can confirm several at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session, selectinload

from hotline.app.paging import Page, paged
from hotline.domain import states
from hotline.identity.access import scope
from hotline.intake.triage import suggested_unit
from hotline.models import LEVEL_RANK, Department, Ticket, User
from hotline.workbench.remaining import age

PER_PAGE = 50


@dataclass(frozen=True)
class QueueRow:
    ticket: Ticket
    age: str  # how long the citizen has waited, in calendar time
    overdue: bool  # the dispatch deadline has passed
    suggested: Department | None


def active_units(session: Session) -> list[Department]:
    """Every unit a ticket may go to, city level first: the type-ahead's options."""
    return list(session.scalars(select(Department).where(Department.active)
                                .order_by(LEVEL_RANK, Department.code)))


def waiting_at_centre() -> ColumnElement[bool]:
    """The tickets the centre must (re)dispatch: at the centre, and not members of an incident
    group (合并办理), which follow their master and are never dispatched on their own."""
    return and_(Ticket.status.in_(states.AT_CENTRE), Ticket.incident_master_id.is_(None))


def dispatch_queue(session: Session, user: User, number: int, now: datetime,
                   units: list[Department]) -> Page[QueueRow]:
    """One page of the tickets waiting at the centre, oldest first, with their suggestions."""
    stmt = (scope(select(Ticket), user).where(waiting_at_centre())
            .order_by(Ticket.created_at, Ticket.id)
            .options(selectinload(Ticket.events), selectinload(Ticket.topic)))
    page = paged(session, stmt, number, PER_PAGE)
    by_code = {u.code: u for u in units}
    rows = [QueueRow(t, age(now - t.created_at),
                     t.dispatch_due is not None and t.dispatch_due <= now,
                     by_code.get(suggested_unit(session, t) or ""))
            for t in page.items]
    return Page(rows, page.total, page.number, page.per_page)
