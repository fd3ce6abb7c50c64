"""Departments (units) through the API, with their stable codes and hierarchy."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from hotline.api.schemas import DepartmentSchema
from hotline.api.security import api_requires
from hotline.app.extensions import ApiErrorSchema, db
from hotline.domain.roles import Permission
from hotline.models import LEVEL_RANK, Department
from hotline.tickets.presenters import department_dict

blp = Blueprint("api_departments", __name__, url_prefix="/api/v1/departments",
                description="承办单位 Departments")


@blp.route("")
class Departments(MethodView):
    decorators = [api_requires(Permission.VIEW_TICKETS)]

    @blp.response(200, DepartmentSchema(many=True))
    @blp.alt_response(401, schema=ApiErrorSchema)
    @blp.alt_response(403, schema=ApiErrorSchema)
    def get(self) -> list[dict[str, Any]]:
        """Every active department, city level first."""
        rows = db.session.scalars(
            select(Department).where(Department.active).order_by(LEVEL_RANK, Department.code)
        ).all()
        return [department_dict(d) for d in rows]
