"""Tickets and departments as JSON, shared by the API, Open311 and exports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import object_session

from hotline.catalogue import snapshot
from hotline.domain import lifecycle
from hotline.domain.lifecycle import hand_offs
from hotline.identity.access import citizen_view
from hotline.models import Department, Ticket, TicketEvent, User
from hotline.tickets.escalation import deadline_view
from hotline.tickets.reply_review import reply_quality_dict
from routing.geo import Location, place_ticket


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def department_dict(dept: Department | None) -> dict[str, Any] | None:
    if dept is None:
        return None
    return {
        "code": dept.code,
        "name": dept.name,
        "level": dept.level.value,
        "parent": dept.parent.code if dept.parent else None,
        "district": dept.district,
    }


def event_dict(event: TicketEvent) -> dict[str, Any]:
    return {
        "at": iso(event.at),
        "actor": event.actor,
        "kind": event.kind,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "note": event.note,
        "data": event.data,
    }


def risk_dict(ticket: Ticket) -> dict[str, Any] | None:
    """The risk mark (issue 19), None when no risk was seen; a column, so lists pay nothing."""
    if ticket.risk_level is None:
        return None
    return {"category": ticket.risk_category, "level": ticket.risk_level}


def location_of(ticket: Ticket, points: dict[str, tuple[float, float]]) -> Location | None:
    """The ticket's own point, else its community's, street's or district's (approximate),
    else None."""
    own = (ticket.latitude, ticket.longitude) \
        if ticket.latitude is not None and ticket.longitude is not None else None
    return place_ticket(own, points.get(ticket.community or ""), points.get(ticket.street or ""),
                        points.get(ticket.district or ""))


def _points(ticket: Ticket) -> dict[str, tuple[float, float]]:
    """The gazetteer's points from the cached catalogue (no query per ticket)."""
    session = object_session(ticket)
    return snapshot.current(session).place_points if session is not None else {}


def hand_off_dicts(ticket: Ticket) -> list[dict[str, Any]]:
    """The hand-offs (双向转接) recorded on the ticket: to whom, who, when and the note."""
    return [{"to": e.data.get("to"), "by": e.actor, "at": iso(e.at), "note": e.note}
            for e in hand_offs(ticket)]


def ticket_dict(ticket: Ticket, viewer: User, *, events: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "number": ticket.number,
        "line": ticket.line.value,
        "channel": ticket.channel.value,
        "request_type": ticket.request_type.value,
        "status": ticket.status.value,
        "content": ticket.content,
        "address": ticket.address,
        "district": ticket.district,
        "street": ticket.street,
        "street_found": ticket.street_found,
        "community": ticket.community,
        "location": location.as_dict() if (location := location_of(ticket, _points(ticket)))
        else None,
        "citizen": citizen_view(viewer, ticket),
        "topic": ticket.topic.code if ticket.topic else None,
        "topic_name": ticket.topic.name if ticket.topic else None,
        "department": department_dict(ticket.department),
        "handler": {"username": ticket.handler.username, "name": ticket.handler.display_name}
        if ticket.handler else None,
        "urgency": ticket.urgency.value,
        "classifier": {
            "label": ticket.classifier_label,
            "confidence": ticket.classifier_confidence,
            "model": ticket.model_version,
        },
        "repeat_of": ticket.repeat_of.number if ticket.repeat_of else None,
        "incident": incident_of(ticket),
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
        "deadlines": deadline_view(ticket),
        "risk": risk_dict(ticket),
    }
    if events:
        body["events"] = [event_dict(e) for e in ticket.events]
        body["hand_offs"] = hand_off_dicts(ticket)
        body["casework"] = casework_dict(ticket)  # one ticket's page, not the lists (N+1)
        # One ticket, not a page of them: the check costs a few milliseconds each.
        quality = reply_quality_dict(ticket, viewer)
        if quality is not None:
            body["reply_quality"] = quality
    return body


def casework_dict(ticket: Ticket) -> dict[str, Any]:
    """First contact, 挂起 spans and appeals (issue 17), as the ticket JSON shows them."""
    return {
        "contacted": lifecycle.contacted(ticket),
        "suspensions": [{"status": s.status, "reason": s.reason,
                         "until": s.until.isoformat() if s.until else None,
                         "started_at": iso(s.started_at), "ended_at": iso(s.ended_at),
                         "working_seconds": s.working_seconds} for s in ticket.suspensions],
        "appeals": [{"kind": a.kind, "status": a.status, "reason": a.reason,
                     "decided_at": iso(a.decided_at)} for a in ticket.appeals],
        "excluded_rates": sorted(lifecycle.excluded_rates(ticket)),
    }
def incident_of(ticket: Ticket) -> dict[str, Any] | None:
    """{"master", "size", "confirmed"} of the ticket's group (as member or master), else None.
    `size` counts the master and its members: how many called about the incident."""
    master = ticket.incident_master or (ticket if ticket.incident_members else None)
    if master is None:
        return None
    members = master.incident_members
    confirmed = ticket.incident_confirmed if ticket is not master else all(m.incident_confirmed for m in members)
    return {"master": master.number, "size": 1 + len(members), "confirmed": confirmed}
