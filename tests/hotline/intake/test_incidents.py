"""合并办理 at intake (issue 18): a paraphrase of an open ticket in the same street and topic is
proposed as a member and not dispatched; another problem in that street is routed on its own;
the master's approved answer reaches the member's citizen under the member's own number."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.citizen import followup
from hotline.domain import lifecycle
from hotline.domain.events import EventKind
from hotline.models import Channel, FollowUp, OutboundMessage, Role, Status
from tests.conftest import ChangeSettings
from tests.hotline.intake.test_street_routing import PROPERTY, routed_confidently
from tests.hotline.tickets.helpers import new_ticket

PLACE = "A1区解放路街道工人新村3栋"
SAME = "工人新村物业一个星期没打扫楼道了，楼道里垃圾堆着没人管"
OTHER = "工人新村物业乱收停车费，每个月涨了一百元"
REVIEWER = lifecycle.Actor("agent", Role.AGENT, None)


@pytest.fixture(autouse=True)
def proposals_on(settings: ChangeSettings) -> None:
    """The proposals are off by default (INCIDENT_PROPOSALS, config.py): these tests turn them on."""
    settings(intake={"incident_proposals": True})


def test_without_the_setting_a_paraphrase_is_routed_on_its_own(app: Flask, reference: None,
                                                              settings: ChangeSettings) -> None:
    settings(intake={"incident_proposals": False})
    master = routed_confidently(new_ticket(PROPERTY, address=PLACE))
    member = routed_confidently(new_ticket(SAME, address=PLACE))
    assert member.incident_master is None and member.status == master.status == Status.DISPATCHED


def test_a_paraphrase_follows_the_master_and_gets_its_answer(app: Flask, reference: None) -> None:
    master = routed_confidently(new_ticket(PROPERTY, address=PLACE))
    assert master.status == Status.DISPATCHED
    member = routed_confidently(new_ticket(SAME, address=PLACE))
    assert member.incident_master is master and not member.incident_confirmed
    assert member.status == Status.PENDING_DISPATCH and member.department is None
    assert EventKind.DISPATCHED not in [e.kind for e in member.events]
    other = routed_confidently(new_ticket(OTHER, address=PLACE))
    assert other.incident_master is None and other.status == Status.DISPATCHED

    for t in (master, member):
        t.channel = Channel.SMS  # the burst came by SMS: the answer goes out by SMS
    staff = lifecycle.Actor("a1-s3", Role.UNIT_STAFF, None, master.department_id)
    lifecycle.sign_and_reply(master, staff, "已安排保洁，今天清理完毕")
    lifecycle.review_reply(master, REVIEWER, accept=True)
    unit_of_work.commit(db.session)
    assert member.status == Status.REPLIED
    answers = db.session.scalars(select(OutboundMessage).where(OutboundMessage.kind == "answer")).all()
    assert {(o.ticket_number, o.ticket_id) for o in answers} >= {(member.number, member.id),
                                                           (master.number, master.id)}
    rounds = db.session.scalars(select(FollowUp.ticket_id)).all()
    assert member.id in rounds and master.id in rounds  # each citizen rates separately


def test_an_unhappy_members_verdict_redoes_the_master_and_the_member_waits(
        app: Flask, reference: None) -> None:
    master = routed_confidently(new_ticket(PROPERTY, address=PLACE))
    member = routed_confidently(new_ticket(SAME, address=PLACE))
    staff = lifecycle.Actor("a1-s3", Role.UNIT_STAFF, None, master.department_id)
    lifecycle.sign_and_reply(master, staff, "已安排保洁，今天清理完毕")
    lifecycle.review_reply(master, REVIEWER, accept=True)
    unit_of_work.commit(db.session)
    round_ = db.session.scalars(select(FollowUp).where(FollowUp.ticket_id == member.id)).one()
    assert followup.record(db.session, round_, followup.parse("3"), channel="sms",
                           raw="3") == "reopened"
    unit_of_work.commit(db.session)
    assert member.status == Status.PENDING_DISPATCH and member.incident_master is master
    assert master.status == Status.DISPATCHED and master.events[-1].kind == EventKind.REOPENED
    assert member.number in (master.events[-1].note or "")
    assert round_.solved == 3  # the member's own verdict, counted for the master's unit


def test_a_satisfied_member_is_closed_without_a_second_answer_or_round(
        app: Flask, reference: None) -> None:
    master = routed_confidently(new_ticket(PROPERTY, address=PLACE))
    member = routed_confidently(new_ticket(SAME, address=PLACE))
    member.channel = Channel.SMS
    staff = lifecycle.Actor("a1-s3", Role.UNIT_STAFF, None, master.department_id)
    lifecycle.sign_and_reply(master, staff, "已安排保洁，今天清理完毕")
    lifecycle.review_reply(master, REVIEWER, accept=True)
    unit_of_work.commit(db.session)
    round_ = db.session.scalars(select(FollowUp).where(FollowUp.ticket_id == member.id)).one()
    assert followup.record(db.session, round_, followup.parse("11"), channel="sms",
                           raw="11") == "closed"
    unit_of_work.commit(db.session)
    assert member.status == Status.CLOSED
    answers = db.session.scalars(select(OutboundMessage).where(
        OutboundMessage.kind == "answer", OutboundMessage.ticket_id == member.id)).all()
    assert len(answers) == 1  # the master's answer, once
    assert db.session.scalars(select(FollowUp).where(FollowUp.ticket_id == member.id)).all() \
        == [round_]
