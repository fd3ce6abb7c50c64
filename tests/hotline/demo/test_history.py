"""The demo city's past, built as `up` builds it at first start: does it look like a centre at work?

One build (the demo corpus's model, the default 91 days up to now) serves every check: it takes
seconds, the checks milliseconds, and the `app` fixture empties the tables after each test.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from flask import Flask
from sqlalchemy import func, select

from hotline.app import settings as app_settings
from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.classifier_models import registry
from hotline.demo import history
from hotline.models import (
    DeadlineClock,
    FollowUp,
    OutboundMessage,
    Status,
    Ticket,
    TicketEvent,
    User,
    utcnow,
)
from hotline.reporting import figures
from hotline.workbench.workflow_views import unread_count

pytestmark = pytest.mark.slow


@pytest.fixture
def city(app: Flask, reference: None) -> Iterator[tuple[history.Summary, datetime]]:
    configured = app_settings.current(app)
    texts, labels, source = registry.training_data(configured.data_dir, corpus_only=True)
    registry.train_and_activate(configured.model_dir, db.session, texts, labels, source=source)
    now = utcnow()
    summary = history.build(db.session, now=now)
    figures.refresh(db.session, now)
    unit_of_work.commit(db.session)
    yield summary, now


def _month(now: datetime) -> figures.Counts:
    today = figures.today_in_shanghai(now)
    return figures.breakdowns(db.session, figures.Period(today - timedelta(days=29), today)).total


def test_the_demo_city_looks_like_a_centre_at_work(city: tuple[history.Summary, datetime]) -> None:
    summary, now = city
    _figures_of_a_working_centre(summary, now)
    _past_in_the_past_in_order(now)
    _no_backlog_at_first_sign_in()


def _figures_of_a_working_centre(summary: history.Summary, now: datetime) -> None:
    assert 500 <= summary.tickets <= 900
    month = _month(now)
    assert month.volume >= 150
    assert 0.92 <= month.response_rate <= 0.99
    assert 0.90 <= month.on_time_rate <= 0.99
    assert 0.85 <= month.satisfaction_rate <= 0.95
    # a handful overdue today, not hundreds; some in each state of the work
    assert 1 <= figures.overdue_count(db.session, now) <= 12
    statuses = dict(db.session.execute(select(Ticket.status, func.count()).group_by(Ticket.status)).all())
    assert statuses[Status.CLOSED] >= 0.85 * summary.tickets
    assert statuses.get(Status.SIGNED, 0) >= 10 and statuses.get(Status.DISPATCHED, 0) >= 1
    redone = db.session.scalar(select(func.count(func.distinct(FollowUp.ticket_id)))
                               .where(FollowUp.round > 1))
    returned = db.session.scalar(select(func.count(func.distinct(TicketEvent.ticket_id)))
                                 .where(TicketEvent.kind == "returned"))
    assert redone >= 10 and returned >= 5


def _past_in_the_past_in_order(now: datetime) -> None:
    events = db.session.execute(select(TicketEvent.ticket_id, TicketEvent.at)
                                .order_by(TicketEvent.ticket_id, TicketEvent.id)).all()
    assert max(at for _, at in events) <= now
    oldest = min(at for _, at in events)
    assert now - oldest > timedelta(days=80)
    for (a_ticket, a_at), (b_ticket, b_at) in pairwise(events):
        if a_ticket == b_ticket:
            assert a_at <= b_at, f"ticket {a_ticket}: an event before the one written earlier"
    # deadlines were planned from the past moments and stopped there
    running = db.session.scalar(select(func.count(DeadlineClock.id)).join(Ticket)
                                .where(Ticket.status == Status.CLOSED,
                                       DeadlineClock.stopped_at.is_(None)))
    late = db.session.scalar(select(func.count(DeadlineClock.id))
                             .where(DeadlineClock.stopped_at > now))
    assert running == 0 and late == 0


def _no_backlog_at_first_sign_in() -> None:
    """Past messages went out back then and past notices were read: no flood of failures."""
    supervisor = db.session.scalars(select(User).where(User.username == "supervisor")).one()
    agent = db.session.scalars(select(User).where(User.username == "agent")).one()
    assert unread_count(supervisor) <= 10
    assert unread_count(agent) <= 10
    stuck = db.session.scalar(select(func.count(OutboundMessage.id))
                              .where(OutboundMessage.status.in_(("queued", "failed", "to_call"))))
    assert stuck == 0


def test_the_same_seed_gives_the_same_days() -> None:
    now = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    first = history._arrivals(random.Random(7), now, 30)
    assert first == history._arrivals(random.Random(7), now, 30)
    assert first != history._arrivals(random.Random(8), now, 30)
    assert all(t < now for t in first) and first == sorted(first)
