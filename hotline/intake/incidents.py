"""合并办理 at intake: is a new ticket about an incident an open ticket already reports?

The candidates are the open tickets of the same street (else district) and topic created in
the window before it, across callers, that are not members themselves; the database narrows
them by its indexes (street, district + created_at), and classifier.incidents scores them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifier.incidents import THRESHOLD, WINDOW, IncidentIndex
from hotline.app import settings
from hotline.domain import lifecycle, states
from hotline.domain.events import EventKind
from hotline.models import Ticket

CANDIDATES = 500  # most recent first; a burst bigger than this is one group long before


def find_master(session: Session, ticket: Ticket) -> tuple[Ticket, float] | None:
    """The open ticket the new one most likely repeats as an incident, with its score."""
    return match_open(session, ticket.content, topic_id=ticket.topic_id, street=ticket.street,
                      district=ticket.district, at=ticket.created_at, number=ticket.number)


def match_open(session: Session, content: str | None, *, topic_id: int | None,
               street: str | None, district: str | None, at: datetime,
               number: str | None = None) -> tuple[Ticket, float] | None:
    """The open ticket of the place and topic that `content` most likely reports again (not
    itself, `number`): for intake, and for the agent console while a call is typed."""
    if topic_id is None or not (street or district) or not content:
        return None
    place = Ticket.street == street if street else Ticket.district == district
    candidates = session.scalars(
        select(Ticket).where(
            place, Ticket.topic_id == topic_id, Ticket.status.in_(states.OPEN),
            Ticket.incident_master_id.is_(None), Ticket.created_at >= at - WINDOW,
            Ticket.created_at <= at, Ticket.number != (number or ""),
        ).order_by(Ticket.created_at.desc()).limit(CANDIDATES)
    ).all()
    if not candidates:
        return None
    index = IncidentIndex()
    for candidate in candidates:
        index.add(candidate.id, candidate.content)
    found = index.similar(content, threshold=THRESHOLD)
    if not found:
        return None
    best = next(c for c in candidates if c.id == found[0].key)
    return best, found[0].score


def propose(session: Session, ticket: Ticket, *, at: datetime | None = None) -> bool:
    """Propose the ticket as a member of an open incident; True when it was (then it is not
    dispatched: it follows its master).

    Only with INCIDENT_PROPOSALS on: a wrong proposal keeps a citizen's ticket from its unit, and
    the grouping's precision on the blind fresh set (bench/clusters, 0.58 at 0.71) is far short of its target.
    """
    if not settings.current().intake.incident_proposals:
        return False
    if ticket.incident_master is not None or ticket.repeat_of is not None:
        return False
    if any(e.kind == EventKind.INCIDENT_SPLIT for e in ticket.events):
        return False  # a supervisor said it is a problem of its own
    match = find_master(session, ticket)
    if match is None:
        return False
    master, score = match
    if master.incident_master is not None:
        master = master.incident_master
    lifecycle.propose_incident_member(ticket, master, score, at=at)
    return True
