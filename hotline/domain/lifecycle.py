"""The ticket life cycle: the only code that changes a ticket's state.

Views, webhooks, jobs and the CLI call these functions; each checks that the action is legal for
the ticket's state and the actor's post, changes the ticket, and appends an immutable event.
Functions touch only the objects they are given (no session, no I/O), so the rules are tested
without a database; callers commit, and optimistic locking on `Ticket.version` turns a lost race
into a Conflict (see hotline.tickets.actions.commit).

Deadlines: functions that start or move a deadline take a `Planner` (policies + working
calendar). Without one they change state only, which is what the older callers and the pure
state tests need. A deadline that falls in a year without a calendar is left empty, recorded as a
`calendar_missing` event (whose effect alerts the administrators) — never guessed.

Notices to staff are not written here: each event's effects (hotline.domain.effects, the words
in hotline.domain.notices) are run by the unit of work when the caller commits.

States: 待分拨 pending_dispatch → 已派单 dispatched → 已签收 signed → 已答复 replied → 已办结
closed; 已退单 returned goes back to the centre (after two returns only a supervisor may
re-dispatch: arbitration); 重办 reopen sends a replied or closed ticket back to its unit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol

from hotline.domain.deadlines import Planner, Window
from hotline.domain.errors import Forbidden, IllegalTransition, InvalidInput
from hotline.domain.events import EventKind
from hotline.domain.marks import N_
from hotline.domain.roles import Permission, allows
from hotline.domain.states import (
    ANSWERED,
    AT_CENTRE,
    BEFORE_REPLY,
    BEING_ANSWERED,
    NEVER_DISPATCHED,
    OPEN,
    REOPENABLE,
    REPLIED_OR_CLOSED,
    STATUS_LABELS,
    UNIT_WORK,
    UNSIGNED,
    WORKING,
)
from hotline.models import (
    Appeal,
    AssistTask,
    DeadlineClock,
    Department,
    ExtensionRequest,
    ForwardTask,
    Role,
    Status,
    SupervisionOrder,
    Suspension,
    Ticket,
    TicketEvent,
    Topic,
    Urgency,
    User,
    utcnow,
)
from routing.calendar import SHANGHAI
from routing.errors import CalendarMissing
from routing.places import Community
from routing.sla import Limit, Unit


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in user, the system (workers), or the citizen."""

    label: str
    role: Role | None = None
    user_id: int | None = None
    department_id: int | None = None

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user.username, user.role, user.id, user.department_id)


SYSTEM = Actor("system")
CITIZEN = Actor("citizen")

# Posts that belong to a unit (and act only on its tickets); what each post may do is in
# hotline.domain.roles.
UNIT_ROLES = frozenset({Role.UNIT_STAFF, Role.UNIT_LEAD})

RETURN_REASONS = {
    "not_our_duty": N_("非本单位职责"),
    "wrong_district": N_("非本辖区"),
    "insufficient_info": N_("诉求信息不全"),
    "duplicate": N_("重复件"),
    "other": N_("其他"),
}
RETURNS_BEFORE_ARBITRATION = 2
MAX_EXTENSION_DAYS = 30
# A 督办 order is about this ticket's handling, not next year's: a later date is a typing slip
# (and 9999-12-31 would overflow the escalation arithmetic).
MAX_URGE_AHEAD = timedelta(days=366)

NEW_TICKET_COLLECTIONS = ("events", "clocks", "assist_tasks", "extensions", "orders",
                          "notifications", "forward_tasks")
# Clock kinds; an assisting unit's clock is "assist:<unit code>", a 督办 order's "urge:<seq>".
DISPATCH, SIGN, REPLY = "dispatch", "sign", "reply"


@dataclass(frozen=True)
class Act:
    """An action as people are told they may not do it: its Chinese label (a msgid, for the
    Chinese half of a refusal and the catalogue's buttons and forms) and the English verb
    phrase of the English half ("only the assigned unit may assign a handler")."""

    zh: str
    en: str


# Every action a refusal names, by the catalogue's name for it (hotline.tickets.catalogue takes
# its labels from here); a refusal's Chinese half never shows the slug or the English phrase.
ACTS: Mapping[str, Act] = {
    "dispatch": Act(N_("派单"), "dispatch"),
    "sign": Act(N_("签收"), "sign"),
    "return": Act(N_("退单"), "return"),
    "extend": Act(N_("申请延期"), "extend"),
    "decide-extension": Act(N_("延期审批"), "decide an extension"),
    "reply": Act(N_("答复"), "reply"),
    "sign-reply": Act(N_("签收并答复"), "sign and reply"),
    "review-reply": Act(N_("审核答复"), "review the reply"),
    "urge": Act(N_("督办"), "urge"),
    "close": Act(N_("办结"), "close"),
    "reopen": Act(N_("重办"), "reopen"),
    "assist-reply": Act(N_("协办反馈"), "finish an assisting task"),
    "waive-assist": Act(N_("免除协办"), "waive an assisting task"),
    "set-topic": Act(N_("修改分类"), "set the topic"),
    "forward": Act(N_("转派"), "forward"),
    "forward-sign": Act(N_("签收转派"), "sign the forwarded task"),
    "forward-reply": Act(N_("转派反馈"), "reply to the forwarded task"),
    "forward-return": Act(N_("退回转派"), "return the forwarded task"),
    "forward-review": Act(N_("审核转派反馈"), "review the forwarded reply"),
    "assign": Act(N_("指定经办人"), "assign a handler"),
    "hand-off": Act(N_("双向转接"), "record a hand-off"),
    "mark-risk": Act(N_("标记风险"), "mark a risk"),
    "note": Act(N_("写备注"), "add a note"),
    "contact": Act(N_("先行联系"), "record a contact"),
    "suspend": Act(N_("申请挂起"), "suspend"),
    "decide-suspension": Act(N_("挂起审批"), "decide a suspension"),
    "resume": Act(N_("恢复办理"), "resume"),
    "appeal": Act(N_("申诉"), "appeal"),
    "decide-appeal": Act(N_("申诉审核"), "decide an appeal"),
    # not ticket-page actions: the transcription queue and the incident groups' pages
    "transcribe": Act(N_("录音转写"), "transcribe"),
    "confirm-incident": Act(N_("确认合并办理"), "confirm an incident group"),
    "split-incident": Act(N_("移出合并组"), "split an incident group"),
    "add-incident": Act(N_("并入合并组"), "add to an incident group"),
}


def record(
    ticket: Ticket,
    actor: Actor,
    kind: EventKind,
    *,
    to_status: Status | None = None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    public: bool = False,
    at: datetime | None = None,
) -> TicketEvent:
    """Append an event (and move the state when `to_status` is given)."""
    before = ticket.status
    if to_status is not None:
        ticket.status = to_status
    ticket.updated_at = at or utcnow()
    event = TicketEvent(
        at=ticket.updated_at,
        actor=actor.label,
        actor_id=actor.user_id,
        kind=kind,
        from_status=before.value if before else None,
        to_status=to_status.value if to_status else None,
        note=note,
        data=data or {},
        public=public,
    )
    ticket.events.append(event)
    return event


def _require(ticket: Ticket, action: str, allowed: Iterable[Status]) -> None:
    """`action` (a key of ACTS) applies in the `allowed` states only."""
    if ticket.status not in set(allowed):
        act, state = ACTS[action], ticket.status.value
        raise IllegalTransition(f"工单状态为「{STATUS_LABELS[state]}」，不能{act.zh} / "
                                f"cannot {act.en}: the ticket is {state}")


def _require_centre(actor: Actor, permission: Permission, action: str) -> None:
    """A centre post's permission (hotline.domain.roles); the system may act for the centre."""
    if actor is not SYSTEM and not allows(actor.role, permission):
        act = ACTS[action]
        raise Forbidden(f"只有中心人员可以{act.zh} / only centre staff may {act.en}")


def _require_supervisor(actor: Actor, permission: Permission, action: str) -> None:
    if not allows(actor.role, permission):
        act = ACTS[action]
        raise Forbidden(f"只有督办员可以{act.zh} / only supervisors may {act.en}")


def lead_unit_id(ticket: Ticket) -> int | None:
    """The lead unit's id, also before a flush has copied the relationship into the column."""
    return ticket.department.id if ticket.department is not None else ticket.department_id


def _require_unit(ticket: Ticket, actor: Actor, permission: Permission, action: str,
                  unit: int | None = None) -> None:
    """The lead unit's people (or `unit`'s), and of them the posts holding `permission` (退单
    and 延期 need the unit's lead)."""
    act = ACTS[action]
    if actor.department_id != (unit or lead_unit_id(ticket)) or actor.role not in UNIT_ROLES:
        raise Forbidden(f"只有承办单位可以{act.zh} / only the assigned unit may {act.en}")
    if not allows(actor.role, permission):
        raise Forbidden(f"须由单位负责人{act.zh} / only the unit's lead may {act.en}")


def _text(value: str | None, field: str, what: str) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise InvalidInput(f"{what}不能为空 / {field} is required", field=field)
    return cleaned


# --- deadline clocks ---------------------------------------------------------------------------


def _clock(ticket: Ticket, kind: str) -> DeadlineClock | None:
    return next((c for c in ticket.clocks if c.kind == kind), None)


def _arm(ticket: Ticket, kind: str, start: datetime, window: Window | None,
         department: Department | None) -> DeadlineClock:
    """Start (or restart) a clock; a window of None is a deadline the calendar cannot give."""
    clock = _clock(ticket, kind)
    if clock is None:
        clock = DeadlineClock(kind=kind)
        ticket.clocks.append(clock)
    clock.started_at = start
    clock.department = department
    clock.stage = 0
    clock.stopped_at = None
    clock.warn_at = window.warn_at if window else None
    clock.due_at = window.due_at if window else None
    clock.escalate_at = window.escalate_at if window else None
    clock.next_check_at = window.warn_at if window else None
    return clock


def _stop(ticket: Ticket, kind: str, at: datetime) -> None:
    clock = _clock(ticket, kind)
    if clock is not None and clock.stopped_at is None:
        clock.stopped_at = at
        clock.next_check_at = None


def _resume(ticket: Ticket, kind: str) -> None:
    """Run a stopped clock again against its old deadline (a reply sent back for rework)."""
    clock = _clock(ticket, kind)
    if clock is None or clock.due_at is None:
        return
    clock.stopped_at = None
    steps = [clock.warn_at, clock.due_at, clock.escalate_at]
    clock.next_check_at = steps[clock.stage] if clock.stage < len(steps) else None


def next_check(clock: DeadlineClock) -> datetime | None:
    """The instant of the clock's next escalation step after `stage`, or None when done."""
    steps = [clock.warn_at, clock.due_at, clock.escalate_at]
    return steps[clock.stage] if clock.stopped_at is None and clock.stage < len(steps) else None


def _calendar_missing(ticket: Ticket, kind: str, exc: CalendarMissing, at: datetime) -> None:
    """Loud, not fatal: an event on the ticket; its effect alerts every administrator."""
    record(ticket, SYSTEM, EventKind.CALENDAR_MISSING, at=at, note=str(exc),
           data={"deadline": kind, "year": exc.year})


def _window(ticket: Ticket, planner: Planner, kind: str, start: datetime, limit: Limit,
            at: datetime) -> Window | None:
    try:
        return planner.window(start, limit)
    except CalendarMissing as exc:
        _calendar_missing(ticket, kind, exc, at)
        return None


def plan_intake(ticket: Ticket, planner: Planner, *, at: datetime | None = None) -> dict[str, Any]:
    """Dispatch and reply deadlines from the moment of intake (routing.sla's convention).

    Returns what was planned, for the routing event that follows (one event, not two).
    """
    at = at or utcnow()
    choice = planner.choose(ticket)
    start = ticket.created_at or at
    dispatch_window = _window(ticket, planner, DISPATCH, start, choice.policy.dispatch, at)
    reply_window = _window(ticket, planner, REPLY, start, choice.policy.reply, at)
    _arm(ticket, DISPATCH, start, dispatch_window, None)
    _arm(ticket, REPLY, start, reply_window, ticket.department)
    ticket.dispatch_due = dispatch_window.due_at if dispatch_window else None
    ticket.reply_due = reply_window.due_at if reply_window else None
    return {"policy": choice.name, "dispatch_due": _iso(ticket.dispatch_due),
            "reply_due": _iso(ticket.reply_due)}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def stop_all_clocks(ticket: Ticket, at: datetime) -> None:
    for clock in ticket.clocks:
        if clock.stopped_at is None:
            clock.stopped_at = at
            clock.next_check_at = None


# --- intake and classification -----------------------------------------------------------------


def open_ticket(ticket: Ticket, actor: Actor, *, awaiting_transcription: bool = False,
                at: datetime | None = None) -> None:
    """受理: the first event of every ticket.

    A new ticket has no history, clocks or tasks: saying so up front means the rules below never
    lazy-load empty collections (a query, and an autoflush, each) while the worker routes it.
    """
    for name in NEW_TICKET_COLLECTIONS:
        if name not in ticket.__dict__:
            setattr(ticket, name, [])
    status = Status.AWAITING_TRANSCRIPTION if awaiting_transcription else Status.PENDING_DISPATCH
    ticket.status = status
    record(ticket, actor, EventKind.INTAKE, to_status=status, public=True, at=at,
           data={"channel": ticket.channel.value, "line": ticket.line.value})


def transcribe(ticket: Ticket, actor: Actor, content: str) -> None:
    """An agent types what a caller said on a voice message the transcriber could not read."""
    _require(ticket, "transcribe", {Status.AWAITING_TRANSCRIPTION})
    _require_centre(actor, Permission.TRANSCRIBE, "transcribe")
    ticket.content = content
    record(ticket, actor, EventKind.TRANSCRIBED, to_status=Status.PENDING_DISPATCH)


def classify(ticket: Ticket, *, label: str, confidence: float, version: str,
             topic: Topic | None, topic_id: int | None = None, at: datetime | None = None) -> None:
    """Keep the classifier's opinion on the ticket whatever the routing decides.

    `topic_id` lets the worker set the topic from its cached catalogue without loading a row.
    """
    ticket.classifier_label = label
    ticket.classifier_confidence = confidence
    ticket.model_version = version
    if topic is not None:
        ticket.topic = topic
    elif topic_id is not None:
        ticket.topic_id = topic_id
    record(ticket, SYSTEM, EventKind.CLASSIFIED, at=at,
           data={"label": label, "confidence": round(confidence, 4), "model": version})


def triage(ticket: Ticket, *, reason: dict[str, Any], urgency: Urgency | None = None,
           district: str | None = None, street: str | None = None,
           topic_id: int | None = None, at: datetime | None = None,
           street_found: dict[str, Any] | None = None, community: str | None = None) -> None:
    """分拣: the fields the intake's rules set (urgency, district, street and its community,
    topic), with one event.

    The event says what was set and which rule set it, so a ticket's urgency or district is
    never unexplained. A field given as None is left alone; nothing changed, no event.
    `street_found` (levels, issue 17) is what found the street, kept on the ticket beside it;
    `community` (issue 18) is the community of that street the citizen named, set with the
    street (so a new street drops a community of the old one).
    """
    changed: dict[str, Any] = {}
    if urgency is not None and ticket.urgency != urgency:
        ticket.urgency = urgency
        changed["urgency"] = urgency.value
    if district is not None and ticket.district != district:
        ticket.district = district
        changed["district"] = district
    if street is not None and ticket.street != street:
        ticket.street = street
        changed["street"] = street
        ticket.street_found = street_found
    if street is not None and ticket.community != community:
        ticket.community = community
        changed["community"] = community
    if topic_id is not None and ticket.topic_id != topic_id:
        ticket.topic_id = topic_id
        changed["topic_id"] = topic_id
    if changed:
        record(ticket, SYSTEM, EventKind.TRIAGED, at=at, data={"set": changed, "reason": reason})


def set_topic(ticket: Ticket, actor: Actor, topic: Topic) -> None:
    """A person sets or corrects the topic: that becomes a labelled example for retraining."""
    _require_centre(actor, Permission.SET_TOPIC, "set-topic")
    before = ticket.topic.code if ticket.topic else None
    ticket.topic = topic
    record(ticket, actor, EventKind.TOPIC_SET, data={"from": before, "to": topic.code})


def link_repeat(ticket: Ticket, original: Ticket, actor: Actor, reason: str,
                *, at: datetime | None = None) -> None:
    if original.id == ticket.id:
        raise InvalidInput("工单不能关联自身 / a ticket cannot repeat itself")
    ticket.repeat_of = original
    record(ticket, actor, EventKind.LINKED_REPEAT, at=at,
           data={"original": original.number, "reason": reason})


def add_citizen_message(ticket: Ticket, text: str, channel: str) -> None:
    """A follow-up message from the citizen on an open ticket (补充诉求)."""
    if ticket.status == Status.CLOSED:
        raise IllegalTransition("工单已办结 / ticket is closed")
    record(ticket, CITIZEN, EventKind.CITIZEN_MESSAGE, note=text, data={"channel": channel}, public=True)


def routed_to_people(ticket: Ticket, reason: dict[str, Any], *, at: datetime | None = None) -> None:
    """No rule or low confidence: the ticket waits in the manual dispatch queue, and says why."""
    record(ticket, SYSTEM, EventKind.ROUTING_MANUAL, at=at, data={"reason": reason})


# --- dispatch, sign, return --------------------------------------------------------------------


def return_count(ticket: Ticket) -> int:
    """Returns are counted against units and decide when arbitration is needed."""
    return sum(1 for e in ticket.events if e.kind == EventKind.RETURNED)


def needs_arbitration(ticket: Ticket) -> bool:
    return ticket.status == Status.RETURNED and return_count(ticket) >= RETURNS_BEFORE_ARBITRATION


def dispatch(ticket: Ticket, actor: Actor, department: Department, *, reason: dict[str, Any],
             assisting: list[Department] | None = None, planner: Planner | None = None,
             at: datetime | None = None, topic: Topic | None = None) -> None:
    """派单 to a lead unit; `reason` says why (rule, classifier, or the person who chose).

    `topic`: the classifier's topic, for a ticket dispatched on its suggestion (the agent took
    the suggested unit, hotline.intake.triage.suggested_topic); set only on a ticket with no
    topic yet, and the event says so (`data["topic"]`), so the ticket never reads 未分类 after
    going to the unit the topic chose.

    After two returns the ticket is disputed: only a supervisor may decide (仲裁), and that
    decision is marked in the event so later evaluation can tell arbitration from routing.
    """
    _require(ticket, "dispatch", AT_CENTRE)
    _require_not_member(ticket)
    _require_centre(actor, Permission.DISPATCH, "dispatch")
    arbitration = needs_arbitration(ticket)
    if arbitration and not allows(actor.role, Permission.ARBITRATE):
        raise Forbidden("已退单两次，须由督办员仲裁派单 / returned twice: a supervisor must "
                        "arbitrate the dispatch")
    if not department.active:
        raise InvalidInput(f"单位 {department.code} 已停用 / unit is inactive", field="unit")
    helpers = list(assisting or [])
    codes = [d.code for d in helpers]
    if department.code in codes or len(set(codes)) != len(codes):
        raise InvalidInput("协办单位不能重复或与主办单位相同 / assisting units must be distinct "
                           "from each other and from the lead unit", field="assisting")
    for helper in helpers:
        if not helper.active:
            raise InvalidInput(f"单位 {helper.code} 已停用 / unit is inactive", field="assisting")
    at = at or utcnow()
    ticket.department = department
    if arbitration:
        reason = {**reason, "arbitration": True}
    data: dict[str, Any] = {"department": department.code, "reason": reason, "assisting": codes}
    if topic is not None and ticket.topic_id is None and ticket.topic is None:
        ticket.topic = topic
        data["topic"] = {"code": topic.code, "by": "classifier"}
    record(ticket, actor, EventKind.DISPATCHED, to_status=Status.DISPATCHED, public=True, at=at,
           data=data)
    if planner is not None:
        _stop(ticket, DISPATCH, at)
        policy = planner.choose(ticket).policy
        sign_window = _window(ticket, planner, SIGN, at, policy.sign, at)
        _arm(ticket, SIGN, at, sign_window, department)
        ticket.sign_due = sign_window.due_at if sign_window else None
        reply_clock = _clock(ticket, REPLY)
        if reply_clock is None:
            window = _window(ticket, planner, REPLY, ticket.created_at or at, policy.reply, at)
            _arm(ticket, REPLY, ticket.created_at or at, window, department)
            ticket.reply_due = window.due_at if window else None
        else:
            reply_clock.department = department
    for helper in helpers:
        _add_assist(ticket, helper, planner, at)


def _task_unit_id(task: AssistTask) -> int | None:
    return task.department.id if task.department is not None else task.department_id


def _add_assist(ticket: Ticket, helper: Department, planner: Planner | None, at: datetime) -> None:
    """协办: the assisting unit's own task, due with the lead's reply at the latest."""
    kind = f"assist:{helper.code}"
    task = next((t for t in ticket.assist_tasks
                 if t.department is helper
                 or (helper.id is not None and _task_unit_id(t) == helper.id)), None)
    if task is None:
        task = AssistTask(department=helper, status="open", created_at=at)
        ticket.assist_tasks.append(task)
    due = ticket.reply_due
    if planner is not None:
        own = _window(ticket, planner, kind, at, planner.choose(ticket).policy.reply, at)
        if own is not None and (due is None or own.due_at < due):
            due = own.due_at
        window = None
        if due is not None:
            try:
                window = planner.window_until(at, due, Unit.WORKING_HOURS)
            except CalendarMissing as exc:
                _calendar_missing(ticket, kind, exc, at)
        _arm(ticket, kind, at, window, helper)
    task.due = due


def sign(ticket: Ticket, actor: Actor, *, planner: Planner | None = None,
         at: datetime | None = None) -> None:
    """签收: the unit acknowledges the ticket; the first-contact clock (先行联系) starts."""
    _require(ticket, "sign", UNSIGNED)
    _require_unit(ticket, actor, Permission.SIGN, "sign")
    at = at or utcnow()
    _stop(ticket, SIGN, at)
    record(ticket, actor, EventKind.SIGNED, to_status=Status.SIGNED, public=True, at=at)
    if planner is not None:
        _arm_contact(ticket, planner, at)


def return_ticket(ticket: Ticket, actor: Actor, *, reason_code: str, reason: str,
                  planner: Planner | None = None, at: datetime | None = None) -> None:
    """退单: "not ours"; the centre re-dispatches. Returns count against the unit.

    The ticket leaves the unit (it no longer sees it) and the dispatch clock runs again; on the
    second return the supervisors are asked to arbitrate.
    """
    _require(ticket, "return", UNIT_WORK)
    _require_unit(ticket, actor, Permission.RETURN, "return")
    _require_running(ticket, "return")
    _require_no_open_forward(ticket, "退单")
    if reason_code not in RETURN_REASONS:
        raise InvalidInput(f"未知退单原因 / unknown reason code: {reason_code}",
                           field="reason_code")
    text = _text(reason, "reason", "退单理由")
    at = at or utcnow()
    department = ticket.department
    record(ticket, actor, EventKind.RETURNED, to_status=Status.RETURNED, note=text, at=at,
           data={"reason_code": reason_code, "department": department.code if department else None})
    ticket.department = None
    ticket.handler = None  # its handler was the unit's; the next unit names its own
    _stop(ticket, SIGN, at)
    _stop(ticket, CONTACT, at)
    if planner is not None:
        window = _window(ticket, planner, DISPATCH, at, planner.choose(ticket).policy.dispatch, at)
        _arm(ticket, DISPATCH, at, window, None)
        ticket.dispatch_due = window.due_at if window else None
    if return_count(ticket) >= RETURNS_BEFORE_ARBITRATION:
        record(ticket, SYSTEM, EventKind.ARBITRATION_REQUIRED, at=at,
               data={"returns": return_count(ticket)})


# --- extensions --------------------------------------------------------------------------------


def pending_extension(ticket: Ticket) -> ExtensionRequest | None:
    return next((r for r in ticket.extensions if r.status == "pending"), None)


def request_extension(ticket: Ticket, actor: Actor, *, days: int, reason: str,
                      at: datetime | None = None) -> ExtensionRequest:
    """延期申请: the deadline does not move until the centre approves."""
    _require(ticket, "extend", UNIT_WORK)
    _require_unit(ticket, actor, Permission.REQUEST_EXTENSION, "extend")
    _require_running(ticket, "extend")
    if not isinstance(days, int) or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise InvalidInput(f"延期天数须为 1 至 {MAX_EXTENSION_DAYS} 个工作日 / days must be "
                           f"1..{MAX_EXTENSION_DAYS}", field="days")
    text = _text(reason, "reason", "延期理由")
    if pending_extension(ticket) is not None:
        raise IllegalTransition("已有待审批的延期申请 / an extension request is already pending")
    at = at or utcnow()
    request = ExtensionRequest(days=days, reason=text, status="pending", requested_by=actor.label,
                               requested_at=at, department_id=lead_unit_id(ticket),
                               old_due=ticket.reply_due)
    ticket.extensions.append(request)
    record(ticket, actor, EventKind.EXTENSION_REQUESTED, note=text, at=at, data={"days": days})
    return request


def decide_extension(ticket: Ticket, actor: Actor, *, approve: bool, note: str | None = None,
                     planner: Planner | None = None, at: datetime | None = None) -> None:
    """Approve or refuse the pending request; only approval moves the reply deadline."""
    _require(ticket, "decide-extension", WORKING)
    _require_supervisor(actor, Permission.DECIDE_EXTENSION, "decide-extension")
    _require_running(ticket, "decide-extension")
    request = pending_extension(ticket)
    if request is None:
        raise IllegalTransition("没有待审批的延期申请 / no extension request is pending")
    at = at or utcnow()
    request.decided_by, request.decided_at, request.decision_note = actor.label, at, note
    if not approve:
        request.status = "refused"
        # The reply deadline that stands, for the unit's notice (hotline.domain.notices).
        record(ticket, actor, EventKind.EXTENSION_REFUSED, note=note, at=at,
               data={"days": request.days, "reply_due": _iso(ticket.reply_due)})
        return
    if ticket.reply_due is None:
        raise IllegalTransition("答复时限未知（缺少工作日历），无法延期 / the reply deadline is "
                                "unknown (calendar missing), it cannot be extended")
    old = ticket.reply_due
    if planner is not None:
        try:
            new = planner.extension(old, request.days, at)
        except CalendarMissing as exc:
            _calendar_missing(ticket, REPLY, exc, at)
            raise IllegalTransition(str(exc)) from exc
        clock = _clock(ticket, REPLY)
        start = clock.started_at if clock is not None else (ticket.created_at or at)
        _arm(ticket, REPLY, start, planner.window_until(start, new, Unit.WORKING_DAYS),
             ticket.department)
        if ticket.status not in UNIT_WORK:
            _stop(ticket, REPLY, at)
    else:
        new = max(old, at) + timedelta(days=request.days)
    request.status, request.old_due, request.new_due = "approved", old, new
    ticket.reply_due = new
    record(ticket, actor, EventKind.EXTENSION_APPROVED, note=note, at=at, public=True,
           data={"days": request.days, "old_due": _iso(old), "new_due": _iso(new)})


# --- assisting units ---------------------------------------------------------------------------


def open_assist_tasks(ticket: Ticket) -> list[AssistTask]:
    return [t for t in ticket.assist_tasks if t.open]


def _assist_task_of(ticket: Ticket, department_id: int | None) -> AssistTask | None:
    if department_id is None:
        return None
    return next((t for t in ticket.assist_tasks if _task_unit_id(t) == department_id), None)


def assist_reply(ticket: Ticket, actor: Actor, answer: str, *, at: datetime | None = None) -> None:
    """An assisting unit reports its part; its task is done."""
    _require(ticket, "assist-reply", WORKING)
    task = _assist_task_of(ticket, actor.department_id) \
        if allows(actor.role, Permission.ASSIST_REPLY) else None
    if task is None:
        raise Forbidden("只有协办单位可以提交协办意见 / only an assisting unit may do this")
    if not task.open:
        raise IllegalTransition("协办任务已完成 / the assisting task is already finished")
    text = _text(answer, "answer", "协办意见")
    at = at or utcnow()
    task.status, task.answer, task.finished_at = "done", text, at
    code = task.department.code if task.department else None
    _stop(ticket, f"assist:{code}", at)
    record(ticket, actor, EventKind.ASSIST_DONE, note=text, at=at, data={"department": code})


def waive_assist(ticket: Ticket, actor: Actor, department_code: str, reason: str,
                 *, at: datetime | None = None) -> None:
    """The centre releases an assisting unit (no longer needed), so the ticket can close."""
    _require(ticket, "waive-assist", WORKING)
    _require_centre(actor, Permission.WAIVE_ASSIST, "waive-assist")
    task = next((t for t in ticket.assist_tasks
                 if t.department is not None and t.department.code == department_code), None)
    if task is None:
        raise InvalidInput(f"没有 {department_code} 的协办任务 / no such assisting task",
                           field="unit")
    if not task.open:
        raise IllegalTransition("协办任务已完成 / the assisting task is already finished")
    text = _text(reason, "reason", "免除理由")
    at = at or utcnow()
    task.status, task.finished_at = "waived", at
    _stop(ticket, f"assist:{department_code}", at)
    record(ticket, actor, EventKind.ASSIST_WAIVED, note=text, at=at, data={"department": department_code})


def _require_assists_finished(ticket: Ticket, action: str) -> None:
    waiting = open_assist_tasks(ticket)
    if waiting:
        codes = ", ".join(t.department.code if t.department else "?" for t in waiting)
        raise IllegalTransition(f"协办任务未完成（{codes}），不能{action} / assisting tasks are "
                                f"still open ({codes}): finish or waive them first")


# --- reply, review, close, reopen --------------------------------------------------------------


def reply(ticket: Ticket, actor: Actor, answer: str, *, at: datetime | None = None) -> None:
    """办理结果: the unit's answer to the citizen; open 督办 orders are answered with it."""
    _require(ticket, "reply", BEING_ANSWERED)
    _require_unit(ticket, actor, Permission.REPLY, "reply")
    _require_running(ticket, "reply")
    _require_no_open_forward(ticket, "直接答复")
    text = _text(answer, "answer", "答复内容")
    at = at or utcnow()
    _stop(ticket, REPLY, at)
    _stop(ticket, CONTACT, at)  # answered: 先行联系 no longer owed
    for order in ticket.orders:
        if order.resolved_at is None:
            order.resolved_at = at
            _stop(ticket, f"urge:{order.seq}", at)
    record(ticket, actor, EventKind.REPLIED, to_status=Status.REPLIED, note=text, public=True, at=at)


def sign_and_reply(ticket: Ticket, actor: Actor, answer: str, *,
                   at: datetime | None = None) -> None:
    """签收并答复: a simple ticket answered at once by its unit, as two steps of the record
    (签收, then 答复), each checked as if done one after the other. The answer and the right to
    answer are checked first, so a refused reply leaves the ticket unsigned too."""
    _require(ticket, "sign-reply", UNSIGNED)
    _require_unit(ticket, actor, Permission.REPLY, "reply")
    _text(answer, "answer", "答复内容")
    at = at or utcnow()
    sign(ticket, actor, at=at)  # answered at once: no first-contact clock to start
    reply(ticket, actor, answer, at=at)


def reply_approved(ticket: Ticket) -> bool:
    """Whether the latest reply has been accepted by the centre (the page then offers no
    review: the citizen has been told). A member's answer is its master's approved one
    (INCIDENT_ANSWERED): closing it must not approve, and so send, it a second time."""
    for event in reversed(ticket.events):
        if event.kind in (EventKind.REPLY_APPROVED, EventKind.INCIDENT_ANSWERED):
            return True
        if event.kind == EventKind.REPLIED:
            return False
    return False


def _latest_answer(ticket: Ticket) -> str | None:
    return next((e.note for e in reversed(ticket.events) if e.kind == EventKind.REPLIED), None)


def _approve(ticket: Ticket, actor: Actor, note: str | None, at: datetime, implicit: bool) -> None:
    """`reply_approved` is the hook for telling the citizen (the SMS sender listens for it)."""
    record(ticket, actor, EventKind.REPLY_APPROVED, note=note, at=at, public=True,
           data={"answer": _latest_answer(ticket), "implicit": implicit})
    answer_incident_members(ticket, at=at)


def review_reply(ticket: Ticket, actor: Actor, *, accept: bool, note: str | None = None,
                 at: datetime | None = None) -> None:
    """审核: the centre accepts the unit's answer for the citizen, or sends it back for rework."""
    _require(ticket, "review-reply", ANSWERED)
    _require_centre(actor, Permission.REVIEW_REPLY, "review-reply")
    at = at or utcnow()
    if accept:
        if reply_approved(ticket):
            raise IllegalTransition("答复已审核通过 / the reply is already approved")
        _require_assists_finished(ticket, "审核通过")
        _approve(ticket, actor, note, at, implicit=False)
        return
    text = _text(note, "note", "退回理由")
    record(ticket, actor, EventKind.REPLY_REJECTED, to_status=Status.SIGNED, note=text, at=at)
    _resume(ticket, REPLY)


def urge(ticket: Ticket, actor: Actor, *, note: str, due: datetime,
         planner: Planner | None = None, at: datetime | None = None) -> SupervisionOrder:
    """督办: a supervisor's order with its own deadline, tracked and escalated like the others."""
    _require(ticket, "urge", BEFORE_REPLY)
    _require_supervisor(actor, Permission.URGE, "urge")
    _require_running(ticket, "urge")
    text = _text(note, "note", "督办意见")
    at = at or utcnow()
    if due.tzinfo is None:
        raise InvalidInput("督办时限须带时区 / due must carry a time zone", field="due")
    if due <= at:
        raise InvalidInput("督办时限须晚于当前时间 / due must be in the future", field="due")
    if due - at > MAX_URGE_AHEAD:
        raise InvalidInput(f"督办时限不能晚于 {MAX_URGE_AHEAD.days} 天之后 / due must be within "
                           f"{MAX_URGE_AHEAD.days} days", field="due")
    order = SupervisionOrder(seq=len(ticket.orders) + 1, note=text, due=due,
                             issued_by=actor.label, issued_at=at)
    ticket.orders.append(order)
    if planner is not None:
        _arm(ticket, f"urge:{order.seq}", at, planner.window_until(at, due, Unit.CALENDAR_HOURS),
             ticket.department)
    record(ticket, actor, EventKind.URGED, note=text, at=at, public=False,
           data={"seq": order.seq, "due": _iso(due)})
    return order


def close(ticket: Ticket, actor: Actor, *, note: str | None = None, direct: bool = False,
          at: datetime | None = None, data: dict[str, Any] | None = None) -> None:
    """办结; `direct` is 直接办结: an enquiry answered on the call, never dispatched.

    `data` says where a direct answer came from (the knowledge-base article the agent read).

    Closing a replied ticket approves its answer if nobody reviewed it yet, so the citizen is
    told exactly once either way.
    """
    allowed = NEVER_DISPATCHED if direct else ANSWERED
    _require(ticket, "close", allowed)
    _require_centre(actor, Permission.CLOSE, "close")
    at = at or utcnow()
    if not direct:
        _require_assists_finished(ticket, "办结")
        if not reply_approved(ticket):
            _approve(ticket, actor, None, at, implicit=True)
    stop_all_clocks(ticket, at)
    record(ticket, actor, EventKind.CLOSED_DIRECT if direct else EventKind.CLOSED, to_status=Status.CLOSED,
           note=note, public=True, at=at, data=data)


def reopen(ticket: Ticket, actor: Actor, reason: str, *, planner: Planner | None = None,
           at: datetime | None = None) -> None:
    """重办: back to the same unit with the citizen's words; it signs and answers again."""
    _require(ticket, "reopen", REOPENABLE)
    if actor is not CITIZEN:
        _require_centre(actor, Permission.REOPEN, "reopen")
    if ticket.incident_master is not None:
        _reopen_incident_member(ticket, actor, reason, planner=planner, at=at)
        return
    if ticket.department is None:
        raise IllegalTransition("工单未派单，不能重办 / ticket was never dispatched")
    text = _text(reason, "reason", "重办理由")
    at = at or utcnow()
    record(ticket, actor, EventKind.REOPENED, to_status=Status.DISPATCHED, note=text, public=True, at=at)
    if planner is not None:
        policy = planner.choose(ticket).policy
        sign_window = _window(ticket, planner, SIGN, at, policy.sign, at)
        reply_window = _window(ticket, planner, REPLY, at, policy.reply, at)
        _arm(ticket, SIGN, at, sign_window, ticket.department)
        _arm(ticket, REPLY, at, reply_window, ticket.department)
        ticket.sign_due = sign_window.due_at if sign_window else None
        ticket.reply_due = reply_window.due_at if reply_window else None


# --- levels (issue 17): the handler within the unit (经办人) ---------------------------------------


def assign(ticket: Ticket, actor: Actor, handler: User, *, at: datetime | None = None) -> None:
    """经办人: the lead of the unit working the ticket names the person who works it.

    That unit is the one an open 转派 task sits with (the street does the work the district
    handed down), else the lead unit. Only someone of that unit (staff or the lead) can be
    named; the handler is whom its inbox's 我的 view gives the ticket to. Naming another person
    later is an event too, so who had the ticket when is never lost.
    """
    _require(ticket, "assign", UNIT_WORK)
    task = open_forward(ticket)
    working = _forward_unit_id(task) if task is not None else lead_unit_id(ticket)
    _require_unit(ticket, actor, Permission.ASSIGN_HANDLER, "assign", unit=working)
    if handler.department_id != working or handler.role not in UNIT_ROLES:
        raise InvalidInput(f"{handler.username} 不是承办单位的人员 / {handler.username} is not "
                           "staff of the unit holding the ticket", field="user")
    if not handler.active:
        raise InvalidInput(f"账号 {handler.username} 已停用 / account {handler.username} is "
                           "deactivated", field="user")
    before = ticket.handler
    if before is handler:  # one session's identity map: the same row is the same object
        raise IllegalTransition(f"{handler.username} 已是经办人 / {handler.username} is already "
                                "the handler")
    ticket.handler = handler
    record(ticket, actor, EventKind.HANDLER_ASSIGNED, at=at,
           data={"user": handler.username, "from": before.username if before else None})


# --- deadline steps (the escalation scan) ------------------------------------------------------

STEPS = ("warning", "overdue", "escalated")  # a clock's stage counts the steps taken


class DueClock(Protocol):
    """What the scan reads of a due clock (a Core row of deadline_clocks joined to tickets)."""

    @property
    def ticket_id(self) -> int: ...
    @property
    def number(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def department_id(self) -> int | None: ...
    @property
    def warn_at(self) -> datetime | None: ...
    @property
    def due_at(self) -> datetime | None: ...
    @property
    def escalate_at(self) -> datetime | None: ...
    @property
    def stage(self) -> int: ...


class UnitLike(Protocol):
    """What a step needs of a unit (hotline.catalogue.snapshot.Unit, read once per scan)."""

    @property
    def id(self) -> int: ...
    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def parent_id(self) -> int | None: ...
    @property
    def duty_phone(self) -> str | None: ...


@dataclass(frozen=True)
class DeadlinePassed:
    """The steps a clock owes at `now`, and where the clock stands once they are taken."""

    steps: tuple[str, ...]
    stage: int
    next_check_at: datetime | None


def deadline_passed(clock: DueClock, now: datetime) -> DeadlinePassed:
    """Warning, overdue, escalated: every step from the clock's stage whose instant has passed.

    A scan that ran late takes the steps it missed together, in order, and the clock waits
    for the next one (none after escalation).
    """
    instants = (clock.warn_at, clock.due_at, clock.escalate_at)
    steps = tuple(STEPS[i] for i in range(clock.stage, len(STEPS))
                  if instants[i] is not None and instants[i] <= now)  # type: ignore[operator]
    stage = clock.stage + len(steps)
    return DeadlinePassed(steps, stage, instants[stage] if stage < len(STEPS) else None)


@dataclass(frozen=True)
class DeadlineStep:
    """One escalation step as the life cycle decided it; the scan writes it in bulk.

    `event` is the row of its ticket event; `mark` is the escalation mark that made the step
    happen exactly once (its duty-phone SMS is deduplicated on it). `unit` is the clock's unit,
    `above` the level an escalated step goes up to.
    """

    step: str
    ticket_id: int
    number: str
    deadline: str
    due_at: datetime
    at: datetime
    mark: int
    unit: UnitLike | None
    above: UnitLike | None

    @property
    def kind(self) -> EventKind:
        return EventKind.deadline(self.step)

    @property
    def event(self) -> dict[str, Any]:
        return {"ticket_id": self.ticket_id, "at": self.at, "actor": SYSTEM.label,
                "kind": self.kind.value, "note": None, "public": False,
                "data": {"deadline": self.deadline, "due": _iso(self.due_at),
                         "unit": self.unit.code if self.unit else None}}


def deadline_step(clock: DueClock, step: str, *, at: datetime, mark: int,
                  units: Mapping[int, UnitLike]) -> DeadlineStep:
    """A step of a due clock: its unit, and for escalation the unit above (提级), else the
    supervisors (the effects' notices say so when there is no level above)."""
    unit = units.get(clock.department_id) if clock.department_id else None
    above = None
    if step == "escalated" and unit is not None and unit.parent_id:
        above = units.get(unit.parent_id)
    assert clock.due_at is not None  # a clock without a deadline is never due
    return DeadlineStep(step, clock.ticket_id, clock.number, clock.kind, clock.due_at, at, mark,
                        unit, above)


# --- casework (issue 17): notes, first contact, 挂起, 甄别/申诉 -----------------------------------

MAX_NOTE = 2000


def _works_on(ticket: Ticket, actor: Actor) -> bool:
    """The lead unit's people, an assisting unit's, or those of the unit the ticket is forwarded
    to: the units a ticket is in the hands of."""
    if actor.department_id is None or actor.role not in UNIT_ROLES:
        return False
    return actor.department_id == lead_unit_id(ticket) or _doing_the_work(ticket, actor) \
        or _assist_task_of(ticket, actor.department_id) is not None


def _doing_the_work(ticket: Ticket, actor: Actor) -> bool:
    """The unit holding the ticket's open forwarded task (转派): it reaches and answers the
    citizen for the accountable unit."""
    task = open_forward(ticket)
    return task is not None and actor.role in UNIT_ROLES \
        and actor.department_id == _forward_unit_id(task)


def _require_worker(ticket: Ticket, actor: Actor, permission: Permission, action: str) -> None:
    """The lead unit's posts holding `permission`, or the forwarded-to unit's."""
    if _doing_the_work(ticket, actor) and allows(actor.role, permission):
        return
    _require_unit(ticket, actor, permission, action)


def add_note(ticket: Ticket, actor: Actor, text: str, *, public: bool,
             at: datetime | None = None) -> TicketEvent:
    """A note on the ticket's record. Public (阶段性答复): progress the citizen reads on /track and
    in Open311, so only the centre or the unit answering (the lead unit, or the unit it forwarded
    the ticket to) speaks to the citizen; internal: for staff,
    written by the centre or a unit working on the ticket, and never marked public."""
    _require(ticket, "note", OPEN)
    if actor.role in UNIT_ROLES:
        if not _works_on(ticket, actor):
            raise Forbidden("只有承办或协办单位可以写备注 / only a unit working on the ticket "
                            "may add a note")
        if public and actor.department_id != lead_unit_id(ticket) \
                and not _doing_the_work(ticket, actor):
            raise Forbidden("阶段性答复须由承办单位发布 / only the lead unit may write to the "
                            "citizen")
    elif not allows(actor.role, Permission.ADD_NOTE):
        raise Forbidden("您的岗位无权写备注 / your post may not add notes")
    cleaned = _text(text, "text", "备注内容")
    if len(cleaned) > MAX_NOTE:
        raise InvalidInput(f"备注不能超过 {MAX_NOTE} 字 / a note has at most {MAX_NOTE} "
                           "characters", field="text")
    kind = EventKind.PROGRESS_NOTE if public else EventKind.INTERNAL_NOTE
    return record(ticket, actor, kind, note=cleaned, public=public, at=at or utcnow())


CONTACT = "contact"  # the first-contact clock's kind
CONTACT_METHODS = {"phone": N_("电话"), "sms": N_("短信"), "visit": N_("上门")}


def _arm_contact(ticket: Ticket, planner: Planner, at: datetime) -> None:
    """先行联系: the policy's contact limit from sign-for (calendar hours for emergencies),
    watched by the escalation scan like every other clock."""
    window = _window(ticket, planner, CONTACT, at, planner.choose(ticket).policy.contact, at)
    _arm(ticket, CONTACT, at, window, ticket.department)


def contacted(ticket: Ticket) -> bool:
    """Whether the unit has recorded reaching the citizen since it last signed for the ticket."""
    for event in reversed(ticket.events):
        if event.kind == EventKind.CONTACTED:
            return True
        if event.kind == EventKind.SIGNED:
            return False
    return False


def record_contact(ticket: Ticket, actor: Actor, *, method: str, note: str | None = None,
                   at: datetime | None = None) -> TicketEvent:
    """先行联系: the unit reached the citizen (by phone, SMS or a visit). The first contact
    after sign-for stops the contact clock and says whether it was within the limit; later
    contacts are recorded too. The note is internal (it may carry what the citizen said)."""
    _require(ticket, "contact", BEING_ANSWERED)
    _require_worker(ticket, actor, Permission.RECORD_CONTACT, "contact")
    if method not in CONTACT_METHODS:
        raise InvalidInput(f"未知联系方式 / unknown method: {method}", field="method")
    text = (note or "").strip() or None
    if text is not None and len(text) > MAX_NOTE:
        raise InvalidInput(f"说明不能超过 {MAX_NOTE} 字 / a note has at most {MAX_NOTE} "
                           "characters", field="note")
    at = at or utcnow()
    first = not contacted(ticket)
    data: dict[str, Any] = {"method": method, "first": first}
    clock = _clock(ticket, CONTACT)
    paused = active_suspension(ticket)
    if first and clock is not None and paused is not None and CONTACT in paused.clocks:
        # Reached during a 挂起 span: no time ran since the pause, and the clock stays stopped.
        data["within_limit"] = clock.due_at is None or clock.stopped_at <= clock.due_at
        paused.clocks = [kind for kind in paused.clocks if kind != CONTACT]
    elif first and clock is not None and clock.stopped_at is None:
        data["within_limit"] = clock.due_at is None or at <= clock.due_at
        _stop(ticket, CONTACT, at)
    return record(ticket, actor, EventKind.CONTACTED, note=text, at=at, data=data)


# 挂起 (pause): the lead asks, the centre decides, and while the span lasts no clock runs.
MAX_SUSPENSION_AHEAD = timedelta(days=366)  # as for a 督办 order: a later date is a slip


def pending_suspension(ticket: Ticket) -> Suspension | None:
    return next((s for s in ticket.suspensions if s.status == "pending"), None)


def active_suspension(ticket: Ticket) -> Suspension | None:
    return next((s for s in ticket.suspensions if s.status == "active"), None)


def _require_running(ticket: Ticket, action: str) -> None:
    """While 挂起 the ticket waits: what would move or stop its clocks waits for the resume."""
    if active_suspension(ticket) is not None:
        raise IllegalTransition(f"工单已挂起，请先恢复办理 / the ticket is suspended: resume it "
                                f"before you {ACTS[action].en}")


def request_suspension(ticket: Ticket, actor: Actor, *, reason: str, until: date | None = None,
                       at: datetime | None = None) -> Suspension:
    """挂起申请: waiting on the citizen or on a legal procedure. Nothing stops until the centre
    approves; `until` (a date, Shanghai) is when the span ends by itself, at that day's start."""
    _require(ticket, "suspend", BEING_ANSWERED)
    _require_unit(ticket, actor, Permission.SUSPEND, "suspend")
    text = _text(reason, "reason", "挂起理由")
    at = at or utcnow()
    resume_at = None
    if until is not None:
        resume_at = datetime.combine(until, time(), SHANGHAI).astimezone(UTC)
        if resume_at <= at:
            raise InvalidInput("挂起截止日期须晚于今天 / until must be after today", field="until")
        if resume_at - at > MAX_SUSPENSION_AHEAD:
            raise InvalidInput(f"挂起不能超过 {MAX_SUSPENSION_AHEAD.days} 天 / at most "
                               f"{MAX_SUSPENSION_AHEAD.days} days", field="until")
    if pending_suspension(ticket) is not None or active_suspension(ticket) is not None:
        raise IllegalTransition("已有挂起申请或正在挂起 / a suspension is already pending or "
                                "running")
    suspension = Suspension(reason=text, until=until, resume_at=resume_at, status="pending", clocks=[],
                            requested_by=actor.label, requested_at=at,
                            department_id=lead_unit_id(ticket))
    ticket.suspensions.append(suspension)
    record(ticket, actor, EventKind.SUSPENSION_REQUESTED, note=text, at=at,
           data={"until": until.isoformat() if until else None})
    return suspension


def decide_suspension(ticket: Ticket, actor: Actor, *, approve: bool, note: str | None = None,
                      at: datetime | None = None) -> None:
    """The centre approves (the span starts: every running clock stands still, the scan skips
    it) or refuses (nothing changed)."""
    _require(ticket, "decide-suspension", BEING_ANSWERED)
    _require_supervisor(actor, Permission.DECIDE_SUSPENSION, "decide-suspension")
    suspension = pending_suspension(ticket)
    if suspension is None:
        raise IllegalTransition("没有待审批的挂起申请 / no suspension request is pending")
    at = at or utcnow()
    text = (note or "").strip() or None
    suspension.decided_by, suspension.decided_at, suspension.decision_note = actor.label, at, text
    if not approve:
        suspension.status = "refused"
        record(ticket, actor, EventKind.SUSPENSION_REFUSED, note=text, at=at)
        return
    if suspension.resume_at is not None and suspension.resume_at <= at:
        raise IllegalTransition("申请的挂起期限已过 / the requested suspension has already "
                                "ended: refuse it")
    suspension.status, suspension.started_at = "active", at
    # Paused clocks are stopped at the span's start, so nothing that reads running clocks (the
    # scan, the overdue lists, the page's lights) counts them; the span remembers which.
    paused = []
    for clock in ticket.clocks:
        if clock.stopped_at is None:
            clock.stopped_at, clock.next_check_at = at, None
            paused.append(clock.kind)
    suspension.clocks = paused
    record(ticket, actor, EventKind.SUSPENDED, note=text, at=at,
           data={"until": suspension.until.isoformat() if suspension.until else None,
                 "clocks": paused})


def _counts_working_time(planner: Planner, ticket: Ticket, kind: str) -> bool:
    """Whether a clock of `kind` counts working time (so a span is excluded in working time)
    or calendar time (an emergency's, a 督办 order's), by the limit it was armed from."""
    if kind.startswith("urge:"):
        return False
    policy = planner.choose(ticket).policy
    own = SIGN if kind.startswith(f"{FORWARD_SIGN}:") else kind  # a forwarded task's sign-for
    limit = {DISPATCH: policy.dispatch, SIGN: policy.sign, CONTACT: policy.contact}.get(
        own, policy.reply)  # the reply, the assisting units' and a forwarded task's answer
    return limit.unit is not Unit.CALENDAR_HOURS


def shift_past_span(instant: datetime, start: datetime, end: datetime, *, working: bool,
                    planner: Planner) -> datetime:
    """Where a deadline falls once the span [start, end) is taken out of its clock: as much of
    its kind of time remains after `end` as remained at `start`. An instant already past at
    `start` stays (the span does not forgive time already overdue). Raises CalendarMissing."""
    if instant <= start:
        return instant
    if not working:
        return instant + (end - start)
    remaining = planner.calendar.working_time_between(start, instant)
    return planner.calendar.add_working_time(end, remaining)


def resume(ticket: Ticket, actor: Actor, *, planner: Planner, note: str | None = None,
           at: datetime | None = None) -> None:
    """恢复办理: the span ends and every clock it paused runs again, its warning, deadline and
    escalation later by exactly the suspended time (working time for working-time limits); the
    ticket's, the assisting tasks' and an open forwarded task's due dates follow (the latter's
    still no later than the parent's reply deadline). The unit's lead, a supervisor, or the
    scheduled scan once `until` has come."""
    _require(ticket, "resume", BEING_ANSWERED)
    suspension = active_suspension(ticket)
    if suspension is None:
        raise IllegalTransition("工单未挂起 / the ticket is not suspended")
    if actor is not SYSTEM:
        if actor.role in UNIT_ROLES:
            _require_unit(ticket, actor, Permission.RESUME, "resume")
        else:
            _require_supervisor(actor, Permission.RESUME, "resume")
    at = at or utcnow()
    start = suspension.started_at or at
    moved: dict[str, str | None] = {}
    for clock in ticket.clocks:
        if clock.kind not in suspension.clocks or clock.stopped_at is None:
            continue
        clock.stopped_at = None
        if clock.due_at is None:  # no deadline to move (calendar missing)
            continue
        begin = max(start, clock.started_at) if clock.started_at else start
        working = _counts_working_time(planner, ticket, clock.kind)
        try:
            warn, due = (shift_past_span(x, begin, at, working=working, planner=planner)
                         if x is not None else None for x in (clock.warn_at, clock.due_at))
        except CalendarMissing as exc:
            _calendar_missing(ticket, clock.kind, exc, at)
            continue
        assert due is not None
        if clock.escalate_at is not None:
            clock.escalate_at = due + (clock.escalate_at - clock.due_at) if due != clock.due_at \
                else shift_past_span(clock.escalate_at, begin, at, working=False, planner=planner)
        clock.warn_at, clock.due_at = warn, due
        clock.next_check_at = next_check(clock)
        moved[clock.kind] = _iso(due)
        _follow(ticket, clock.kind, due)
    _cap_forward_clocks(ticket, moved)
    try:
        worked = planner.calendar.working_time_between(start, at)
    except CalendarMissing:
        worked = timedelta(0)
    suspension.status, suspension.ended_at, suspension.ended_by = "ended", at, actor.label
    suspension.working_seconds = int(worked.total_seconds())
    suspension.calendar_seconds = int((at - start).total_seconds())
    record(ticket, actor, EventKind.RESUMED, note=(note or "").strip() or None, at=at,
           data={"working_seconds": suspension.working_seconds,
                 "calendar_seconds": suspension.calendar_seconds,
                 "scheduled": actor is SYSTEM, "moved": moved})


def _follow(ticket: Ticket, kind: str, due: datetime) -> None:
    """The ticket's own due dates (and an assisting or forwarded task's) as its clocks now say."""
    if kind == DISPATCH:
        ticket.dispatch_due = due
    elif kind == SIGN:
        ticket.sign_due = due
    elif kind == REPLY:
        ticket.reply_due = due
    elif kind.startswith("assist:"):
        code = kind.split(":", 1)[1]
        for task in ticket.assist_tasks:
            if task.department is not None and task.department.code == code:
                task.due = due
    elif kind.startswith((f"{FORWARD_SIGN}:", f"{FORWARD_REPLY}:")):
        name, seq = kind.split(":", 1)
        for forwarded in ticket.forward_tasks:
            if str(forwarded.seq) == seq:
                if name == FORWARD_SIGN:
                    forwarded.sign_due = due
                else:
                    forwarded.reply_due = due


def _cap_forward_clocks(ticket: Ticket, moved: dict[str, str | None]) -> None:
    """The open forwarded task's running clocks end no later than the parent's reply deadline
    after a resume, as they did when the task was made (`forward`): each kind of clock got back
    its own remaining time, and a child clock counting working time may otherwise outrun a
    parent's that counts calendar time."""
    task = open_forward(ticket)
    cap = ticket.reply_due
    if task is None or cap is None:
        return
    for kind in (f"{FORWARD_SIGN}:{task.seq}", f"{FORWARD_REPLY}:{task.seq}"):
        clock = _clock(ticket, kind)
        if clock is None or clock.stopped_at is not None or clock.due_at is None \
                or clock.due_at <= cap:
            continue
        if clock.escalate_at is not None:
            clock.escalate_at = cap + (clock.escalate_at - clock.due_at)
        clock.due_at = cap
        clock.warn_at = min(clock.warn_at, cap) if clock.warn_at is not None else None
        clock.next_check_at = next_check(clock)
        moved[kind] = _iso(cap)
        _follow(ticket, kind, cap)


# 甄别/申诉 (appeal): a unit asks that a ticket not count against it; a supervisor decides.
RATES = {"response": N_("响应率"), "on_time": N_("按时办结率"), "solution": N_("解决率"),
         "satisfaction": N_("满意率")}
ALL_RATES = frozenset(RATES)
RATING_RATES = frozenset({"solution", "satisfaction"})
APPEAL_KINDS = {
    "unreasonable": N_("诉求不合理或违法"),
    "concluded": N_("终结件（已依法处理终结）"),
    "duplicate": N_("重复件"),
    "outside_duty": N_("非本单位职责"),
    "unfair_rating": N_("评价不公"),
}
# The rates an approved appeal takes the ticket out of: an unfair rating only the citizen's
# verdict (解决率, 满意率); the others the whole ticket, every rate.
APPEAL_EXCLUDES = {kind: RATING_RATES if kind == "unfair_rating" else ALL_RATES
                   for kind in APPEAL_KINDS}
# The lead unit's tickets, from dispatch on: an unfair rating comes after the close.
APPEALABLE = frozenset({Status.DISPATCHED, Status.SIGNED, Status.REPLIED, Status.CLOSED})


def pending_appeal(ticket: Ticket) -> Appeal | None:
    return next((a for a in ticket.appeals if a.status == "pending"), None)


def excluded_rates(ticket: Ticket) -> frozenset[str]:
    """The rates the ticket's approved appeals take it out of."""
    out: frozenset[str] = frozenset()
    for appeal in ticket.appeals:
        if appeal.status == "approved":
            out |= APPEAL_EXCLUDES.get(appeal.kind, frozenset())
    return out


def appeal(ticket: Ticket, actor: Actor, *, kind: str, reason: str,
           at: datetime | None = None) -> Appeal:
    """申诉: the lead unit's lead asks, with a reason; the ticket counts as before until a
    supervisor approves."""
    _require(ticket, "appeal", APPEALABLE)
    _require_unit(ticket, actor, Permission.APPEAL, "appeal")
    if kind not in APPEAL_KINDS:
        raise InvalidInput(f"未知申诉类型 / unknown kind: {kind}", field="kind")
    text = _text(reason, "reason", "申诉理由")
    if pending_appeal(ticket) is not None:
        raise IllegalTransition("已有待审核的申诉 / an appeal is already pending")
    if APPEAL_EXCLUDES[kind] <= excluded_rates(ticket):
        raise IllegalTransition("该工单已因申诉不计入这些指标 / an approved appeal already "
                                "excludes the ticket from these rates")
    at = at or utcnow()
    request = Appeal(kind=kind, reason=text, status="pending", requested_by=actor.label,
                     requested_at=at, department_id=lead_unit_id(ticket))
    ticket.appeals.append(request)
    record(ticket, actor, EventKind.APPEALED, note=text, at=at, data={"kind": kind})
    return request


def decide_appeal(ticket: Ticket, actor: Actor, *, approve: bool, note: str | None = None,
                  at: datetime | None = None) -> None:
    """甄别: a supervisor approves (the ticket leaves the rates its kind names, counted beside
    each of them) or refuses (a refusal says why)."""
    _require(ticket, "decide-appeal", APPEALABLE)
    _require_supervisor(actor, Permission.DECIDE_APPEAL, "decide-appeal")
    request = pending_appeal(ticket)
    if request is None:
        raise IllegalTransition("没有待审核的申诉 / no appeal is pending")
    text = (note or "").strip() or None
    if not approve and text is None:
        raise InvalidInput("不予支持须说明理由 / a refusal needs a note", field="note")
    at = at or utcnow()
    request.decided_by, request.decided_at, request.decision_note = actor.label, at, text
    request.status = "approved" if approve else "refused"
    kind = EventKind.APPEAL_APPROVED if approve else EventKind.APPEAL_REFUSED
    record(ticket, actor, kind, note=text, at=at,
           data={"kind": request.kind,
                 "excludes": sorted(APPEAL_EXCLUDES[request.kind]) if approve else []})
# --- forwarding (转派 / 下派) to a descendant unit ------------------------------------------------
#
# A unit that has signed for a ticket (签收: it acknowledged the ticket as its own, so the
# sign-for rate measures the accountable unit) may hand the work down to one of its descendant
# units — any unit below it on the `parent_id` chain, whatever the levels are called. The ticket
# stays the parent's (主责): `ticket.department` and the parent's own clocks do not change, and
# the parent may neither answer nor return the ticket to the centre while the task is open. The
# child signs and answers its task on its own clocks, which end no later than the parent's reply
# deadline; its answer goes to the parent, which adopts it as its own reply (the ordinary `reply`,
# so the centre's review and the citizen's SMS follow as for any answer) or sends it back. The
# child may hand the task back to the parent (never to the centre). One task is open at a time.

FORWARD_SIGN, FORWARD_REPLY = "fsign", "freply"  # clock kinds "fsign:<seq>", "freply:<seq>"
# A forwarded task's states (hotline.models.forwarding), as the ticket page and refusals name them.
FORWARD_STATES = {"pending": N_("待签收"), "signed": N_("办理中"), "replied": N_("已反馈待采纳"),
                  "accepted": N_("已采纳"), "returned": N_("已退回")}


def is_descendant(unit: Department, ancestor: Department | None) -> bool:
    """Whether `ancestor` is above `unit` on its parent chain (a unit is not its own descendant).

    Walks `parent`, so it holds for any number of levels; a cycle in bad data ends the walk.
    """
    if ancestor is None:
        return False
    seen: set[int] = set()
    node = unit.parent
    while node is not None and id(node) not in seen:
        if node is ancestor or (node.id is not None and node.id == ancestor.id):
            return True
        seen.add(id(node))
        node = node.parent
    return False


def open_forward(ticket: Ticket) -> ForwardTask | None:
    """The ticket's open forwarded task, if any (at most one is open at a time)."""
    return next((t for t in ticket.forward_tasks if t.open), None)


def _forward_unit_id(task: ForwardTask) -> int | None:
    return task.department.id if task.department is not None else task.department_id


def _require_no_open_forward(ticket: Ticket, action: str) -> None:
    task = open_forward(ticket)
    if task is not None:
        code = task.department.code if task.department else "?"
        raise IllegalTransition(f"工单已转派给 {code} 办理，请先采纳或退回其答复，不能{action} / "
                                f"the ticket is forwarded to {code}: settle that task first")


def _capped_window(ticket: Ticket, planner: Planner, kind: str, at: datetime, limit: Limit,
                   cap: datetime | None) -> Window | None:
    """The child's own limit from `at`, ending no later than `cap` (the parent's reply due)."""
    own = _window(ticket, planner, kind, at, limit, at)
    if own is None or cap is None or own.due_at <= cap:
        return own
    try:
        return planner.window_until(at, cap, Unit.WORKING_HOURS)
    except CalendarMissing as exc:
        _calendar_missing(ticket, kind, exc, at)
        return None


def forward(ticket: Ticket, actor: Actor, department: Department, *, note: str | None = None,
            planner: Planner | None = None, at: datetime | None = None,
            community: Community | None = None) -> ForwardTask:
    """转派: the lead unit's lead hands a signed ticket down to one of its descendant units.

    Without a planner (the pure state tests) the task's deadline is the parent's reply deadline.
    `community` is the gazetteer's community the unit is (下派社区: a street sends the ticket to
    one of its 社区/村): the ticket's community follows it, with that community's street and
    district when the ticket's differ, so the map places it there; the event's `set` says what
    changed and `was` what it replaced.
    """
    _require(ticket, "forward", BEING_ANSWERED)
    _require_unit(ticket, actor, Permission.FORWARD, "forward")
    _require_running(ticket, "forward")  # the child's clocks would start in the span
    parent = ticket.department
    if department is parent or (department.id is not None and department.id == lead_unit_id(ticket)):
        raise InvalidInput("不能转派给本单位 / a unit cannot forward to itself", field="unit")
    if not is_descendant(department, parent):
        raise Forbidden(f"{department.code} 不是本单位的下级单位，只能转派给下级单位 / "
                        f"{department.code} is not below this unit: forward only to a "
                        f"descendant unit")
    if not department.active:
        raise InvalidInput(f"单位 {department.code} 已停用 / unit is inactive", field="unit")
    _require_no_open_forward(ticket, "再次转派")
    at = at or utcnow()
    seq = len(ticket.forward_tasks) + 1
    task = ForwardTask(seq=seq, department=department, parent=parent, status="pending",
                       note=(note or "").strip() or None, forwarded_by=actor.label, created_at=at,
                       sign_due=ticket.reply_due, reply_due=ticket.reply_due)
    ticket.forward_tasks.append(task)
    if planner is not None:
        policy = planner.choose(ticket).policy
        cap = ticket.reply_due
        sign_kind, reply_kind = f"{FORWARD_SIGN}:{seq}", f"{FORWARD_REPLY}:{seq}"
        sign_window = _capped_window(ticket, planner, sign_kind, at, policy.sign, cap)
        reply_window = _capped_window(ticket, planner, reply_kind, at, policy.reply, cap)
        _arm(ticket, sign_kind, at, sign_window, department)
        _arm(ticket, reply_kind, at, reply_window, department)
        task.sign_due = sign_window.due_at if sign_window else None
        task.reply_due = reply_window.due_at if reply_window else None
    data: dict[str, Any] = {"seq": seq, "department": department.code,
                            "parent": parent.code if parent else None,
                            "sign_due": _iso(task.sign_due), "reply_due": _iso(task.reply_due)}
    if community is not None:
        data.update(_place_at(ticket, community))
    record(ticket, actor, EventKind.FORWARDED, note=task.note, at=at, data=data)
    return task


def _place_at(ticket: Ticket, community: Community) -> dict[str, Any]:
    """Put the ticket in `community` (and its street and district); the fields changed and
    what they were, for the event, or nothing when the ticket is there already."""
    wanted = {"district": community.district_code, "street": community.street_code,
              "community": community.code}
    was = {name: getattr(ticket, name) for name in wanted}
    changed = {name: value for name, value in wanted.items() if was[name] != value}
    if not changed:
        return {}
    if "street" in changed:
        ticket.street_found = {"by": "forward", "entry": community.street_code,
                               "unit": community.code}
    for name, value in changed.items():
        setattr(ticket, name, value)
    return {"set": changed, "was": {name: was[name] for name in changed}}


def _child_task(ticket: Ticket, actor: Actor, permission: Permission, action: str,
                allowed: Iterable[str]) -> ForwardTask:
    """The open task of the actor's unit, in one of the `allowed` task states, for a post
    holding `permission` (handing a task back needs the child's lead)."""
    _require(ticket, action, BEING_ANSWERED)
    task = open_forward(ticket)
    act = ACTS[action]
    if task is None or actor.role not in UNIT_ROLES or actor.department_id is None \
            or _forward_unit_id(task) != actor.department_id:
        raise Forbidden(f"只有接受转派的单位可以{act.zh} / only the unit the ticket was "
                        f"forwarded to may {act.en}")
    if not allows(actor.role, permission):
        raise Forbidden(f"须由单位负责人{act.zh} / only the unit's lead may {act.en}")
    if task.status not in set(allowed):
        raise IllegalTransition(f"转派任务状态为「{FORWARD_STATES[task.status]}」，不能{act.zh} / "
                                f"cannot {act.en}: the forwarded task is {task.status}")
    _require_running(ticket, action)  # its clocks stand still with the parent's
    return task


def forward_sign(ticket: Ticket, actor: Actor, *, at: datetime | None = None) -> None:
    """The child signs for its forwarded task; its sign clock stops."""
    task = _child_task(ticket, actor, Permission.SIGN, "forward-sign", {"pending"})
    at = at or utcnow()
    task.status, task.signed_at = "signed", at
    _stop(ticket, f"{FORWARD_SIGN}:{task.seq}", at)
    record(ticket, actor, EventKind.FORWARD_SIGNED, at=at,
           data={"seq": task.seq, "department": task.department.code})


def forward_reply(ticket: Ticket, actor: Actor, answer: str, *,
                  at: datetime | None = None) -> None:
    """The child's answer, to its parent (not to the centre): the parent adopts or returns it."""
    task = _child_task(ticket, actor, Permission.REPLY, "forward-reply",
                       {"signed"})
    text = _text(answer, "answer", "办理结果")
    at = at or utcnow()
    task.status, task.answer, task.replied_at = "replied", text, at
    _stop(ticket, f"{FORWARD_REPLY}:{task.seq}", at)
    record(ticket, actor, EventKind.FORWARD_REPLIED, note=text, at=at,
           data={"seq": task.seq, "department": task.department.code})


def forward_return(ticket: Ticket, actor: Actor, reason: str, *,
                   at: datetime | None = None) -> None:
    """The child hands its task back to the parent (not to the centre); the parent then
    answers, returns or forwards again. Needs the child's lead, like 退单."""
    task = _child_task(ticket, actor, Permission.RETURN, "forward-return",
                       {"pending", "signed"})
    text = _text(reason, "reason", "退回理由")
    at = at or utcnow()
    task.status, task.reason, task.finished_at = "returned", text, at
    _stop(ticket, f"{FORWARD_SIGN}:{task.seq}", at)
    _stop(ticket, f"{FORWARD_REPLY}:{task.seq}", at)
    record(ticket, actor, EventKind.FORWARD_RETURNED, note=text, at=at,
           data={"seq": task.seq, "department": task.department.code})


def review_forward(ticket: Ticket, actor: Actor, *, accept: bool, note: str | None = None,
                   at: datetime | None = None) -> None:
    """The parent adopts the child's answer as its own reply, or sends it back for rework.

    Adopting runs the ordinary `reply` with the child's words, so the ticket is answered, the
    parent's clocks stop and the centre reviews it exactly as if the parent had typed it.
    Sending back runs the child's reply clock again against its old deadline.
    """
    _require(ticket, "forward-review", BEING_ANSWERED)
    _require_unit(ticket, actor, Permission.REVIEW_FORWARD, "forward-review")
    _require_running(ticket, "forward-review")
    task = open_forward(ticket)
    if task is None or task.status != "replied":
        raise IllegalTransition("没有待采纳的转派答复 / no forwarded answer is waiting")
    at = at or utcnow()
    code = task.department.code
    if accept:
        task.status, task.finished_at = "accepted", at
        record(ticket, actor, EventKind.FORWARD_ACCEPTED, note=note, at=at,
               data={"seq": task.seq, "department": code})
        reply(ticket, actor, task.answer or "", at=at)
        return
    text = _text(note, "note", "退回理由")
    task.status, task.reason = "signed", text
    _resume(ticket, f"{FORWARD_REPLY}:{task.seq}")
    record(ticket, actor, EventKind.FORWARD_SENT_BACK, note=text, at=at,
           data={"seq": task.seq, "department": code})
# --- risk triage (issue 19) ----------------------------------------------------------------------

# The categories and levels of classifier.risk, with their labels (translated where shown).
RISK_CATEGORIES = {
    "self_harm": N_("自伤自杀"),
    "violence": N_("暴力威胁"),
    "mass_gathering": N_("群体聚集"),
    "child_elder": N_("儿童老人安危"),
    "other": N_("其他风险"),
}
RISK_LEVELS = {"extreme": N_("极高风险"), "high": N_("高风险")}  # most severe first
# Where a 双向转接 goes: the emergency services a 12345 centre hands callers to.
HANDOFF_SERVICES = {"110": N_("110 公安报警"), "120": N_("120 医疗急救"), "119": N_("119 消防救援"),
                    "122": N_("122 交通事故")}
MAX_HANDOFF_NOTE = 500


def _severity(level: str | None) -> int:
    """Higher is worse: no mark 0, high 1, extreme 2."""
    order = tuple(reversed(RISK_LEVELS))
    return order.index(level) + 1 if level in RISK_LEVELS else 0


def mark_risk(ticket: Ticket, actor: Actor, *, category: str, level: str,
              reason: dict[str, Any] | None = None, note: str | None = None,
              at: datetime | None = None) -> bool:
    """风险标记: a danger to people (classifier.risk) marks the ticket, with one event.

    The ticket becomes 紧急 as well: a caller in danger is never an ordinary case (the intake
    marks it before the deadlines are planned, so they are the urgent ones). A rule only ever
    raises a mark, so a person's judgement (or an earlier extreme finding) is not undone by a
    later, milder match; a person may set any category and level, with the reason in `note`.
    The event's effects (hotline.domain.effects) alert the duty supervisor when the level
    becomes extreme. Returns whether anything changed.
    """
    _require(ticket, "mark-risk", OPEN)
    if category not in RISK_CATEGORIES:
        raise InvalidInput(f"未知风险类别 / unknown risk category: {category}", field="category")
    if level not in RISK_LEVELS:
        raise InvalidInput(f"未知风险等级 / unknown risk level: {level}", field="level")
    if actor is SYSTEM:
        if _severity(level) <= _severity(ticket.risk_level):
            return False
        text = note
    else:
        _require_centre(actor, Permission.MARK_RISK, "mark-risk")
        text = _text(note, "note", "标记理由")
        if (ticket.risk_category, ticket.risk_level) == (category, level):
            return False
    before = {"category": ticket.risk_category, "level": ticket.risk_level}
    ticket.risk_category, ticket.risk_level = category, level
    data: dict[str, Any] = {"category": category, "level": level, "reason": reason or {},
                            "from": before if before["level"] else None}
    if ticket.urgency != Urgency.URGENT:
        ticket.urgency = Urgency.URGENT
        data["urgency"] = Urgency.URGENT.value
    record(ticket, actor, EventKind.RISK_FLAGGED, note=text, data=data, at=at)
    return True


def suggest_risk(ticket: Ticket, *, reason: dict[str, Any],
                 at: datetime | None = None) -> bool:
    """可能有风险: the risk model (classifier.risk_model) thinks the words may show a danger the
    rules did not find. Only an event, for the agent and the supervisor to judge: no mark, no
    urgency, no alert (a learnt model's false alarms must cost a glance, not a call). Nothing
    is recorded on a ticket already marked or already suggested. Returns whether it was."""
    _require(ticket, "suggest a risk", OPEN)
    if ticket.risk_level or any(e.kind == EventKind.RISK_SUGGESTED for e in ticket.events):
        return False
    record(ticket, SYSTEM, EventKind.RISK_SUGGESTED, data={"reason": reason}, at=at)
    return True


def risk_alert_due(event: TicketEvent) -> bool:
    """Whether a risk event alerts the duty supervisor: the mark became extreme just now."""
    data = event.data or {}
    was = (data.get("from") or {}).get("level")
    return data.get("level") == "extreme" and was != "extreme"


def hand_off(ticket: Ticket, actor: Actor, *, to: str, note: str | None = None,
             at: datetime | None = None) -> TicketEvent:
    """双向转接: the centre passed the caller (or the case) to 110/120/119/122.

    Only a record: the call itself is transferred on the telephone system. The event keeps to
    whom, who and when (its actor and time) and what was said, so the hand-off is part of the
    ticket's trace and the supervisors see it; the ticket stays with the centre and its unit.
    """
    _require(ticket, "hand-off", OPEN)
    _require_centre(actor, Permission.HAND_OFF, "hand-off")
    if to not in HANDOFF_SERVICES:
        raise InvalidInput(f"未知转接对象 / unknown service: {to}", field="to")
    text = (note or "").strip() or None
    if text is not None and len(text) > MAX_HANDOFF_NOTE:
        raise InvalidInput(f"说明不能超过 {MAX_HANDOFF_NOTE} 字 / note is too long", field="note")
    return record(ticket, actor, EventKind.HANDED_OFF, note=text, data={"to": to}, at=at)


def hand_offs(ticket: Ticket) -> list[TicketEvent]:
    """The ticket's hand-off records, oldest first."""
    return [e for e in ticket.events if e.kind == EventKind.HANDED_OFF]


# --- incident groups (issue 18): 合并办理 -------------------------------------------------------
# A group is a master ticket and the tickets whose `incident_master` it is. Members are never
# dispatched and have no clocks: the unit answers the master once, and every member's citizen
# receives that answer under their own number (INCIDENT_ANSWERED, in the effects table).

GROUPABLE = frozenset({Status.PENDING_DISPATCH, Status.AWAITING_TRANSCRIPTION})  # not with a unit yet
# A supervisor may gather later callers into the first ticket even after dispatch, as a 12345
# centre does, until the unit has answered: their own task at the unit ends (INCIDENT_ADDED
# records the unit and state it had, and its effect tells the unit) and they wait at the centre.
JOINABLE = GROUPABLE | UNIT_WORK | AT_CENTRE


def _check_joinable(member: Ticket, master: Ticket, *, by_supervisor: bool = False) -> None:
    if member is master or (member.id is not None and member.id == master.id):
        raise InvalidInput("工单不能并入自身 / a ticket cannot join its own group")
    if master.incident_master is not None:
        raise InvalidInput(f"{master.number} 是合并件，不是主件 / {master.number} is a member, not a master")
    if master.status == Status.CLOSED:
        raise IllegalTransition(f"主件 {master.number} 已办结 / the master ticket is closed")
    if member.incident_members:
        raise IllegalTransition(f"{member.number} 是主件 / {member.number} is the master of a group")
    if member.incident_master is not None:
        raise IllegalTransition(f"{member.number} 已在合并组中 / {member.number} is already in a group")
    if member.status in REPLIED_OR_CLOSED:
        raise IllegalTransition(f"{member.number} {STATUS_LABELS[member.status.value]}，不能并入 / "
                                f"{member.number} is already {member.status.value}")
    if member.status not in GROUPABLE and not by_supervisor:
        raise IllegalTransition(f"{member.number} 已派单，不能并入 / {member.number} is already with a unit")
    if member.status in UNIT_WORK:
        _require_no_open_forward(member, "并入合并组")
        if active_suspension(member) is not None or pending_suspension(member) is not None:
            raise IllegalTransition(f"{member.number} 有挂起申请或已挂起，请先处理 / {member.number} "
                                    "is suspended or asks to be: decide that first")
        if pending_extension(member) is not None:
            raise IllegalTransition(f"{member.number} 有待审批的延期申请，请先审批 / {member.number} "
                                    "has an extension request waiting: decide it first")


def _require_not_member(ticket: Ticket) -> None:
    """A member is answered through its master: dispatching it would make a second case."""
    if ticket.incident_master is not None:
        raise IllegalTransition(f"合并件随主件 {ticket.incident_master.number} 办理，请先移出合并组 / "
                                "a member follows its master: split it off first")


def _join(member: Ticket, master: Ticket, *, score: float | None, confirmed: bool,
          at: datetime, by_supervisor: bool = False) -> None:
    """The member follows its master: the clocks intake planned for it stop and its own
    deadlines go, so no scan warns, marks overdue or escalates it on its own."""
    _check_joinable(member, master, by_supervisor=by_supervisor)
    member.incident_master = master
    member.incident_score = score
    member.incident_confirmed = confirmed
    stop_all_clocks(member, at)
    member.dispatch_due = member.sign_due = member.reply_due = None


def propose_incident_member(member: Ticket, master: Ticket, score: float | None, *,
                            actor: Actor = SYSTEM, at: datetime | None = None) -> None:
    """Intake (or the agent on the call, `actor`) found an open ticket about the same
    incident: the new ticket joins its group, unconfirmed, and is not dispatched (a supervisor
    confirms or splits it)."""
    at = at or utcnow()
    _join(member, master, score=score, confirmed=False, at=at)
    record(member, actor, EventKind.INCIDENT_PROPOSED, at=at,
           data={"master": master.number, "score": score})
    _answer_if_answered(master, at)


def _require_master(master: Ticket) -> None:
    if not master.incident_members:
        raise InvalidInput(f"{master.number} 没有合并件 / {master.number} has no incident group")


def confirm_incident(master: Ticket, actor: Actor, *, at: datetime | None = None) -> list[str]:
    """A supervisor confirms that the group's members describe the master's incident."""
    _require_supervisor(actor, Permission.MANAGE_INCIDENTS, "confirm-incident")
    _require_master(master)
    confirmed = [m.number for m in master.incident_members if not m.incident_confirmed]
    for member in master.incident_members:
        member.incident_confirmed = True
    record(master, actor, EventKind.INCIDENT_CONFIRMED, at=at, data={"members": confirmed})
    return confirmed


def split_incident_member(master: Ticket, member: Ticket, actor: Actor, *,
                          at: datetime | None = None) -> None:
    """A supervisor takes a member out of the group: it is a problem of its own again, and the
    caller routes it like a new ticket."""
    _require_supervisor(actor, Permission.MANAGE_INCIDENTS, "split-incident")
    if member.incident_master is not master:
        raise InvalidInput(f"{member.number} 不在 {master.number} 的合并组中 / "
                           f"{member.number} is not in {master.number}'s group")
    if member.status not in GROUPABLE:
        raise IllegalTransition(f"{member.number} 已答复 / {member.number} was already answered")
    member.incident_master = None
    member.incident_confirmed = False
    member.incident_score = None
    record(member, actor, EventKind.INCIDENT_SPLIT, at=at, data={"master": master.number})


def add_incident_member(master: Ticket, member: Ticket, actor: Actor, *,
                        at: datetime | None = None) -> None:
    """A supervisor adds a ticket intake did not find (confirmed at once)."""
    _require_supervisor(actor, Permission.MANAGE_INCIDENTS, "add-incident")
    at = at or utcnow()
    _join(member, master, score=None, confirmed=True, at=at, by_supervisor=True)
    data: dict[str, Any] = {"master": master.number}
    to_status = None
    if member.status not in GROUPABLE:
        # Dispatched, signed or returned: its own task ends and it waits at the centre with the
        # other members (待分拨), so the master's answer reaches it and a split routes it anew.
        unit = member.department
        data |= {"status": member.status.value, "department": unit.code if unit else None,
                 "department_id": lead_unit_id(member),
                 "handler": member.handler.username if member.handler else None,
                 "assisting": [t.department.code if t.department else None
                               for t in open_assist_tasks(member)]}
        for task in open_assist_tasks(member):
            task.status, task.finished_at = "waived", at
        member.department = None
        member.handler = None
        to_status = Status.PENDING_DISPATCH
    record(member, actor, EventKind.INCIDENT_ADDED, to_status=to_status, at=at, data=data)
    _answer_if_answered(master, at)


def _answer_if_answered(master: Ticket, at: datetime) -> None:
    """A caller who joins after the master's answer was approved gets it at once: otherwise
    nothing would ever answer them (a member has no unit and no clocks)."""
    if master.status == Status.REPLIED and reply_approved(master):
        answer_incident_members(master, at=at)


def _reopen_incident_member(member: Ticket, actor: Actor, reason: str, *,
                            planner: Planner | None, at: datetime | None) -> None:
    """重办 of a member: the unit's case is the master, so the master is redone with this
    citizen's words (once: a master already back with its unit is not reopened again), and the
    member waits for the master's next approved answer, which it then receives like the first."""
    text = _text(reason, "reason", "重办理由")
    at = at or utcnow()
    master = member.incident_master
    assert master is not None
    record(member, actor, EventKind.REOPENED, to_status=Status.PENDING_DISPATCH, note=text,
           public=True, at=at, data={"master": master.number})
    if master.status in REOPENABLE:
        reopen(master, actor, f"合并件 {member.number}：{text}", planner=planner, at=at)


def answer_incident_members(master: Ticket, *, at: datetime | None = None) -> list[str]:
    """The master's answer was approved: each member still waiting gets it, as its own reply
    (status 已答复), so its citizen is told and asked to rate under the member's number."""
    answer = _latest_answer(master)
    answered = []
    for member in master.incident_members:
        if member.status not in GROUPABLE:
            continue
        record(member, SYSTEM, EventKind.INCIDENT_ANSWERED, to_status=Status.REPLIED, note=answer,
               public=True, at=at, data={"answer": answer, "master": master.number})
        answered.append(member.number)
    return answered
