"""Accepting an intake: the committed row, its number, and what it leaves of the caller's work."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import select

from hotline.app.extensions import db
from hotline.intake.accept import Request, accept
from hotline.models import Channel, Intake, IntakeStatus, Line

# 17:30 UTC is already the next morning in the centre's time zone (UTC+8).
LATE_EVENING_UTC = datetime(2031, 3, 3, 17, 30, tzinfo=UTC)


def _request(source_ref: str | None = None) -> Request:
    return Request(channel=Channel.SMS, line="12315", content="超市卖过期牛奶", phone="13812348000",
                   source_ref=source_ref)


def test_numbers_follow_the_local_day_and_run_on(app: Flask) -> None:
    first, created = accept(db.session, _request(), received_at=LATE_EVENING_UTC)
    second, _ = accept(db.session, _request(), received_at=LATE_EVENING_UTC)

    assert created
    day, sequence = first.ticket_number.split("-")
    assert day == "20310304" and len(sequence) == 6
    # The day's sequence outlives TRUNCATE on PostgreSQL, so only the step is fixed.
    assert second.ticket_number == f"{day}-{int(sequence) + 1:06d}"


def test_the_committed_row_is_what_accept_returns(app: Flask) -> None:
    accepted, _ = accept(db.session, _request("SM-commit"), received_at=LATE_EVENING_UTC)
    db.session.rollback()  # nothing of it may depend on the caller's transaction

    row = db.session.scalars(select(Intake).where(Intake.id == accepted.id)).one()
    assert (row.ticket_number, row.line, row.channel) == (accepted.ticket_number, Line.L12315,
                                                          Channel.SMS)
    assert row.status == IntakeStatus.RECEIVED and row.attempts == 0
    assert row.payload["phone"] == "+8613812348000"
    assert row.received_at == LATE_EVENING_UTC


def test_a_repeated_source_ref_returns_the_first_intake(app: Flask) -> None:
    first, _ = accept(db.session, _request("SM-retry"))
    again, created = accept(db.session, _request("SM-retry"))

    assert not created and again == first
    assert db.session.scalar(select(Intake.id).where(Intake.source_ref == "SM-retry")) == first.id


def test_postgresql_commits_the_intake_alone(app: Flask) -> None:
    """The intake is its own statement on PostgreSQL: the caller's pending work is neither
    committed with it nor lost."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite commits the intake in the caller's session")
    pending = Intake(channel=Channel.WEB, line=Line.L12345, ticket_number="19990101-000001",
                     payload={"content": "尚未提交"})
    db.session.add(pending)
    db.session.flush()

    accepted, _ = accept(db.session, _request())
    assert pending in db.session  # still pending, still the caller's to commit or drop
    db.session.rollback()

    numbers = set(db.session.scalars(select(Intake.ticket_number)))
    assert accepted.ticket_number in numbers and "19990101-000001" not in numbers
