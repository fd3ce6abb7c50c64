"""The relay: intakes the web tier announced become RQ jobs, many to a job, exactly once each."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from rq import Queue
from sqlalchemy import select

from hotline.app.extensions import db
from hotline.app.queue import ACCEPTED, INTAKE_QUEUE, connection
from hotline.intake.accept import Request
from hotline.intake.handover import submit
from hotline.models import Channel, Intake, IntakeStatus, Ticket
from tests.conftest import ChangeSettings, drain
from workers import relay
from workers.jobs import BATCH, IntakesFailed, process_intakes


def _submit(content: str) -> str:
    intake, _ = submit(Request(channel=Channel.WEB, line="12345", content=content,
                               phone="13812348000"), region="CN")
    return intake.ticket_number


def _queued_ids(app: Flask) -> list[list[int]]:
    return [job.args[0] for job in Queue(INTAKE_QUEUE, connection=connection(app)).get_jobs()]


def test_accepting_announces_the_intake_and_the_relay_queues_it_in_one_job(app: Flask) -> None:
    numbers = [_submit(f"路灯不亮第{i}盏") for i in range(3)]
    assert _queued_ids(app) == []  # the request built no job, it only announced the intake
    assert connection(app).llen(ACCEPTED) == 3

    assert relay.relay_all(connection(app)) == 3
    ids = db.session.scalars(select(Intake.id).order_by(Intake.id)).all()
    assert _queued_ids(app) == [ids]
    assert connection(app).llen(ACCEPTED) == 0

    drain(app)
    assert sorted(db.session.scalars(select(Ticket.number))) == sorted(numbers)


def test_a_burst_is_cut_into_batches(app: Flask) -> None:
    conn = connection(app)
    conn.rpush(ACCEPTED, *range(1, BATCH + 3))

    assert relay.relay_once(conn, wait=False) == BATCH
    assert relay.relay_once(conn, wait=False) == 2
    assert relay.relay_once(conn, wait=False) == 0
    assert [len(ids) for ids in _queued_ids(app)] == [BATCH, 2]


def test_the_relay_thread_queues_an_intake_as_soon_as_it_is_announced(app: Flask) -> None:
    stop_relay = relay.start(app)
    try:
        _submit("井盖丢了，很危险")
        deadline = time.monotonic() + 5
        while not _queued_ids(app) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        stop_relay()
    assert _queued_ids(app) == [[db.session.scalars(select(Intake.id)).one()]]


def test_the_relay_lets_a_burst_gather_into_one_job(app: Flask,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(relay, "GATHER_SECONDS", 0.5)  # wide, so that a slow machine still fits
    conn = connection(app)
    stop_relay = relay.start(app)
    try:
        time.sleep(0.2)  # the relay waits for the first announcement
        conn.rpush(ACCEPTED, 1)
        time.sleep(0.05)  # the next caller, a moment later
        conn.rpush(ACCEPTED, 2, 3)
        deadline = time.monotonic() + 5
        while not _queued_ids(app) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        stop_relay()
    assert _queued_ids(app) == [[1, 2, 3]]


def test_without_workers_an_intake_is_processed_at_once(app: Flask,
                                                       settings: ChangeSettings) -> None:
    """Synchronous RQ (RQ_ASYNC=0, as bench/deadlines runs): no relay would read the
    announcement, so the hand-over runs the job itself."""
    settings(rq_async=False)
    number = _submit("路口红绿灯不亮")
    assert connection(app).llen(ACCEPTED) == 0
    assert db.session.scalars(select(Ticket.number)).all() == [number]


def test_one_broken_intake_holds_back_none_of_its_batch(app: Flask) -> None:
    _submit("小区停电")
    good_number = _submit("小区停水")
    broken, good = db.session.scalars(select(Intake).order_by(Intake.id)).all()
    broken.payload = {**broken.payload, "request_type": "no such type"}
    db.session.commit()

    with pytest.raises(IntakesFailed, match=str(broken.id)):
        process_intakes([broken.id, good.id])

    db.session.expire_all()
    assert db.session.scalars(select(Ticket.number)).all() == [good_number]
    assert db.session.get(Intake, broken.id).status == IntakeStatus.RECEIVED  # swept again later
