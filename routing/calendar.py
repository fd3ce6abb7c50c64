"""Working time on the Chinese public calendar.

Storage and the API deal in instants: every public function takes timezone-aware datetimes in
any zone (the app stores UTC) and returns the same kind of value in the caller's zone, so nothing
depends on the server's local time. Only the notion of "a working day" and "09:00" is local; it is
taken in the calendar's zone (Asia/Shanghai, the display zone) and arithmetic is done in UTC so a
caller's daylight-saving zone cannot stretch or shrink a duration.

Boundaries: working intervals are half-open, [open, close). ``add_working_time`` returns the
earliest instant at which the requested working time has elapsed, so a deadline may be exactly a
closing time (12:00, 17:30) but never the following opening.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import chinese_calendar

from routing.errors import CalendarMissing

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_HOURS: tuple[tuple[time, time], ...] = (
    (time(9, 0), time(12, 0)),
    (time(13, 30), time(17, 30)),
)
_ONE_DAY = timedelta(days=1)

Opening = tuple[datetime, datetime]


@dataclass(frozen=True)
class DayOverride:
    """An administrator's ruling on one date: it beats the published calendar and weekends,
    because local closures (typhoons, a city's own holidays) and late State Council changes
    must win without a software release."""

    workday: bool
    name: str = ""


@cache
def _library_covers(year: int) -> bool:
    """Ask chinese_calendar itself, so a newer release extends coverage without code changes."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def require_aware(moment: datetime) -> None:
    """A naive value could be UTC (storage) or Shanghai (display): guessing is an 8-hour bug."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"naive datetime {moment.isoformat()}: pass a timezone-aware datetime "
            "(stored in UTC, displayed in Asia/Shanghai)"
        )


def _validated_hours(hours: Iterable[tuple[time, time]]) -> tuple[tuple[time, time], ...]:
    """Reject hours that would make the day-walking loops never finish or double count."""
    result = tuple(hours)
    if not result:
        raise ValueError("working hours must contain at least one interval")
    previous_end: time | None = None
    for opens, closes in result:
        if opens >= closes:
            raise ValueError(f"working interval {opens}–{closes} must end after it starts")
        if previous_end is not None and opens < previous_end:
            raise ValueError("working intervals must be sorted and must not overlap")
        previous_end = closes
    return result


class WorkingCalendar:
    """Which days are working days, and the working hours on them.

    Day rule, most specific first: an override for the date; then, for a year listed in
    ``loaded_years``, ordinary weekends (an administrator who typed in a year's published
    calendar owns that year entirely, so half-typed corrections never blend with the library);
    then chinese_calendar's published holidays and make-up workdays. Any other year raises
    ``CalendarMissing``: an override alone does not make a year known, because a few
    hand-entered dates say nothing about the rest of that year.

    Per-day openings are cached, so a 15-working-day deadline walks about three weeks of
    cached days rather than minutes.
    """

    def __init__(
        self,
        hours: Iterable[tuple[time, time]] = DEFAULT_HOURS,
        tz: tzinfo = SHANGHAI,
        overrides: Mapping[date, DayOverride] | None = None,
        loaded_years: Iterable[int] = (),
    ) -> None:
        self.hours = _validated_hours(hours)
        self.tz = tz
        self.overrides: Mapping[date, DayOverride] = MappingProxyType(dict(overrides or {}))
        self.loaded_years = frozenset(loaded_years)
        self._openings_cache: dict[date, tuple[Opening, ...]] = {}

    def covers(self, year: int) -> bool:
        """Whether deadlines may touch ``year`` without raising ``CalendarMissing``."""
        return year in self.loaded_years or _library_covers(year)

    def is_workday(self, day: date) -> bool:
        if isinstance(day, datetime):
            raise TypeError("is_workday takes a date; use moment.astimezone(calendar.tz).date()")
        if not self.covers(day.year):
            raise CalendarMissing(day.year)
        override = self.overrides.get(day)
        if override is not None:
            return override.workday
        if day.year in self.loaded_years:
            return day.weekday() < 5
        return chinese_calendar.is_workday(day)

    def is_working_time(self, moment: datetime) -> bool:
        require_aware(moment)
        return any(
            opens <= moment < closes for opens, closes in self._openings(self._day_of(moment))
        )

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant by which ``duration`` of working time has passed since ``start``.

        Counting begins at the next opening when ``start`` is outside working time; a zero
        duration returns ``start`` unchanged so that the operation composes additively.
        """
        require_aware(start)
        if duration < timedelta(0):
            raise ValueError("duration must not be negative")
        if not duration:
            return start
        cursor = start.astimezone(UTC)
        remaining = duration
        day = self._day_of(cursor)
        while True:
            for opens, closes in self._openings(day):
                if closes <= cursor:
                    continue
                begin = max(opens, cursor)
                available = closes - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(start.tzinfo)
                remaining -= available
            day += _ONE_DAY

    def working_time_between(self, earlier: datetime, later: datetime) -> timedelta:
        """Working time in [earlier, later); negative when the arguments are reversed, which
        reads naturally as "overdue by" when measuring from a deadline to now."""
        require_aware(earlier)
        require_aware(later)
        if later < earlier:
            return -self.working_time_between(later, earlier)
        total = timedelta(0)
        day, last = self._day_of(earlier), self._day_of(later)
        while day <= last:
            for opens, closes in self._openings(day):
                overlap = min(closes, later) - max(opens, earlier)
                if overlap > timedelta(0):
                    total += overlap
            day += _ONE_DAY
        return total

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The close of business on the ``days``-th working day after the day ``start`` counts on.

        This is how Chinese offices read "N个工作日内": the day of receipt is not counted
        (民法典 第201条: 开始的当日不计入) and the period ends when business stops on its last
        day (第203条: 有业务时间的，停止业务活动的时间为截止时间). A ticket received after the
        last close, or on a rest day, counts as received on the next working day. Because the
        result is itself a close of business, extensions compose:
        add_working_days(add_working_days(s, a), b) == add_working_days(s, a + b).
        """
        require_aware(start)
        if days < 0:
            raise ValueError("days must not be negative")
        day = self._day_of(start)
        while not (self._openings(day) and start <= self._openings(day)[-1][1]):
            day += _ONE_DAY
        for _ in range(days):
            day += _ONE_DAY
            while not self._openings(day):
                day += _ONE_DAY
        return self._openings(day)[-1][1].astimezone(start.tzinfo)

    def _day_of(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def _openings(self, day: date) -> tuple[Opening, ...]:
        """The day's working intervals as UTC instants; empty on rest days."""
        cached = self._openings_cache.get(day)
        if cached is None:
            cached = ()
            if self.is_workday(day):
                cached = tuple(
                    (
                        datetime.combine(day, opens, self.tz).astimezone(UTC),
                        datetime.combine(day, closes, self.tz).astimezone(UTC),
                    )
                    for opens, closes in self.hours
                )
            self._openings_cache[day] = cached
        return cached
