"""Which tickets a user may see and how citizens' personal data is shown: checked here only.

What a post may *do* is in hotline.domain.roles; this module applies it to rows and fields.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, false, not_, or_, select, true
from sqlalchemy.orm import Session

from hotline.domain.errors import NotFound
from hotline.domain.phones import mask_phone
from hotline.domain.roles import Permission, allows, require
from hotline.identity import audit
from hotline.models import AssistTask, ForwardTask, OutboundMessage, RequestType, Ticket, User

PHONE_REVEALED = "phone_reveal"  # audit action: a full number was shown to someone
HIDDEN = "保密"


def scope(stmt: Select[Any], user: User) -> Select[Any]:
    """Unit posts see only their unit's tickets (domain.md §6): those it leads or assists, and
    those forwarded to it (转派: a task of its own, open or finished, on a ticket an ancestor
    leads). A sibling or any other unit sees none of them."""
    if allows(user.role, Permission.VIEW_ALL_TICKETS):
        return stmt
    if user.department_id is None:  # a unit post without a unit sees nothing
        return stmt.where(false())
    assisted = select(AssistTask.ticket_id).where(AssistTask.department_id == user.department_id)
    forwarded = select(ForwardTask.ticket_id).where(ForwardTask.department_id == user.department_id)
    return stmt.where(or_(Ticket.department_id == user.department_id, Ticket.id.in_(assisted),
                          Ticket.id.in_(forwarded)))


def _ours(user: User, ticket: Ticket) -> bool:
    unit = user.department_id
    return unit is not None and (ticket.department_id == unit
                                 or any(t.department_id == unit for t in ticket.assist_tasks)
                                 or any(t.department_id == unit for t in ticket.forward_tasks))


def check_view(user: User, ticket: Ticket | None) -> Ticket:
    """The ticket, or NotFound — also for another unit's ticket, so numbers cannot be probed."""
    if ticket is None or not (allows(user.role, Permission.VIEW_ALL_TICKETS) or _ours(user, ticket)):
        raise NotFound("工单不存在 / ticket not found")
    return ticket


def hides_identity(ticket: Ticket) -> bool:
    """保密 on request, and every 举报: the reporter is never shown to the unit."""
    return ticket.confidential or ticket.request_type == RequestType.REPORT


def identity_shown(user: User) -> ColumnElement[bool]:
    """The rows whose citizen (name, phone) this user sees, as SQL: what hides_identity and
    citizen_view decide per ticket. Searching by name or phone tail is limited to these, so a
    match cannot tell a unit who filed a 保密 or 举报 ticket."""
    if allows(user.role, Permission.REVEAL_PHONE):
        return true()
    return not_(or_(Ticket.confidential, Ticket.request_type == RequestType.REPORT))


def citizen_view(user: User, ticket: Ticket) -> dict[str, Any]:
    """Name and phone as this user may see them: the number is always masked (138****8000);
    posts that may reveal it get `can_reveal` and use reveal_phone, which is audited."""
    may_reveal = allows(user.role, Permission.REVEAL_PHONE)
    if hides_identity(ticket) and not may_reveal:
        return {"name": HIDDEN, "phone": HIDDEN, "can_reveal": False}
    return {"name": ticket.citizen_name, "phone": mask_phone(ticket.phone),
            "can_reveal": may_reveal and bool(ticket.phone)}


def reveal_phone(session: Session, user: User, ticket: Ticket) -> str:
    """The full number, for a post that may see it; the audit entry (who, when, which ticket)
    joins the caller's transaction, so the caller commits before showing the number."""
    require(user.role, Permission.REVEAL_PHONE, "查看完整号码")
    check_view(user, ticket)
    audit.record(session, user, "ticket", ticket.number, PHONE_REVEALED)
    return ticket.phone or ""


def recipient_view(user: User, message: OutboundMessage) -> dict[str, Any]:
    """The number an outbound message went (or must be phoned) to, as this user may see it:
    masked like a ticket's phone, hidden for 保密 and 举报 tickets, whether or not the message
    is tied to a ticket or the number is the ticket's own."""
    may_reveal = allows(user.role, Permission.REVEAL_PHONE)
    if message.ticket is not None and hides_identity(message.ticket) and not may_reveal:
        return {"phone": HIDDEN, "can_reveal": False}
    return {"phone": mask_phone(message.to_addr), "can_reveal": may_reveal and bool(message.to_addr)}


def reveal_recipient(session: Session, user: User, message: OutboundMessage) -> str:
    """The full number of an outbound message, for a post that may see it, audited on its
    ticket number like reveal_phone (with the message id); the caller commits first."""
    require(user.role, Permission.REVEAL_PHONE, "查看完整号码")
    if message.ticket is not None:
        check_view(user, message.ticket)
    audit.record(session, user, "ticket", message.ticket_number, PHONE_REVEALED,
                 after={"outbound_message": message.id})
    return message.to_addr or ""
