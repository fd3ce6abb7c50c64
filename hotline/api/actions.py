"""Ticket actions through the API: `POST /api/v1/tickets/{number}/{action}` with a JSON body.

Each action is its own documented operation in the OpenAPI document. Illegal actions answer 409
(wrong state) or 403 (wrong post) with a reason; another unit's ticket is 404, as for reading.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from hotline.api.schemas import ApiErrorSchema, TicketSchema
from hotline.api.security import api_requires, api_user
from hotline.app.extensions import db
from hotline.domain.lifecycle import MAX_EXTENSION_DAYS, RETURN_REASONS
from hotline.identity.permissions import ACTION_PERMISSIONS
from hotline.tickets.actions import perform
from hotline.tickets.presenters import ticket_dict

blp = Blueprint("api_ticket_actions", __name__, url_prefix="/api/v1/tickets",
                description="工单办理 Ticket actions (dispatch, sign, return, extend, reply, ...)")


class DispatchSchema(Schema):
    unit = fields.String(required=True, metadata={"description": "lead unit code (主办)"})
    assisting = fields.List(fields.String(), load_default=list,
                            metadata={"description": "assisting unit codes (协办)"})
    note = fields.String(validate=validate.Length(max=500))


class EmptySchema(Schema):
    note = fields.String(validate=validate.Length(max=500))


class ReturnSchema(Schema):
    reason_code = fields.String(required=True, validate=validate.OneOf(list(RETURN_REASONS)))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ExtendSchema(Schema):
    days = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_EXTENSION_DAYS),
                          metadata={"description": "working days"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class DecideExtensionSchema(Schema):
    approve = fields.Boolean(required=True)
    note = fields.String(validate=validate.Length(max=2000))


class ReplySchema(Schema):
    answer = fields.String(required=True, validate=validate.Length(min=1, max=4000))


class ReviewSchema(Schema):
    accept = fields.Boolean(required=True)
    note = fields.String(validate=validate.Length(max=2000),
                         metadata={"description": "required when sending the reply back"})


class UrgeSchema(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    due = fields.AwareDateTime(required=True, metadata={"description": "the order's deadline"})


class CloseSchema(Schema):
    note = fields.String(validate=validate.Length(max=2000))
    direct = fields.Boolean(load_default=False,
                            metadata={"description": "直接办结 of a never-dispatched enquiry"})


class ReopenSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class WaiveSchema(Schema):
    unit = fields.String(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class TopicSchema(Schema):
    topic = fields.String(required=True, validate=validate.Length(min=1, max=32),
                          metadata={"description": "topic code (GET /api/v1/admin/topics)"})


OPERATIONS: dict[str, tuple[type[Schema], str]] = {
    "dispatch": (DispatchSchema, "派单 to a lead unit, optionally with assisting units."),
    "sign": (EmptySchema, "签收 by the lead unit."),
    "return": (ReturnSchema, "退单 by the lead unit; after two returns a supervisor arbitrates."),
    "extend": (ExtendSchema, "延期申请 by the lead unit; the deadline moves only on approval."),
    "decide-extension": (DecideExtensionSchema, "Approve or refuse the pending extension."),
    "reply": (ReplySchema, "The lead unit's answer (办理结果); the ticket becomes replied."),
    "review-reply": (ReviewSchema, "审核: accept the answer for the citizen or send it back."),
    "urge": (UrgeSchema, "督办: a supervisor's order with a note and its own deadline."),
    "close": (CloseSchema, "办结."),
    "reopen": (ReopenSchema, "重办: back to the unit."),
    "assist-reply": (ReplySchema, "An assisting unit reports its part (协办意见)."),
    "waive-assist": (WaiveSchema, "The centre releases an assisting unit."),
    "set-topic": (TopicSchema, "Set or correct the topic; it becomes a training example."),
}


def _register(action: str, schema: type[Schema], summary: str) -> None:
    def view(args: dict[str, Any], number: str) -> dict[str, Any]:
        user = api_user()
        ticket = perform(db.session, user, number, action, args)
        return ticket_dict(ticket, user, events=True)

    view.__name__ = f"action_{action.replace('-', '_')}"
    view.__doc__ = f"{summary}\n\n403 wrong post, 404 unknown or not visible, 409 wrong state " \
                   "or a concurrent change."
    decorated: Callable[..., Any] = view
    for decorator in (
        blp.alt_response(409, schema=ApiErrorSchema),
        blp.alt_response(404, schema=ApiErrorSchema),
        blp.alt_response(403, schema=ApiErrorSchema),
        blp.alt_response(400, schema=ApiErrorSchema),
        blp.alt_response(401, schema=ApiErrorSchema),
        blp.response(200, TicketSchema),
        blp.arguments(schema),
    ):
        decorated = decorator(decorated)
    # Outermost: a post without the permission hears 403 before its body is validated.
    decorated = api_requires(ACTION_PERMISSIONS[action])(decorated)
    blp.route(f"/<string:number>/{action}", methods=["POST"], endpoint=view.__name__)(decorated)


for _action, (_schema, _summary) in OPERATIONS.items():
    _register(_action, _schema, _summary)
