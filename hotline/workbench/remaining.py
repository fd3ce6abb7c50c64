"""How long a unit has left on a deadline, said the way staff count it.

Ordinary deadlines run in working time (domain.md §3), so "剩余 2 个工作日 3 小时" counts only
opening hours and a working day is the length of the configured opening hours, not 24 hours;
emergencies run in calendar time and are said in days and hours.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _

from routing.calendar import WorkingCalendar
from routing.errors import CalendarMissing

CALENDAR_DAY = timedelta(days=1)


def working_day(hours: Iterable[tuple[time, time]]) -> timedelta:
    """The length of one working day from the opening hours (09:00-12:00,13:30-17:30 → 7 h)."""
    day = date(2000, 1, 1)
    return sum((datetime.combine(day, end) - datetime.combine(day, start) for start, end in hours),
               timedelta(0))


def left(due: datetime, now: datetime, calendar: WorkingCalendar, *,
         urgent: bool) -> timedelta | None:
    """Time until `due` (negative once overdue); None when the calendar cannot say."""
    if urgent:
        return due - now
    try:
        return calendar.working_time_between(now, due)
    except CalendarMissing:
        return None


def describe(span: timedelta | None, day: timedelta, *, urgent: bool) -> str:
    """"剩余工作时间 2 个工作日 3 小时" / "剩余 5 小时 10 分" / "已超期 …" for people."""
    if span is None:
        return _("缺少工作日历")
    text = _amount(abs(span), CALENDAR_DAY if urgent else day, urgent)
    if span < timedelta(0):
        return _("已超期 %(t)s", t=text)
    return _("剩余 %(t)s", t=text) if urgent else _("剩余工作时间 %(t)s", t=text)


def age(span: timedelta) -> str:
    """How long something has waited, in calendar time ("2 天 3 小时"): the citizen has been
    waiting through nights and holidays too, whatever the working clock says."""
    return _amount(max(span, timedelta(0)), CALENDAR_DAY, True)


def _amount(span: timedelta, day: timedelta, urgent: bool) -> str:
    if day > timedelta(0) and span >= day:
        days, rest = divmod(span, day)
        hours = int(rest.total_seconds() // 3600)
        if urgent:
            return _("%(d)d 天 %(h)d 小时", d=days, h=hours)
        return _("%(d)d 个工作日 %(h)d 小时", d=days, h=hours)
    hours, minutes = divmod(int(span.total_seconds() // 60), 60)
    return _("%(h)d 小时 %(m)d 分", h=hours, m=minutes) if hours else _("%(m)d 分", m=minutes)
