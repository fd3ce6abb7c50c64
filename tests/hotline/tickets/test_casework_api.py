"""Casework over HTTP: notes (the citizen reads only the public ones, on /track and in Open311),
first contact, 挂起 and 申诉, each with its 200 / 400 / 403 / 409."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.catalogue import snapshot
from hotline.domain import lifecycle
from hotline.models import (
    Department,
    Notification,
    Status,
    Ticket,
    TicketEvent,
    User,
    utcnow,
)
from hotline.reporting import figures
from hotline.tickets import suspensions
from hotline.tickets.escalation import scan
from tests.conftest import csrf_token
from tests.hotline.tickets.helpers import act, get, new_ticket

PHONE = "13812348000"  # new_ticket's caller
SH = ZoneInfo("Asia/Shanghai")


def error(response: Any, status: int) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    return str(response.get_json()["error"]["message"])


def signed(client: FlaskClient) -> str:
    number = new_ticket().number
    assert act(client, "agent", number, "dispatch", {"unit": "zjj"}).status_code == 200
    assert act(client, "zjj", number, "sign").status_code == 200
    return number


def test_notes_public_and_internal(app: Flask, reference: None, client: FlaskClient) -> None:
    number = signed(client)
    assert act(client, "zjj", number, "note", {"text": "已联系物业，周五前修复",
                                               "public": True}).status_code == 200
    assert act(client, "agent", number, "note", {"text": "内部：市民曾多次来电"}).status_code == 200
    events = get(client, "supervisor", f"/api/v1/tickets/{number}").get_json()["events"]
    notes = {e["kind"]: e for e in events if e["kind"].endswith("_note")}
    assert notes["progress_note"]["note"] == "已联系物业，周五前修复"
    assert notes["internal_note"]["note"] == "内部：市民曾多次来电"
    # Another unit may not see the ticket, so it may not write on it either (404, not a hint).
    assert act(client, "cgj", number, "note", {"text": "看看"}).status_code == 404
    assert "text" in error(act(client, "zjj", number, "note", {"text": ""}), 422)
    assert "text" in error(act(client, "zjj", number, "note", {}), 422)


def test_the_citizen_sees_public_notes_and_never_internal_ones(app: Flask, reference: None,
                                                               client: FlaskClient) -> None:
    number = signed(client)
    act(client, "zjj", number, "note", {"text": "阶段性答复：已派员勘查", "public": True})
    act(client, "zjj", number, "note", {"text": "内部备注：业主委员会有纠纷", "public": False})
    act(client, "agent", number, "note", {"text": "内部备注：中心提醒单位"})
    citizen = app.test_client()
    g.pop("csrf_token", None)
    proved = citizen.post("/track", data={"number": number, "phone": PHONE,
                                          "csrf_token": csrf_token(citizen)})
    assert proved.status_code == 302
    page = citizen.get(f"/track/{number}").get_data(as_text=True)
    assert "阶段性答复：已派员勘查" in page
    assert "业主委员会" not in page and "中心提醒单位" not in page and "内部备注" not in page
    record = client.get(f"/open311/v2/requests/{number}.json").get_json()[0]
    assert record["status_notes"] == "阶段性答复：已派员勘查"  # the latest public word
    db.session.expire_all()


def test_note_on_a_closed_ticket_is_409(app: Flask, reference: None, client: FlaskClient) -> None:
    number = signed(client)
    act(client, "zjj", number, "reply", {"answer": "已修复"})
    act(client, "agent", number, "close")
    assert get(client, "agent", f"/api/v1/tickets/{number}").get_json()["status"] == Status.CLOSED
    error(act(client, "agent", number, "note", {"text": "晚了"}), 409)


def test_first_contact_over_the_api(app: Flask, reference: None, client: FlaskClient) -> None:
    number = signed(client)
    ticket = db.session.scalars(select(Ticket).where(Ticket.number == number)).one()
    clock = next(c for c in ticket.clocks if c.kind == "contact")
    assert clock.due_at is not None and clock.stopped_at is None  # armed at sign-for
    assert "method" in error(act(client, "zjj", number, "contact", {"method": "fax"}), 422)
    assert act(client, "cgj", number, "contact", {"method": "phone"}).status_code == 404
    error(act(client, "agent", number, "contact", {"method": "phone"}), 403)  # the unit's work
    assert act(client, "zjj", number, "contact",
               {"method": "phone", "note": "约定周三上门"}).status_code == 200
    db.session.expire_all()
    event = db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                         TicketEvent.kind == "contacted")).one()
    assert event.data["first"] is True and event.public is False
    assert next(c for c in ticket.clocks if c.kind == "contact").stopped_at is not None


def test_suspension_over_the_api_and_its_scheduled_end(app: Flask, reference: None,
                                                       client: FlaskClient) -> None:
    number = signed(client)
    ticket = db.session.scalars(select(Ticket).where(Ticket.number == number)).one()
    due = ticket.reply_due
    error(act(client, "zjj", number, "suspend", {"reason": "等待"}), 403)  # the lead asks
    assert "until" in error(act(client, "zjj-lead", number, "suspend",
                                {"reason": "等待", "until": "tomorrow"}), 422)
    until = (utcnow().astimezone(SH) + timedelta(days=3)).date()
    assert act(client, "zjj-lead", number, "suspend",
               {"reason": "等待市民补充产权证明", "until": until.isoformat()}).status_code == 200
    error(act(client, "zjj-lead", number, "decide-suspension", {"approve": True}), 403)
    assert act(client, "supervisor", number, "decide-suspension",
               {"approve": True, "note": "同意"}).status_code == 200
    assert "suspended" in error(act(client, "zjj", number, "reply", {"answer": "已处理"}), 409)
    db.session.expire_all()
    reply_clock = next(c for c in ticket.clocks if c.kind == "reply")
    assert reply_clock.stopped_at is not None and reply_clock.next_check_at is None  # paused
    # The `until` day begins: the deadline scan's job resumes the ticket by itself.
    resumed_at = datetime.combine(until, time(), SH) + timedelta(minutes=1)
    assert suspensions.resume_due(db.session, resumed_at) == 1
    unit_of_work.commit(db.session)
    assert suspensions.resume_due(db.session, resumed_at) == 0  # once
    db.session.expire_all()
    assert ticket.suspensions[0].status == "ended" and ticket.reply_due > due
    assert reply_clock.stopped_at is None and reply_clock.due_at == ticket.reply_due
    assert ticket.events[-1].kind == "resumed" and ticket.events[-1].data["scheduled"] is True
    assert act(client, "zjj", number, "reply", {"answer": "已处理"}).status_code == 200


def test_a_supervisor_resumes_and_the_figures_show_the_span(app: Flask, reference: None,
                                                            client: FlaskClient) -> None:
    number = signed(client)
    act(client, "zjj-lead", number, "suspend", {"reason": "等待司法鉴定"})
    act(client, "supervisor", number, "decide-suspension", {"approve": True})
    error(act(client, "agent", number, "resume"), 403)
    assert act(client, "supervisor", number, "resume", {"note": "鉴定已出"}).status_code == 200
    error(act(client, "supervisor", number, "resume"), 409)  # no longer suspended
    figures.refresh(db.session)
    unit_of_work.commit(db.session)
    today = figures.today_in_shanghai(utcnow())
    total = figures.breakdowns(db.session, figures.Period(today, today)).total
    assert total.suspended == 1


def test_appeal_over_the_api(app: Flask, reference: None, client: FlaskClient) -> None:
    number = signed(client)
    act(client, "zjj", number, "reply", {"answer": "已处理"})
    assert "kind" in error(act(client, "zjj-lead", number, "appeal",
                                {"kind": "bored", "reason": "x"}), 422)
    error(act(client, "zjj", number, "appeal", {"kind": "duplicate", "reason": "重复"}), 403)
    assert act(client, "zjj-lead", number, "appeal",
               {"kind": "duplicate", "reason": "与上周工单重复"}).status_code == 200
    error(act(client, "zjj-lead", number, "appeal", {"kind": "concluded", "reason": "x"}), 409)
    error(act(client, "zjj-lead", number, "decide-appeal", {"approve": True}), 403)
    assert "note" in error(act(client, "supervisor", number, "decide-appeal",
                               {"approve": False}), 400)
    decided = act(client, "supervisor", number, "decide-appeal",
                  {"approve": True, "note": "核实重复"})
    assert decided.status_code == 200
    casework = decided.get_json()["casework"]
    assert casework["excluded_rates"] == ["on_time", "response", "satisfaction", "solution"]
    assert [(a["kind"], a["status"]) for a in casework["appeals"]] == [("duplicate", "approved")]
    db.session.expire_all()
    ticket = db.session.scalars(select(Ticket).where(Ticket.number == number)).one()
    assert [(a.kind, a.status) for a in ticket.appeals] == [("duplicate", "approved")]
    kinds = [e.kind for e in ticket.events]
    assert kinds[-2:] == ["appealed", "appeal_approved"]
    figures.refresh(db.session)
    unit_of_work.commit(db.session)
    today = figures.today_in_shanghai(utcnow())
    total = figures.breakdowns(db.session, figures.Period(today, today)).total
    assert (total.appealed, total.dispatched, total.answered) == (1, 0, 0)


def test_the_scan_escalates_a_first_contact_not_made_and_skips_a_suspended_ticket(
        app: Flask, reference: None) -> None:
    planner = snapshot.current(db.session).planner
    users = {u.username: lifecycle.Actor.of(u) for u in db.session.scalars(select(User))}
    zjj = db.session.scalars(select(Department).where(Department.code == "zjj")).one()
    tickets = []
    for _ in range(2):  # Wed 2026-09-30: dispatched 11:00, signed 11:30, contact due 14:30
        t = new_ticket(received_at=datetime(2026, 9, 30, 10, 0, tzinfo=SH))
        lifecycle.dispatch(t, users["agent"], zjj, reason={"by": "test"}, planner=planner,
                           at=datetime(2026, 9, 30, 11, 0, tzinfo=SH))
        lifecycle.sign(t, users["zjj"], planner=planner, at=datetime(2026, 9, 30, 11, 30, tzinfo=SH))
        tickets.append(t)
    waiting, paused = tickets
    lifecycle.request_suspension(paused, users["zjj-lead"], reason="等待",
                                 at=datetime(2026, 9, 30, 12, 0, tzinfo=SH))
    lifecycle.decide_suspension(paused, users["supervisor"], approve=True,
                                at=datetime(2026, 9, 30, 12, 0, tzinfo=SH))
    unit_of_work.commit(db.session)
    scan(db.session, datetime(2026, 9, 30, 15, 0, tzinfo=SH), commit=unit_of_work.commit)
    rows = db.session.execute(select(TicketEvent.ticket_id, TicketEvent.kind, TicketEvent.data)
                              .where(TicketEvent.kind.like("deadline_%"))).all()
    assert {(tid, kind, data["deadline"]) for tid, kind, data in rows} == {
        (waiting.id, "deadline_warning", "contact"), (waiting.id, "deadline_overdue", "contact")}
    notice = db.session.scalars(select(Notification).where(
        Notification.ticket_id == waiting.id, Notification.kind == "deadline_overdue")).first()
    assert notice is not None and "先行联系时限" in notice.body
