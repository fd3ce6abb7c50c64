"""The search parameters, validated once for the page, the API and saved views."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from hotline.domain.errors import InvalidInput
from hotline.models import Channel, Line, Status

PER_PAGE = 50
FILTERS = ("q", "status", "line", "channel", "topic", "department", "district", "street",
           "community", "created_from", "created_to", "overdue")
_CODE = validate.Length(max=32)


class SearchArgs(Schema):
    """`GET /tickets` and `GET /api/v1/tickets`. Unknown parameters are ignored."""

    class Meta:
        unknown = EXCLUDE

    q = fields.String(validate=validate.Length(max=100), metadata={
        "description": "ticket number, phone (last four digits, or whole for posts that may "
                       "see numbers), name, words of the content or address; terms separated "
                       "by spaces all match"})
    status = fields.String(validate=validate.OneOf([s.value for s in Status]))
    line = fields.String(validate=validate.OneOf([s.value for s in Line]))
    channel = fields.String(validate=validate.OneOf([s.value for s in Channel]))
    topic = fields.String(validate=_CODE, metadata={"description": "topic code, its subtopics included"})
    department = fields.String(validate=_CODE, metadata={"description": "lead unit's code"})
    district = fields.String(validate=_CODE, metadata={"description": "district code"})
    street = fields.String(validate=_CODE, metadata={
        "description": "street code: tickets located in the street or whose text or address names it"})
    community = fields.String(validate=_CODE, metadata={
        "description": "community (社区/村) code: tickets located in the community (the map's "
                       "count: named by the citizen, or forwarded down to it)"})
    created_from = fields.Date(metadata={"description": "first day, Asia/Shanghai"})
    created_to = fields.Date(metadata={"description": "last day (included), Asia/Shanghai"})
    overdue = fields.Boolean(metadata={"description": "only tickets past their reply deadline "
                                                      "and not answered yet"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=PER_PAGE, validate=validate.Range(min=1, max=200))

    @validates_schema
    def _dates_in_order(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("created_from") and data.get("created_to") \
                and data["created_from"] > data["created_to"]:
            raise ValidationError("起始日期晚于结束日期 / the first day is after the last",
                                  "created_to")


def load(raw: dict[str, Any]) -> dict[str, Any]:
    """Validated parameters from a page's query string; empty fields are not filters."""
    try:
        return SearchArgs().load({k: v for k, v in raw.items() if v not in ("", None)})
    except ValidationError as exc:
        field, messages = next(iter(exc.normalized_messages().items()))
        raise InvalidInput(f"查询条件无效 / invalid search: {field}: {messages}",
                           field=str(field)) from exc


def as_query(args: dict[str, Any]) -> dict[str, str]:
    """The filters as query-string values (links to other pages, saved views)."""
    out: dict[str, str] = {}
    for name in FILTERS:
        value = args.get(name)
        if value in (None, "", False):
            continue
        out[name] = "1" if value is True else str(value)
    return out
