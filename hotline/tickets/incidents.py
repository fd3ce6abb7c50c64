"""合并办理 (issue 18) for staff: a supervisor's confirm / split / add on an incident group,
each through the life cycle and committed by the unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from hotline.domain import lifecycle
from hotline.domain.errors import InvalidInput
from hotline.domain.lifecycle import Actor
from hotline.domain.roles import Permission, require
from hotline.intake.triage import route
from hotline.models import Status, Ticket, User
from hotline.tickets.actions import find, guarded

ACTIONS = ("confirm", "split", "add")
GROUPS_SHOWN = 200  # open groups at once; a city has a handful, a storm a few dozen


def act(session: Session, user: User, master_number: str, action: str,
        member_number: str | None = None) -> Ticket:
    """confirm | split | add on the group of `master_number`; returns the master. The API and
    the supervisors' page both call this."""
    if action not in ACTIONS:
        raise InvalidInput(f"未知操作 {action} / unknown action {action}")
    require(user.role, Permission.MANAGE_INCIDENTS, "管理合并组")
    master = find(session, user, master_number)
    actor = Actor.of(user)
    with guarded(session):
        if action == "confirm":
            lifecycle.confirm_incident(master, actor)
        else:
            if not (member_number or "").strip():
                raise InvalidInput("请填写工单编号 / give the ticket's number", field="ticket")
            member = find(session, user, member_number.strip())
            if action == "split":
                lifecycle.split_incident_member(master, member, actor)
                # A problem of its own again: routed as a new ticket would be (never re-proposed).
                route(session, member, confident=member.topic_id is not None)
            else:
                lifecycle.add_incident_member(master, member, actor)
    return master


@dataclass(frozen=True)
class Group:
    """One incident group as the supervisors' page lists it."""

    master: Ticket
    members: list[Ticket]

    @property
    def size(self) -> int:
        """How many called about it: the master and its members."""
        return 1 + len(self.members)

    @property
    def proposed(self) -> bool:
        """Some member was proposed by intake and not yet confirmed by a supervisor."""
        return any(not m.incident_confirmed for m in self.members)

    @property
    def since(self) -> datetime:
        return min(t.created_at for t in (self.master, *self.members))


def open_groups(session: Session, limit: int = GROUPS_SHOWN) -> list[Group]:
    """Groups still worked on (their master not closed), proposed ones first, then newest."""
    has_members = select(Ticket.incident_master_id).where(Ticket.incident_master_id.is_not(None))
    masters = session.scalars(
        select(Ticket).where(Ticket.id.in_(has_members), Ticket.status != Status.CLOSED)
        .options(selectinload(Ticket.incident_members), selectinload(Ticket.topic),
                 selectinload(Ticket.department))
        .order_by(Ticket.created_at.desc()).limit(limit)).all()
    found = [Group(m, list(m.incident_members)) for m in masters]
    return sorted(found, key=lambda g: not g.proposed)  # stable: newest first within each


def proposed_count(session: Session) -> int:
    """How many groups wait for a supervisor's confirmation (the dashboard's figure)."""
    return session.scalar(select(func.count(func.distinct(Ticket.incident_master_id))).where(
        Ticket.incident_master_id.is_not(None), Ticket.incident_confirmed.is_(False))) or 0
