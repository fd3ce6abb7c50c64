"""Intake through the API, for portals, apps and sibling systems that speak JSON."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from hotline.api.schemas import FailedIntakeSchema, IntakeAcceptedSchema, IntakeSchema
from hotline.api.security import api_requires, api_user
from hotline.app import settings, unit_of_work
from hotline.app.extensions import ApiErrorSchema, db
from hotline.domain.content import idempotency_ref
from hotline.domain.errors import InvalidInput
from hotline.domain.roles import Permission
from hotline.intake import failed as dead_letter
from hotline.intake.accept import Request
from hotline.intake.handover import hand_over, submit
from hotline.models import Channel
from routing.geo import check_point

blp = Blueprint("api_intakes", __name__, url_prefix="/api/v1/intakes",
                description="受理 Intake: every request lands in the one intake queue")


@blp.route("")
class Intakes(MethodView):
    decorators = [api_requires(Permission.SUBMIT_INTAKE)]

    # An instance: given the class, webargs builds a new schema for every request.
    @blp.arguments(IntakeSchema())
    @blp.response(202, IntakeAcceptedSchema)
    @blp.alt_response(400, schema=ApiErrorSchema)
    @blp.alt_response(401, schema=ApiErrorSchema)
    @blp.alt_response(403, schema=ApiErrorSchema)
    def post(self, args: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """Accept a request; the ticket number is final, the ticket follows from the worker.

        An `Idempotency-Key` header makes retries safe: the same key returns the same number.
        """
        intake, created = submit(Request(
            channel=Channel(args.get("channel", Channel.WEB.value)),
            line=args.get("line", "12345"),
            content=args["content"],
            request_type=args.get("request_type", "complaint"),
            phone=args.get("phone"),
            name=args.get("name"),
            address=args.get("address"),
            confidential=args.get("confidential", False),
            source_ref=idempotency_ref("api", request.headers.get("Idempotency-Key")),
            extra=_position(args),
        ), region=settings.current().default_region)
        return {"ticket_number": intake.ticket_number, "created": created}, 202 if created else 200


def _position(args: dict[str, Any]) -> dict[str, float] | None:
    """Open311's names (`lat`, `long`), both or neither (400)."""
    try:
        point = check_point(args.get("lat"), args.get("long"))
    except ValueError as exc:
        raise InvalidInput(str(exc), field="lat") from None
    return {"lat": point[0], "long": point[1]} if point else None


@blp.route("/failed")
class FailedIntakes(MethodView):
    decorators = [api_requires(Permission.LOG_CALL)]

    @blp.response(200, FailedIntakeSchema(many=True))
    @blp.alt_response(401, schema=ApiErrorSchema)
    @blp.alt_response(403, schema=ApiErrorSchema)
    def get(self) -> list[dict[str, Any]]:
        """Intakes set aside after INTAKE_MAX_ATTEMPTS failed attempts, oldest first (dead letter).

        Each keeps the ticket number the citizen was told; retry it, or make its ticket on the
        page /intakes/{id}/ticket.
        """
        return [dead_letter.shown(i) for i in dead_letter.failed(db.session)]


@blp.route("/<int:intake_id>/retry")
class RetryIntake(MethodView):
    decorators = [api_requires(Permission.LOG_CALL)]

    @blp.response(200, FailedIntakeSchema)
    @blp.alt_response(401, schema=ApiErrorSchema)
    @blp.alt_response(403, schema=ApiErrorSchema)
    @blp.alt_response(404, schema=ApiErrorSchema)
    @blp.alt_response(409, schema=ApiErrorSchema)
    def post(self, intake_id: int) -> dict[str, Any]:
        """Put a failed intake back into processing with a fresh count of attempts (audited)."""
        intake = dead_letter.retry(db.session, intake_id, api_user())
        unit_of_work.commit(db.session)
        hand_over(intake.id)
        return dead_letter.shown(intake)
