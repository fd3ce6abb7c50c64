"""Ticket actions through the API: `POST /api/v1/tickets/{number}/{action}` with a JSON body.

Each action of hotline.tickets.catalogue is its own documented operation in the OpenAPI document,
its body validated by the action's schema. Illegal actions answer 409 (wrong state) or 403 (wrong
post) with a reason; another unit's ticket is 404, as for reading.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_smorest import Blueprint

from hotline.api.schemas import TicketSchema
from hotline.api.security import api_requires, api_user
from hotline.app.extensions import ApiErrorSchema, db
from hotline.tickets.actions import perform
from hotline.tickets.catalogue import ACTIONS, TicketAction
from hotline.tickets.presenters import ticket_dict

blp = Blueprint("api_ticket_actions", __name__, url_prefix="/api/v1/tickets",
                description="工单办理 Ticket actions (dispatch, sign, return, extend, reply, ...)")


def _register(action: TicketAction) -> None:
    name = action.name

    def view(args: dict[str, Any], number: str) -> dict[str, Any]:
        user = api_user()
        ticket = perform(db.session, user, number, name, args)
        return ticket_dict(ticket, user, events=True)

    view.__name__ = f"action_{name.replace('-', '_')}"
    view.__doc__ = f"{action.summary}\n\n403 wrong post, 404 unknown or not visible, 409 wrong " \
                   "state or a concurrent change."
    decorated: Callable[..., Any] = view
    for decorator in (
        blp.alt_response(409, schema=ApiErrorSchema),
        blp.alt_response(404, schema=ApiErrorSchema),
        blp.alt_response(403, schema=ApiErrorSchema),
        blp.alt_response(400, schema=ApiErrorSchema),
        blp.alt_response(401, schema=ApiErrorSchema),
        blp.response(200, TicketSchema),
        blp.arguments(action.schema),
    ):
        decorated = decorator(decorated)
    # Outermost: a post without the permission hears 403 before its body is validated.
    decorated = api_requires(action.permission)(decorated)
    blp.route(f"/<string:number>/{name}", methods=["POST"], endpoint=view.__name__)(decorated)


for _action in ACTIONS:
    _register(_action)
