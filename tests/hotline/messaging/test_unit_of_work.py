"""The unit of work runs the table's effects with the fact, in its transaction, once."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.domain import lifecycle
from hotline.models import Channel, Department, Notification, OutboundMessage, utcnow
from tests.fakes import flow
from tests.hotline.tickets.helpers import new_ticket


def _answers(number: str) -> list[OutboundMessage]:
    return list(db.session.scalars(select(OutboundMessage).where(
        OutboundMessage.ticket_number == number, OutboundMessage.kind == "answer")))


def _replied_by_phone() -> str:
    ticket = new_ticket()
    ticket.channel = Channel.VOICE  # a caller with a mobile: the answer goes by SMS
    unit_of_work.commit(db.session)
    flow.answer(ticket.number, "路灯已修复", approve=False)
    return ticket.number


def test_a_rolled_back_approval_sends_nothing(app: Flask, reference: None) -> None:
    number = _replied_by_phone()
    lifecycle.review_reply(flow.ticket(number), flow.user("agent"), accept=True)
    db.session.rollback()
    assert _answers(number) == []


def test_an_approval_commits_with_its_answer_once(app: Flask, reference: None) -> None:
    number = _replied_by_phone()
    lifecycle.review_reply(flow.ticket(number), flow.user("agent"), accept=True)
    unit_of_work.commit(db.session)
    unit_of_work.commit(db.session)  # a second commit finds no new event
    (sms,) = _answers(number)
    assert (sms.channel, sms.dedupe_key, sms.to_addr) == ("sms", f"answer:{number}:1",
                                                          flow.ticket(number).phone)
    assert "路灯已修复" in sms.body


def _urge_notices() -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.kind == "urged")))


def test_a_supervision_order_tells_the_unit_through_the_unit_of_work(app: Flask,
                                                                      reference: None) -> None:
    """The life cycle appends the `urged` event only; the notice is its NOTIFY effect, written
    with it at the commit, and gone with it when the change is rolled back."""
    ticket = new_ticket()
    unit = db.session.scalars(select(Department).where(Department.code == "zjj")).one()
    lifecycle.dispatch(ticket, flow.user("agent"), unit, reason={"by": "test"})
    unit_of_work.commit(db.session)
    due = utcnow() + timedelta(days=1)
    lifecycle.urge(ticket, flow.user("supervisor"), note="群众反映强烈", due=due)
    db.session.rollback()
    assert _urge_notices() == []
    lifecycle.urge(flow.ticket(ticket.number), flow.user("supervisor"), note="群众反映强烈", due=due)
    unit_of_work.commit(db.session)
    unit_of_work.commit(db.session)  # once
    (notice,) = _urge_notices()
    assert (notice.department_id, notice.level, notice.ticket_id) == (unit.id, "red", ticket.id)
    assert notice.body.startswith(f"督办：工单 {ticket.number} 须于 ") and "群众反映强烈" in notice.body


def test_a_commit_for_the_record_writes_the_answer_but_queues_no_send(
        app: Flask, reference: None) -> None:
    from hotline.app.queue import DEFAULT_QUEUE, queue

    number = _replied_by_phone()
    waiting = queue(DEFAULT_QUEUE).count
    lifecycle.review_reply(flow.ticket(number), flow.user("agent"), accept=True)
    unit_of_work.commit(db.session, send=False)
    assert len(_answers(number)) == 1
    assert queue(DEFAULT_QUEUE).count == waiting
