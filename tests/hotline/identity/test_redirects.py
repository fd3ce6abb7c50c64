"""Open redirects: `/login?next=` and `/lang/<code>?next=` only ever send the reader to a path on
this site, whatever a link puts in `next` (issue 14, item 1)."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote, urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import PASSWORD, csrf_token

HOSTILE = [
    "/\t/evil.example",  # what /%09/evil.example decodes to; browsers drop the TAB
    "/\n/evil.example",
    "/\r/evil.example",
    "/\r\nSet-Cookie: x=1",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "%2F%2Fevil.example",  # sent once more encoded: must not be decoded a second time
    "https:evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    " //evil.example",
    "/\u3000/evil.example",  # ideographic space
    "\u202e//evil.example",  # right-to-left override
    "／／evil.example",  # fullwidth solidus
    "/\u2215evil.example",  # division slash
    "\u2215\u2215evil.example",
    "/\u2044\u2044evil.example",  # fraction slash
    "evil.example",
]


def _is_local(location: str) -> bool:
    """Whether a browser following `location` stays on this site: it must be plain ASCII without
    whitespace or backslashes (which browsers drop or turn into slashes), and resolve against
    this site's URL to this site."""
    if not location.isascii() or "\\" in location or any(
            c.isspace() or unicodedata.category(c).startswith("C") for c in location):
        return False
    parts = urlsplit(location)
    return (location.startswith("/") and not location.startswith("//") and not parts.scheme
            and not parts.netloc and urlsplit(urljoin("http://localhost/x/", location)).netloc
            == "localhost")


@pytest.mark.parametrize("target", HOSTILE)
def test_language_switch_goes_only_to_a_local_path(client: FlaskClient, target: str) -> None:
    response = client.get(f"/lang/en?next={quote(target, safe='')}")
    assert response.status_code == 302
    assert _is_local(response.headers["Location"]), response.headers["Location"]


@pytest.mark.parametrize("query", ["/%09/evil.example", "%2F%2Fevil.example", "/%0A/x",
                                   "/%5C/evil.example", "%EF%BC%8F%EF%BC%8Fevil.example"])
def test_hostile_values_as_written_in_a_link(client: FlaskClient, query: str) -> None:
    response = client.get(f"/lang/en?next={query}")
    assert response.status_code == 302 and _is_local(response.headers["Location"])


@pytest.mark.parametrize("target", HOSTILE)
def test_sign_in_goes_only_to_a_local_path(app: Flask, reference: None, client: FlaskClient,
                                           target: str) -> None:
    response = client.post(f"/login?next={quote(target, safe='')}", data={
        "username": "agent", "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert _is_local(response.headers["Location"]), response.headers["Location"]


@pytest.mark.parametrize(("target", "expected"), [
    ("/inbox", "/inbox"),
    ("/tickets?status=closed&page=2", "/tickets?status=closed&page=2"),
    ("/tickets?q=路灯", "/tickets?q=%E8%B7%AF%E7%81%AF"),
    ("/track?number=12345-20261206-0001&lang=en", "/track?number=12345-20261206-0001&lang=en"),
])
def test_local_targets_are_kept(client: FlaskClient, target: str, expected: str) -> None:
    response = client.get(f"/lang/en?next={quote(target, safe='')}")
    assert response.headers["Location"] == expected
