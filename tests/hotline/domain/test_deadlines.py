"""Deadline arithmetic for people's decisions (no database): extensions counted from the later
of the old deadline and the approval, 督办 presets in working time, notices worded by tense."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hotline.domain.deadlines import Planner, due_phrase, presets
from routing.calendar import SHANGHAI, DayOverride, WorkingCalendar

PLANNER = Planner(WorkingCalendar())


def cst(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_an_extension_before_the_deadline_counts_from_the_old_deadline() -> None:
    # Due Thu 10-15 17:30, approved Tue 10-13: three working days after Thursday.
    assert PLANNER.extension(cst(2026, 10, 15, 17, 30), 3, cst(2026, 10, 13, 10, 0)) \
        == cst(2026, 10, 20, 17, 30)


def test_an_extension_of_an_overdue_ticket_counts_from_the_approval() -> None:
    # Due Thu 10-15 17:30, approved Mon 10-19 10:00: from Monday, not from the lost days.
    approved = cst(2026, 10, 19, 10, 0)
    new = PLANNER.extension(cst(2026, 10, 15, 17, 30), 3, approved)
    assert new == cst(2026, 10, 22, 17, 30) and new > approved
    # Even a one-day extension granted long after the deadline ends in the future.
    assert PLANNER.extension(cst(2026, 10, 15, 17, 30), 1, cst(2026, 11, 20, 18, 0)) \
        == cst(2026, 11, 24, 17, 30)  # Friday after hours counts from Monday


def test_an_extension_skips_holidays_and_make_up_days_count() -> None:
    # Approved Wed 09-30 (due long past): National Day 10-01..10-07 is off, Sat 10-10 works.
    assert PLANNER.extension(cst(2026, 9, 1, 17, 30), 3, cst(2026, 9, 30, 10, 0)) \
        == cst(2026, 10, 10, 17, 30)


def test_presets_are_closes_of_business_in_working_time() -> None:
    friday_morning = cst(2026, 12, 4, 10, 0)
    assert presets(PLANNER.calendar, friday_morning) == [
        (0, cst(2026, 12, 4, 17, 30)), (1, cst(2026, 12, 7, 17, 30)),
        (3, cst(2026, 12, 9, 17, 30)), (5, cst(2026, 12, 11, 17, 30))]
    # After hours "today" is already over: the first preset is the next working day's close.
    assert presets(PLANNER.calendar, cst(2026, 12, 4, 18, 0))[0] == (0, cst(2026, 12, 7, 17, 30))
    closed = WorkingCalendar(overrides={date(2026, 12, 7): DayOverride(False, "台风")})
    assert presets(closed, friday_morning)[1] == (1, cst(2026, 12, 8, 17, 30))


def test_presets_leave_out_years_without_a_calendar() -> None:
    known = WorkingCalendar(loaded_years=[2099])
    assert [n for n, _ in presets(known, cst(2099, 12, 30, 10, 0))] == [0, 1]


def test_due_phrase_is_worded_by_tense_when_written() -> None:
    due = cst(2026, 10, 15, 17, 30)
    assert due_phrase(due, cst(2026, 10, 15, 9, 0)) == "将于 2026-10-15 17:30 到期"
    assert due_phrase(due, due) == "已于 2026-10-15 17:30 超期"
    # Stored instants are UTC; people read Shanghai time.
    assert due_phrase(due.astimezone(UTC), cst(2026, 10, 16, 9, 0)) == "已于 2026-10-15 17:30 超期"


def test_expected_reply_is_the_general_limit_in_working_days() -> None:
    # Filed Fri 12-04 10:00: the 7th working day after it (weekends off) is Tue 12-15, due at
    # its close of business.
    assert PLANNER.expected_reply(cst(2026, 12, 4, 10, 0)) == cst(2026, 12, 15, 17, 30)
    # National Day 10-01..10-07 is off and Sat 10-10 a make-up working day.
    assert PLANNER.expected_reply(cst(2026, 9, 30, 10, 0)) == cst(2026, 10, 15, 17, 30)


def test_expected_reply_is_none_for_a_year_without_calendar() -> None:
    assert Planner(WorkingCalendar(loaded_years=[2099])).expected_reply(cst(2100, 3, 1, 10, 0)) is None
