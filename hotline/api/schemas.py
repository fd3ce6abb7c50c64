"""Marshmallow schemas: they validate API input and document the API in OpenAPI."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from hotline.models import Line, RequestType


class DepartmentSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    level = fields.String(required=True)
    parent = fields.String(allow_none=True)
    district = fields.String(allow_none=True)


class EventSchema(Schema):
    at = fields.String()
    actor = fields.String()
    kind = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    data = fields.Dict()


class RiskMarkSchema(Schema):
    category = fields.String(metadata={"description": "self_harm, violence, mass_gathering, "
                                                      "child_elder or other"})
    level = fields.String(metadata={"description": "extreme (alerts the duty supervisor) or high"})


class HandOffRecordSchema(Schema):
    to = fields.String(metadata={"description": "110, 120, 119 or 122"})
    by = fields.String()
    at = fields.String()
    note = fields.String(allow_none=True)
class IncidentSchema(Schema):
    master = fields.String(required=True, metadata={"description": "the group's master ticket number"})
    size = fields.Integer(required=True, metadata={"description": "tickets in the group, the master included"})
    confirmed = fields.Boolean(required=True, metadata={"description": "a supervisor confirmed it"})


class LocationSchema(Schema):
    lat = fields.Float(required=True)
    lng = fields.Float(required=True)
    approximate = fields.Boolean(required=True, metadata={
        "description": "true: the point is the community's, street's or district's, not the "
                       "ticket's own"})
    source = fields.String(required=True, metadata={
        "description": "ticket, community, street or district"})


class TicketSchema(Schema):
    number = fields.String(required=True)
    line = fields.String(required=True)
    channel = fields.String(required=True)
    request_type = fields.String(required=True)
    status = fields.String(required=True)
    content = fields.String(required=True)
    address = fields.String(allow_none=True)
    district = fields.String(allow_none=True)
    street = fields.String(allow_none=True, metadata={"description": "gazetteer street code"})
    street_found = fields.Dict(allow_none=True, metadata={
        "description": "what found the street: {by: gazetteer, entry, word, field}"})
    community = fields.String(allow_none=True, metadata={
        "description": "gazetteer community (社区/村) code, in that street"})
    location = fields.Nested(LocationSchema, allow_none=True, metadata={
        "description": "where the ticket is drawn on the map: its own point, else its "
                       "community's, street's or district's (approximate); null when none is "
                       "known"})
    citizen = fields.Dict()
    topic = fields.String(allow_none=True)
    topic_name = fields.String(allow_none=True)
    department = fields.Nested(DepartmentSchema, allow_none=True)
    handler = fields.Dict(allow_none=True, metadata={
        "description": "the unit's handler (经办人): {username, name}"})
    urgency = fields.String()
    classifier = fields.Dict()
    repeat_of = fields.String(allow_none=True)
    incident = fields.Nested(IncidentSchema, allow_none=True, metadata={
        "description": "合并办理: the incident group the ticket is the master or a member of"})
    created_at = fields.String()
    updated_at = fields.String()
    deadlines = fields.Dict()
    events = fields.List(fields.Nested(EventSchema))
    casework = fields.Dict(metadata={"description": "first contact, 挂起 spans and appeals "
                                                    "(one ticket's view only)"})
    reply_quality = fields.Dict(metadata={"description": (
        "the reply-quality check of the answer awaiting 审核 (score 0-100, band, relevance, "
        "completeness, interpretability 0-1, evasive, reasons: code, good, message as 中文 / "
        "English, evidence: the words behind it), for those "
        "who review replies, on one ticket's view; advice only")})
    # Risk triage (issue 19).
    risk = fields.Nested(RiskMarkSchema, allow_none=True, metadata={
        "description": "the risk mark, null when no risk was seen"})
    hand_offs = fields.List(fields.Nested(HandOffRecordSchema), metadata={
        "description": "双向转接 records (on a single ticket's answer)"})


class TicketPageSchema(Schema):
    items = fields.List(fields.Nested(TicketSchema), required=True)
    total = fields.Integer(required=True, metadata={
        "description": "matches on all pages, counted up to 10,000"})
    total_capped = fields.Boolean(metadata={"description": "there are more than `total` matches"})
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


class IntakeSchema(Schema):
    content = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    line = fields.String(validate=validate.OneOf([s.value for s in Line]))
    channel = fields.String(validate=validate.OneOf(["web", "phone", "sms", "import"]))
    request_type = fields.String(validate=validate.OneOf([t.value for t in RequestType]))
    phone = fields.String(validate=validate.Length(max=32))
    name = fields.String(validate=validate.Length(max=80))
    address = fields.String(validate=validate.Length(max=200))
    lat = fields.Float(validate=validate.Range(-90, 90), metadata={
        "description": "where the problem is (WGS 84), with `long`"})
    long = fields.Float(validate=validate.Range(-180, 180), metadata={
        "description": "WGS 84 longitude, with `lat`"})
    confidential = fields.Boolean()


class IntakeAcceptedSchema(Schema):
    ticket_number = fields.String(required=True)
    created = fields.Boolean(required=True)


class FailedIntakeSchema(Schema):
    id = fields.Integer(required=True)
    ticket_number = fields.String(required=True, metadata={"description": "reserved, already told"})
    channel = fields.String(required=True)
    line = fields.String(required=True)
    status = fields.String(required=True)
    attempts = fields.Integer(required=True)
    error = fields.String(allow_none=True)
    received_at = fields.DateTime(required=True)
    content = fields.String(required=True)
    phone = fields.String(allow_none=True, metadata={"description": "masked"})
