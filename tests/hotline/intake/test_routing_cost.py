"""What the routing step costs a worker per ticket (bench/deadlines: ≥ 1,000 tickets/s per
worker): no SQL once the catalogue snapshot and the chosen units are loaded, and no
scikit-learn transform for a text the risk model scores far under its threshold (that
transform, a millisecond a ticket, had taken the bench under its target)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import event

from hotline.app.extensions import db
from hotline.catalogue import snapshot
from hotline.domain import lifecycle
from hotline.intake import triage
from hotline.models import Channel, Line, RequestType, Status, Ticket

TEXTS = ["小区门口路灯坏了一个多月没人修", "楼上装修每天早上七点就开始电钻，严重扰民",
         "公司拖欠三个月工资，老板联系不上", "A1区东湖街道幸福小区停水两天了",
         "餐馆油烟直排，整栋楼都是油烟味", "孩子入学学位分配不合理，想咨询政策"]
ADDRESSES = [None, "A2区西山街道", "A5区", "A1区解放路街道工人新村3栋"]


class _Cost:
    def __init__(self) -> None:
        self.statements: list[str] = []
        self.transforms: list[str] = []


@pytest.fixture
def cost(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Cost]:
    spent = _Cost()
    model = triage.intake_risk_model()
    exact = model.vectorizer.transform

    def transform(texts: list[str]) -> object:
        spent.transforms.extend(texts)
        return exact(texts)

    def statement(_conn: object, _cursor: object, sql: str, *_: object) -> None:
        spent.statements.append(sql)

    monkeypatch.setattr(model.vectorizer, "transform", transform)
    monkeypatch.setattr(snapshot, "CHECK_SECONDS", 3600.0)  # no stamp check inside the loop
    event.listen(db.engine, "before_cursor_execute", statement)
    yield spent
    event.remove(db.engine, "before_cursor_execute", statement)


def _tickets(count: int) -> list[Ticket]:
    roots = sorted(snapshot.current(db.session).root_topics.values())
    made = []
    for i in range(count):
        t = Ticket(number=f"C{i:010d}", line=Line.L12345, channel=Channel.WEB,
                   request_type=RequestType.COMPLAINT, content=TEXTS[i % len(TEXTS)],
                   status=Status.PENDING_DISPATCH, created_at=datetime(2026, 10, 16, 2, tzinfo=UTC),
                   confidential=False, address=ADDRESSES[i % len(ADDRESSES)])
        t.topic_id = roots[i % len(roots)]
        lifecycle.open_ticket(t, lifecycle.SYSTEM)
        made.append(t)
    return made


def test_routing_a_ticket_sends_no_statement_and_runs_no_sparse_transform(
        app: Flask, reference: None, cost: _Cost) -> None:
    warm = _tickets(48)
    for t in warm:  # loads the snapshot and the units these tickets go to
        triage.route(db.session, t, confident=True, snapshot=snapshot.current(db.session))
    cost.statements.clear()
    cost.transforms.clear()
    for t in _tickets(48):
        decision = triage.route(db.session, t, confident=True,
                                snapshot=snapshot.current(db.session))
        assert not decision.manual and t.status == Status.DISPATCHED
    assert cost.statements == []
    assert cost.transforms == []
    db.session.rollback()


def test_a_risky_text_no_rule_marks_is_still_scored_exactly(
        app: Flask, reference: None, cost: _Cost) -> None:
    ticket = _tickets(1)[0]
    ticket.content = "我把家里的药都攒起来了，打算今晚一次全吃了"
    triage.route(db.session, ticket, confident=True)
    assert len(cost.transforms) == 1  # the exact score (its nearest risky note reuses it)
    suggested = [e for e in ticket.events if e.kind == "risk_suggested"]
    assert suggested and suggested[0].data["reason"]["by"] == "risk_model"
    db.session.rollback()
