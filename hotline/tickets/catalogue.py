"""Every ticket action, declared once: the table the API, the ticket page and the permission
check all read.

An entry says what the action is called (its URL segment; its Chinese label is the life
cycle's, lifecycle.ACTS, the name its refusals use), where it applies (a named status set of
hotline.domain.lifecycle, whose function refuses it elsewhere with 409), which post may do it
(hotline.domain.roles), what it takes (one marshmallow schema: the API validates a JSON body with
it, the ticket page reads its form fields by it) and which life-cycle function it runs, with the
request's values turned into that function's arguments (unit and topic codes looked up, the
deadline parsed). Adding an action is one entry here and its label in lifecycle.ACTS;
tests/hotline/tickets/test_catalogue.py fails when an entry is incomplete or a route, form or
button names an action the table does not have.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.catalogue import snapshot
from hotline.domain import lifecycle, states
from hotline.domain.deadlines import Planner
from hotline.domain.errors import InvalidInput
from hotline.domain.lifecycle import (
    HANDOFF_SERVICES,
    MAX_EXTENSION_DAYS,
    RETURN_REASONS,
    RISK_CATEGORIES,
    RISK_LEVELS,
    Actor,
)
from hotline.domain.roles import Permission
from hotline.models import Department, Level, Status, Ticket, Topic, TrainingExample, User
from hotline.tickets.lookups import topic_by_code
from routing.calendar import SHANGHAI

P = Permission
# set-topic corrects the classification at any stage (a closed ticket's too: it trains the model).

# --- what each action takes ----------------------------------------------------------------------


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
    # `label` names the field in the ticket form's messages (OpenAPI leaves it out).
    days = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_EXTENSION_DAYS),
                          metadata={"description": "working days", "label": "延期天数"})
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


class AssignSchema(Schema):  # levels (issue 17)
    user = fields.String(required=True, validate=validate.Length(min=1, max=40),
                         metadata={"description": "username of the unit's staff member "
                                                  "who handles the ticket (经办人)"})


class TopicSchema(Schema):
    topic = fields.String(required=True, validate=validate.Length(min=1, max=32),
                          metadata={"description": "topic code (GET /api/v1/admin/topics)"})


class ForwardSchema(Schema):
    unit = fields.String(required=True,
                         metadata={"description": "code of a unit below the lead unit (转派)"})
    note = fields.String(validate=validate.Length(max=500),
                         metadata={"description": "instruction to the child unit"})


class ForwardReturnSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ForwardReviewSchema(Schema):
    accept = fields.Boolean(required=True,
                            metadata={"description": "adopt the child's answer as the reply"})
    note = fields.String(validate=validate.Length(max=2000),
                         metadata={"description": "required when sending the answer back"})


# Risk triage (issue 19).
class HandOffSchema(Schema):
    to = fields.String(required=True, validate=validate.OneOf(list(HANDOFF_SERVICES)),
                       metadata={"description": "the service the caller was handed to: "
                                                + ", ".join(HANDOFF_SERVICES),
                                 "label": "转接对象"})
    note = fields.String(validate=validate.Length(max=lifecycle.MAX_HANDOFF_NOTE))


class RiskSchema(Schema):
    category = fields.String(required=True, validate=validate.OneOf(list(RISK_CATEGORIES)),
                             metadata={"label": "风险类别"})
    level = fields.String(required=True, validate=validate.OneOf(list(RISK_LEVELS)),
                          metadata={"description": "extreme alerts the duty supervisor",
                                    "label": "风险等级"})
    note = fields.String(required=True, validate=validate.Length(min=1, max=500),
                         metadata={"label": "标记理由"})


# --- from the request's values to the life-cycle function's arguments ---------------------------


@dataclass
class Context:
    """What turning values into arguments may need: the session for lookups, and the deadline
    planner, loaded only by the actions that move a deadline."""

    session: Session

    @cached_property
    def planner(self) -> Planner:
        return snapshot.current(self.session).planner


Arguments = Callable[[Context, Actor, Mapping[str, Any]], dict[str, Any]]


def _forward_arguments(ctx: Context, args: Mapping[str, Any]) -> dict[str, Any]:
    """转派's unit, and, for a 社区/村 unit, the gazetteer's community of the same code (the
    demo city's and the seed's convention: a community's unit and place share their code), so
    下派 to a community places the ticket there."""
    unit = _unit(ctx.session, args.get("unit"))
    community = (snapshot.current(ctx.session).gazetteer.community(unit.code)
                 if unit.level == Level.COMMUNITY else None)
    return {"department": unit, "note": args.get("note"), "planner": ctx.planner,
            "community": community}
After = Callable[[Context, Ticket, Actor, dict[str, Any]], None]


def _unit(session: Session, value: Any, field: str = "unit") -> Department:
    """A unit by its code, or by the "名称（代码）" label the type-ahead field offers."""
    text = str(value or "").strip()
    if not text:
        raise InvalidInput("请选择承办单位 / choose the responsible unit", field=field)
    code = text[text.rindex("（") + 1:-1] if text.endswith("）") and "（" in text else text
    unit = session.scalars(select(Department).where(Department.code == code)).one_or_none()
    if unit is None:
        raise InvalidInput(f"未知单位 / unknown unit: {text}", field=field)
    return unit


def _topic(session: Session, code: Any) -> Topic:
    """An active topic by its code; an empty or unknown one is the reader's mistake (400)."""
    if not str(code or "").strip():
        raise InvalidInput("请选择分类 / choose a topic", field="topic")
    topic = topic_by_code(session, str(code or ""))
    if topic is None or not topic.active:
        raise InvalidInput(f"未知分类 / unknown topic: {code}", field="topic")
    return topic


def _training_example(ctx: Context, ticket: Ticket, actor: Actor, kwargs: dict[str, Any]) -> None:
    """A person's choice of topic is also a labelled example the next retraining learns from."""
    ctx.session.add(TrainingExample(ticket_id=ticket.id, text=ticket.content,
                                    label=kwargs["topic"].root.name, created_by=actor.label))


def _staff(session: Session, value: Any) -> User:
    """An account by its username; whether it may handle the ticket is the life cycle's rule."""
    name = str(value or "").strip()
    if not name:
        raise InvalidInput("请选择经办人 / choose the handler", field="user")
    user = session.scalars(select(User).where(User.username == name)).one_or_none()
    if user is None:
        raise InvalidInput(f"未知用户 / unknown user: {name}", field="user")
    return user


def _due(value: Any) -> datetime:
    """A deadline as people type it: `2026-12-09 17:30`, `2026-12-09T17:30` (what a
    datetime-local field sends), with seconds or an offset; without an offset it is Shanghai
    time, the zone every page shows."""
    if isinstance(value, datetime):
        return value
    text = str(value or "").strip()
    if not text:
        raise InvalidInput("请填写督办时限 / due is required", field="due")
    try:
        due = datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise InvalidInput("督办时限格式应为 2026-12-09 17:30 / due must look like "
                           "2026-12-09 17:30", field="due") from None
    return due if due.tzinfo is not None else due.replace(tzinfo=SHANGHAI)


def _no_arguments(ctx: Context, actor: Actor, args: Mapping[str, Any]) -> dict[str, Any]:
    return {}


# --- the table -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketAction:
    """One ticket action. `arguments` runs before `function`, so a bad value (400) is reported
    before a wrong state (409), as the life-cycle function's own checks would order them."""

    name: str  # the URL segment: POST /api/v1/tickets/<number>/<name>, /tickets/<number>/act/<name>
    permission: Permission
    states: frozenset[Status]
    schema: type[Schema]
    summary: str  # the API operation's summary in the OpenAPI document
    function: Callable[..., object]  # the hotline.domain.lifecycle function it runs
    arguments: Arguments = _no_arguments
    after: After | None = None  # what else the change records, once the function accepted it
    files: bool = False  # the ticket form may carry attachments, stored with the change

    @property
    def label(self) -> str:
        """Chinese msgid, translated where shown: the life cycle's name for the action
        (lifecycle.ACTS), the one its refusals say too."""
        return lifecycle.ACTS[self.name].zh

    def run(self, ctx: Context, ticket: Ticket, actor: Actor, args: Mapping[str, Any]) -> None:
        kwargs = self.arguments(ctx, actor, args)
        self.function(ticket, actor, **kwargs)
        if self.after is not None:
            self.after(ctx, ticket, actor, kwargs)


ACTIONS: tuple[TicketAction, ...] = (
    TicketAction(
        name="dispatch", permission=P.DISPATCH, states=states.AT_CENTRE,
        schema=DispatchSchema, summary="派单 to a lead unit, optionally with assisting units.",
        function=lifecycle.dispatch,
        arguments=lambda ctx, actor, args: {
            "department": _unit(ctx.session, args.get("unit")),
            "reason": {"by": "person", "user": actor.label, "note": args.get("note")},
            "assisting": [_unit(ctx.session, c, "assisting") for c in args.get("assisting") or []],
            "planner": ctx.planner}),
    TicketAction(
        name="sign", permission=P.SIGN, states=states.UNSIGNED,
        schema=EmptySchema, summary="签收 by the lead unit.", function=lifecycle.sign,
        arguments=lambda ctx, actor, args: {"planner": ctx.planner}),
    TicketAction(
        name="return", permission=P.RETURN, states=states.UNIT_WORK,
        schema=ReturnSchema,
        summary="退单 by the lead unit; after two returns a supervisor arbitrates.",
        function=lifecycle.return_ticket,
        arguments=lambda ctx, actor, args: {"reason_code": args.get("reason_code", ""),
                                            "reason": args.get("reason", ""),
                                            "planner": ctx.planner}),
    TicketAction(
        name="extend", permission=P.REQUEST_EXTENSION,
        states=states.UNIT_WORK, schema=ExtendSchema,
        summary="延期申请 by the lead unit; the deadline moves only on approval.",
        function=lifecycle.request_extension,
        arguments=lambda ctx, actor, args: {"days": args.get("days"),
                                            "reason": args.get("reason", "")}),
    TicketAction(
        name="decide-extension", permission=P.DECIDE_EXTENSION,
        states=states.WORKING, schema=DecideExtensionSchema,
        summary="Approve or refuse the pending extension.", function=lifecycle.decide_extension,
        arguments=lambda ctx, actor, args: {"approve": bool(args.get("approve")),
                                            "note": args.get("note"), "planner": ctx.planner}),
    TicketAction(
        name="reply", permission=P.REPLY, states=states.BEING_ANSWERED,
        schema=ReplySchema,
        summary="The lead unit's answer (办理结果); the ticket becomes replied.",
        function=lifecycle.reply,
        arguments=lambda ctx, actor, args: {"answer": args.get("answer", "")}, files=True),
    TicketAction(
        name="sign-reply", permission=P.REPLY, states=states.UNSIGNED,
        schema=ReplySchema,
        summary="签收 and answer a simple ticket in one step (two events: signed, replied).",
        function=lifecycle.sign_and_reply,  # simple tickets: no attachments (answer with 答复)
        arguments=lambda ctx, actor, args: {"answer": args.get("answer", "")}),
    TicketAction(
        name="review-reply", permission=P.REVIEW_REPLY,
        states=states.ANSWERED, schema=ReviewSchema,
        summary="审核: accept the answer for the citizen or send it back.",
        function=lifecycle.review_reply,
        arguments=lambda ctx, actor, args: {"accept": bool(args.get("accept")),
                                            "note": args.get("note")}),
    TicketAction(
        name="urge", permission=P.URGE, states=states.BEFORE_REPLY,
        schema=UrgeSchema, summary="督办: a supervisor's order with a note and its own deadline.",
        function=lifecycle.urge,
        arguments=lambda ctx, actor, args: {"note": args.get("note", ""),
                                            "due": _due(args.get("due")),
                                            "planner": ctx.planner}),
    TicketAction(
        # A replied ticket, or with `direct` (直接办结) an enquiry never dispatched.
        name="close", permission=P.CLOSE,
        states=states.ANSWERED | states.NEVER_DISPATCHED, schema=CloseSchema,
        summary="办结.", function=lifecycle.close,
        arguments=lambda ctx, actor, args: {"note": args.get("note"),
                                            "direct": bool(args.get("direct"))}),
    TicketAction(
        name="reopen", permission=P.REOPEN, states=states.REOPENABLE,
        schema=ReopenSchema, summary="重办: back to the unit.", function=lifecycle.reopen,
        arguments=lambda ctx, actor, args: {"reason": args.get("reason", ""),
                                            "planner": ctx.planner}),
    TicketAction(
        name="assist-reply", permission=P.ASSIST_REPLY,
        states=states.WORKING, schema=ReplySchema,
        summary="An assisting unit reports its part (协办意见).", function=lifecycle.assist_reply,
        arguments=lambda ctx, actor, args: {"answer": args.get("answer", "")}),
    TicketAction(
        name="waive-assist", permission=P.WAIVE_ASSIST,
        states=states.WORKING, schema=WaiveSchema,
        summary="The centre releases an assisting unit.", function=lifecycle.waive_assist,
        arguments=lambda ctx, actor, args: {"department_code": str(args.get("unit", "")),
                                            "reason": args.get("reason", "")}),
    TicketAction(
        name="set-topic", permission=P.SET_TOPIC, states=states.EVERY,
        schema=TopicSchema,
        summary="Set or correct the topic; it becomes a training example.",
        function=lifecycle.set_topic,
        arguments=lambda ctx, actor, args: {"topic": _topic(ctx.session, args.get("topic"))},
        after=_training_example),
    # --- forwarding (转派/下派) to a descendant unit: hotline.domain.lifecycle's section ---
    TicketAction(
        name="forward", permission=P.FORWARD, states=states.BEING_ANSWERED,
        schema=ForwardSchema,
        summary="转派: the lead unit hands a signed ticket to a unit below it; it stays accountable.",
        function=lifecycle.forward,
        arguments=lambda ctx, actor, args: _forward_arguments(ctx, args)),
    TicketAction(
        name="forward-sign", permission=P.SIGN,
        states=states.BEING_ANSWERED, schema=EmptySchema,
        summary="The unit a ticket was forwarded to signs for its task.",
        function=lifecycle.forward_sign),
    TicketAction(
        name="forward-reply", permission=P.REPLY,
        states=states.BEING_ANSWERED, schema=ReplySchema,
        summary="The forwarded-to unit's answer, to the lead unit (not to the citizen).",
        function=lifecycle.forward_reply,
        arguments=lambda ctx, actor, args: {"answer": args.get("answer", "")}),
    TicketAction(
        name="forward-return", permission=P.RETURN,
        states=states.BEING_ANSWERED, schema=ForwardReturnSchema,
        summary="The forwarded-to unit hands its task back to the lead unit, with a reason.",
        function=lifecycle.forward_return,
        arguments=lambda ctx, actor, args: {"reason": args.get("reason", "")}),
    TicketAction(
        name="forward-review", permission=P.REVIEW_FORWARD,
        states=states.BEING_ANSWERED, schema=ForwardReviewSchema,
        summary="The lead unit adopts the forwarded answer as its reply, or sends it back.",
        function=lifecycle.review_forward,
        arguments=lambda ctx, actor, args: {"accept": bool(args.get("accept")),
                                            "note": args.get("note")}),
    # --- levels (issue 17) ---
    TicketAction(
        name="assign", permission=P.ASSIGN_HANDLER,
        states=states.UNIT_WORK, schema=AssignSchema,
        summary="The lead of the unit holding the ticket names its handler (经办人) among the "
                "unit's staff; naming another later is an event too.",
        function=lifecycle.assign,
        arguments=lambda ctx, actor, args: {"handler": _staff(ctx.session, args.get("user"))}),
    # --- risk triage (issue 19) ---
    TicketAction(
        name="hand-off", permission=P.HAND_OFF, states=states.OPEN,
        schema=HandOffSchema,
        summary="Record a hand-off (双向转接) to 110/120/119/122: to whom, who, when, a note.",
        function=lifecycle.hand_off,
        arguments=lambda ctx, actor, args: {"to": str(args.get("to", "")),
                                            "note": args.get("note")}),
    TicketAction(
        name="mark-risk", permission=P.MARK_RISK, states=states.OPEN,
        schema=RiskSchema,
        summary="Set the risk mark by hand (the rules set it at intake); extreme alerts the "
                "duty supervisor.",
        function=lifecycle.mark_risk,
        arguments=lambda ctx, actor, args: {"category": str(args.get("category", "")),
                                            "level": str(args.get("level", "")),
                                            "note": args.get("note"),
                                            "reason": {"by": "person", "user": actor.label}}),
)


# --- casework (issue 17): notes, first contact, 挂起, 甄别/申诉 -----------------------------------


class NoteSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=lifecycle.MAX_NOTE))
    public = fields.Boolean(load_default=False, metadata={
        "description": "阶段性答复: shown to the citizen on /track and in Open311; "
                       "false (the default) is an internal note staff only read"})


class ContactSchema(Schema):
    method = fields.String(required=True, validate=validate.OneOf(list(lifecycle.CONTACT_METHODS)),
                           metadata={"description": "phone, sms or visit"})
    note = fields.String(validate=validate.Length(max=lifecycle.MAX_NOTE),
                         metadata={"description": "internal: what was agreed with the citizen"})


class SuspendSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    until = fields.Date(metadata={"description": "the day the suspension ends by itself "
                                                 "(at its start, Shanghai time); optional"})


class DecideSuspensionSchema(Schema):
    approve = fields.Boolean(required=True)
    note = fields.String(validate=validate.Length(max=2000))


class ResumeSchema(Schema):
    note = fields.String(validate=validate.Length(max=2000))


class AppealSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(list(lifecycle.APPEAL_KINDS)),
                         metadata={"description": "unreasonable, concluded (终结件), duplicate, "
                                                  "outside_duty or unfair_rating"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class DecideAppealSchema(Schema):
    approve = fields.Boolean(required=True)
    note = fields.String(validate=validate.Length(max=2000),
                         metadata={"description": "required when refusing"})


def _day(value: Any) -> date | None:
    """An optional date as the form's date field (or the API's schema) gives it."""
    if value is None or isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("日期格式应为 YYYY-MM-DD / until must look like 2026-12-09",
                           field="until") from None


CASEWORK_ACTIONS: tuple[TicketAction, ...] = (
    TicketAction(
        name="note", permission=P.ADD_NOTE, states=states.OPEN,
        schema=NoteSchema,
        summary="A progress note for the citizen (阶段性答复, public) or an internal note.",
        function=lifecycle.add_note,
        arguments=lambda ctx, actor, args: {"text": args.get("text", ""),
                                            "public": bool(args.get("public"))}),
    TicketAction(
        name="contact", permission=P.RECORD_CONTACT,
        states=states.BEING_ANSWERED, schema=ContactSchema,
        summary="先行联系: the unit reached the citizen; the first contact stops its clock.",
        function=lifecycle.record_contact,
        arguments=lambda ctx, actor, args: {"method": str(args.get("method", "")),
                                            "note": args.get("note")}),
    TicketAction(
        name="suspend", permission=P.SUSPEND, states=states.BEING_ANSWERED,
        schema=SuspendSchema,
        summary="挂起申请 by the unit's lead; the clocks stop only once the centre approves.",
        function=lifecycle.request_suspension,
        arguments=lambda ctx, actor, args: {"reason": args.get("reason", ""),
                                            "until": _day(args.get("until"))}),
    TicketAction(
        name="decide-suspension", permission=P.DECIDE_SUSPENSION,
        states=states.BEING_ANSWERED, schema=DecideSuspensionSchema,
        summary="Approve (every running clock stands still) or refuse the pending suspension.",
        function=lifecycle.decide_suspension,
        arguments=lambda ctx, actor, args: {"approve": bool(args.get("approve")),
                                            "note": args.get("note")}),
    TicketAction(
        name="resume", permission=P.RESUME, states=states.BEING_ANSWERED,
        schema=ResumeSchema,
        summary="End the suspension: open deadlines move later by the suspended time.",
        function=lifecycle.resume,
        arguments=lambda ctx, actor, args: {"note": args.get("note"), "planner": ctx.planner}),
    TicketAction(
        name="appeal", permission=P.APPEAL, states=lifecycle.APPEALABLE,
        schema=AppealSchema,
        summary="甄别/申诉 by the lead unit's lead: that the ticket not count against it.",
        function=lifecycle.appeal,
        arguments=lambda ctx, actor, args: {"kind": str(args.get("kind", "")),
                                            "reason": args.get("reason", "")}),
    TicketAction(
        name="decide-appeal", permission=P.DECIDE_APPEAL,
        states=lifecycle.APPEALABLE, schema=DecideAppealSchema,
        summary="Approve (the ticket leaves the rates its kind names) or refuse the appeal.",
        function=lifecycle.decide_appeal,
        arguments=lambda ctx, actor, args: {"approve": bool(args.get("approve")),
                                            "note": args.get("note")}),
)
ACTIONS = (*ACTIONS, *CASEWORK_ACTIONS)
BY_NAME: dict[str, TicketAction] = {action.name: action for action in ACTIONS}
# What each action needs, for the permission checks and the permission tests.
ACTION_PERMISSIONS: dict[str, Permission] = {action.name: action.permission for action in ACTIONS}
