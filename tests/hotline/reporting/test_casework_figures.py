"""Casework in the figures: first contact in time (and 响应率 on it when so configured)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.models import DeadlineClock, Department, Level, Status, Ticket, TicketEvent
from hotline.reporting import figures
from hotline.reporting.figures import Period

SH = ZoneInfo("Asia/Shanghai")
PERIOD = Period(date(2026, 3, 2), date(2026, 3, 8))
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=SH)


def at(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=SH)


def _ticket(n: int, unit: Department, status: Status = Status.SIGNED) -> Ticket:
    t = Ticket(number=f"20260302-{n:06d}", line="12345", channel="phone", request_type="complaint",
               content=f"第{n}号诉求", status=status, created_at=at(2), updated_at=at(2),
               department=unit)
    db.session.add(t)
    db.session.add(DeadlineClock(ticket=t, kind="sign", department=unit, started_at=at(2),
                                 warn_at=at(2, 10), due_at=at(2, 11), stopped_at=at(2, 10)))
    return t


def _contact_clock(t: Ticket, stopped: datetime) -> None:
    db.session.add(DeadlineClock(ticket=t, kind="contact", department=t.department,
                                 started_at=at(2, 10), warn_at=at(2, 11), due_at=at(2, 12),
                                 stopped_at=stopped))


def _contact(t: Ticket, when: datetime) -> None:
    db.session.add(TicketEvent(ticket=t, at=when, actor="甲局", kind="contacted",
                               data={"method": "phone"}))


@pytest.fixture
def contacts(app: Flask) -> None:
    unit = Department(code="ua", name="甲局", level=Level.CITY)
    db.session.add(unit)
    in_time = _ticket(1, unit)
    _contact_clock(in_time, at(2, 11))
    _contact(in_time, at(2, 11))
    late = _ticket(2, unit)
    _contact_clock(late, at(2, 14))
    _contact(late, at(2, 14))
    # Answered without a recorded contact: the reply stopped the clock, nobody was contacted.
    silent = _ticket(3, unit, Status.REPLIED)
    _contact_clock(silent, at(2, 11, 30))
    _ticket(4, unit)  # signed before contact clocks existed: no contact clock at all
    db.session.commit()
    figures.refresh(db.session, NOW)
    unit_of_work.commit(db.session)


def test_contacted_counts_only_a_recorded_contact_within_its_limit(contacts: None) -> None:
    total = figures.breakdowns(db.session, PERIOD).total
    assert (total.dispatched, total.responded, total.contacted) == (4, 4, 1)
    assert total.response_rate == 1.0  # on sign-for, the default


def test_the_response_rate_may_be_defined_on_first_contact(contacts: None) -> None:
    total = figures.breakdowns(db.session, PERIOD,
                               response_basis=figures.RESPONSE_ON_CONTACT).total
    assert (total.dispatched, total.responded) == (4, 1)
    assert total.response_rate == 0.25
