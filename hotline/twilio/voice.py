"""Voice messages left on a hotline number: greeting, recording, then the transcript.

The recording callback opens the intake at once, so the caller hears a ticket number before
hanging up. Twilio transcribes later (or fails to; it also only transcribes 2-120 s recordings),
so the ticket starts as `awaiting_transcription` and the transcript, when it comes, either fills
the intake that is still queued or moves the ticket on to classification and dispatch. Without a
usable transcript the ticket simply waits for an agent to type what the caller said.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlparse

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from twilio.twiml.voice_response import VoiceResponse

from hotline.app.queue import DEFAULT_QUEUE, ROUTE_TICKET, try_enqueue
from hotline.domain import lifecycle
from hotline.domain.content import clean_content
from hotline.domain.errors import InvalidInput
from hotline.domain.phones import normalise_phone
from hotline.intake.accept import Accepted, Request
from hotline.intake.handover import hand_over, submit
from hotline.models import Channel, Intake, IntakeStatus, Line, Message, Status, Ticket
from hotline.twilio.webhook import dialled_line, line_number, remember

log = logging.getLogger("hotline.twilio.views")

LANGUAGE = "zh-CN"
MAX_RECORDING_SECONDS = 120  # Twilio does not transcribe longer recordings (warning 13617)
SILENCE_SECONDS = 10
MAX_URL = 300  # Ticket.recording_url

SAY_UNKNOWN_NUMBER = "您拨打的号码暂未开通留言服务，请拨打12345热线。再见。"
SAY_NOTHING_RECORDED = "没有录到您的留言，请稍后再拨。再见。"
SAY_UNAVAILABLE = "抱歉，系统暂时无法受理，您的留言未能保存。请稍后再拨打12345热线。再见。"
SAY_THANKS = "感谢您的来电，您的留言已受理。工单号是：{spoken}。重复一遍：{spoken}。再见。"
_SPOKEN = str.maketrans("0123456789-", "零一二三四五六七八九，")


@dataclass(frozen=True)
class Transcript:
    """What Twilio's transcribeCallback reports; From/To/Recording* may be absent."""

    sid: str
    call_sid: str
    status: str
    text: str = ""
    recording_sid: str = ""
    recording_url: str = ""
    caller: str = ""
    dialled: str = ""


@cache
def _greetings() -> dict[str, str]:
    """Line greetings from the seed data (city.json "lines"), read once per process."""
    from hotline.seed.load import read_json

    try:
        lines = read_json("city.json").get("lines") or {}
    except (OSError, ValueError, AttributeError) as exc:
        log.warning("no line greetings in city.json, using the generic one: %s", exc)
        return {}
    return {code: entry["greeting"] for code, entry in lines.items()
            if isinstance(entry, dict) and entry.get("greeting")}


def greeting(line: Line, dialled: str = "") -> str:
    """The dialled number's own greeting (admin page 热线号码), else the line's default."""
    row = line_number(dialled) if dialled else None
    return (row.greeting if row else "") or _greetings().get(line.value) or (
        f"您好，这里是{line.value}热线。请在提示音后留言，按井号键结束。"
    )


def spoken(number: str) -> str:
    """A ticket number as digits to read out: TTS would say 20261121 as a twenty-million figure."""
    return number.translate(_SPOKEN)


def _goodbye(text: str) -> VoiceResponse:
    doc = VoiceResponse()
    doc.say(text, language=LANGUAGE)
    doc.hangup()
    return doc


def unknown_number() -> VoiceResponse:
    return _goodbye(SAY_UNKNOWN_NUMBER)


def nothing_recorded() -> VoiceResponse:
    return _goodbye(SAY_NOTHING_RECORDED)


def unavailable() -> VoiceResponse:
    return _goodbye(SAY_UNAVAILABLE)


def thanks(number: str) -> VoiceResponse:
    return _goodbye(SAY_THANKS.format(spoken=spoken(number)))


def answer(line: Line, *, action: str, transcribe_callback: str, dialled: str = "") -> VoiceResponse:
    """Greet in Mandarin with the dialled number's greeting and record a message ended by '#'."""
    doc = VoiceResponse()
    doc.say(greeting(line, dialled), language=LANGUAGE)
    doc.record(action=action, method="POST", max_length=MAX_RECORDING_SECONDS,
               timeout=SILENCE_SECONDS, finish_on_key="#", play_beep=True,
               transcribe=True, transcribe_callback=transcribe_callback)
    # Reached only when nothing was recorded: Twilio then skips the action and goes on.
    doc.say(SAY_NOTHING_RECORDED, language=LANGUAGE)
    doc.hangup()
    return doc


def valid_recording_url(url: str) -> bool:
    """Twilio's media URL; it becomes a link on the ticket page, so only http(s) is accepted."""
    parts = urlparse(url)
    return parts.scheme in ("https", "http") and bool(parts.netloc) and len(url) <= MAX_URL


def _caller_phone(caller: str, region: str) -> str | None:
    """E.164 caller number; None for withheld or odd caller IDs, which must not lose the message."""
    try:
        return normalise_phone(caller, region) if caller else None
    except InvalidInput:
        return None


def accept_recording(session: Session, *, call_sid: str, recording_sid: str, recording_url: str,
                     caller: str, dialled: str, line: Line, region: str,
                     transcript: str | None = None) -> Accepted:
    """The intake for a call's voice message; one per CallSid, however often Twilio calls back."""
    phone = _caller_phone(caller, region)
    extra: dict[str, object] = {
        "recording_url": recording_url,
        "recording_sid": recording_sid,
        "awaiting_transcription": transcript is None,
    }
    if phone is None and caller:
        extra["caller_id"] = caller[:40]
    intake, _created = submit(
        Request(channel=Channel.VOICE, line=line.value, content=transcript, phone=phone,
                source_ref=call_sid, extra=extra),
        region=region, allow_empty=True,
    )
    remember(session, Message(
        direction="in", channel=Channel.VOICE, kind="voicemail", provider_sid=recording_sid,
        intake_id=intake.id, from_addr=(phone or caller)[:40] or None, to_addr=dialled,
        body="",
    ))
    return intake


def _usable_text(t: Transcript) -> str | None:
    if t.status != "completed":
        return None
    try:
        return clean_content(t.text)
    except InvalidInput:  # empty (silence) or absurdly long: an agent listens instead
        return None


def _locked_intake(session: Session, call_sid: str) -> Intake | None:
    """The call's intake, locked on PostgreSQL so the worker cannot turn it into a ticket with
    the old payload while we write the transcript into it (the worker skips locked intakes)."""
    stmt = select(Intake).where(Intake.channel == Channel.VOICE, Intake.source_ref == call_sid)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return session.scalars(stmt).one_or_none()


def _transcript_message(t: Transcript, text: str | None, intake_id: int | None,
                        ticket: Ticket | None = None) -> Message:
    return Message(
        direction="in", channel=Channel.VOICE, kind="transcript", provider_sid=t.sid,
        intake_id=intake_id, ticket_id=ticket.id if ticket else None,
        from_addr=t.caller[:40] or None, to_addr=t.dialled[:40] or None, body=t.text,
        status="completed" if text else "failed",
    )


def _apply(session: Session, t: Transcript, region: str, line_numbers: Mapping[str, str]) -> str:
    if session.scalar(select(Message.id).where(Message.provider_sid == t.sid)) is not None:
        return "duplicate"
    text = _usable_text(t)
    intake = _locked_intake(session, t.call_sid)
    if intake is None:
        return _before_recording(session, t, text, region, line_numbers)
    ticket = None
    if text is None:
        outcome = "failed"
    elif intake.status != IntakeStatus.PROCESSED:
        # Still queued: the worker will open the ticket with the text and classify it at once.
        intake.payload = {**intake.payload, "content": text, "awaiting_transcription": False}
        outcome = "intake_updated"
    else:
        ticket = session.scalars(select(Ticket).where(Ticket.intake_id == intake.id)).one_or_none()
        if ticket is not None and ticket.status == Status.AWAITING_TRANSCRIPTION:
            lifecycle.transcribe(ticket, lifecycle.SYSTEM, text)
            outcome = "ticket_transcribed"
        else:  # an agent typed it in first: their text stands, the machine's is kept beside it
            outcome = "kept_existing_text"
    if not remember(session, _transcript_message(t, text, intake.id, ticket)):
        return "duplicate"
    if outcome == "intake_updated":
        # The worker may have skipped the intake while we held it; processing twice is harmless.
        hand_over(intake.id)
    elif ticket is not None and outcome == "ticket_transcribed":
        try_enqueue(DEFAULT_QUEUE, ROUTE_TICKET, ticket.id)
    return outcome


def _before_recording(session: Session, t: Transcript, text: str | None, region: str,
                      line_numbers: Mapping[str, str]) -> str:
    """The transcript overtook the recording callback: open the intake from it, if we can."""
    line = dialled_line(t.dialled, line_numbers) if t.dialled else None
    if line is None or not t.recording_sid or not valid_recording_url(t.recording_url):
        remember(session, _transcript_message(t, text, None))
        log.warning("transcript %s for call %s that has no intake; kept as a message",
                    t.sid, t.call_sid)
        return "orphan"
    intake = accept_recording(session, call_sid=t.call_sid, recording_sid=t.recording_sid,
                              recording_url=t.recording_url, caller=t.caller, dialled=t.dialled,
                              line=line, region=region, transcript=text)
    remember(session, _transcript_message(t, text, intake.id))
    return "intake_created"


def apply_transcript(session: Session, t: Transcript, region: str,
                     line_numbers: Mapping[str, str]) -> str:
    """Put a transcript where it belongs; idempotent on TranscriptionSid. Returns what happened.
    `line_numbers` is TWILIO_LINE_NUMBERS, for a transcript that arrives before its recording.

    Optimistic locking turns a concurrent agent edit into StaleDataError: try again, and the
    second pass sees the ticket as the agent left it.
    """
    for attempt in range(3):
        try:
            return _apply(session, t, region, line_numbers)
        except StaleDataError:
            session.rollback()
            log.info("ticket changed under transcript %s (attempt %d)", t.sid, attempt + 1)
    raise RuntimeError(f"transcript {t.sid}: ticket kept changing")
