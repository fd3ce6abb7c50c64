"""Tickets through the API: list with filters, and one ticket with its event log."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields
from sqlalchemy import func, select

from hotline.api.schemas import TicketPageSchema, TicketQuerySchema, TicketSchema
from hotline.api.security import api_requires, api_user
from hotline.app.extensions import ApiErrorSchema, db
from hotline.domain.errors import NotFound
from hotline.domain.numbering import canonical
from hotline.domain.roles import Permission
from hotline.identity.access import check_view, reveal_phone, scope
from hotline.models import Department, Ticket, Topic
from hotline.tickets.actions import find
from hotline.tickets.presenters import ticket_dict

blp = Blueprint("api_tickets", __name__, url_prefix="/api/v1/tickets", description="工单 Tickets")


@blp.route("")
class Tickets(MethodView):
    decorators = [api_requires(Permission.VIEW_TICKETS)]

    @blp.arguments(TicketQuerySchema, location="query")
    @blp.response(200, TicketPageSchema)
    @blp.alt_response(401, schema=ApiErrorSchema)
    @blp.alt_response(403, schema=ApiErrorSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List tickets visible to the caller, newest first."""
        user = api_user()
        stmt = scope(select(Ticket), user)
        for field in ("status", "line", "channel"):
            if field in args:
                stmt = stmt.where(getattr(Ticket, field) == args[field])
        if "department" in args:
            stmt = stmt.join(Department, Ticket.department_id == Department.id).where(
                Department.code == args["department"])
        if "topic" in args:
            stmt = stmt.join(Topic, Ticket.topic_id == Topic.id).where(Topic.code == args["topic"])
        if "q" in args:
            stmt = stmt.where(Ticket.content.contains(args["q"], autoescape=True))
        total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        page, per_page = args["page"], args["per_page"]
        rows = db.session.scalars(
            stmt.order_by(Ticket.created_at.desc(), Ticket.id.desc())
            .offset((page - 1) * per_page).limit(per_page)
        ).all()
        return {"items": [ticket_dict(t, user) for t in rows], "total": total,
                "page": page, "per_page": per_page}


@blp.route("/<string:number>")
class OneTicket(MethodView):
    decorators = [api_requires(Permission.VIEW_TICKETS)]

    @blp.response(200, TicketSchema)
    @blp.alt_response(401, schema=ApiErrorSchema)
    @blp.alt_response(403, schema=ApiErrorSchema)
    @blp.alt_response(404, schema=ApiErrorSchema)
    def get(self, number: str) -> dict[str, Any]:
        """One ticket with its whole event log."""
        key = canonical(number)
        if key is None:
            abort(404, message="工单不存在 / ticket not found")
        ticket = db.session.scalars(select(Ticket).where(Ticket.number == key)).one_or_none()
        try:
            return ticket_dict(check_view(api_user(), ticket), api_user(), events=True)
        except NotFound as exc:
            abort(404, message=exc.message)


class PhoneSchema(Schema):
    number = fields.String(metadata={"description": "the ticket number"})
    phone = fields.String(metadata={"description": "the citizen's number, E.164"})


@blp.route("/<string:number>/phone")
class TicketPhone(MethodView):
    decorators = [api_requires(Permission.REVEAL_PHONE)]

    @blp.response(200, PhoneSchema)
    @blp.alt_response(401, schema=ApiErrorSchema)
    @blp.alt_response(403, schema=ApiErrorSchema)
    @blp.alt_response(404, schema=ApiErrorSchema)
    def post(self, number: str) -> dict[str, str]:
        """The citizen's full phone number (tickets show it masked, 138****8000).

        A POST because it is recorded: every call writes an audit entry (who, when, which ticket).
        """
        user = api_user()
        ticket = find(db.session, user, number)
        phone = reveal_phone(db.session, user, ticket)
        db.session.commit()
        return {"number": ticket.number, "phone": phone}
