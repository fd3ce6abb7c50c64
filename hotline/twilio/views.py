"""Twilio SMS and voice webhooks: the hotline numbers' text and voice-message channels.

    POST /twilio/sms                    inbound SMS -> intake (or supplement), TwiML reply
    POST /twilio/voice                  incoming call -> line greeting and <Record>
    POST /twilio/voice/recording        <Record> action -> intake, ticket number read out
    POST /twilio/voice/transcription    transcribeCallback -> transcript onto intake or ticket

Every view is behind `webhook`: signature (403), then content type and form shape (400). Content
a citizen got wrong (empty or overlong SMS, unusable sender) is answered 200 with a Chinese TwiML
message, because Twilio delivers a reply only from a 2xx answer; a 4xx would leave the citizen
with silence. Nothing is stored for refused content.
"""

from __future__ import annotations

from flask import Blueprint, Response, request
from twilio.twiml.messaging_response import MessagingResponse

from hotline.app import settings, unit_of_work
from hotline.app.extensions import db
from hotline.citizen.followup import answer_by_sms
from hotline.domain.errors import InvalidInput
from hotline.twilio import sms as twilio_sms
from hotline.twilio import voice as twilio_voice
from hotline.twilio.webhook import Fields, Rejected, dialled_line, log, public_url, twiml, webhook

bp = Blueprint("twilio", __name__, url_prefix="/twilio")

SMS_PATH = "/twilio/sms"
VOICE_PATH = "/twilio/voice"
RECORDING_PATH = "/twilio/voice/recording"
TRANSCRIPTION_PATH = "/twilio/voice/transcription"


def _sms_reply(text: str) -> Response:
    doc = MessagingResponse()
    doc.message(text)
    return twiml(doc)


def sorry() -> Response:
    """The answer while the database is unreachable (hotline.app.errors). A caller hears, and an
    SMS sender reads, that the line cannot take the request now: Twilio does not retry a
    webhook, and for any answer but a 2xx it plays its own English error message to the caller
    and tells the sender nothing, so a 503 would leave the citizen with silence. Callbacks
    nobody hears (transcription, delivery status) get the 503 for the log."""
    if request.path in (VOICE_PATH, RECORDING_PATH):
        return twiml(twilio_voice.unavailable())
    if request.path == SMS_PATH:
        return _sms_reply(twilio_sms.REPLY_UNAVAILABLE)
    return Response(status=503)


@bp.post("/sms")
@webhook("MessageSid", "From", "To", optional=("Body",))
def sms(form: Fields) -> Response:
    line = dialled_line(form["To"], settings.current().twilio.line_numbers)
    if line is None:
        return _sms_reply(twilio_sms.REPLY_UNKNOWN_NUMBER)
    body = form.get("Body", "")
    earlier = twilio_sms.replay(db.session, form["MessageSid"])
    if earlier is not None:
        return _sms_reply(earlier.reply)
    if answer_by_sms(db.session, sid=form["MessageSid"], sender=form["From"], body=body,
                     region=settings.current().default_region):
        unit_of_work.commit(db.session)
        return twiml(MessagingResponse())  # a follow-up answer; its reply goes via the outbox
    try:
        receipt = twilio_sms.receive(
            db.session, sid=form["MessageSid"], sender=form["From"], dialled=form["To"],
            line=line, body=body, region=settings.current().default_region,
        )
    except InvalidInput as exc:
        db.session.rollback()
        log.info("sms %s refused (%s): %s", form["MessageSid"], exc.field, exc.message)
        return _sms_reply(twilio_sms.refusal(exc, line, body))
    return _sms_reply(receipt.reply)


@bp.post("/voice")
@webhook("CallSid", "To")
def voice(form: Fields) -> Response:
    line = dialled_line(form["To"], settings.current().twilio.line_numbers)
    if line is None:
        return twiml(twilio_voice.unknown_number())
    return twiml(twilio_voice.answer(line, action=public_url(RECORDING_PATH),
                                     transcribe_callback=public_url(TRANSCRIPTION_PATH),
                                     dialled=form["To"]))


@bp.post("/voice/recording")
@webhook("CallSid", "RecordingSid", "RecordingUrl", "To", optional=("From", "RecordingDuration"))
def voice_recording(form: Fields) -> Response:
    if not twilio_voice.valid_recording_url(form["RecordingUrl"]):
        raise Rejected(400, "Bad request: RecordingUrl is not an http(s) URL")
    line = dialled_line(form["To"], settings.current().twilio.line_numbers)
    if line is None:
        return twiml(twilio_voice.unknown_number())
    if form.get("RecordingDuration", "").strip() == "0":
        return twiml(twilio_voice.nothing_recorded())
    intake = twilio_voice.accept_recording(
        db.session, call_sid=form["CallSid"], recording_sid=form["RecordingSid"],
        recording_url=form["RecordingUrl"], caller=form.get("From", ""), dialled=form["To"],
        line=line, region=settings.current().default_region,
    )
    return twiml(twilio_voice.thanks(intake.ticket_number))


@bp.post("/voice/transcription")
@webhook("CallSid", "TranscriptionSid", "TranscriptionStatus",
         optional=("TranscriptionText", "RecordingSid", "RecordingUrl", "From", "To"))
def voice_transcription(form: Fields) -> Response:
    """Twilio ignores the answer to this callback: 204 once the transcript is stored."""
    configured = settings.current()
    outcome = twilio_voice.apply_transcript(db.session, twilio_voice.Transcript(
        sid=form["TranscriptionSid"], call_sid=form["CallSid"],
        status=form["TranscriptionStatus"].strip().lower(),
        text=form.get("TranscriptionText", "").replace("\x00", ""),
        recording_sid=form.get("RecordingSid", ""), recording_url=form.get("RecordingUrl", ""),
        caller=form.get("From", ""), dialled=form.get("To", ""),
    ), configured.default_region, configured.twilio.line_numbers)
    log.info("transcript %s for call %s: %s", form["TranscriptionSid"], form["CallSid"], outcome)
    return Response(status=204)
