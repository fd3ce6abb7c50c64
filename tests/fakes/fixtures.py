"""Fixtures wiring the app to the fake Twilio REST API (imported by the messaging conftests)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask

from tests.conftest import ChangeSettings
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
def fake_twilio(app: Flask, settings: ChangeSettings, _twilio_server: FakeTwilio) -> FakeTwilio:
    """The app configured as a deployment is, with Twilio's API at the local fake."""
    _twilio_server.reset()
    settings(
        public_base_url=PUBLIC_BASE,
        twilio={"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN,
                "api_base_url": _twilio_server.base_url, "from_number": FROM_NUMBER,
                "line_numbers": LINE_NUMBERS},
        outbox={"retry_base_seconds": 0, "requeue_after": timedelta(0)},
    )
    app.extensions.pop("hotline.sender", None)
    return _twilio_server
