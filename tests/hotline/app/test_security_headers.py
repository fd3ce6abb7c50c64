"""Security headers on every kind of response: pages, redirects, API JSON, Open311, Twilio
webhooks, static files and error pages; HSTS only when the site is public over https
(issue 14, item 5)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import Headers

from tests.conftest import AppMaker
from tests.hotline.tickets.helpers import token

RESPONSES = [
    ("GET", "/login", 200),
    ("GET", "/tickets", 302),  # sent to sign in
    ("GET", "/lang/en?next=/track", 302),
    ("GET", "/track", 200),
    ("GET", "/static/css/app.css", 200),
    ("GET", "/static/js/agent_console.js", 200),
    ("GET", "/no-such-page", 404),
    ("GET", "/tickets?q=%00", 400),  # errors.respond
    ("POST", "/login", 400),  # the CSRF error page
    ("GET", "/api/v1/departments", 401),
    ("GET", "/api/v1/no-such-endpoint", 404),
    ("GET", "/open311/v2/services.json", 200),
    ("GET", "/open311/v2/services.xml", 200),
    ("GET", "/open311/v2/requests/nothing.json", 404),
    ("POST", "/twilio/sms", 403),  # no signature
    ("POST", "/twilio/voice", 403),
    ("POST", "/twilio/status", 403),
]


def _assert_secured(headers: Headers) -> None:
    csp = headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in directives["script-src"] and "unsafe-eval" not in csp
    assert "unsafe-inline" not in directives["default-src"]
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize(("method", "path", "status"), RESPONSES)
def test_every_kind_of_response_carries_the_headers(app: Flask, reference: None,
                                                    client: FlaskClient, method: str, path: str,
                                                    status: int) -> None:
    response = client.open(path, method=method)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    _assert_secured(response.headers)
    assert "Strict-Transport-Security" not in response.headers  # plain http here


def test_api_answers_carry_the_headers(app: Flask, reference: None, client: FlaskClient) -> None:
    response = client.get("/api/v1/departments", headers={"Authorization": f"Bearer {token('agent')}"})
    assert response.status_code == 200 and response.is_json
    _assert_secured(response.headers)


def test_a_server_error_carries_the_headers(make_app: AppMaker,
                                            _migrated: None) -> None:
    broken = make_app(flask={"PROPAGATE_EXCEPTIONS": False})

    @broken.get("/boom")
    def boom() -> str:
        raise RuntimeError("a bug")

    with broken.app_context():
        response = broken.test_client().get("/boom")
    assert response.status_code == 500
    _assert_secured(response.headers)


def test_hsts_and_the_https_redirect_only_for_an_https_site(make_app: AppMaker,
                                                            _migrated: None) -> None:
    public = make_app(public_base_url="https://12345.example.gov.cn")
    with public.app_context():
        client = public.test_client()
        plain = client.get("/login")
        assert plain.status_code == 302
        assert plain.headers["Location"] == "https://localhost/login"
        secure = client.get("/login", base_url="https://localhost")
    assert secure.status_code == 200
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    _assert_secured(secure.headers)
    with make_app().app_context() as ctx:
        assert "Strict-Transport-Security" not in ctx.app.test_client().get(
            "/login", base_url="https://localhost").headers
