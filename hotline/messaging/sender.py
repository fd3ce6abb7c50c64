"""The contract every outbound text channel fulfils, so the outbox never knows the provider.

`send` either returns the provider's id for the message or raises one of the failures below:
the outbox retries a `TemporaryFailure` with back-off, never retries a `PermanentFailure` (a
wrong or unsubscribed number would fail identically forever; an agent phones instead) and
hands an `UncertainFailure` (maybe sent) to a person rather than risk sending it twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SendResult:
    """The provider accepted the message: its id (Twilio "SM…") and its first status."""

    sid: str
    status: str


class SendFailure(Exception):
    """The provider did not accept the message; `code` is its error code when it gave one."""

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class TemporaryFailure(SendFailure):
    """Worth another try later: 5xx, 429, a connection that failed or timed out."""


class UncertainFailure(SendFailure):
    """The request went out but no answer came back (read timeout): it may have been sent.

    Not retried, because Twilio has no idempotency key for messages and a second try could
    send the citizen the same answer twice; a person checks instead.
    """


class PermanentFailure(SendFailure):
    """Will fail again whatever we do: invalid, unsubscribed or non-mobile number, bad request."""


class Sender(Protocol):
    def send(self, to: str, body: str, *, status_callback: str | None) -> SendResult: ...
