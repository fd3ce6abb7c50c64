"""Casework in the figures: first contact in time (and 响应率 on it when so configured), 挂起
spans beside the rates, and approved appeals out of the rates their kind names, counted."""

from __future__ import annotations

import html
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.models import (
    Appeal,
    DeadlineClock,
    Department,
    FollowUp,
    Level,
    Status,
    Suspension,
    Ticket,
    TicketEvent,
)
from hotline.reporting import figures
from hotline.reporting.figures import Period
from tests.conftest import ChangeSettings, login

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


def _verdict(t: Ticket, solved: int, satisfied: int) -> None:
    db.session.add(FollowUp(ticket=t, department_id=t.department_id, round=1, status="answered",
                            solved=solved, satisfied=satisfied, created_at=at(3)))


@pytest.fixture
def casework(app: Flask) -> None:
    unit = Department(code="ub", name="乙局", level=Level.CITY)
    db.session.add(unit)
    plain = _ticket(1, unit, Status.CLOSED)
    _verdict(plain, 1, 1)
    # Approved as a duplicate: out of all four rates, though signed late and rated unhappy.
    duplicate = _ticket(2, unit, Status.CLOSED)
    duplicate.clocks[0].stopped_at = at(2, 12)
    _verdict(duplicate, 3, 3)
    db.session.add(Appeal(ticket=duplicate, kind="duplicate", reason="重复", status="approved",
                          requested_by="乙局"))
    # An unfair rating: out of 解决率 and 满意率 only; still responded.
    unfair = _ticket(3, unit, Status.CLOSED)
    _verdict(unfair, 3, 3)
    db.session.add(Appeal(ticket=unfair, kind="unfair_rating", reason="评价不公",
                          status="approved", requested_by="乙局"))
    # A refused appeal and a pending one change nothing.
    refused = _ticket(4, unit, Status.CLOSED)
    _verdict(refused, 3, 3)
    db.session.add(Appeal(ticket=refused, kind="concluded", reason="终结", status="refused",
                          requested_by="乙局"))
    db.session.add(Appeal(ticket=_ticket(5, unit), kind="duplicate", reason="重复",
                          status="pending", requested_by="乙局"))
    # Two spans: one ended (90 working minutes), one running; a refused request is none.
    ended = _ticket(6, unit)
    db.session.add(Suspension(ticket=ended, reason="等待", status="ended", requested_by="乙局",
                              working_seconds=5400, calendar_seconds=86400))
    running = _ticket(7, unit)
    running.reply_due = at(3)  # passed while suspended: not overdue
    db.session.add(Suspension(ticket=running, reason="等待", status="active",
                              requested_by="乙局"))
    db.session.add(Suspension(ticket=_ticket(8, unit), reason="等待", status="refused",
                              requested_by="乙局"))
    late = _ticket(9, unit)
    late.reply_due = at(3)
    db.session.commit()
    figures.refresh(db.session, NOW)
    unit_of_work.commit(db.session)


def test_approved_appeals_leave_the_named_rates_and_are_counted(casework: None) -> None:
    total = figures.breakdowns(db.session, PERIOD).total
    assert (total.volume, total.appealed, total.appealed_rating) == (9, 1, 1)
    assert total.excluded_from_rating == 2
    assert (total.dispatched, total.responded) == (8, 8)  # the late duplicate is out
    assert (total.rated_solved, total.solved) == (2, 1)  # plain and refused only
    assert total.satisfaction_rate == 0.5


def test_suspended_spans_are_counted_and_not_overdue(casework: None) -> None:
    total = figures.breakdowns(db.session, PERIOD).total
    assert (total.suspended, total.suspended_minutes) == (2, 90)
    assert total.overdue == 1  # the late one, not the suspended one


def _kpis(client: FlaskClient) -> str:
    page = client.get("/supervise?start=2026-03-02&end=2026-03-08").get_data(as_text=True)
    return page[page.index('class="kpis"'):page.index("</ul>", page.index('class="kpis"'))]


def test_the_dashboard_follows_the_response_basis_setting(reference: None, contacts: None,
                                                          client: FlaskClient,
                                                          settings: ChangeSettings) -> None:
    login(client, "supervisor")
    assert "100.0%" in _kpis(client)
    settings(reporting={"response_basis": "contact"})
    assert "25.0%" in _kpis(client) and "100.0%" not in _kpis(client)


def test_the_dashboard_shows_what_appeals_excluded_beside_each_rate(
        reference: None, casework: None, client: FlaskClient) -> None:
    login(client, "supervisor")
    kpis = html.unescape(_kpis(client))
    assert kpis.count("申诉剔除 1 件") == 2 and kpis.count("申诉剔除 2 件") == 2
