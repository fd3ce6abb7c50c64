"""Administrators edit routing data through the API: dispatch rules, SLA policies, calendar.

Validation and auditing live in hotline.admin, shared with the web pages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from hotline import admin
from hotline.api.security import api_requires, api_user
from hotline.app import unit_of_work
from hotline.app.extensions import ApiErrorSchema, db
from hotline.domain.roles import Permission

blp = Blueprint("api_catalogue", __name__, url_prefix="/api/v1/admin",
                description="派单目录、时限与工作日历、风险研判规则 Dispatch catalogue, SLA policies, "
                            "calendar, risk rules and the duty roster")


class RuleSchema(Schema):
    id = fields.Integer(dump_only=True)
    topic = fields.String(allow_none=True)
    district = fields.String(allow_none=True)
    line = fields.String(allow_none=True)
    keywords = fields.String(allow_none=True, metadata={"description": "comma-separated"})
    department = fields.String(required=True)
    priority = fields.Integer()
    urgency = fields.String(allow_none=True)
    active = fields.Boolean()
    note = fields.String(allow_none=True)


class SlaSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True)
    topic = fields.String(allow_none=True)
    urgency = fields.String(allow_none=True)
    dispatch_amount = fields.Float(required=True)
    dispatch_unit = fields.String(required=True)
    sign_amount = fields.Float(required=True)
    sign_unit = fields.String(required=True)
    reply_amount = fields.Float(required=True)
    reply_unit = fields.String(required=True)
    contact_amount = fields.Float(metadata={"description": "先行联系 after sign-for; default 2"})
    contact_unit = fields.String(metadata={"description": "default working_hours"})
    active = fields.Boolean()
    note = fields.String(allow_none=True)


class DaySchema(Schema):
    id = fields.Integer(dump_only=True)
    day = fields.String(required=True, metadata={"description": "YYYY-MM-DD"})
    workday = fields.Boolean(required=True)
    name = fields.String()


class YearSchema(Schema):
    id = fields.Integer(dump_only=True)
    year = fields.Integer(required=True)
    note = fields.String()


class RiskRuleSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True)
    category = fields.String(required=True, metadata={
        "description": "self_harm, violence, mass_gathering, child_elder or other"})
    level = fields.String(required=True, metadata={
        "description": "extreme (alerts the duty supervisors) or high"})
    kind = fields.String(required=True, metadata={"description": "keyword or regex"})
    pattern = fields.String(required=True, metadata={
        "description": "|-separated words, or a Python regular expression"})
    negatable = fields.Boolean(metadata={
        "description": "a match right after a negation (没有想自杀) does not count"})
    active = fields.Boolean()
    note = fields.String(allow_none=True)


class DutySupervisorSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True)
    phone = fields.String(required=True, metadata={"description": "the mobile the alerts go to"})
    active = fields.Boolean()
    note = fields.String(allow_none=True)


SCHEMAS: dict[str, tuple[str, type[Schema]]] = {
    "dispatch-rules": ("rules", RuleSchema),
    "sla-policies": ("sla", SlaSchema),
    "calendar-days": ("days", DaySchema),
    "calendar-years": ("years", YearSchema),
    # risk triage (issue 19)
    "risk-rules": ("risks", RiskRuleSchema),
    "duty-supervisors": ("duty", DutySupervisorSchema),
}


def _wire(path: str, entity: str, schema: type[Schema]) -> None:
    name = path.replace("-", "_")
    as_dict = admin.ENTITIES[entity].as_dict

    def listing() -> list[dict[str, Any]]:
        return [as_dict(row) for row in admin.rows(db.session, entity)]

    def create(args: dict[str, Any]) -> tuple[dict[str, Any], int]:
        saved = admin.save(db.session, api_user(), entity, args)
        unit_of_work.commit(db.session)
        return saved, 201

    def change(args: dict[str, Any], key: int) -> dict[str, Any]:
        saved = admin.save(db.session, api_user(), entity, args, key)
        unit_of_work.commit(db.session)
        return saved

    def remove(key: int) -> tuple[str, int]:
        admin.delete(db.session, api_user(), entity, key)
        unit_of_work.commit(db.session)
        return "", 204

    errors = [blp.alt_response(code, schema=ApiErrorSchema) for code in (400, 401, 403, 404)]

    def wrap(view: Callable[..., Any], doc: str, *decorators: Any) -> Callable[..., Any]:
        view.__name__ = f"{name}_{view.__name__}"
        view.__doc__ = doc
        wrapped: Callable[..., Any] = view
        for decorator in (*errors, *decorators):
            wrapped = decorator(wrapped)
        # Outermost: a post without the permission hears 403 before its body is validated.
        return api_requires(Permission.ADMINISTER)(wrapped)

    blp.route(f"/{path}", methods=["GET"], endpoint=f"{name}_list")(
        wrap(listing, f"Every {path} row (administrators).", blp.response(200, schema(many=True))))
    blp.route(f"/{path}", methods=["POST"], endpoint=f"{name}_create")(
        wrap(create, f"Create a {path} row; audited.", blp.response(201, schema),
             blp.arguments(schema)))
    blp.route(f"/{path}/<int:key>", methods=["PUT"], endpoint=f"{name}_update")(
        wrap(change, f"Replace a {path} row; audited.", blp.response(200, schema),
             blp.arguments(schema)))
    blp.route(f"/{path}/<int:key>", methods=["DELETE"], endpoint=f"{name}_delete")(
        wrap(remove, f"Delete a {path} row; audited.", blp.response(204)))


for _path, (_entity, _schema) in SCHEMAS.items():
    _wire(_path, _entity, _schema)
