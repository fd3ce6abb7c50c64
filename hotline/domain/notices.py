"""What the staff notices of an event say, and to whom: the NOTIFY and STAFF_SMS effects' words.

Pure functions of the event (and, for the deadline scan's steps, the units it names). The life
cycle only appends events; the side-effect table (hotline.domain.effects) says which events
notify, and its handlers (hotline.citizen.effects) turn these values into inbox rows and
duty-phone SMS, through the ORM for ordinary events and in one INSERT per batch for the scan's.
Keeping the texts here keeps them testable without a database, next to the rules they report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hotline.domain.deadlines import due_phrase, kind_label, shown
from hotline.domain.events import EventKind
from hotline.domain.lifecycle import (
    APPEAL_KINDS,
    RISK_CATEGORIES,
    RISK_LEVELS,
    DeadlineStep,
    lead_unit_id,
    risk_alert_due,
)
from hotline.models import ForwardTask, Role, Ticket, TicketEvent


@dataclass(frozen=True)
class Notice:
    """One inbox notice: to a unit, to a post, to a post of a unit, to one person of a unit
    (`user_id`), or (none of them) to everyone."""

    kind: str
    body: str
    level: str = "info"
    department_id: int | None = None
    role: str | None = None
    user_id: int | None = None


@dataclass(frozen=True)
class StaffText:
    """An SMS to a unit's duty phone (the number may be empty or not a mobile: then none)."""

    to: str | None
    body: str


def _reply_due_phrase(due: datetime | None, at: datetime) -> str:
    return f"，答复时限{due_phrase(due, at)}" if due is not None else ""


def _due(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _arbitration(ticket: Ticket, event: TicketEvent) -> list[Notice]:
    return [Notice("arbitration_required", level="red", role=Role.SUPERVISOR.value,
                   body=f"工单 {ticket.number} 已退单 {event.data['returns']} 次，请仲裁派单。")]


def _extension_requested(ticket: Ticket, event: TicketEvent) -> list[Notice]:
    return [Notice("extension_requested", role=Role.SUPERVISOR.value,
                   body=f"工单 {ticket.number} 申请延期 {event.data['days']} 个工作日：{event.note}")]


def _extension_refused(ticket: Ticket, event: TicketEvent) -> list[Notice]:
    phrase = _reply_due_phrase(_due(event.data.get("reply_due")), event.at)
    return [Notice("extension_refused", department_id=lead_unit_id(ticket),
                   body=f"工单 {ticket.number} 的延期申请未获批准{phrase}。{event.note or ''}")]


def _extension_approved(ticket: Ticket, event: TicketEvent) -> list[Notice]:
    phrase = _reply_due_phrase(_due(event.data.get("new_due")), event.at)
    return [Notice("extension_approved", department_id=lead_unit_id(ticket),
                   body=f"工单 {ticket.number} 延期 {event.data['days']} 个工作日已批准"
                        f"{phrase}。{event.note or ''}")]


def _urged(ticket: Ticket, event: TicketEvent) -> list[Notice]:
    due = _due(event.data["due"])
    assert due is not None  # an order always has its deadline
    return [Notice("urged", level="red", department_id=lead_unit_id(ticket),
                   body=f"督办：工单 {ticket.number} 须于 {shown(due)} 前办理。{event.note}")]


def _calendar_missing(ticket: Ticket, event: TicketEvent) -> list[Notice]:
    kind, year = event.data["deadline"], event.data["year"]
    return [Notice("calendar_missing", level="red", role=Role.ADMIN.value,
                   body=f"工单 {ticket.number} 的{kind_label(kind)}时限无法计算：缺少 {year} 年工作日历，请录入。"
                        f" / Deadline '{kind}' of ticket {ticket.number} needs the {year} calendar.")]


# --- forwarding (转派): the child's task and the parent's decision ---------------------------------


def _forward_task(ticket: Ticket, event: TicketEvent) -> ForwardTask | None:
    """The forwarded task the event is about (its `seq` names it)."""
    return next((t for t in ticket.forward_tasks if t.seq == event.data["seq"]), None)


def _child(ticket: Ticket, event: TicketEvent) -> tuple[int | None, str]:
    """The child unit's id and name, for a notice to it or about it."""
    task = _forward_task(ticket, event)
    unit = task.department if task is not None else None
    if unit is None:
        return (task.department_id if task else None), event.data["department"]
    return unit.id, unit.name


def _forwarded(ticket: Ticket, event: TicketEvent) -> list[Notice]:
    task = _forward_task(ticket, event)
    parent = task.parent.name if task is not None and task.parent else event.data["parent"]
    due = _due(event.data.get("reply_due"))
    phrase = f"，反馈时限{due_phrase(due, event.at)}" if due is not None else ""
    return [Notice("forwarded", department_id=_child(ticket, event)[0],
                   body=f"工单 {ticket.number} 由 {parent} 转派给本单位，请签收办理{phrase}。"
                        f"{event.note or ''}")]


def _forward_replied(ticket: Ticket, event: TicketEvent) -> list[Notice]:
    return [Notice("forward_replied", department_id=lead_unit_id(ticket),
                   role=Role.UNIT_LEAD.value,
                   body=f"工单 {ticket.number} 转派给 {_child(ticket, event)[1]} 的任务已反馈，"
                        f"请采纳为本单位答复或退回。")]


def _forward_sent_back(ticket: Ticket, event: TicketEvent) -> list[Notice]:
    return [Notice("forward_sent_back", level="yellow", department_id=_child(ticket, event)[0],
                   body=f"工单 {ticket.number} 的反馈被转派单位退回：{event.note}")]


def _forward_returned(ticket: Ticket, event: TicketEvent) -> list[Notice]:
    return [Notice("forward_returned", level="yellow", department_id=lead_unit_id(ticket),
                   role=Role.UNIT_LEAD.value,
                   body=f"工单 {ticket.number} 被 {_child(ticket, event)[1]} 退回本单位："
                        f"{event.note}")]


# --- levels (issue 17): the handler (经办人) -----------------------------------------------------


def _handler_assigned(ticket: Ticket, event: TicketEvent) -> list[Notice]:
    """The person just named hears of it in their own inbox; nobody else of the unit does (the
    lead named them, the ticket's record says so)."""
    handler = ticket.handler
    if handler is None or handler.username != event.data["user"]:
        return []  # named again before the commit: the later event's notice tells the last one
    due = _reply_due_phrase(ticket.reply_due, event.at)
    return [Notice("handler_assigned", department_id=handler.department_id, user_id=handler.id,
                   body=f"工单 {ticket.number} 已指定您为经办人（{event.actor}）{due}。")]


def _risk_words(ticket: Ticket, event: TicketEvent) -> str:
    data = event.data or {}
    category = RISK_CATEGORIES.get(data.get("category", ""), data.get("category", ""))
    level = RISK_LEVELS.get(data.get("level", ""), data.get("level", ""))
    said = (data.get("reason") or {}).get("phrase") or event.note or ""
    return f"{level}（{category}）：工单 {ticket.number}" + (f"，“{said[:40]}”" if said else "")


def _risk_flagged(ticket: Ticket, event: TicketEvent) -> list[Notice]:
    """The supervisors hear of an extreme risk at once (a high one is 紧急 and on their list)."""
    if not risk_alert_due(event):
        return []
    return [Notice("risk_alert", level="red", role=Role.SUPERVISOR.value,
                   body=f"{_risk_words(ticket, event)}。请立即处置，必要时转接 110/120。")]


EVENT_NOTICES: Mapping[EventKind, Callable[[Ticket, TicketEvent], list[Notice]]] = {
    EventKind.ARBITRATION_REQUIRED: _arbitration,
    EventKind.EXTENSION_REQUESTED: _extension_requested,
    EventKind.EXTENSION_REFUSED: _extension_refused,
    EventKind.EXTENSION_APPROVED: _extension_approved,
    EventKind.URGED: _urged,
    EventKind.CALENDAR_MISSING: _calendar_missing,
    EventKind.FORWARDED: _forwarded,
    EventKind.FORWARD_REPLIED: _forward_replied,
    EventKind.FORWARD_SENT_BACK: _forward_sent_back,
    EventKind.FORWARD_RETURNED: _forward_returned,
    EventKind.HANDLER_ASSIGNED: _handler_assigned,
    EventKind.RISK_FLAGGED: _risk_flagged,
}


# --- casework (issue 17): 挂起, 申诉 ---------------------------------------------------------------


def _suspension_requested(ticket: Ticket, event: TicketEvent) -> list[Notice]:
    until = f"至 {event.data['until']}" if event.data.get("until") else ""
    return [Notice("suspension_requested", role=Role.SUPERVISOR.value,
                   body=f"工单 {ticket.number} 申请挂起{until}：{event.note}")]


def _suspension_refused(ticket: Ticket, event: TicketEvent) -> list[Notice]:
    return [Notice("suspension_refused", department_id=lead_unit_id(ticket),
                   body=f"工单 {ticket.number} 的挂起申请未获批准，时限照常计算。{event.note or ''}")]


def _suspended(ticket: Ticket, event: TicketEvent) -> list[Notice]:
    return [Notice("suspended", department_id=lead_unit_id(ticket),
                   body=f"工单 {ticket.number} 已批准挂起，时限暂停。{event.note or ''}")]


def _resumed(ticket: Ticket, event: TicketEvent) -> list[Notice]:
    phrase = _reply_due_phrase(ticket.reply_due, event.at)
    return [Notice("resumed", department_id=lead_unit_id(ticket),
                   body=f"工单 {ticket.number} 已恢复办理{phrase}。")]


def _appealed(ticket: Ticket, event: TicketEvent) -> list[Notice]:
    return [Notice("appealed", role=Role.SUPERVISOR.value,
                   body=f"工单 {ticket.number} 申诉（{APPEAL_KINDS[event.data['kind']]}）：{event.note}")]


def _appeal_decided(ticket: Ticket, event: TicketEvent) -> list[Notice]:
    outcome = "已获支持，不计入相关考核指标" if event.kind == EventKind.APPEAL_APPROVED \
        else "未获支持，照常考核"
    return [Notice(event.kind, department_id=lead_unit_id(ticket),
                   body=f"工单 {ticket.number} 的申诉{outcome}。{event.note or ''}")]


EVENT_NOTICES = {
    **EVENT_NOTICES,
    EventKind.SUSPENSION_REQUESTED: _suspension_requested,
    EventKind.SUSPENSION_REFUSED: _suspension_refused,
    EventKind.SUSPENDED: _suspended,
    EventKind.RESUMED: _resumed,
    EventKind.APPEALED: _appealed,
    EventKind.APPEAL_APPROVED: _appeal_decided,
    EventKind.APPEAL_REFUSED: _appeal_decided,
}


# --- 合并办理 (issue 18): a ticket taken from its unit into a group ------------------------------


def _incident_added(ticket: Ticket, event: TicketEvent) -> list[Notice]:
    """The unit that had the ticket (INCIDENT_ADDED records it) stops working on it; a ticket
    that never reached a unit tells nobody."""
    unit = (event.data or {}).get("department_id")
    if unit is None:
        return []
    master = event.data["master"]
    return [Notice("incident_added", department_id=unit,
                   body=f"工单 {ticket.number} 已并入 {master} 合并办理，无需单独办理。")]


EVENT_NOTICES = {**EVENT_NOTICES, EventKind.INCIDENT_ADDED: _incident_added}


def of_event(ticket: Ticket, event: TicketEvent) -> list[Notice]:
    """The notices of a life-cycle event (the deadline steps have `of_step`)."""
    return EVENT_NOTICES[EventKind(event.kind)](ticket, event)


def _step_what(step: DeadlineStep) -> str:
    return f"工单 {step.number} {kind_label(step.deadline)}时限"


def _escalated_body(step: DeadlineStep) -> str:
    return (f"{_step_what(step)}超期未办（{step.unit.name if step.unit else '中心'}），已提级至"
            f"{step.above.name if step.above else '督办'}。")


def of_step(step: DeadlineStep) -> list[Notice]:
    """A deadline step's inbox notices.

    Warning: the unit (without one, the supervisors), yellow. Overdue: the unit's lead and the
    supervisors, red. Escalated: the level above and the supervisors, red.
    """
    unit, kind, what = step.unit, step.kind.value, _step_what(step)
    if step.kind == EventKind.DEADLINE_WARNING:
        body = f"{what}{due_phrase(step.due_at, step.at)}，请抓紧办理。"
        if unit:
            return [Notice(kind, body, "yellow", department_id=unit.id)]
        return [Notice(kind, body, "yellow", role=Role.SUPERVISOR.value)]
    if step.kind == EventKind.DEADLINE_OVERDUE:
        body = f"{what}{due_phrase(step.due_at, step.at)}。"
        first = [Notice(kind, body, "red", unit.id, Role.UNIT_LEAD.value)] if unit else []
    else:
        body = _escalated_body(step)
        first = [Notice(kind, body, "red", step.above.id)] if step.above else []
    return [*first, Notice(kind, body, "red", role=Role.SUPERVISOR.value)]


def texts_of_step(step: DeadlineStep) -> list[StaffText]:
    """A deadline step's SMS: overdue to the unit's duty phone, escalated to the level above's."""
    if step.kind == EventKind.DEADLINE_OVERDUE and step.unit:
        body = f"{_step_what(step)}{due_phrase(step.due_at, step.at)}。"
        return [StaffText(step.unit.duty_phone, f"【12345】{body}请尽快办理。")]
    if step.kind == EventKind.DEADLINE_ESCALATED and step.above:
        return [StaffText(step.above.duty_phone, f"【12345】{_escalated_body(step)}")]
    return []


def texts_of_event(ticket: Ticket, event: TicketEvent, duty_phones: Sequence[str]) -> list[StaffText]:
    """The SMS of a life-cycle event with the STAFF_SMS effect: an extreme risk, to every duty
    supervisor's mobile (the roster the administrators keep)."""
    if event.kind != EventKind.RISK_FLAGGED or not risk_alert_due(event):
        return []
    body = f"【12345】{_risk_words(ticket, event)}，请立即处置。"
    return [StaffText(phone, body) for phone in duty_phones]
