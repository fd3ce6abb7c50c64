"""Fixed cases on the published 2026 calendar, overrides, missing years and time zones."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from routing.calendar import SHANGHAI, DayOverride, WorkingCalendar
from routing.errors import CalendarMissing, RoutingError

CAL = WorkingCalendar()


def cst(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


# Verified against chinese_calendar 1.11 and the State Council notice for 2026.
@pytest.mark.parametrize(
    ("day", "workday"),
    [
        (date(2026, 1, 1), False),  # 元旦 Thu
        (date(2026, 1, 4), True),  # Sunday, make-up workday for 元旦
        (date(2026, 2, 14), True),  # Saturday, make-up workday for 春节
        (date(2026, 2, 15), False),  # 春节 holiday starts (Sun)
        (date(2026, 2, 23), False),  # 春节 holiday ends (Mon)
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),  # Saturday, make-up workday for 春节
        (date(2026, 9, 20), True),  # Sunday, make-up workday for 国庆
        (date(2026, 9, 25), False),  # 中秋 Fri, holiday 25–27
        (date(2026, 9, 27), False),
        (date(2026, 9, 28), True),
        (date(2026, 10, 1), False),  # 国庆 1–7
        (date(2026, 10, 7), False),
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # Saturday, make-up workday for 国庆
        (date(2026, 10, 11), False),
    ],
)
def test_2026_published_calendar(day: date, workday: bool) -> None:
    assert CAL.is_workday(day) is workday


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        (cst(2026, 3, 2, 10), 2, cst(2026, 3, 2, 12)),  # ends exactly at a close, not 13:30
        (cst(2026, 3, 2, 11, 30), 1, cst(2026, 3, 2, 14)),  # lunch break skipped
        (cst(2026, 3, 2, 7), 1, cst(2026, 3, 2, 10)),  # before opening: counts from 09:00
        (cst(2026, 9, 24, 16, 30), 2, cst(2026, 9, 28, 10)),  # over 中秋 25–27
        (cst(2026, 9, 19, 10), 1, cst(2026, 9, 20, 10)),  # Saturday → make-up Sunday
        (cst(2026, 10, 3, 8), 0.5, cst(2026, 10, 8, 9, 30)),  # inside 国庆
        (cst(2026, 2, 13, 17), 2, cst(2026, 2, 14, 10, 30)),  # Friday → make-up Saturday
        (cst(2026, 2, 14, 17), 1, cst(2026, 2, 24, 9, 30)),  # over 春节 15–23
    ],
)
def test_add_working_time(start: datetime, hours: float, expected: datetime) -> None:
    assert CAL.add_working_time(start, timedelta(hours=hours)) == expected


def test_working_time_between_over_national_day() -> None:
    start, end = cst(2026, 9, 30, 9), cst(2026, 10, 8, 17, 30)
    assert CAL.working_time_between(start, end) == timedelta(hours=14)
    assert CAL.working_time_between(end, start) == timedelta(hours=-14)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (cst(2026, 9, 30, 10), 7, cst(2026, 10, 15, 17, 30)),  # 8, 9, 10(Sat), 12–15
        (cst(2026, 9, 30, 17, 30), 1, cst(2026, 10, 8, 17, 30)),  # at close: still that day
        (cst(2026, 9, 30, 17, 31), 1, cst(2026, 10, 9, 17, 30)),  # after close: next workday
        (cst(2026, 10, 4, 10), 1, cst(2026, 10, 9, 17, 30)),  # holiday: counts from Oct 8
        (cst(2026, 2, 13, 10), 7, cst(2026, 3, 2, 17, 30)),  # 14(Sat), 24–27, 28(Sat), Mar 2
        (cst(2026, 3, 2, 8), 0, cst(2026, 3, 2, 17, 30)),  # zero days: close of the same day
    ],
)
def test_add_working_days(start: datetime, days: int, expected: datetime) -> None:
    assert CAL.add_working_days(start, days) == expected


def test_deadline_into_unpublished_2027_is_refused() -> None:
    assert CAL.covers(2026)
    assert not CAL.covers(2027)
    with pytest.raises(CalendarMissing) as caught:
        CAL.add_working_days(cst(2026, 12, 28, 10), 7)
    assert isinstance(caught.value, RoutingError)
    assert caught.value.year == 2027
    assert "2027" in str(caught.value)
    assert "工作日历" in str(caught.value)
    assert "No working calendar" in str(caught.value)
    with pytest.raises(CalendarMissing):
        CAL.add_working_time(cst(2026, 12, 31, 16), timedelta(hours=2))
    with pytest.raises(CalendarMissing):
        CAL.working_time_between(cst(2026, 12, 31, 9), cst(2027, 1, 5, 9))
    with pytest.raises(CalendarMissing):
        CAL.is_workday(date(2003, 6, 2))


def test_loaded_2027_comes_from_overrides_and_weekends() -> None:
    new_year = {date(2027, 1, 1): DayOverride(workday=False, name="元旦")}
    calendar = WorkingCalendar(overrides=new_year, loaded_years={2027})
    assert calendar.covers(2027)
    assert not calendar.is_workday(date(2027, 1, 1))
    assert not calendar.is_workday(date(2027, 1, 2))  # ordinary Saturday
    assert calendar.is_workday(date(2027, 1, 4))
    # Dec 29, 30, 31, Jan 4, 5, 6, 7
    assert calendar.add_working_days(cst(2026, 12, 28, 10), 7) == cst(2027, 1, 7, 17, 30)


def test_an_override_alone_does_not_publish_a_year() -> None:
    calendar = WorkingCalendar(overrides={date(2027, 1, 1): DayOverride(workday=False)})
    with pytest.raises(CalendarMissing):
        calendar.is_workday(date(2027, 1, 1))


def test_overrides_beat_the_published_calendar() -> None:
    calendar = WorkingCalendar(
        overrides={
            date(2026, 3, 10): DayOverride(workday=False, name="台风停工"),
            date(2026, 3, 15): DayOverride(workday=True, name="补班"),
        }
    )
    assert not calendar.is_workday(date(2026, 3, 10))  # a Tuesday
    assert calendar.is_workday(date(2026, 3, 15))  # a Sunday
    assert calendar.add_working_time(cst(2026, 3, 9, 17), timedelta(hours=1)) == cst(
        2026, 3, 11, 9, 30
    )
    assert calendar.add_working_time(cst(2026, 3, 14, 10), timedelta(hours=1)) == cst(
        2026, 3, 15, 10
    )


def test_utc_in_utc_out() -> None:
    start = datetime(2026, 9, 30, 2, tzinfo=UTC)  # 10:00 in Shanghai
    result = CAL.add_working_days(start, 7)
    assert result == datetime(2026, 10, 15, 9, 30, tzinfo=UTC)
    assert result.tzinfo is UTC


@pytest.mark.parametrize("month", [1, 7])
def test_shanghai_has_no_daylight_saving(month: int) -> None:
    before_opening = datetime(2026, month, 15, 0, 30, tzinfo=UTC)
    assert CAL.add_working_time(before_opening, timedelta(minutes=1)) == datetime(
        2026, month, 15, 1, 1, tzinfo=UTC
    )


def test_naive_datetimes_are_rejected() -> None:
    naive = datetime(2026, 3, 2, 10)
    with pytest.raises(ValueError, match="naive"):
        CAL.add_working_time(naive, timedelta(hours=1))
    with pytest.raises(ValueError, match="naive"):
        CAL.add_working_days(naive, 1)
    with pytest.raises(ValueError, match="naive"):
        CAL.working_time_between(cst(2026, 3, 2, 10), naive)
    with pytest.raises(ValueError, match="naive"):
        CAL.is_working_time(naive)
    with pytest.raises(TypeError):
        CAL.is_workday(cst(2026, 3, 2, 10))


def test_negative_amounts_are_rejected() -> None:
    with pytest.raises(ValueError):
        CAL.add_working_time(cst(2026, 3, 2, 10), timedelta(hours=-1))
    with pytest.raises(ValueError):
        CAL.add_working_days(cst(2026, 3, 2, 10), -1)


@pytest.mark.parametrize(
    "hours",
    [
        (),
        ((time(12), time(9)),),
        ((time(9), time(12)), (time(11), time(17))),
    ],
)
def test_bad_working_hours_are_rejected(hours: tuple[tuple[time, time], ...]) -> None:
    with pytest.raises(ValueError):
        WorkingCalendar(hours=hours)


def test_configured_hours() -> None:
    calendar = WorkingCalendar(hours=((time(8), time(18)),))
    assert calendar.add_working_time(cst(2026, 3, 2, 17), timedelta(hours=2)) == cst(2026, 3, 3, 9)
    assert calendar.add_working_days(cst(2026, 3, 2, 17), 1) == cst(2026, 3, 3, 18)
