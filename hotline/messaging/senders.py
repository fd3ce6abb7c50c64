"""Outbound text senders: the `Sender` protocol (base) and its adapters (Twilio)."""

from __future__ import annotations

from flask import Flask

from hotline.messaging.sender import (
    PermanentFailure,
    Sender,
    SendFailure,
    SendResult,
    TemporaryFailure,
    UncertainFailure,
)
from hotline.twilio.sender import TwilioSender

__all__ = ["PermanentFailure", "SendFailure", "SendResult", "Sender", "TemporaryFailure",
           "TwilioSender", "UncertainFailure", "configured_sender"]


def configured_sender(app: Flask) -> Sender | None:
    """The app's sender, built once per process (the SDK client keeps its HTTP connections).

    None when no SMS provider is configured: the outbox then marks messages as failed for an
    agent to phone rather than pretend they went out.
    """
    sender = app.extensions.get("hotline.sender")
    if sender is None and app.config.get("TWILIO_ACCOUNT_SID") and app.config.get("TWILIO_FROM_NUMBER"):
        sender = TwilioSender(
            account_sid=app.config["TWILIO_ACCOUNT_SID"],
            auth_token=app.config["TWILIO_AUTH_TOKEN"],
            from_number=app.config["TWILIO_FROM_NUMBER"],
            api_base_url=app.config.get("TWILIO_API_BASE_URL") or None,
            timeout=float(app.config.get("TWILIO_TIMEOUT_SECONDS", 10)),
        )
        app.extensions["hotline.sender"] = sender
    return sender
