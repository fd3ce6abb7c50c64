"""Remaining time on a deadline as staff read it: working days of the configured length."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from hotline.workbench.remaining import describe, left, working_day
from routing.calendar import WorkingCalendar

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkingCalendar()
DAY = working_day(CAL.hours)


def test_a_working_day_is_the_opening_hours() -> None:
    assert working_day(CAL.hours) == timedelta(hours=7)
    assert working_day([(time(8), time(12)), (time(14), time(18))]) == timedelta(hours=8)


def test_working_time_skips_nights_and_weekends() -> None:
    friday_4pm = datetime(2026, 11, 20, 16, 0, tzinfo=SH)
    monday_10am = datetime(2026, 11, 23, 10, 0, tzinfo=SH)
    span = left(monday_10am, friday_4pm, CAL, urgent=False)
    assert span == timedelta(hours=2, minutes=30)  # 16:00-17:30 Friday, 09:00-10:00 Monday
    assert describe(span, DAY, urgent=False) == "剩余工作时间 2 小时 30 分"
    assert left(monday_10am, friday_4pm, CAL, urgent=True) == timedelta(days=2, hours=18)


def test_days_and_overdue_are_said_plainly() -> None:
    assert describe(timedelta(hours=17), DAY, urgent=False) == "剩余工作时间 2 个工作日 3 小时"
    assert describe(-timedelta(hours=7, minutes=5), DAY, urgent=False) == "已超期 1 个工作日 0 小时"
    assert describe(timedelta(hours=30), DAY, urgent=True) == "剩余 1 天 6 小时"
    assert describe(timedelta(minutes=40), DAY, urgent=True) == "剩余 40 分"
    assert describe(None, DAY, urgent=False) == "缺少工作日历"
