"""Properties that make working time behave like time: additive, invertible, monotonic."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from routing.calendar import DEFAULT_HOURS, SHANGHAI, WorkingCalendar

CAL = WorkingCalendar()

# Any zone may come in, including one with daylight saving; the range stays inside the
# published calendar even after the longest durations below.
starts = st.datetimes(
    min_value=datetime(2024, 1, 1),
    max_value=datetime(2026, 6, 30),
    timezones=st.sampled_from([UTC, SHANGHAI, ZoneInfo("America/New_York")]),
    allow_imaginary=False,
)
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=200))
day_counts = st.integers(min_value=0, max_value=20)


@given(starts, durations, durations)
def test_adding_is_additive(start: datetime, first: timedelta, second: timedelta) -> None:
    stepwise = CAL.add_working_time(CAL.add_working_time(start, first), second)
    assert stepwise == CAL.add_working_time(start, first + second)


@given(starts, durations)
def test_between_inverts_adding(start: datetime, duration: timedelta) -> None:
    end = CAL.add_working_time(start, duration)
    assert CAL.working_time_between(start, end) == duration
    assert CAL.working_time_between(end, start) == -duration


@given(starts, durations.filter(bool))
def test_result_lies_in_working_time_or_at_a_close(start: datetime, duration: timedelta) -> None:
    local = CAL.add_working_time(start, duration).astimezone(SHANGHAI)
    assert CAL.is_workday(local.date())
    assert any(opens < local.time() <= closes for opens, closes in DEFAULT_HOURS)


@given(starts, durations, durations)
def test_adding_is_monotonic(start: datetime, first: timedelta, second: timedelta) -> None:
    shorter, longer = sorted((first, second))
    assert CAL.add_working_time(start, shorter) <= CAL.add_working_time(start, longer)


@given(starts, durations)
def test_result_keeps_the_callers_zone_and_instant(start: datetime, duration: timedelta) -> None:
    result = CAL.add_working_time(start, duration)
    assert result.tzinfo is start.tzinfo
    assert result == CAL.add_working_time(start.astimezone(UTC), duration)


@given(starts, day_counts, day_counts)
def test_working_days_compose_and_end_at_close_of_business(
    start: datetime, first: int, second: int
) -> None:
    end = CAL.add_working_days(start, first + second)
    assert CAL.add_working_days(CAL.add_working_days(start, first), second) == end
    assert end >= start
    local = end.astimezone(SHANGHAI)
    assert CAL.is_workday(local.date())
    assert local.time() == DEFAULT_HOURS[-1][1]
