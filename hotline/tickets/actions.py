"""Ticket actions for the API and the web pages: load with visibility, act, commit safely.

What each action is, who may do it and what it runs is the table in hotline.tickets.catalogue.

One place maps a lost optimistic-lock race (SQLAlchemy's StaleDataError on `Ticket.version`)
to 409 Conflict, so two people acting on the same ticket at once never corrupt it and the
slower one is told to reload instead of silently overwriting.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from hotline.domain.errors import Conflict, NotFound
from hotline.domain.lifecycle import Actor
from hotline.domain.numbering import canonical
from hotline.domain.roles import require
from hotline.identity.access import check_view
from hotline.models import Ticket, User
from hotline.tickets.catalogue import BY_NAME, Context, TicketAction


@contextmanager
def guarded(session: Session) -> Iterator[None]:
    """Run a change and commit it, turning a concurrent change of the same ticket into 409.

    The race can surface at commit or earlier, when an autoflush (loading the event list, say)
    writes the ticket row and finds its version already moved on.
    """
    try:
        yield
        session.commit()
    except (StaleDataError, IntegrityError) as exc:
        session.rollback()
        raise Conflict("工单已被他人修改，请刷新后重试 / the ticket was changed by someone else; "
                       "reload and try again") from exc


def find(session: Session, user: User, number: str) -> Ticket:
    """The ticket by number as `user` may see it, else NotFound (also for another unit's)."""
    key = canonical(number)
    found = session.scalars(select(Ticket).where(Ticket.number == key)).one_or_none() \
        if key else None
    return check_view(user, found)


def action_named(name: str) -> TicketAction:
    """The table's entry for a URL's action segment; an unknown one is 404."""
    action = BY_NAME.get(name)
    if action is None:
        raise NotFound(f"未知操作 / unknown action: {name}")
    return action


def perform(session: Session, user: User, number: str, name: str,
            args: Mapping[str, Any]) -> Ticket:
    """Run action `name` on the ticket as `user` and commit; DomainErrors carry the HTTP status."""
    action = action_named(name)
    # The post first: a refused action is 403 whatever the ticket's state.
    require(user.role, action.permission, name)
    ticket = find(session, user, number)
    with guarded(session):
        action.run(Context(session), ticket, Actor.of(user), args)
    return ticket
