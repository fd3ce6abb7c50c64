"""Behind nginx: with TRUSTED_PROXIES the client's address comes from X-Forwarded-For, so each
citizen has a rate-limit bucket of his own; without it the header is ignored, so nobody picks
his own bucket (issue 14, item 6)."""

from __future__ import annotations

import pytest
from flask import Flask

import config
from tests.conftest import AppMaker

LIMIT = 20  # sign-in attempts per minute and address


def _app(make_app: AppMaker, proxies: int) -> Flask:
    return make_app(ratelimit_enabled=True, trusted_proxies=proxies,
                    flask={"WTF_CSRF_ENABLED": False})


def _post(app: Flask, forwarded_for: str, proto: str = "http") -> int:
    """One sign-in attempt through the proxy (refused by the form: no password hashing)."""
    with app.app_context():
        return app.test_client().post("/login", data={}, headers={
            "X-Forwarded-For": forwarded_for, "X-Forwarded-Proto": proto},
            environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code


def test_behind_one_proxy_each_client_has_its_own_bucket(make_app: AppMaker,
                                                         _migrated: None) -> None:
    app = _app(make_app, 1)
    codes = [_post(app, "203.0.113.7") for _ in range(LIMIT + 1)]
    assert 429 not in codes[:LIMIT] and codes[LIMIT] == 429
    assert _post(app, "198.51.100.9") == 400  # another citizen: not limited
    # A client's own forged entry in front of the one the proxy appended does not help him.
    assert _post(app, "198.51.100.1, 203.0.113.7") == 429


def test_without_a_trusted_proxy_the_header_is_ignored(make_app: AppMaker,
                                                       _migrated: None) -> None:
    app = _app(make_app, 0)
    codes = [_post(app, f"203.0.113.{n}") for n in range(LIMIT + 1)]
    assert codes[LIMIT] == 429  # one bucket: the connection's address, whatever the header said


def test_the_forwarded_scheme_is_believed_only_from_a_trusted_proxy(
        make_app: AppMaker, _migrated: None) -> None:
    for proxies, scheme in ((1, "https"), (0, "http")):
        app = _app(make_app, proxies)

        @app.get("/scheme")
        def scheme_of_request() -> str:
            from flask import request

            return request.scheme

        with app.app_context():
            answer = app.test_client().get("/scheme", headers={"X-Forwarded-Proto": "https"})
        assert answer.get_data(as_text=True) == scheme


def test_trusted_proxies_follows_the_environment() -> None:
    base = {"SECRET_KEY": "k", "HOTLINE_INSTANCE_DIR": "/tmp/hotline-config-test"}
    assert config.load(base).trusted_proxies == 0
    assert config.load(base | {"TRUSTED_PROXIES": "2"}).trusted_proxies == 2


def test_a_negative_hop_count_is_refused(make_app: AppMaker) -> None:
    with pytest.raises(config.ConfigError, match="TRUSTED_PROXIES"):
        make_app(trusted_proxies=-1)
