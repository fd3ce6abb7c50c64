"""Ticket actions for the API and the web pages: load with visibility, act, commit safely.

What each action is, who may do it and what it runs is the table in hotline.tickets.catalogue.

One place maps a lost optimistic-lock race (SQLAlchemy's StaleDataError on `Ticket.version`)
to 409 Conflict, so two people acting on the same ticket at once never corrupt it and the
slower one is told to reload instead of silently overwriting.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from hotline.app import unit_of_work
from hotline.domain.errors import Conflict, DomainError, InvalidInput, NotFound
from hotline.domain.lifecycle import Actor
from hotline.domain.numbering import canonical
from hotline.domain.roles import require
from hotline.identity.access import check_view
from hotline.models import Ticket, User
from hotline.tickets.catalogue import BY_NAME, Context, TicketAction


@contextmanager
def guarded(session: Session) -> Iterator[None]:
    """Run a change and commit it through the unit of work (its effects, then one commit),
    turning a concurrent change of the same ticket into 409.

    The race can surface at commit or earlier, when an autoflush (loading the event list, say)
    writes the ticket row and finds its version already moved on.
    """
    try:
        yield
        unit_of_work.commit(session)
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
    require(user.role, action.permission, action.label)
    ticket = find(session, user, number)
    with guarded(session):
        action.run(Context(session), ticket, Actor.of(user), args)
    return ticket


# A bulk action is one transaction with every ticket's events in memory until the commit; this
# bounds its time and size (a page of the dispatch queue is 50).
MAX_BULK = 200


@dataclass
class BulkOutcome:
    """What a bulk action did: the tickets it changed, and each refused number with the reason."""

    done: list[Ticket] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def perform_many(session: Session, user: User, numbers: list[str], name: str,
                 args: Mapping[str, Any]) -> BulkOutcome:
    """Run action `name` with the same arguments on several tickets, each through the life
    cycle (its own checks, its own event), and commit them all at once.

    A ticket the life cycle refuses (another's state, 仲裁 needed, not visible) is skipped and
    reported; the others go ahead. The life-cycle functions check before they change anything,
    so a refused ticket is untouched; should one ever be refused half-changed, or should the
    arguments themselves be wrong (an unknown unit, a 400 for every ticket alike), the whole batch
    is rolled back and the error raised, so nothing is committed half-done.
    """
    action = action_named(name)
    require(user.role, action.permission, action.label)
    wanted = list(dict.fromkeys(n.strip() for n in numbers if n.strip()))
    if not wanted:
        raise InvalidInput("请至少选择一件工单 / choose at least one ticket", field="numbers")
    if len(wanted) > MAX_BULK:
        raise InvalidInput(f"一次最多处理 {MAX_BULK} 件 / at most {MAX_BULK} tickets at once",
                           field="numbers")
    ctx, actor, outcome = Context(session), Actor.of(user), BulkOutcome()
    with guarded(session):
        for number in wanted:
            ticket: Ticket | None = None
            try:
                ticket = find(session, user, number)
                action.run(ctx, ticket, actor, args)
            except DomainError as exc:
                about_the_form = isinstance(exc, InvalidInput) and exc.field is not None
                if about_the_form or (ticket is not None and session.is_modified(ticket)):
                    session.rollback()
                    raise
                outcome.failed.append((number, exc.message))
            else:
                outcome.done.append(ticket)
    return outcome
