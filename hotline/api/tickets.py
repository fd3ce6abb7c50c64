"""Tickets through the API: search with filters and paging, and one ticket with its event log."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields
from sqlalchemy import select

from hotline.api.schemas import TicketPageSchema, TicketSchema
from hotline.api.security import api_requires, api_user
from hotline.app import unit_of_work
from hotline.app.extensions import ApiErrorSchema, db
from hotline.domain.errors import NotFound
from hotline.domain.numbering import canonical
from hotline.domain.roles import Permission
from hotline.identity.access import check_view, reveal_phone
from hotline.models import Ticket
from hotline.search.params import SearchArgs
from hotline.search.service import search
from hotline.tickets.actions import find
from hotline.tickets.presenters import ticket_dict

blp = Blueprint("api_tickets", __name__, url_prefix="/api/v1/tickets", description="工单 Tickets")


@blp.route("")
class Tickets(MethodView):
    decorators = [api_requires(Permission.VIEW_TICKETS)]

    @blp.arguments(SearchArgs, location="query", error_status_code=400)
    @blp.response(200, TicketPageSchema)
    @blp.alt_response(400, schema=ApiErrorSchema)
    @blp.alt_response(401, schema=ApiErrorSchema)
    @blp.alt_response(403, schema=ApiErrorSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Search the tickets visible to the caller, newest first, a page at a time.

        The same search as the page `/tickets`: `q` takes a ticket number, the last four digits
        of a phone, a whole phone number (posts that may see numbers), a name, words of the
        content or address; the filters combine with it. `total` counts the matches on all
        pages up to 10,000; `total_capped` says there are more. Bad parameters or unknown
        codes answer 400.
        """
        user = api_user()
        found = search(db.session, user, args)
        return {"items": [ticket_dict(t, user) for t in found.items], "total": found.total,
                "total_capped": found.capped, "page": found.page, "per_page": found.per_page}


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
        unit_of_work.commit(db.session)
        return {"number": ticket.number, "phone": phone}
