"""The app keeps the Settings it was built with, derives Flask's keys from them, and hands the
same settings to the app a worker's forked job builds."""

from __future__ import annotations

from flask import Flask

from config import Settings
from hotline.app import settings as app_settings
from tests.conftest import AppMaker, ChangeSettings
from workers import context


def test_the_app_keeps_the_settings_it_was_built_with(make_app: AppMaker,
                                                      base_settings: Settings) -> None:
    app = make_app(public_base_url="https://12345.example.gov.cn")
    kept = app_settings.current(app)
    assert kept == base_settings.replace(public_base_url="https://12345.example.gov.cn")
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["TESTING"] is True
    assert app.config["SQLALCHEMY_DATABASE_URI"] == kept.database_url
    forked = app.extensions[context.FACTORY]()  # what a worker's work horse builds
    assert app_settings.current(forked) == kept and forked.config["TESTING"] is True


def test_changed_settings_reach_flask_too(app: Flask, settings: ChangeSettings) -> None:
    changed = settings(secret_key="another", max_content_length=1234)
    assert app_settings.current() is changed
    assert (app.config["SECRET_KEY"], app.config["MAX_CONTENT_LENGTH"]) == ("another", 1234)
