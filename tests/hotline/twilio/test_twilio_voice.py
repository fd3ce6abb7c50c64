"""Twilio voice messages end to end: greeting, recording callback, transcription callback.

Callbacks carry real SDK signatures; the worker is a real RQ worker (`drain`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.app.extensions import db
from hotline.models import Channel, Intake, Line, Message, Status, Ticket
from tests.conftest import ChangeSettings, drain
from tests.hotline.twilio.test_twilio_sms import (
    BASE,
    PHONE,
    configure_twilio,
    count,
    new_sid,
    signed_post,
)

CALL_PARAMS = {"AccountSid": "AC" + "0" * 32, "From": PHONE, "Direction": "inbound",
               "CallStatus": "in-progress", "ApiVersion": "2010-04-01"}
TEXT = "我家楼下的下水道堵了三天，污水流到路上了"


@pytest.fixture(autouse=True)
def _twilio(settings: ChangeSettings) -> None:
    configure_twilio(settings)


def call(client: FlaskClient, to: str = "+8657112345") -> ET.Element:
    response = signed_post(client, "/twilio/voice",
                           {**CALL_PARAMS, "CallSid": new_sid("CA"), "To": to})
    assert response.status_code == 200 and response.mimetype == "text/xml"
    return ET.fromstring(response.get_data())


def recording(client: FlaskClient, call_sid: str, *, caller: str = PHONE,
              duration: str = "14", url: str | None = None, to: str = "+8657112345") -> str:
    """The <Record> action callback; returns what the caller hears."""
    recording_sid = "RE" + call_sid[2:]
    response = signed_post(client, "/twilio/voice/recording", {
        **CALL_PARAMS, "CallSid": call_sid, "From": caller, "To": to,
        "RecordingSid": recording_sid, "RecordingDuration": duration, "Digits": "#",
        "RecordingUrl": url or f"https://api.twilio.com/2010-04-01/Recordings/{recording_sid}",
    })
    assert response.status_code == 200, response.get_data(as_text=True)
    doc = ET.fromstring(response.get_data())
    assert [child.tag for child in doc] == ["Say", "Hangup"]
    assert doc[0].get("language") == "zh-CN"
    return doc[0].text or ""


def transcription(client: FlaskClient, call_sid: str, *, sid: str | None = None,
                  text: str = TEXT, status: str = "completed") -> None:
    recording_sid = "RE" + call_sid[2:]
    response = signed_post(client, "/twilio/voice/transcription", {
        **CALL_PARAMS, "CallSid": call_sid, "To": "+8657112345",
        "TranscriptionSid": sid or new_sid("TR"), "TranscriptionStatus": status,
        "TranscriptionText": text, "RecordingSid": recording_sid,
        "RecordingUrl": f"https://api.twilio.com/2010-04-01/Recordings/{recording_sid}",
        "TranscriptionUrl": "https://api.twilio.com/2010-04-01/Transcriptions/x",
    })
    assert response.status_code == 204, response.get_data(as_text=True)


def voice_ticket() -> Ticket:
    db.session.expire_all()
    return db.session.scalars(select(Ticket)).one()


def test_each_line_greets_in_mandarin_and_records(client: FlaskClient) -> None:
    greetings = {}
    for number, line in [("+8657112345", "12345"), ("+8657112315", "12315")]:
        say, record, *rest = call(client, number)
        assert say.tag == "Say" and say.get("language") == "zh-CN"
        assert line in (say.text or "")
        greetings[line] = say.text
        assert record.tag == "Record"
        assert record.get("action") == BASE + "/twilio/voice/recording"
        assert record.get("transcribeCallback") == BASE + "/twilio/voice/transcription"
        assert (record.get("transcribe"), record.get("finishOnKey"), record.get("maxLength")) == (
            "true", "#", "120")
        assert [e.tag for e in rest] == ["Say", "Hangup"]  # only if nothing was recorded
    assert greetings["12345"] != greetings["12315"]


def test_an_unconfigured_number_says_so_and_hangs_up(client: FlaskClient) -> None:
    assert [e.tag for e in call(client, "+8657100000")] == ["Say", "Hangup"]


def test_recording_opens_a_ticket_awaiting_transcription(app: Flask, client: FlaskClient) -> None:
    call_sid = new_sid("CA")
    said = recording(client, call_sid, to="+8657112319")
    intake = db.session.scalars(select(Intake)).one()
    spoken = intake.ticket_number.translate(str.maketrans("0123456789-", "零一二三四五六七八九，"))
    assert "已受理" in said and spoken in said
    assert recording(client, call_sid) == said  # Twilio retried the callback: same number
    drain(app)
    opened = voice_ticket()
    assert (opened.number, opened.channel, opened.line) == (intake.ticket_number, Channel.VOICE,
                                                            Line.L12319)
    assert (opened.status, opened.content, opened.phone) == (Status.AWAITING_TRANSCRIPTION, "",
                                                             PHONE)
    assert opened.recording_url == f"https://api.twilio.com/2010-04-01/Recordings/RE{call_sid[2:]}"
    assert (count(Intake), count(Ticket), count(Message)) == (1, 1, 1)


def test_transcript_moves_the_waiting_ticket_on_once(app: Flask, client: FlaskClient,
                                                    reference: None) -> None:
    call_sid, sid, text = new_sid("CA"), new_sid("TR"), "小区门口水管爆裂了，水流到马路上"
    recording(client, call_sid)
    drain(app)
    transcription(client, call_sid, sid=sid, text=text)
    transcription(client, call_sid, sid=sid, text=text)  # delivered twice
    waiting = voice_ticket()
    assert (waiting.content, waiting.status) == (text, Status.PENDING_DISPATCH)
    assert [(e.kind, e.actor) for e in waiting.events] == [("intake", "system"),
                                                          ("transcribed", "system")]
    drain(app)  # the route_ticket job: the catalogue's keyword rule for burst pipes
    routed = voice_ticket()
    assert (routed.status, routed.department.code) == (Status.DISPATCHED, "gsjt")
    assert routed.events[-1].data["reason"]["by"] == "keyword_rule"
    assert count(Message) == 2  # the voicemail and one transcript


def test_transcript_before_the_worker_fills_the_queued_intake(app: Flask,
                                                             client: FlaskClient) -> None:
    call_sid = new_sid("CA")
    recording(client, call_sid)
    transcription(client, call_sid)
    drain(app)
    opened = voice_ticket()
    assert (opened.content, opened.status) == (TEXT, Status.PENDING_DISPATCH)
    assert opened.events[0].to_status == Status.PENDING_DISPATCH  # never waited for a transcript
    assert "transcribed" not in [e.kind for e in opened.events]


def test_transcript_that_overtakes_the_recording_callback(app: Flask, client: FlaskClient) -> None:
    call_sid = new_sid("CA")
    transcription(client, call_sid)
    said = recording(client, call_sid)
    drain(app)
    opened = voice_ticket()
    assert opened.content == TEXT and opened.status == Status.PENDING_DISPATCH
    assert opened.number.translate(str.maketrans("0123456789-", "零一二三四五六七八九，")) in said


@pytest.mark.parametrize(("status", "text"), [("failed", ""), ("completed", "  ")])
def test_failed_transcription_leaves_the_ticket_to_an_agent(app: Flask, client: FlaskClient,
                                                           status: str, text: str) -> None:
    call_sid = new_sid("CA")
    recording(client, call_sid)
    drain(app)
    transcription(client, call_sid, status=status, text=text)
    drain(app)
    assert voice_ticket().status == Status.AWAITING_TRANSCRIPTION
    transcript = db.session.scalars(select(Message).where(Message.kind == "transcript")).one()
    assert transcript.status == "failed"


def test_withheld_caller_id_still_keeps_the_message(app: Flask, client: FlaskClient) -> None:
    recording(client, new_sid("CA"), caller="anonymous")
    drain(app)
    assert voice_ticket().phone is None


def test_empty_recording_stores_nothing(client: FlaskClient) -> None:
    assert "没有录到" in recording(client, new_sid("CA"), duration="0")
    assert count(Intake) == 0


@pytest.mark.parametrize("path", ["/twilio/voice", "/twilio/voice/recording",
                                  "/twilio/voice/transcription"])
def test_voice_callbacks_refuse_forged_signatures(client: FlaskClient, path: str) -> None:
    params = {**CALL_PARAMS, "CallSid": new_sid("CA"), "To": "+8657112345",
              "RecordingSid": new_sid("RE"), "RecordingUrl": "https://api.twilio.com/r",
              "TranscriptionSid": new_sid("TR"), "TranscriptionStatus": "completed"}
    response = signed_post(client, path, params, token="forged")
    assert response.status_code == 403 and response.mimetype == "text/plain"
    assert (count(Intake), count(Message)) == (0, 0)


def test_a_recording_url_that_is_not_http_is_refused(client: FlaskClient) -> None:
    response = signed_post(client, "/twilio/voice/recording", {
        **CALL_PARAMS, "CallSid": new_sid("CA"), "To": "+8657112345",
        "RecordingSid": new_sid("RE"), "RecordingUrl": "javascript:alert(1)"})
    assert response.status_code == 400 and response.mimetype == "text/plain"
    assert count(Intake) == 0
