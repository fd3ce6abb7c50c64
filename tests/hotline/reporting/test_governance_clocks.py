"""The 主动治理 task's clock: past its due while open it is overdue; the deadline scan marks it
once and tells its unit and the supervisors (red), however often it runs; a task closed in time
never is; the governance page says 已超期 and the supervisors' dashboard counts it. On the
working day before its due the unit is warned, once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.models import GovernanceTask, Notification, User
from hotline.reporting import governance
from routing.calendar import WorkingCalendar
from tests.hotline.admin.helpers import sign_in
from tests.hotline.reporting.test_surge_pages import _surge
from workers.deadlines import scan_deadlines

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Weekdays work, weekends rest (the years are "loaded" with no holidays), and 2026-06-05 a Friday.
WEEKDAYS = WorkingCalendar(loaded_years=[2026, 2027])


def _end_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=SHANGHAI)


def test_a_task_is_overdue_only_while_open_after_its_due() -> None:
    due = NOW - timedelta(hours=1)
    assert governance.overdue(GovernanceTask(status="open", due=due), NOW)
    assert not governance.overdue(GovernanceTask(status="open", due=NOW + timedelta(hours=1)), NOW)
    closed_in_time = GovernanceTask(status="closed", due=due, closed_at=due - timedelta(days=1))
    assert not governance.overdue(closed_in_time, NOW)


def _task(due_in: timedelta) -> GovernanceTask:
    """A task of a fresh surge for 住建局, its due moved to now + `due_in`."""
    alert = _surge()
    user = db.session.scalars(select(User).where(User.username == "supervisor")).one()
    today = datetime.now(UTC).date()
    task = governance.create_task(db.session, user, alert, "zjj", today.isoformat(), None, today)
    task.due = datetime.now(UTC).replace(microsecond=0) + due_in
    unit_of_work.commit(db.session)
    return task


def _overdue_notices() -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(
        Notification.kind == governance.OVERDUE_NOTICE).order_by(Notification.id)))


def test_the_deadline_scan_marks_a_task_past_due_once(reference: None) -> None:
    task = _task(-timedelta(minutes=5))
    assert scan_deadlines()["governance_overdue"] == 1
    assert scan_deadlines()["governance_overdue"] == 0  # the next minute's scan: no repeat
    db.session.expire_all()
    assert task.overdue_at is not None
    unit, supervisors = _overdue_notices()
    assert (unit.department_id, unit.role, unit.level) == (task.department_id, None, "red")
    assert (supervisors.department_id, supervisors.role, supervisors.level) == \
        (None, "supervisor", "red")
    assert "已超期" in unit.body and task.department.name in unit.body
    assert f"「{task.alert.topic.name}」" in unit.body and supervisors.body == unit.body


def test_a_task_closed_before_its_due_is_never_marked(reference: None) -> None:
    task = _task(timedelta(minutes=5))
    user = db.session.scalars(select(User).where(User.username == "supervisor")).one()
    governance.close_task(db.session, user, task, "已整改", datetime.now(UTC))
    unit_of_work.commit(db.session)
    later = datetime.now(UTC) + timedelta(days=1)
    assert governance.mark_overdue(db.session, later) == []
    assert governance.overdue_count(db.session, later) == 0 and _overdue_notices() == []


def test_the_pages_show_an_overdue_task(reference: None, client: FlaskClient) -> None:
    task = _task(-timedelta(minutes=5))
    sign_in(client, "supervisor")
    page = client.get("/supervise/surges").get_data(as_text=True)
    row = page.split(f'id="task-{task.id}"')[1].split("</tr>")[0]
    assert "已超期" in row and "治理中" not in row
    board = client.get("/supervise").get_data(as_text=True)
    kpi = board.split('id="kpi-governance-overdue"')[1].split("</a>")[0]
    assert "<b>1</b>" in kpi and "主动治理超期" in kpi


def test_the_unit_is_warned_on_the_working_day_before_the_due() -> None:
    friday = datetime(2026, 6, 5, 10, 0, tzinfo=SHANGHAI)
    def task(due: date) -> GovernanceTask:
        return GovernanceTask(status="open", due=_end_of(due))
    assert governance.due_soon(task(date(2026, 6, 8)), friday, WEEKDAYS)  # Monday's: warn Friday
    assert governance.due_soon(task(date(2026, 6, 5)), friday, WEEKDAYS)  # due today
    assert not governance.due_soon(task(date(2026, 6, 9)), friday, WEEKDAYS)  # Tuesday's: not yet
    assert not governance.due_soon(GovernanceTask(status="closed", due=_end_of(date(2026, 6, 8))),
                                   friday, WEEKDAYS)
    assert not governance.due_soon(task(date(2026, 6, 4)), friday, WEEKDAYS)  # overdue instead
    no_calendar = WorkingCalendar(loaded_years=[])
    assert not governance.due_soon(task(date(2030, 6, 10)), datetime(2030, 6, 7, tzinfo=UTC),
                                   no_calendar)


def test_the_warning_is_sent_once_to_the_unit(reference: None) -> None:
    task = _task(timedelta(hours=2))
    now = datetime.now(UTC)
    calendar = WorkingCalendar(loaded_years=[now.year, now.year + 1])
    assert [t.id for t in governance.warn_due_soon(db.session, now, calendar)] == [task.id]
    unit_of_work.commit(db.session)
    assert governance.warn_due_soon(db.session, now + timedelta(minutes=1), calendar) == []
    (notice,) = db.session.scalars(select(Notification).where(
        Notification.kind == governance.DUE_SOON_NOTICE))
    assert (notice.department_id, notice.role, notice.level) == (task.department_id, None, "yellow")
    assert "即将到期" in notice.body and f"「{task.alert.topic.name}」" in notice.body
    assert "governance_due_soon" in scan_deadlines()  # the scan runs it with the city's calendar
