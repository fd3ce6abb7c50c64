"""What every Twilio webhook does before it looks at the content: prove the sender, read the form.

The signature is checked first, so an unsigned request learns nothing about what we expect. It is
computed over `PUBLIC_BASE_URL` + path + query: the URL Twilio was configured with. Behind a
reverse proxy the Host (and scheme) we see differ from it, so `request.url` would never match.
Rejections are short plain text (Twilio only logs them) and are logged here, never with the
caller's number or words (personal data, domain.md §6).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from functools import wraps

from flask import Response, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)
from twilio.twiml import TwiML

from hotline.app import settings, unit_of_work
from hotline.app.extensions import db
from hotline.models import Line, LineNumber, Message

log = logging.getLogger("hotline.twilio.views")

FORM_TYPE = "application/x-www-form-urlencoded"
# Twilio SIDs are two letters and 32 hex digits; the loose form still keeps junk out of columns
# sized for them (String(64)), which PostgreSQL would otherwise refuse with a 500.
_SID = re.compile(r"[A-Za-z0-9]{2,64}")

Fields = Mapping[str, str]
View = Callable[[Fields], Response]


class Rejected(Exception):
    """A request we refuse before it reaches a handler: an HTTP status and the reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def signed_url() -> str:
    """The URL Twilio signed. Mounting the app under a path prefix means it belongs in the base."""
    path = request.full_path if request.query_string else request.path
    return settings.current().public_base_url + path


def public_url(path: str) -> str:
    """An absolute callback URL for TwiML, on the same base the callbacks will be checked against."""
    return settings.current().public_base_url + path


def check_signature() -> None:
    token = settings.current().twilio.auth_token
    if not token:
        # An empty key would make every signature forgeable: refuse everything instead.
        log.error("TWILIO_AUTH_TOKEN is not set: refusing all Twilio webhooks")
        raise Rejected(403, "Forbidden: webhook signing is not configured")
    signature = request.headers.get(SIGNATURE_HEADER)
    if not signature:
        raise Rejected(403, "Forbidden: missing X-Twilio-Signature")
    # Honour the algorithm a Webhook Setting names (HMAC_SHA256); the secret stays the auth token.
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
    if not RequestValidator(token).validate(signed_url(), request.form, signature, algorithm):
        raise Rejected(403, "Forbidden: invalid X-Twilio-Signature")


def read_form(required: tuple[str, ...], optional: tuple[str, ...]) -> dict[str, str]:
    """The named form fields, each given at most once; required ones non-blank, SIDs well formed."""
    if request.mimetype != FORM_TYPE:
        raise Rejected(400, f"Bad request: expected {FORM_TYPE}, got {request.mimetype or 'none'}")
    fields: dict[str, str] = {}
    for name in (*required, *optional):
        values = request.form.getlist(name)
        if len(values) > 1:
            raise Rejected(400, f"Bad request: {name} given {len(values)} times")
        if values:
            fields[name] = values[0]
    missing = [name for name in required if not fields.get(name, "").strip()]
    if missing:
        raise Rejected(400, f"Bad request: missing {', '.join(missing)}")
    for name, value in fields.items():
        if name.endswith("Sid") and value and not _SID.fullmatch(value):
            raise Rejected(400, f"Bad request: malformed {name}")
    return fields


def webhook(*required: str, optional: tuple[str, ...] = ()) -> Callable[[View], Callable[[], Response]]:
    """Wrap a view taking the checked form fields: signature first, then content type and shape.

    The view may raise Rejected too, for a field it finds malformed.
    """

    def decorate(view: View) -> Callable[[], Response]:
        @wraps(view)
        def wrapper() -> Response:
            try:
                check_signature()
                return view(read_form(required, optional))
            except Rejected as exc:
                sid = request.form.get("MessageSid") or request.form.get("CallSid") or "-"
                log.warning("twilio webhook %s rejected with %s (%r): %s",
                            request.path, exc.status, sid[:64], exc.reason)
                return Response(exc.reason + "\n", exc.status, mimetype="text/plain")

        return wrapper

    return decorate


def line_number(number: str | None) -> LineNumber | None:
    """The administrators' row for a dialled number (admin page 热线号码), if there is one."""
    return db.session.scalars(select(LineNumber).where(
        LineNumber.number == (number or "").strip())).one_or_none()


def dialled_line(number: str | None, configured: Mapping[str, str]) -> Line | None:
    """The hotline a Twilio number belongs to, or None.

    The `line_numbers` table decides; a number without a row falls back to the config seed
    `configured` (TWILIO_LINE_NUMBERS), and a deactivated row means the number is no longer ours. An unknown
    number is a configuration error, not a guess: routing a 12315 consumer case as 12345 would
    quietly send it to the wrong catalogue. Callers tell the citizen and we log loudly.
    """
    row = line_number(number)
    raw = (row.line if row.active else None) if row else configured.get((number or "").strip())
    if raw is None:
        log.error("Twilio number %r is not an active hotline number", number)
        return None
    try:
        return Line(raw)
    except ValueError:
        log.error("TWILIO_LINE_NUMBERS maps %s to unknown line %s", number, raw)
        return None


def twiml(document: TwiML) -> Response:
    """TwiML is always answered with 200: Twilio acts on nothing else (a 4xx is only logged)."""
    return Response(str(document), 200, mimetype="text/xml")


def remember(session: Session, message: Message) -> bool:
    """Store `message` and commit what is pending with it, once per provider SID.

    The unique `Message.provider_sid` is the idempotency key of callbacks that have no intake of
    their own (a transcription), so the change they carry commits only with the first delivery.
    Returns False, with the pending change rolled back, when that SID was already stored.
    """
    if message.provider_sid is not None and session.scalar(
        select(Message.id).where(Message.provider_sid == message.provider_sid)
    ) is not None:
        session.rollback()
        return False
    session.add(message)
    try:
        unit_of_work.commit(session)  # the idempotency record: committed here, with its change
    except IntegrityError:  # a concurrent delivery of the same callback won
        session.rollback()
        return False
    return True
