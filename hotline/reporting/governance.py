"""主动治理: a supervisor turns a surge alert into a unit's task, with its own deadline; after
the task is closed the page counts the calls about the same street and topic, week by week,
next to the weeks before the alert, so the centre sees whether the cause went away.

A task is the centre's initiative, not a citizen's ticket: no ticket clocks or SMS, no life-
cycle event; the unit is told by a notice. Each step is audited (entity ``governance_tasks``) like an administrator's change.
Its one clock is its due: the deadline scan (workers/deadlines.py) warns the unit once on the
working day before it (a yellow notice), and marks a task still open past it overdue, once, and
tells the unit and the supervisors (a red notice); the governance page says 已超期 and the
supervisors' dashboard counts such tasks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hotline.domain.errors import Conflict, InvalidInput, NotFound
from hotline.identity import audit
from hotline.models import (
    Department,
    GovernanceTask,
    Notification,
    Role,
    SurgeAlert,
    Ticket,
    User,
)
from hotline.reporting import surges
from routing.calendar import CalendarMissing, WorkingCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
OUTCOME_WEEKS = 4  # weeks after closing counted (and weeks before the alert, to compare)
MAX_DAYS = 180  # a deadline further away than this is a typing mistake
OPEN, CLOSED = "open", "closed"  # a task's states
OVERDUE_NOTICE = "governance_overdue"  # the notice kind of a task past its due
DUE_SOON_NOTICE = "governance_due_soon"  # the notice kind of a task due by the next working day
# Only tasks due within this span can be due by the next working day (the longest holiday,
# 春节 with its weekends, is shorter): the rest are not read.
WARN_HORIZON = timedelta(days=15)


def find_alert(session: Session, key: int) -> SurgeAlert:
    alert = session.get(SurgeAlert, key)
    if alert is None:
        raise NotFound(f"预警 {key} 不存在 / no alert {key}")
    return alert


def find_task(session: Session, key: int) -> GovernanceTask:
    task = session.get(GovernanceTask, key)
    if task is None:
        raise NotFound(f"治理任务 {key} 不存在 / no task {key}")
    return task


def _task_dict(task: GovernanceTask) -> dict[str, object]:
    return {"id": task.id, "alert": task.alert_id, "unit": task.department.code,
            "due": task.due.isoformat(), "status": task.status, "note": task.note,
            "result": task.result}


def create_task(session: Session, user: User, alert: SurgeAlert, unit_code: str, due: str,
                note: str | None, today: date) -> GovernanceTask:
    """The alert's task for `unit_code`, due at the end of Shanghai day `due` (YYYY-MM-DD)."""
    if alert.status != "open":
        raise Conflict("此预警已处理 / this alert has been handled already")
    text = unit_code.strip()  # a code, or the type-ahead's "名称（代码）"
    code = text[text.rindex("（") + 1:-1] if text.endswith("）") and "（" in text else text
    unit = session.scalars(select(Department).where(Department.code == code,
                                                    Department.active)).one_or_none()
    if unit is None:
        raise InvalidInput(f"未知单位 / unknown unit: {unit_code}", field="unit")
    try:
        day = date.fromisoformat(due.strip())
    except ValueError:
        raise InvalidInput("期限须为日期 YYYY-MM-DD / due must be a date", field="due") from None
    if not today <= day <= today + timedelta(days=MAX_DAYS):
        raise InvalidInput(f"期限须在今天至 {MAX_DAYS} 天内 / due must be within {MAX_DAYS} days",
                           field="due")
    end = datetime.combine(day + timedelta(days=1), time(), SHANGHAI) - timedelta(seconds=1)
    task = GovernanceTask(alert=alert, department=unit, due=end, note=(note or "").strip() or None,
                          status=OPEN, created_by=user.username)
    alert.status = "tasked"
    session.add(task)
    session.flush()
    # The unit learns of it in its notices: a task with no ticket has no inbox row of its own.
    session.add(Notification(
        department_id=unit.id, kind="governance_task", level="yellow",
        body=f"主动治理任务：{_subject(session, alert)}来电增多（{alert.observed} 件），"
             f"请于 {day.isoformat()} 前治理。{task.note or ''}"))
    audit.record(session, user, "governance_tasks", task.id, audit.CREATE, None, _task_dict(task))
    return task


def dismiss(session: Session, user: User, alert: SurgeAlert) -> None:
    """Not worth a task (a known event, already handled): off the open list, audited."""
    if alert.status != "open":
        raise Conflict("此预警已处理 / this alert has been handled already")
    alert.status = "dismissed"
    audit.record(session, user, "surge_alerts", alert.id, audit.UPDATE, {"status": "open"},
                 {"status": "dismissed"})


def close_task(session: Session, user: User, task: GovernanceTask, result: str,
               now: datetime) -> None:
    if task.status != OPEN:
        raise Conflict("此任务已办结 / this task is closed already")
    if not result.strip():
        raise InvalidInput("请填写治理结果 / say what was done", field="result")
    before = _task_dict(task)
    task.status, task.result = CLOSED, result.strip()[:2000]
    task.closed_by, task.closed_at = user.username, now
    audit.record(session, user, "governance_tasks", task.id, audit.UPDATE, before, _task_dict(task))


def _subject(session: Session, alert: SurgeAlert) -> str:
    """What a task's notices are about: the alert's place and topic, 某街道「供水」."""
    return f"{surges.place_name(session, alert.street)}「{alert.topic.name}」"


def _due_day(task: GovernanceTask) -> str:
    """The task's due as the Shanghai day the supervisor chose."""
    return task.due.astimezone(SHANGHAI).date().isoformat()


def overdue(task: GovernanceTask, now: datetime) -> bool:
    """Still open after its due: a task closed in time never is, whenever one looks."""
    return task.status == OPEN and task.due < now


def _past_due(now: datetime) -> list[object]:
    return [GovernanceTask.status == OPEN, GovernanceTask.due < now]


def overdue_count(session: Session, now: datetime) -> int:
    """The open tasks past their due (the dashboard's figure), marked by the scan yet or not."""
    return session.scalar(select(func.count()).select_from(GovernanceTask)
                          .where(*_past_due(now))) or 0


def mark_overdue(session: Session, now: datetime) -> list[GovernanceTask]:
    """Mark the open tasks past due that are not marked yet, and tell their unit and the
    supervisors; the caller commits. One UPDATE … WHERE overdue_at IS NULL claims them, so a
    second scan (or two at once: the second waits on the row locks, then finds them marked)
    tells no one twice."""
    claimed = session.scalars(update(GovernanceTask)
                              .where(*_past_due(now), GovernanceTask.overdue_at.is_(None))
                              .values(overdue_at=now).returning(GovernanceTask.id)).all()
    marked = [find_task(session, key) for key in sorted(claimed)]
    for task in marked:
        session.refresh(task)
        body = (f"主动治理任务已超期：{_subject(session, task.alert)}，承办单位 "
                f"{task.department.name}，期限 {_due_day(task)}，尚未办结。")
        session.add(Notification(department_id=task.department_id, kind=OVERDUE_NOTICE,
                                 level="red", body=body, created_at=now))
        session.add(Notification(role=Role.SUPERVISOR.value, kind=OVERDUE_NOTICE, level="red",
                                 body=body, created_at=now))
    return marked


def due_soon(task: GovernanceTask, now: datetime, calendar: WorkingCalendar) -> bool:
    """Open, not due yet, and due by the end of the next working day (on a Friday, a task due on
    Monday): the unit's last working day to act. Without that year's calendar there is no
    warning; the overdue mark still comes."""
    if task.status != OPEN or task.due <= now:
        return False
    try:
        next_day = calendar.add_working_days(now, 1)
    except CalendarMissing:
        return False
    return next_day.astimezone(SHANGHAI).date() >= task.due.astimezone(SHANGHAI).date()


def warn_due_soon(session: Session, now: datetime,
                  calendar: WorkingCalendar) -> list[GovernanceTask]:
    """Warn the unit of each open task due by the next working day, once (claimed like
    `mark_overdue`); the caller commits."""
    candidates = session.scalars(select(GovernanceTask).where(
        GovernanceTask.status == OPEN, GovernanceTask.due_warned_at.is_(None),
        GovernanceTask.due > now, GovernanceTask.due <= now + WARN_HORIZON)).all()
    keys = [task.id for task in candidates if due_soon(task, now, calendar)]
    if not keys:
        return []
    claimed = session.scalars(update(GovernanceTask)
                              .where(GovernanceTask.id.in_(keys),
                                     GovernanceTask.due_warned_at.is_(None))
                              .values(due_warned_at=now).returning(GovernanceTask.id)).all()
    warned = [find_task(session, key) for key in sorted(claimed)]
    for task in warned:
        session.refresh(task)
        session.add(Notification(
            department_id=task.department_id, kind=DUE_SOON_NOTICE, level="yellow",
            created_at=now,
            body=f"主动治理任务即将到期：{_subject(session, task.alert)}，期限 {_due_day(task)}，"
                 f"请按期办结。"))
    return warned


@dataclass(frozen=True)
class Outcome:
    """Calls about the task's street and topic: a week each, before the alert and after closing."""

    before: list[int]  # the OUTCOME_WEEKS weeks before the alert's window, oldest first
    after: list[int]  # the complete weeks since closing, up to OUTCOME_WEEKS
    running: int  # calls in the week under way (not complete yet)


def _count(session: Session, alert: SurgeAlert, lo: datetime, hi: datetime) -> int:
    return session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.street == alert.street, Ticket.topic_id == alert.topic_id,
        Ticket.repeat_of_id.is_(None), Ticket.created_at >= lo, Ticket.created_at < hi)) or 0


def outcome(session: Session, task: GovernanceTask, now: datetime) -> Outcome | None:
    if task.closed_at is None:
        return None
    alert, week = task.alert, timedelta(weeks=1)
    start = alert.window_start
    before = [_count(session, alert, start - (k + 1) * week, start - k * week)
              for k in reversed(range(OUTCOME_WEEKS))]
    after, lo = [], task.closed_at
    while len(after) < OUTCOME_WEEKS and lo + week <= now:
        after.append(_count(session, alert, lo, lo + week))
        lo += week
    running = _count(session, alert, lo, now) if len(after) < OUTCOME_WEEKS else 0
    return Outcome(before, after, running)


def tasks(session: Session, limit: int = 50) -> Sequence[GovernanceTask]:
    """Open tasks first, by deadline; then the closed ones, latest first."""
    return session.scalars(select(GovernanceTask).order_by(
        GovernanceTask.status.desc(), GovernanceTask.closed_at.desc(), GovernanceTask.due)
        .limit(limit)).all()
