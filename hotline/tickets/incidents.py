"""合并办理 (issue 18) for staff: a supervisor's confirm / split / add on an incident group,
each through the life cycle and committed by the unit of work."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hotline.domain import lifecycle
from hotline.domain.lifecycle import Actor
from hotline.domain.roles import Permission, require
from hotline.intake.triage import route
from hotline.models import Ticket, User
from hotline.tickets.actions import find, guarded


def act(session: Session, user: User, master_number: str, action: str,
        member_number: str | None = None) -> Ticket:
    """confirm | split | add on the group of `master_number`; returns the master."""
    require(user.role, Permission.MANAGE_INCIDENTS, "管理合并组")
    master = find(session, user, master_number)
    actor = Actor.of(user)
    with guarded(session):
        if action == "confirm":
            lifecycle.confirm_incident(master, actor)
        else:
            member = find(session, user, member_number or "")
            if action == "split":
                lifecycle.split_incident_member(master, member, actor)
                # A problem of its own again: routed as a new ticket would be (never re-proposed).
                route(session, member, confident=member.topic_id is not None)
            else:
                lifecycle.add_incident_member(master, member, actor)
    return master
