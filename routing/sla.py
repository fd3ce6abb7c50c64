"""SLA limits, deadlines and warning points.

The default figures (``default_sla.json``) come from domain.md §3 (Beijing DB11/T 2021-2022 and
national practice). Each limit is measured from the moment the step becomes possible: dispatch
from intake, sign-for from dispatch, reply from intake, first contact (先行联系) from sign-for. Emergencies and the centre's own
dispatch steps count calendar hours because the centre runs 7×24; units' work counts working
time. Administrators edit the policies in the database, so everything here round-trips through
plain dicts.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from importlib import resources
from typing import Any

from routing.calendar import WorkingCalendar, require_aware


class Unit(StrEnum):
    CALENDAR_HOURS = "calendar_hours"
    WORKING_HOURS = "working_hours"
    WORKING_DAYS = "working_days"


@dataclass(frozen=True)
class Limit:
    """A time limit; ``unit`` accepts the plain strings stored in the database."""

    amount: float
    unit: Unit

    def __post_init__(self) -> None:
        object.__setattr__(self, "unit", Unit(self.unit))
        if self.amount < 0:
            raise ValueError(f"limit amount must not be negative: {self.amount}")
        if self.unit is Unit.WORKING_DAYS and self.amount != int(self.amount):
            raise ValueError(
                "working_days limits must be whole days; use working_hours for fractions"
            )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Limit":
        return cls(amount=data["amount"], unit=data["unit"])

    def to_dict(self) -> dict[str, Any]:
        return {"amount": self.amount, "unit": self.unit.value}


# 先行联系: the unit reaches the citizen within two working hours of signing for the ticket
# (Beijing's 接诉即办 practice); a policy without its own contact limit has this one.
DEFAULT_CONTACT = Limit(2, Unit.WORKING_HOURS)


@dataclass(frozen=True)
class SlaPolicy:
    dispatch: Limit
    sign: Limit
    reply: Limit
    contact: Limit = DEFAULT_CONTACT  # measured from sign-for

    @classmethod
    def from_dict(cls, data: Mapping[str, Mapping[str, Any]]) -> "SlaPolicy":
        return cls(
            dispatch=Limit.from_dict(data["dispatch"]),
            sign=Limit.from_dict(data["sign"]),
            reply=Limit.from_dict(data["reply"]),
            contact=Limit.from_dict(data["contact"]) if "contact" in data else DEFAULT_CONTACT,
        )

    def to_dict(self) -> dict[str, dict[str, Any]]:
        return {
            "dispatch": self.dispatch.to_dict(),
            "sign": self.sign.to_dict(),
            "reply": self.reply.to_dict(),
            "contact": self.contact.to_dict(),
        }


def load_default_policies() -> dict[str, SlaPolicy]:
    """The shipped policies by name, the seed for the administrators' table."""
    text = resources.files("routing").joinpath("default_sla.json").read_text(encoding="utf-8")
    return {name: SlaPolicy.from_dict(data) for name, data in json.loads(text).items()}


def deadline(start: datetime, limit: Limit, calendar: WorkingCalendar) -> datetime:
    """When ``limit`` expires for a step that became possible at ``start``.

    Working days follow ``WorkingCalendar.add_working_days`` (close of business on the N-th
    working day, day of receipt not counted), as Chinese offices count "N个工作日".
    """
    if limit.unit is Unit.CALENDAR_HOURS:
        return _elapsed(start, timedelta(hours=limit.amount))
    if limit.unit is Unit.WORKING_HOURS:
        return calendar.add_working_time(start, timedelta(hours=limit.amount))
    return calendar.add_working_days(start, int(limit.amount))


def checkpoint(
    start: datetime, limit: Limit, calendar: WorkingCalendar, fraction: float
) -> datetime:
    """The instant when ``fraction`` of the allowed time has been used, e.g. 0.75 for a warning.

    Measured in the limit's own kind of time, so a 75 % warning on a working-time limit never
    fires over a weekend the unit could not have worked through; for working days the whole is
    the working time from ``start`` to the deadline.
    """
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction must be between 0 and 1: {fraction}")
    end = deadline(start, limit, calendar)
    if limit.unit is Unit.CALENDAR_HOURS:
        return _elapsed(start, (end - start) * fraction)
    return calendar.add_working_time(start, calendar.working_time_between(start, end) * fraction)


def extend(current_deadline: datetime, days: int, calendar: WorkingCalendar) -> datetime:
    """The deadline after an approved extension of ``days`` working days (延期).

    Counted like any working-day period from the old deadline's day, so the new deadline is a
    close of business and successive extensions add up.
    """
    if days <= 0:
        raise ValueError(f"an extension must be at least one working day: {days}")
    return calendar.add_working_days(current_deadline, days)


def _elapsed(start: datetime, duration: timedelta) -> datetime:
    """Add elapsed time in UTC: aware arithmetic in a DST zone would add wall-clock time."""
    require_aware(start)
    return (start.astimezone(UTC) + duration).astimezone(start.tzinfo)
