"""Twilio Programmable Messaging through the official SDK.

`TWILIO_API_BASE_URL` replaces the SDK's `https://api.twilio.com` domain (`client.api.base_url`):
the SDK still builds `/2010-04-01/Accounts/{sid}/Messages.json`, signs with basic auth and parses
errors itself, so tests run the real client against a local fake of the REST API and a
deployment can point at a regional gateway or a recording proxy.
"""

from __future__ import annotations

import requests
from flask import Flask
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from hotline.app import settings
from hotline.messaging.sender import (
    PermanentFailure,
    Sender,
    SendResult,
    TemporaryFailure,
    UncertainFailure,
)

# Twilio error codes that mean "this number will never take this message"; retrying them only
# repeats the failure (and 21610 would keep messaging someone who texted STOP).
PERMANENT_CODES = frozenset({
    21211,  # invalid 'To' number
    21408,  # permission to send to this region not enabled
    21610,  # recipient unsubscribed (STOP)
    21612,  # 'To' not reachable via this channel
    21614,  # 'To' is not a mobile number
    21617,  # body exceeds the concatenated length limit
    30003, 30004, 30005, 30006, 30007,  # unreachable, blocked, unknown, landline, filtered
})


class TwilioSender:
    """A `Sender` for SMS from one configured number."""

    def __init__(self, *, account_sid: str, auth_token: str, from_number: str,
                 api_base_url: str | None = None, timeout: float = 10.0) -> None:
        self.from_number = from_number
        self.client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))
        if api_base_url:
            self.client.api.base_url = api_base_url.rstrip("/")

    def send(self, to: str, body: str, *, status_callback: str | None) -> SendResult:
        try:
            message = self.client.messages.create(
                to=to, from_=self.from_number, body=body,
                **({"status_callback": status_callback} if status_callback else {}),
            )
        except TwilioRestException as exc:
            failure = _classify(exc)
            raise failure from exc
        except requests.ReadTimeout as exc:
            raise UncertainFailure("Twilio did not answer in time: the message may have been sent") from exc
        except (requests.ConnectionError, requests.Timeout) as exc:
            # Connection refused or connect timeout: the request never reached Twilio.
            raise TemporaryFailure(f"Twilio unreachable: {type(exc).__name__}") from exc
        return SendResult(sid=str(message.sid), status=str(message.status or "queued"))


def _classify(exc: TwilioRestException) -> TemporaryFailure | PermanentFailure:
    """5xx and 429 are the provider's trouble (retry); other 4xx are ours or the number's."""
    text = f"Twilio {exc.status} {exc.code or ''}: {exc.msg}".strip()
    if exc.code in PERMANENT_CODES:
        return PermanentFailure(text, code=exc.code, status=exc.status)
    if exc.status >= 500 or exc.status == 429:
        return TemporaryFailure(text, code=exc.code, status=exc.status)
    return PermanentFailure(text, code=exc.code, status=exc.status)


def configured_sender(app: Flask) -> Sender | None:
    """The app's sender, built once per process (the SDK client keeps its HTTP connections).

    None when no SMS provider is configured: the outbox then marks messages as failed for an
    agent to phone rather than pretend they went out.
    """
    sender = app.extensions.get("hotline.sender")
    account = settings.current(app).twilio
    if sender is None and account.account_sid and account.from_number:
        sender = TwilioSender(
            account_sid=account.account_sid,
            auth_token=account.auth_token,
            from_number=account.from_number,
            api_base_url=account.api_base_url or None,
            timeout=account.timeout_seconds,
        )
        app.extensions["hotline.sender"] = sender
    return sender
