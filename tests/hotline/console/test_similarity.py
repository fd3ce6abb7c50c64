"""Which open tickets look like the call being typed (pure scoring, and the indexed lookup)."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from hotline.app.extensions import db
from hotline.intake.repeats import MIN_TEXT, cosine, similar_open
from hotline.models import Ticket, utcnow
from tests.hotline.tickets.helpers import new_ticket


def test_cosine_is_one_for_the_same_text_and_zero_for_unrelated_text() -> None:
    assert cosine("小区电梯经常停运", "小区电梯经常停运") == 1.0
    assert cosine("小区电梯经常停运", "网约车绕路多收费") == 0.0
    assert cosine("", "小区电梯") == 0.0


def test_a_short_text_typed_so_far_still_matches_the_longer_ticket() -> None:
    typed = "电梯经常停运"
    ticket = "来电反映东湖小区3号楼电梯经常停运，物业一直不处理，老人上下楼很困难"
    assert cosine(typed, ticket) >= MIN_TEXT
    assert cosine("电梯经常停运", "路灯坏了很久没人修") < MIN_TEXT


def test_open_tickets_from_the_same_caller_place_or_text_are_found_best_first(
        app: Flask, reference: None) -> None:
    lift = new_ticket("东湖小区3号楼电梯经常停运，物业不处理")
    other = new_ticket("网约车司机绕路多收费，平台不处理投诉")
    found = similar_open(db.session, "小区电梯经常停运，物业不管", phone=lift.phone)
    assert [m.number for m in found][:1] == [lift.number]
    assert found[0].same_caller and found[0].text >= MIN_TEXT
    assert other.number not in [m.number for m in found if not m.same_caller]


def test_tickets_older_than_the_window_are_left_out(app: Flask, reference: None) -> None:
    old = new_ticket("东湖小区电梯经常停运", received_at=utcnow() - timedelta(days=45))
    found = similar_open(db.session, "东湖小区电梯经常停运")
    assert old.number not in [m.number for m in found]
    recent = new_ticket("东湖小区电梯经常停运")
    ticket = db.session.get(Ticket, recent.id)
    assert [m.number for m in similar_open(db.session, "东湖小区电梯经常停运")] == [ticket.number]
