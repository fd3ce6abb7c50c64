"""The intake job's statements: the active model and the acknowledgement's wording are read
once per batch (hotline.app.batch), not once per intake, and an administrator's change reaches
the next batch."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import event, select

from hotline.app.batch import batch, remembered
from hotline.app.extensions import db
from hotline.intake.accept import Request, accept
from hotline.messaging import texts
from hotline.models import Channel, MessageTemplate, OutboundMessage
from workers.jobs import process_intakes


@pytest.fixture
def statements() -> Iterator[list[str]]:
    sent: list[str] = []

    def count(_conn: object, _cursor: object, sql: str, *_: object) -> None:
        sent.append(sql)

    event.listen(db.engine, "before_cursor_execute", count)
    yield sent
    event.remove(db.engine, "before_cursor_execute", count)


def _accepted(count: int, start: int = 0) -> list[int]:
    ids = [accept(db.session, Request(channel=Channel.WEB, line="12345", content=f"路灯不亮第{i}盏",
                                      phone=f"1381234{i:04d}"))[0].id
           for i in range(start, start + count)]
    db.session.commit()
    return ids


def _reads(sent: list[str], table: str) -> int:
    return sum(1 for sql in sent if sql.lstrip().startswith("SELECT") and f"FROM {table}" in sql)


def test_a_batch_reads_the_model_and_the_wording_once(app: Flask, statements: list[str]) -> None:
    ids = _accepted(5)
    statements.clear()
    assert len(process_intakes(ids)) == 5
    assert _reads(statements, "model_versions") == 1
    assert _reads(statements, "message_templates") == 1
    bodies = db.session.scalars(select(OutboundMessage.body).where(OutboundMessage.kind == texts.ACK))
    assert len(set(bodies.all())) == 5  # each acknowledgement names its own ticket


def test_the_wording_an_administrator_saves_reaches_the_next_batch(
        app: Flask, statements: list[str]) -> None:
    process_intakes(_accepted(2))
    db.session.add(MessageTemplate(line="12345", kind=texts.ACK, body="新措辞：{number}已受理"))
    db.session.commit()
    ids = _accepted(2, start=10)
    process_intakes(ids)
    bodies = db.session.scalars(select(OutboundMessage.body).where(
        OutboundMessage.intake_id.in_(ids))).all()
    assert len(bodies) == 2 and all(b.startswith("新措辞：") for b in bodies)


def test_outside_a_batch_every_call_reads(app: Flask) -> None:
    reads: list[int] = []

    def read() -> int:
        reads.append(1)
        return len(reads)

    assert [remembered(db.session, "k", read) for _ in range(2)] == [1, 2]
    with batch(db.session):
        assert [remembered(db.session, "k", read) for _ in range(2)] == [3, 3]
        with batch(db.session):  # nested: still the outer batch's
            assert remembered(db.session, "k", read) == 3
    assert remembered(db.session, "k", read) == 4
