"""合并办理 through the API: a supervisor confirms an incident group, splits a member off (it is
then routed on its own) or adds a ticket to it: `POST /api/v1/incidents/{master}/confirm|split|add`."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from hotline.api.schemas import TicketSchema
from hotline.api.security import api_requires, api_user
from hotline.app.extensions import ApiErrorSchema, db
from hotline.domain.roles import Permission
from hotline.tickets.incidents import act
from hotline.tickets.presenters import ticket_dict

blp = Blueprint("api_incidents", __name__, url_prefix="/api/v1/incidents",
                description="合并办理 Incident groups (one problem, many callers)")


class MemberArgs(Schema):
    ticket = fields.String(required=True, validate=validate.Length(min=1, max=40), metadata={
        "description": "the number of the ticket to split off or add"})


def _answer(number: str, action: str, member: str | None = None) -> dict[str, Any]:
    user = api_user()
    return ticket_dict(act(db.session, user, number, action, member), user)


def _errors(view: Any) -> Any:
    for status in (400, 401, 403, 404, 409):
        view = blp.alt_response(status, schema=ApiErrorSchema)(view)
    return view


@blp.route("/<string:number>/confirm")
class Confirm(MethodView):
    decorators = [api_requires(Permission.MANAGE_INCIDENTS)]

    @blp.response(200, TicketSchema)
    @_errors
    def post(self, number: str) -> dict[str, Any]:
        """Confirm that the group's members report the master's incident (supervisors)."""
        return _answer(number, "confirm")


@blp.route("/<string:number>/split")
class Split(MethodView):
    decorators = [api_requires(Permission.MANAGE_INCIDENTS)]

    @blp.arguments(MemberArgs, error_status_code=400)
    @blp.response(200, TicketSchema)
    @_errors
    def post(self, args: dict[str, Any], number: str) -> dict[str, Any]:
        """Take a member out of the group: it is routed like a new ticket, never proposed again."""
        return _answer(number, "split", args["ticket"])


@blp.route("/<string:number>/add")
class Add(MethodView):
    decorators = [api_requires(Permission.MANAGE_INCIDENTS)]

    @blp.arguments(MemberArgs, error_status_code=400)
    @blp.response(200, TicketSchema)
    @_errors
    def post(self, args: dict[str, Any], number: str) -> dict[str, Any]:
        """Add a ticket to the group (confirmed at once): one not yet with a unit, or one
        dispatched, signed or returned but not yet answered, whose task at its unit then ends
        (the unit is told) and which is dispatched again if split off."""
        return _answer(number, "add", args["ticket"])
