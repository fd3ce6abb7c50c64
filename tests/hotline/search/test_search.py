"""Search on the real database (SQLite FTS5 by default, PostgreSQL GIN with DATABASE_URL):
Chinese words, phone tails, numbers, filters, paging, scoping and the privacy of numbers."""

from __future__ import annotations

import importlib.util
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.domain import lifecycle
from hotline.domain.errors import InvalidInput
from hotline.domain.lifecycle import Actor
from hotline.intake.accept import Request, accept
from hotline.intake.process import process_intake
from hotline.models import Channel, Department, Place, Ticket, Topic, User, utcnow
from hotline.search import params
from hotline.search.service import search

MIGRATION = Path(__file__).resolve().parents[3] / "migrations/versions/0010_search_index.py"


def make(content: str, *, phone: str = "13812348000", name: str | None = None,
         address: str | None = None, channel: Channel = Channel.WEB, line: str = "12345",
         confidential: bool = False, request_type: str = "complaint") -> Ticket:
    """A ticket through the real intake pipeline (accept, then the worker's processing)."""
    intake, _ = accept(db.session, Request(
        channel=channel, line=line, content=content, phone=phone, name=name, address=address,
        confidential=confidential, request_type=request_type))
    number = process_intake(db.session, intake.id)
    unit_of_work.commit(db.session)
    return db.session.scalars(select(Ticket).where(Ticket.number == number)).one()


def user(name: str) -> User:
    return db.session.scalars(select(User).where(User.username == name)).one()


def numbers(username: str, **raw: Any) -> list[str]:
    found = search(db.session, user(username), params.load(raw))
    return sorted(t.number for t in found.items)


def give(ticket: Ticket, code: str) -> None:
    unit = db.session.scalars(select(Department).where(Department.code == code)).one()
    lifecycle.dispatch(ticket, Actor.of(user("admin")), unit, reason={"by": "test"})
    unit_of_work.commit(db.session)


@pytest.fixture
def three(reference: None) -> tuple[Ticket, Ticket, Ticket]:
    noise = make("楼道里每天晚上有人装修，噪音扰民严重", address="A1区东湖路126号东湖花园",
                 name="张三")
    light = make("小区门口路灯坏了很久没人修", phone="13900001111", address="A2区枫林二路")
    water = make("自来水管漏水，水压很低", phone="057187654321", line="12319", channel=Channel.PHONE)
    return noise, light, water


def test_chinese_words_match_as_phrases(app: Flask, three: tuple[Ticket, ...]) -> None:
    noise, light, water = three
    assert numbers("agent", q="噪音") == [noise.number]
    assert numbers("agent", q="噪音扰民") == [noise.number]
    assert numbers("agent", q="噪音 装修") == [noise.number]  # every term must match
    assert numbers("agent", q="扰民噪音") == []  # the words, not just the characters
    assert numbers("agent", q="东湖花园") == [noise.number]  # the address
    assert numbers("agent", q="路灯") == [light.number]
    assert numbers("agent", q="漏") == [water.number]  # one character: a prefix
    assert numbers("agent", q="张三") == [noise.number]  # the citizen's name
    assert numbers("agent", q="地铁") == []


def test_phone_tail_full_number_and_ticket_number(app: Flask, three: tuple[Ticket, ...]) -> None:
    noise, light, water = three
    assert numbers("agent", q="8000") == [noise.number]
    assert numbers("agent", q="1111") == [light.number]
    assert numbers("agent", q="139 0000 1111") == [light.number]
    assert numbers("agent", q="0571-87654321") == [water.number]
    assert numbers("agent", q=water.number.replace("-", "")) == [water.number]
    assert numbers("agent", q=f"{noise.number} 路灯") == []


def test_unit_staff_search_only_their_tickets_and_never_by_a_whole_number(
        app: Flask, three: tuple[Ticket, ...]) -> None:
    noise, light, _water = three
    give(noise, "zjj")
    give(light, "cgj")
    assert numbers("zjj", q="") == [noise.number]
    assert numbers("zjj", q="路灯") == []  # another unit's ticket
    assert numbers("zjj", q="8000") == [noise.number]
    with pytest.raises(InvalidInput):  # a match would confirm the digits the mask hides
        numbers("zjj", q="13812348000")


def test_hidden_citizens_are_not_found_by_name_or_phone_tail(app: Flask, reference: None) -> None:
    secret = make("举报某餐馆后厨卫生很差", name="李四", phone="13700007777", request_type="report")
    private = make("小区垃圾无人清运", name="王五", phone="13600006666", confidential=True)
    for ticket in (secret, private):
        give(ticket, "zjj")
    for q in ("李四", "7777", "王五", "6666"):
        assert numbers("zjj", q=q) == [], q  # 保密 / 举报: who filed it stays hidden from the unit
        assert len(numbers("agent", q=q)) == 1, q
    assert numbers("zjj", q="垃圾") == [private.number]  # the words of the request still match


def test_filters_and_paging_totals(app: Flask, three: tuple[Ticket, ...]) -> None:
    noise, light, water = three
    assert numbers("agent", line="12319") == [water.number]
    assert numbers("agent", channel="phone") == [water.number]
    assert numbers("agent", status=noise.status.value, q="噪音") == [noise.number]
    give(noise, "zjj")
    assert numbers("agent", department="zjj") == [noise.number]
    street = db.session.scalars(select(Place).where(Place.code == "a1-s1")).one()  # 东湖街道
    assert street.name == "东湖街道"
    assert numbers("agent", street="a1-s1") == [noise.number]
    today = (utcnow() + timedelta(hours=8)).date()
    assert len(numbers("agent", created_from=today.isoformat(), created_to=today.isoformat())) == 3
    assert numbers("agent", created_to=(today - timedelta(days=1)).isoformat()) == []
    light.reply_due = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert numbers("agent", overdue="1") == [light.number]
    many = [make(f"第{i}号路段井盖缺失") for i in range(3)]
    page = search(db.session, user("agent"), params.load({"q": "井盖", "per_page": "2", "page": "2"}))
    assert (page.total, page.pages, len(page.items)) == (3, 2, 1)
    assert page.items[0].number == many[0].number  # newest first: the oldest is last


def test_unknown_codes_and_bad_values_are_the_readers_mistake(app: Flask, reference: None) -> None:
    for raw in ({"topic": "nope"}, {"department": "nope"}, {"street": "nope"},
                {"district": "a1-s1"}, {"status": "lost"}, {"page": "0"},
                {"created_from": "2026-02-02", "created_to": "2026-02-01"}):
        with pytest.raises(InvalidInput):
            search(db.session, user("agent"), params.load(raw))


def test_topic_filter_takes_the_subtopics(app: Flask, three: tuple[Ticket, ...]) -> None:
    noise = three[0]
    child = db.session.scalars(select(Topic).where(Topic.parent_id.is_not(None))).first()
    assert child is not None and child.parent is not None
    lifecycle.set_topic(noise, Actor.of(user("agent")), child)
    unit_of_work.commit(db.session)
    assert numbers("agent", topic=child.parent.code) == [noise.number]


def test_index_follows_changes_in_the_same_transaction(app: Flask, three: tuple[Ticket, ...]) -> None:
    noise = three[0]
    lifecycle.add_citizen_message(noise, "补充：楼上还有狗叫", "sms")
    unit_of_work.commit(db.session)
    assert numbers("agent", q="狗叫") == [noise.number]
    noise.address = "A3区北辰路"
    db.session.flush()  # seen by the same transaction before any commit
    assert numbers("agent", q="北辰路") == [noise.number]
    db.session.rollback()
    assert numbers("agent", q="北辰路") == []


def test_migration_fills_the_index_of_existing_tickets(app: Flask, three: tuple[Ticket, ...]) -> None:
    spec = importlib.util.spec_from_file_location("search_index_migration", MIGRATION)
    assert spec and spec.loader
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with db.engine.begin() as conn:  # as before the migration: tickets without tokens
        conn.execute(update(Ticket).values(search_body="", search_person=""))
    assert numbers("agent", q="噪音") == []
    with db.engine.begin() as conn:
        migration._backfill(conn)
    assert numbers("agent", q="噪音") == [three[0].number]
    assert numbers("agent", q="1111") == [three[1].number]


def test_totals_beyond_the_count_limit_say_so(app: Flask, reference: None,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline.search import service

    made = [make(f"第{i}号楼下水道堵塞") for i in range(4)]
    monkeypatch.setattr(service, "COUNT_LIMIT", 3)
    page = search(db.session, user("agent"), params.load({"q": "下水道", "per_page": "2"}))
    assert (page.total, page.capped) == (3, True)
    assert [t.number for t in page.items] == [made[3].number, made[2].number]  # still newest
    monkeypatch.setattr(service, "COUNT_LIMIT", 4)
    page = search(db.session, user("agent"), params.load({"q": "下水道", "per_page": "3", "page": "2"}))
    assert (page.total, page.capped, [t.number for t in page.items]) == (4, False, [made[0].number])
