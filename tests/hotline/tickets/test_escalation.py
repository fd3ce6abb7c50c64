"""The escalation scan: each step once per ticket and deadline, also when run twice or by two
schedulers at once; notices to the unit, its lead, the supervisors and the level above; the
duty-phone SMS sent through the outbox (the fake Twilio receives it, once); the `deadlines scan`
command."""

from __future__ import annotations

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import func, select

from hotline.app.extensions import db
from hotline.catalogue import snapshot
from hotline.domain import lifecycle
from hotline.messaging import outbox
from hotline.models import (
    Department,
    EscalationMark,
    Notification,
    OutboundMessage,
    Ticket,
    TicketEvent,
    User,
)
from hotline.tickets.escalation import scan
from tests.conftest import drain
from tests.fakes.twilio_rest import FakeTwilio
from tests.hotline.tickets.helpers import new_ticket

SH = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def dispatched_ticket() -> Ticket:
    """Received Wed 2026-09-30 10:00, dispatched to zjj at 11:00: sign due 14:30 that day,
    reply due 2026-10-15 17:30."""
    t = new_ticket(received_at=at(2026, 9, 30, 10, 0))
    agent = db.session.scalars(select(User).where(User.username == "agent")).one()
    zjj = db.session.scalars(select(Department).where(Department.code == "zjj")).one()
    lifecycle.dispatch(t, lifecycle.Actor.of(agent), zjj, reason={"by": "test"},
                       planner=snapshot.current(db.session).planner, at=at(2026, 9, 30, 11, 0))
    db.session.commit()
    assert t.sign_due == at(2026, 9, 30, 14, 30)
    return t


def steps() -> list[tuple[str, str]]:
    rows = db.session.execute(select(TicketEvent.kind, TicketEvent.data)
                              .where(TicketEvent.kind.like("deadline_%"))
                              .order_by(TicketEvent.id)).all()
    return [(kind, data["deadline"]) for kind, data in rows]


def staff_sms() -> list[OutboundMessage]:
    """The duty phones' messages (the test tickets' citizens also get their acknowledgement)."""
    return list(db.session.scalars(select(OutboundMessage).where(
        OutboundMessage.kind == "staff_notification").order_by(OutboundMessage.id)))


def count(model: type, *where: object) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_steps_happen_once_with_notices_and_sms(app: Flask, reference: None) -> None:
    dispatched_ticket()
    first = scan(db.session, at(2026, 10, 16, 10, 0))
    assert first.as_dict() == {"clocks": 2, "warning": 2, "overdue": 2, "escalated": 1}
    assert sorted(steps()) == sorted([
        ("deadline_warning", "sign"), ("deadline_overdue", "sign"),
        ("deadline_escalated", "sign"), ("deadline_warning", "reply"),
        ("deadline_overdue", "reply")])
    assert scan(db.session, at(2026, 10, 16, 10, 0)).as_dict()["warning"] == 0  # run twice
    assert len(steps()) == 5
    zjj, gov = (db.session.scalars(select(Department).where(Department.code == c)).one()
                for c in ("zjj", "gov"))
    assert count(Notification, Notification.department_id == zjj.id,
                 Notification.role.is_(None)) == 2  # yellow warnings to the unit
    assert count(Notification, Notification.department_id == zjj.id,
                 Notification.role == "unit_lead") == 2  # red overdue to its lead
    assert count(Notification, Notification.department_id == gov.id) == 1  # escalated upwards
    assert count(Notification, Notification.role == "supervisor") == 3
    texts = staff_sms()
    assert [(m.channel, m.status) for m in texts] == [("sms", "queued")] * 3
    assert {m.to_addr for m in texts} == {zjj.duty_phone, gov.duty_phone}
    later = scan(db.session, at(2026, 10, 17, 10, 0))
    assert later.as_dict() == {"clocks": 1, "warning": 0, "overdue": 0, "escalated": 1}
    assert scan(db.session, at(2026, 10, 30, 10, 0)).clocks == 0  # nothing left to check


def test_duty_phones_receive_the_overdue_and_escalation_sms_once(
        app: Flask, reference: None, fake_twilio: FakeTwilio) -> None:
    t = dispatched_ticket()
    zjj, gov = (db.session.scalars(select(Department).where(Department.code == c)).one()
                for c in ("zjj", "gov"))
    scan(db.session, at(2026, 10, 16, 10, 0))
    scan(db.session, at(2026, 10, 16, 10, 0))  # a second scheduler, or the next minute's run
    drain(app)  # the RQ worker sends what the scan queued
    sent = sorted((r.to, r.body) for r in fake_twilio.sent if r.to != t.phone)
    assert sent == sorted([
        (zjj.duty_phone, f"【12345】工单 {t.number} 签收时限已于 2026-09-30 14:30 超期。请尽快办理。"),
        (zjj.duty_phone, f"【12345】工单 {t.number} 答复时限已于 2026-10-15 17:30 超期。请尽快办理。"),
        (gov.duty_phone, f"【12345】工单 {t.number} 签收时限超期未办（{zjj.name}），"
                         f"已提级至{gov.name}。"),
    ])
    rows = staff_sms()
    assert {r.status for r in rows} == {outbox.ACCEPTED} and all(r.provider_sid for r in rows)

    scan(db.session, at(2026, 10, 16, 10, 5))
    drain(app)
    assert len([r for r in fake_twilio.requests if r.to != t.phone]) == 3  # nothing sent twice


def test_a_duty_phone_that_takes_no_sms_gets_none(app: Flask, reference: None) -> None:
    dispatched_ticket()
    zjj, gov = (db.session.scalars(select(Department).where(Department.code == c)).one()
                for c in ("zjj", "gov"))
    zjj.duty_phone = "+8657188001234"  # a landline: the inbox notices still tell the unit
    snapshot.bump(db.session)  # as an administrator's edit does
    db.session.commit()
    scan(db.session, at(2026, 10, 16, 10, 0))
    assert [m.to_addr for m in staff_sms()] == [gov.duty_phone]


def test_extension_gives_the_new_deadline_its_own_steps(app: Flask, reference: None) -> None:
    t = dispatched_ticket()
    scan(db.session, at(2026, 10, 16, 10, 0))
    sup = db.session.scalars(select(User).where(User.username == "supervisor")).one()
    lead = db.session.scalars(select(User).where(User.username == "zjj-lead")).one()
    lifecycle.sign(t, lifecycle.Actor.of(lead), at=at(2026, 10, 16, 9, 0))
    lifecycle.request_extension(t, lifecycle.Actor.of(lead), days=5, reason="需协调",
                                at=at(2026, 10, 16, 9, 0))
    lifecycle.decide_extension(t, lifecycle.Actor.of(sup), approve=True,
                               planner=snapshot.current(db.session).planner,
                               at=at(2026, 10, 16, 10, 0))
    db.session.commit()
    assert t.reply_due == at(2026, 10, 23, 17, 30)  # 5 working days from the (late) approval
    scan(db.session, at(2026, 10, 26, 10, 0))
    reply_overdue = count(EscalationMark, EscalationMark.deadline_kind == "reply",
                          EscalationMark.step == "overdue")
    assert reply_overdue == 2  # one per deadline value


def test_warnings_are_worded_by_tense_when_written(app: Flask, reference: None) -> None:
    """A scan that runs late (a scheduler down over the holiday) writes the warning after the
    deadline: it says 已于…超期, never promises time that is gone."""
    dispatched_ticket()
    scan(db.session, at(2026, 9, 30, 14, 0))  # the sign warning, in time (due 14:30)
    scan(db.session, at(2026, 10, 16, 10, 0))  # the reply warning, a day late (due 10-15)
    bodies = db.session.scalars(select(Notification.body).where(
        Notification.kind == "deadline_warning").order_by(Notification.id)).all()
    assert "签收时限将于 2026-09-30 14:30 到期" in bodies[0]
    assert all("答复时限已于 2026-10-15 17:30 超期" in b for b in bodies[1:]) and bodies[1:]
    assert not any("答复时限将于" in b for b in bodies)


def test_two_schedulers_at_once_do_each_step_once(app: Flask, reference: None) -> None:
    for _ in range(3):
        dispatched_ticket()
    barrier = threading.Barrier(2, timeout=30)
    errors: list[BaseException] = []

    def run() -> None:
        with app.app_context():  # its own context, so its own session and connection
            try:
                barrier.wait()
                scan(db.session, at(2026, 10, 16, 10, 0))
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    db.session.expire_all()
    assert len(steps()) == 15
    assert count(EscalationMark) == 15
    assert len(staff_sms()) == 9


def test_cli_scan_with_now_and_bad_input(app: Flask, reference: None) -> None:
    dispatched_ticket()
    runner = app.test_cli_runner(mix_stderr=False) if _mix_supported() else app.test_cli_runner()
    ok = runner.invoke(args=["deadlines", "scan", "--now", "2026-10-16T10:00:00+08:00"])
    assert ok.exit_code == 0, ok.output
    assert '"overdue": 2' in ok.stdout
    for bad in ("yesterday", "2026-10-16T10:00:00"):
        result = runner.invoke(args=["deadlines", "scan", "--now", bad])
        assert result.exit_code == 2
        assert len(result.stderr.strip().splitlines()) == 1 and "--now" in result.stderr


def _mix_supported() -> bool:
    import inspect

    from click.testing import CliRunner

    return "mix_stderr" in inspect.signature(CliRunner.__init__).parameters


def test_scan_query_uses_the_partial_index(app: Flask) -> None:
    if db.engine.dialect.name != "postgresql":
        plan = db.session.execute(db.text(
            "EXPLAIN QUERY PLAN SELECT id FROM deadline_clocks WHERE next_check_at <= :now"),
            {"now": "2026-01-01"}).all()
        assert "ix_deadline_clocks_next_check" in " ".join(str(r) for r in plan)
        return
    db.session.execute(db.text("SET enable_seqscan = off"))
    plan = db.session.execute(db.text(
        "EXPLAIN SELECT id FROM deadline_clocks WHERE next_check_at <= now()")).scalars().all()
    assert "ix_deadline_clocks_next_check" in " ".join(plan)
