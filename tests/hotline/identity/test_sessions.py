"""Sessions end for real: a copied session cookie stops working after sign-out, a password
reset, a deactivation and the absolute lifetime (issue 14, item 3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

import config
from hotline.app.extensions import db
from hotline.identity.auth import LAST_SEEN, SIGNED_IN
from hotline.models import User
from tests.conftest import AppMaker, csrf_token, login


def _browser(make_app: AppMaker) -> FlaskClient:
    """Another browser, served by an app of its own so that each of its requests runs in a
    fresh app context, as in production: the test's app context would carry Flask-Login's user
    and the CSRF token in `g` from one client's request to the other's."""
    return make_app().test_client()


def _copy(make_app: AppMaker, client: FlaskClient) -> FlaskClient:
    """A second browser holding a copy of `client`'s session cookie (a stolen cookie)."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = _browser(make_app)
    thief.set_cookie("session", cookie.value)
    return thief


def _signed_in(client: FlaskClient) -> bool:
    response = client.get("/tickets")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def _user_id(username: str) -> int:
    return db.session.scalars(select(User.id).where(User.username == username)).one()


def _admin_posts(make_app: AppMaker, username: str, data: dict[str, str]) -> None:
    admin = _browser(make_app)
    login(admin, "admin")
    response = admin.post(f"/admin/users/{_user_id(username)}",
                          data={"csrf_token": csrf_token(admin)} | data)
    assert response.status_code == 302, response.get_data(as_text=True)


def test_a_copied_cookie_dies_with_the_sign_out(
        app: Flask, make_app: AppMaker, reference: None) -> None:
    client = _browser(make_app)
    login(client, "agent")
    thief = _copy(make_app, client)
    assert _signed_in(thief)
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert not _signed_in(thief)
    assert not _signed_in(client)
    login(client, "agent")  # signing in again works, with a fresh generation
    assert _signed_in(client) and not _signed_in(thief)


def test_a_password_reset_signs_the_account_out_everywhere(
        app: Flask, make_app: AppMaker, reference: None) -> None:
    client = _browser(make_app)
    login(client, "agent")
    thief = _copy(make_app, client)
    _admin_posts(make_app, "agent", {"_action": "reset_password", "password": "new-pass-2026x"})
    assert not _signed_in(thief) and not _signed_in(client)
    login(client, "agent", "new-pass-2026x")
    assert _signed_in(client)


@pytest.mark.parametrize("how", ["deactivate", "untick"])
def test_a_deactivated_account_stays_signed_out_when_reactivated(
        app: Flask, make_app: AppMaker, reference: None, how: str) -> None:
    """Deactivating by the button or by unticking 启用 both end the sessions for good: turning
    the account back on does not revive a cookie from before."""
    client = _browser(make_app)
    login(client, "agent")
    thief = _copy(make_app, client)
    fields = {"username": "agent", "display_name": "话务员", "role": "agent", "department": ""}
    if how == "deactivate":
        _admin_posts(make_app, "agent", {"_action": "deactivate"})
    else:
        _admin_posts(make_app, "agent", fields)
    assert not _signed_in(thief)
    _admin_posts(make_app, "agent", fields | {"active": "1"})
    assert db.session.get(User, _user_id("agent")).active
    assert not _signed_in(thief) and not _signed_in(client)


def test_a_session_older_than_the_absolute_lifetime_is_signed_out(
        app: Flask, make_app: AppMaker, reference: None) -> None:
    client = _browser(make_app)
    login(client, "agent")
    thief = _copy(make_app, client)
    with client.session_transaction() as session:
        session[SIGNED_IN] -= 12 * 3600 - 60  # signed in 11 h 59 min ago, busy ever since
    assert _signed_in(client)
    with client.session_transaction() as session:
        session[SIGNED_IN] -= 120
        assert session[LAST_SEEN] >= session[SIGNED_IN] + 12 * 3600  # not idle
    response = client.get("/tickets")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert "登录已超过 12 小时" in client.get("/login").get_data(as_text=True)
    assert not _signed_in(client)
    assert _signed_in(thief) is True  # the copy was signed in at the same time as the original
    with thief.session_transaction() as session:
        session[SIGNED_IN] -= 12 * 3600 + 1
    assert not _signed_in(thief)


def test_the_absolute_lifetime_follows_the_environment() -> None:
    base = {"SECRET_KEY": "k", "HOTLINE_INSTANCE_DIR": "/tmp/hotline-config-test"}
    assert config.load(base).session.max_age == timedelta(hours=12)
    assert config.load(base | {"SESSION_MAX_HOURS": "8"}).session.max_age == timedelta(hours=8)
