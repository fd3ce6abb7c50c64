"""Fixtures wiring the app to the fake Twilio REST API (imported by the messaging conftests)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.fakes.twilio_rest import FakeTwilio

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "test-twilio-auth-token"
PUBLIC_BASE = "https://hotline.example.gov.cn"
FROM_NUMBER = "+8657112345"
LINE_NUMBERS = {"+8657112345": "12345", "+8657112315": "12315", "+8657112319": "12319"}


@pytest.fixture(scope="session")
def _twilio_server() -> Iterator[FakeTwilio]:
    fake = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_twilio(app: Flask, _twilio_server: FakeTwilio) -> FakeTwilio:
    """The app configured as a deployment is, with Twilio's API at the local fake."""
    _twilio_server.reset()
    app.config.update(
        TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_API_BASE_URL=_twilio_server.base_url, TWILIO_FROM_NUMBER=FROM_NUMBER,
        PUBLIC_BASE_URL=PUBLIC_BASE, TWILIO_LINE_NUMBERS=LINE_NUMBERS,
        OUTBOX_RETRY_BASE_SECONDS=0, OUTBOX_REQUEUE_AFTER_SECONDS=0,
    )
    app.extensions.pop("hotline.sender", None)
    return _twilio_server
