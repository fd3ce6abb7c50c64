"""合并办理 (issue 18) for staff: a supervisor's confirm / split / add on an incident group,
each through the life cycle and committed by the unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from classifier.incidents import THRESHOLD, WINDOW, IncidentIndex
from hotline.domain import lifecycle
from hotline.domain.errors import InvalidInput
from hotline.domain.lifecycle import Actor
from hotline.domain.roles import Permission, require
from hotline.intake.triage import route
from hotline.models import Status, Ticket, User
from hotline.models.base import utcnow
from hotline.tickets.actions import find, guarded

ACTIONS = ("confirm", "split", "add")
GROUPS_SHOWN = 200  # open groups at once; a city has a handful, a storm a few dozen
SUGGESTED = 5  # look-alike tickets offered beside each group
SUGGESTION_ROWS = 2000  # the page's one candidate query, newest first


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


@dataclass(frozen=True)
class Suggestion:
    """An open ticket that may report a group's incident: one click adds it (并入)."""

    ticket: Ticket
    score: float


def suggestions(session: Session, groups: list[Group], *,
                now: datetime | None = None) -> dict[str, list[Suggestion]]:
    """Beside each group (by its master's number), up to SUGGESTED tickets a supervisor may
    add: of the master's street (else district) and topic, created from WINDOW before the
    group's first call on, not answered or closed, in no group, scored by the incident index
    against the group's texts at the agents' console's hint threshold (THRESHOLD), best first.

    One query for the whole page (street and district indexes), then the scoring in memory."""
    placed = [g for g in groups if g.master.topic_id is not None
              and (g.master.street or g.master.district)]
    if not placed:
        return {}
    now = now or utcnow()
    streets = {g.master.street for g in placed if g.master.street}
    districts = {g.master.district for g in placed if not g.master.street}
    masters = select(Ticket.incident_master_id).where(Ticket.incident_master_id.is_not(None))
    rows = session.scalars(
        select(Ticket).where(
            or_(Ticket.street.in_(streets), Ticket.district.in_(districts)),
            Ticket.topic_id.in_({g.master.topic_id for g in placed}),
            Ticket.status.in_(lifecycle.JOINABLE), Ticket.incident_master_id.is_(None),
            Ticket.id.not_in(masters),
            Ticket.created_at >= min(g.since for g in placed) - WINDOW,
            Ticket.created_at <= now,
        ).order_by(Ticket.created_at.desc()).limit(SUGGESTION_ROWS)).all()
    found: dict[str, list[Suggestion]] = {}
    for g in placed:
        m = g.master
        mine = [t for t in rows if t.topic_id == m.topic_id and t.created_at >= g.since - WINDOW
                and (t.street == m.street if m.street else t.district == m.district)]
        if not mine:
            continue
        index = IncidentIndex()
        for t in mine:
            index.add(t.id, t.content or "")
        best: dict[int, float] = {}
        for text in {x.content for x in (m, *g.members) if x.content}:
            for n in index.similar(text, threshold=THRESHOLD):
                best[n.key] = max(best.get(n.key, 0.0), n.score)  # type: ignore[index]
        by_id = {t.id: t for t in mine}
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[:SUGGESTED]
        if ranked:
            found[m.number] = [Suggestion(by_id[key], score) for key, score in ranked]
    return found
