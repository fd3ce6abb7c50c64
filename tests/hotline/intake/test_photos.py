"""The web form's photos reach the ticket however it is opened: by the worker, or by an agent
when the intake failed (the rows are made from the intake's payload; the files are on disk)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.domain.lifecycle import SYSTEM
from hotline.intake.accept import Request, accept
from hotline.intake.process import open_by_hand, process_intake
from hotline.models import Attachment, Channel, Intake

PHOTO = {"key": "a" * 32, "name": "photo-1.jpg", "type": "image/jpeg", "size": 1234, "sha256": "b" * 64}


def _intake() -> Intake:
    accepted, _ = accept(db.session, Request(
        channel=Channel.WEB, line="12345", content="路灯坏了，见照片", phone="13812348000",
        extra={"photos": [PHOTO], "lat": 30.25, "long": 120.16}))
    return db.session.get_one(Intake, accepted.id)


def _rows() -> list[tuple[int, str, str, str]]:
    return [(a.ticket_id, a.storage_key, a.filename, a.content_type)
            for a in db.session.scalars(select(Attachment))]


def test_the_worker_attaches_the_photos(app: Flask) -> None:
    intake = _intake()
    assert process_intake(db.session, intake.id) == intake.ticket_number
    unit_of_work.commit(db.session)
    [row] = db.session.scalars(select(Attachment)).all()
    assert (row.storage_key, row.filename, row.department_id, row.uploaded_by_id) == \
        (PHOTO["key"], "photo-1.jpg", None, None)
    events = [e for e in row.ticket.events if e.kind == "attached"]
    assert [(e.actor, e.note) for e in events] == [("citizen", "photo-1.jpg")]
    assert (row.ticket.latitude, row.ticket.longitude) == (30.25, 120.16)


def test_a_ticket_made_by_hand_keeps_the_photos(app: Flask) -> None:
    ticket = open_by_hand(db.session, _intake(), SYSTEM)
    unit_of_work.commit(db.session)
    assert _rows() == [(ticket.id, PHOTO["key"], "photo-1.jpg", "image/jpeg")]
