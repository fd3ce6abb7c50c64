"""Moving a ticket through the life cycle as staff do, for the messaging tests.

The staff pages for dispatch, sign, reply and review belong to the life-cycle work; these helpers
call `hotline.domain.lifecycle` with real users and commit, exactly as those pages will.
"""

from __future__ import annotations

from sqlalchemy import select

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.domain import lifecycle
from hotline.domain.lifecycle import Actor
from hotline.models import Department, Status, Ticket, User


def user(username: str) -> Actor:
    return Actor.of(db.session.scalars(select(User).where(User.username == username)).one())


def ticket(number: str) -> Ticket:
    db.session.expire_all()
    return db.session.scalars(select(Ticket).where(Ticket.number == number)).one()


def dispatch(t: Ticket) -> Department:
    """Dispatch by hand when routing left it pending (no model active in tests)."""
    if t.status == Status.PENDING_DISPATCH:
        unit = db.session.scalars(select(Department).where(Department.active.is_(True))
                                  .order_by(Department.id)).first()
        assert unit is not None
        lifecycle.dispatch(t, user("agent"), unit, reason={"by": "test"})
        unit_of_work.commit(db.session)
    assert t.department is not None
    return t.department


def answer(number: str, text: str, *, approve: bool = True) -> Ticket:
    """The unit signs and replies; the centre approves the reply (审核通过)."""
    t = ticket(number)
    unit = dispatch(t)
    staff = user(unit.code)
    if t.status == Status.DISPATCHED:
        lifecycle.sign(t, staff)
    lifecycle.reply(t, staff, text)
    unit_of_work.commit(db.session)
    if approve:
        lifecycle.review_reply(t, user("agent"), accept=True)
        unit_of_work.commit(db.session)
    return t
