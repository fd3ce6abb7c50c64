"""Deadlines, warning points and extensions for the shipped policies."""

import json
from datetime import UTC, datetime, timedelta
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing.calendar import SHANGHAI, WorkingCalendar
from routing.errors import CalendarMissing
from routing.sla import Limit, SlaPolicy, Unit, checkpoint, deadline, extend, load_default_policies

CAL = WorkingCalendar()
POLICIES = load_default_policies()
EMERGENCY, GENERAL = POLICIES["emergency"], POLICIES["general"]


def cst(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_default_policies() -> None:
    assert set(POLICIES) == {"emergency", "utilities", "extreme_weather", "general", "complex"}
    assert POLICIES["emergency"] == SlaPolicy(
        dispatch=Limit(1, Unit.CALENDAR_HOURS),
        sign=Limit(1, Unit.CALENDAR_HOURS),
        reply=Limit(2, Unit.CALENDAR_HOURS),
        contact=Limit(1, Unit.CALENDAR_HOURS),
    )
    assert POLICIES["utilities"].dispatch == Limit(2, Unit.CALENDAR_HOURS)
    assert POLICIES["utilities"].reply == Limit(24, Unit.CALENDAR_HOURS)
    assert POLICIES["general"] == SlaPolicy(
        dispatch=Limit(24, Unit.CALENDAR_HOURS),
        sign=Limit(2, Unit.WORKING_HOURS),
        reply=Limit(7, Unit.WORKING_DAYS),
    )
    assert POLICIES["complex"].reply == Limit(15, Unit.WORKING_DAYS)
    assert POLICIES["general"].contact == Limit(2, Unit.WORKING_HOURS)  # the default (先行联系)


def test_a_policy_without_a_contact_limit_has_the_default() -> None:
    data = {step: {"amount": 1, "unit": "calendar_hours"} for step in ("dispatch", "sign", "reply")}
    assert SlaPolicy.from_dict(data).contact == Limit(2, Unit.WORKING_HOURS)


def test_policies_round_trip_through_dicts() -> None:
    raw = json.loads(resources.files("routing").joinpath("default_sla.json").read_text("utf-8"))
    for name, policy in POLICIES.items():
        assert policy.to_dict() == raw[name]
        assert SlaPolicy.from_dict(policy.to_dict()) == policy


@pytest.mark.parametrize(
    ("amount", "unit"),
    [(1, "fortnights"), (-1, "calendar_hours"), (1.5, "working_days")],
)
def test_invalid_limits_are_rejected(amount: float, unit: str) -> None:
    with pytest.raises(ValueError):
        Limit.from_dict({"amount": amount, "unit": unit})


def test_emergency_counts_calendar_hours_through_holidays_and_unknown_years() -> None:
    assert deadline(cst(2026, 10, 1, 3), EMERGENCY.reply, CAL) == cst(2026, 10, 1, 5)
    assert deadline(cst(2030, 2, 3, 23), EMERGENCY.reply, CAL) == cst(2030, 2, 4, 1)


@pytest.mark.parametrize(
    ("start", "limit", "expected"),
    [
        (cst(2026, 9, 30, 10), GENERAL.dispatch, cst(2026, 10, 1, 10)),
        (cst(2026, 9, 24, 16, 30), GENERAL.sign, cst(2026, 9, 28, 10)),
        (cst(2026, 9, 30, 10), GENERAL.reply, cst(2026, 10, 15, 17, 30)),
        (cst(2026, 2, 13, 10), GENERAL.reply, cst(2026, 3, 2, 17, 30)),
        (cst(2026, 9, 30, 10), POLICIES["complex"].reply, cst(2026, 10, 27, 17, 30)),
    ],
)
def test_deadlines_across_2026_holidays(start: datetime, limit: Limit, expected: datetime) -> None:
    assert deadline(start, limit, CAL) == expected


@pytest.mark.parametrize(
    ("start", "limit", "expected"),
    [
        (cst(2026, 10, 1, 3), EMERGENCY.reply, cst(2026, 10, 1, 4, 30)),
        (cst(2026, 9, 24, 16, 30), GENERAL.sign, cst(2026, 9, 28, 9, 30)),
        # Mon 09:00, deadline Wed Mar 11 17:30: 56 working hours, 75 % = 42 h = six full days.
        (cst(2026, 3, 2, 9), GENERAL.reply, cst(2026, 3, 9, 17, 30)),
    ],
)
def test_75_percent_checkpoint(start: datetime, limit: Limit, expected: datetime) -> None:
    assert checkpoint(start, limit, CAL, 0.75) == expected


@pytest.mark.parametrize("fraction", [-0.1, 1.5])
def test_checkpoint_fraction_must_be_a_fraction(fraction: float) -> None:
    with pytest.raises(ValueError):
        checkpoint(cst(2026, 3, 2, 9), GENERAL.reply, CAL, fraction)


@given(
    start=st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2026, 6, 30), timezones=st.just(UTC)
    ),
    limit=st.sampled_from([limit for policy in POLICIES.values() for limit in policy.to_dict()]),
    policy=st.sampled_from(sorted(POLICIES)),
    fractions=st.lists(st.floats(min_value=0, max_value=1), min_size=2, max_size=2),
)
def test_checkpoints_run_from_start_to_deadline(
    start: datetime, limit: str, policy: str, fractions: list[float]
) -> None:
    chosen = getattr(POLICIES[policy], limit)
    low, high = sorted(fractions)
    assert checkpoint(start, chosen, CAL, 0) == start
    assert checkpoint(start, chosen, CAL, low) <= checkpoint(start, chosen, CAL, high)
    assert checkpoint(start, chosen, CAL, 1) == deadline(start, chosen, CAL)


def test_extension_moves_to_close_of_business_n_working_days_later() -> None:
    assert extend(cst(2026, 10, 15, 17, 30), 3, CAL) == cst(2026, 10, 20, 17, 30)
    assert extend(cst(2026, 9, 28, 10), 1, CAL) == cst(2026, 9, 29, 17, 30)
    assert extend(cst(2026, 9, 29, 17, 30), 1, CAL) == cst(2026, 9, 30, 17, 30)
    # 30 Sep + 1 working day lands after the whole National Day break.
    assert extend(cst(2026, 9, 30, 17, 30), 1, CAL) == cst(2026, 10, 8, 17, 30)


def test_extension_needs_days_and_a_calendar() -> None:
    with pytest.raises(ValueError):
        extend(cst(2026, 10, 15, 17, 30), 0, CAL)
    with pytest.raises(CalendarMissing):
        extend(cst(2026, 12, 24, 17, 30), 10, CAL)


def test_naive_start_is_rejected_for_calendar_hours() -> None:
    with pytest.raises(ValueError, match="naive"):
        deadline(datetime(2026, 3, 2, 9), EMERGENCY.reply, CAL)
    assert deadline(datetime(2026, 3, 2, 1, tzinfo=UTC), EMERGENCY.reply, CAL).tzinfo is UTC
    assert timedelta(hours=2) == deadline(cst(2026, 3, 2, 9), EMERGENCY.reply, CAL) - cst(
        2026, 3, 2, 9
    )
