"""The page `up` answers with until it is ready (hotline.app.starting)."""

from __future__ import annotations

from flask import Flask
from werkzeug.test import Client

from hotline.app.starting import RETRY_SECONDS, Gate


def test_until_open_every_page_is_503_with_retry_after_in_the_readers_language(app: Flask) -> None:
    gate = Gate(app)
    gate.step = "model"
    client = Client(gate)

    page = client.get("/tickets")
    assert page.status_code == 503
    assert page.headers["Retry-After"] == str(RETRY_SECONDS)
    assert page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    assert "12345 热线正在启动" in text and "训练分类模型" in text
    assert f'http-equiv="refresh" content="{RETRY_SECONDS}"' in text

    english = client.get("/?lang=en").get_data(as_text=True)
    assert "The 12345 hotline is starting" in english and "training the classifier" in english
    assert "热线正在启动" not in english
    client.set_cookie("lang", "en")
    assert "training the classifier" in client.get("/submit").get_data(as_text=True)

    api = client.get("/api/v1/tickets")
    assert api.status_code == 503 and api.headers["Content-Type"] == "application/json"
    assert api.get_json()["error"]["code"] == "starting"


def test_once_open_the_app_answers(app: Flask) -> None:
    gate = Gate(app)
    gate.open()
    response = Client(gate).get("/login")
    assert response.status_code == 200
    assert "Retry-After" not in response.headers
