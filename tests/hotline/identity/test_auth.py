"""Sign-in: argon2 hashes, lock-out with its message and audit, the idle timeout, cookie flags,
CSRF on every form, and the audited reveal of a citizen's number."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from argon2 import Type, extract_parameters
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

import config
from hotline.app.extensions import db
from hotline.identity.auth import LAST_SEEN
from hotline.identity.permissions import PUBLIC_ENDPOINTS
from hotline.models import AuditEntry, Ticket, User, utcnow
from tests.conftest import (
    PASSWORD,
    PRODUCT_HASHER,
    PRODUCT_NOBODY,
    AppMaker,
    ChangeSettings,
    csrf_token,
    login,
)
from tests.hotline.tickets.helpers import act, new_ticket, token

HOTLINE = Path(__file__).resolve().parents[3] / "hotline"


def _sign_in(client: FlaskClient, username: str, password: str) -> tuple[int, str]:
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": csrf_token(client)})
    return response.status_code, response.get_data(as_text=True)


def _audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_passwords_are_argon2_hashes(app: Flask, reference: None) -> None:
    user = db.session.scalars(select(User).where(User.username == "agent")).one()
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash


def test_the_product_hashes_at_argon2s_recommended_cost() -> None:
    """RFC 9106's second recommended option (argon2-cffi's default), also for an unknown user
    name, so a miss costs as long as a wrong password. The suite signs in with a cheaper hasher
    (tests/conftest.py): this is where the product's own cost is checked."""
    expected = (Type.ID, 3, 65536, 4)
    for hashed in (PRODUCT_HASHER.hash("x"), PRODUCT_NOBODY):
        found = extract_parameters(hashed)
        assert (found.type, found.time_cost, found.memory_cost, found.parallelism) == expected


def test_wrong_password_then_lock_out_with_a_clear_message(
        reference: None, client: FlaskClient, settings: ChangeSettings) -> None:
    settings(login={"max_failures": 3, "lock_for": timedelta(minutes=7)})
    status, page = _sign_in(client, "agent", "wrong")
    assert status == 401 and "用户名或密码错误" in page and 'role="alert"' in page
    _sign_in(client, "agent", "wrong")
    status, page = _sign_in(client, "agent", "wrong")
    assert status == 401 and "账号已锁定 7 分钟" in page
    status, page = _sign_in(client, "agent", PASSWORD)  # the right password does not unlock
    assert status == 401 and "账号已锁定" in page
    assert [e.username for e in _audit("locked")] == ["agent"]
    assert len(_audit("login_failed")) == 3  # two wrong, then the locked attempt
    user = db.session.scalars(select(User).where(User.username == "agent")).one()
    user.locked_until = utcnow() - timedelta(seconds=1)  # the lock runs out
    db.session.commit()
    assert _sign_in(client, "agent", PASSWORD)[0] == 302
    assert [e.username for e in _audit("login")] == ["agent"]


def test_unknown_user_is_not_told_apart_and_never_locked(
        reference: None, client: FlaskClient, settings: ChangeSettings) -> None:
    settings(login={"max_failures": 2})
    for _ in range(3):
        status, page = _sign_in(client, "nobody", "x")
        assert status == 401 and "用户名或密码错误" in page and "锁定" not in page
    assert {e.entity_id for e in _audit("login_failed")} == {"nobody"}


def test_english_sign_in_errors(app: Flask, reference: None, client: FlaskClient) -> None:
    client.get("/lang/en")
    status, page = _sign_in(client, "agent", "wrong")
    assert status == 401 and "Wrong user name or password" in page


def test_sign_in_goes_back_only_to_this_site(app: Flask, reference: None,
                                             client: FlaskClient) -> None:
    for target, expected in (("/inbox", "/inbox"), ("//evil.example/", "/home"),
                             ("https://evil.example/", "/home")):
        client.post("/logout", data={"csrf_token": csrf_token(client)})
        response = client.post(f"/login?next={target}", data={
            "username": "zjj", "password": PASSWORD, "csrf_token": csrf_token(client)})
        assert response.headers["Location"] == expected


@pytest.mark.parametrize(("username", "page"), [
    ("agent", "/agent/calls/new"), ("zjj", "/inbox"), ("zjj-lead", "/inbox"),
    ("supervisor", "/supervise"), ("admin", "/admin/"),
])
def test_each_post_lands_on_its_own_work(app: Flask, reference: None, client: FlaskClient,
                                         username: str, page: str) -> None:
    """Without a `next`, sign-in goes to /home, which sends each post to its own page."""
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/home"
    landing = client.get("/home")
    assert landing.status_code == 302 and landing.headers["Location"] == page
    assert client.get(page).status_code == 200


def test_a_safe_next_wins_over_the_landing_page(app: Flask, reference: None,
                                                client: FlaskClient) -> None:
    response = client.post("/login?next=/notifications", data={
        "username": "supervisor", "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/notifications"


def test_idle_session_is_signed_out(app: Flask, reference: None, client: FlaskClient) -> None:
    login(client, "agent")
    assert client.get("/tickets").status_code == 200
    with client.session_transaction() as session:
        session[LAST_SEEN] -= int(app.permanent_session_lifetime.total_seconds()) + 1
    response = client.get("/tickets?status=closed")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/tickets")
    assert "长时间未操作" in client.get("/login").get_data(as_text=True)
    assert client.get("/tickets").status_code == 302  # really signed out


def test_activity_keeps_the_session(app: Flask, reference: None, client: FlaskClient) -> None:
    login(client, "agent")
    with client.session_transaction() as session:
        session[LAST_SEEN] -= int(app.permanent_session_lifetime.total_seconds()) - 60
    assert client.get("/tickets").status_code == 200
    assert client.get("/tickets").status_code == 200


def test_api_calls_answer_by_token_and_leave_the_idle_clock_alone(
        app: Flask, reference: None, client: FlaskClient) -> None:
    """A browser that also holds a stale staff cookie is not signed out by an API call: the API
    authenticates by its token alone. The pages still enforce the idle limit."""
    login(client, "agent")
    with client.session_transaction() as session:
        session[LAST_SEEN] -= int(app.permanent_session_lifetime.total_seconds()) + 1
    response = client.get("/api/v1/departments", headers={"Authorization": f"Bearer {token('agent')}"})
    assert response.status_code == 200
    assert client.get("/tickets").status_code == 302


def test_sign_in_is_rate_limited_per_ip(make_app: AppMaker, _migrated: None) -> None:
    """The route's own limit holds although the limiter installs no before-request hook."""
    limited = make_app(ratelimit_enabled=True, flask={"WTF_CSRF_ENABLED": False})
    with limited.app_context():
        client = limited.test_client()
        codes = [client.post("/login", data={}).status_code  # refused by the form: no hashing
                 for _ in range(21)]
    assert 429 not in codes[:20] and codes[20] == 429


def test_app_wide_rate_limits_are_refused_not_ignored(make_app: AppMaker) -> None:
    with pytest.raises(RuntimeError, match="RATELIMIT_DEFAULT"):
        make_app(ratelimit_enabled=True, flask={"RATELIMIT_DEFAULT": "100/minute"})


def test_session_cookie_flags(app: Flask, reference: None, client: FlaskClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": "agent", "password": PASSWORD,
                                            "csrf_token": csrf_token(client)})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "Expires=" in cookie  # permanent: the browser forgets it with the idle limit too


def test_secure_cookie_and_idle_limit_follow_the_environment() -> None:
    flask = config.load({"PUBLIC_BASE_URL": "https://12345.example.gov.cn",
                         "SESSION_IDLE_MINUTES": "20", "SECRET_KEY": "k",
                         "HOTLINE_INSTANCE_DIR": "/tmp/hotline-config-test"}).flask_config()
    assert flask["SESSION_COOKIE_SECURE"] is True
    assert flask["PERMANENT_SESSION_LIFETIME"] == timedelta(minutes=20)
    assert config.load({"SECRET_KEY": "k", "HOTLINE_INSTANCE_DIR": "/tmp/hotline-config-test"}
                       ).flask_config()["SESSION_COOKIE_SECURE"] is False


CSRF_EXEMPT_PREFIXES = ("/api/", "/twilio/", "/open311/")


def test_every_form_post_needs_the_csrf_token(app: Flask, reference: None,
                                              client: FlaskClient) -> None:
    login(client, "admin")
    posts = [r for r in app.url_map.iter_rules() if "POST" in (r.methods or set())
             and not r.rule.startswith(CSRF_EXEMPT_PREFIXES)]
    assert len(posts) >= 10
    for rule in posts:
        path = re.sub(r"<(?:int:)?(\w+)>", lambda m: "1" if "int:" in m.group(0) else "x",
                      rule.rule)
        response = client.post(path, data={})
        assert response.status_code == 400 and "表单已过期" in response.get_data(as_text=True), \
            f"{rule.rule} accepted a POST without a CSRF token"


def test_every_post_form_in_the_templates_carries_the_token() -> None:
    missing = []
    templates = sorted(HOTLINE.glob("**/templates/**/*.html"))
    assert len(templates) > 30, "the templates were not found"
    for template in templates:
        text = template.read_text()
        for form in re.findall(r"<form\b[^>]*method=\"post\"[^>]*>.*?</form>", text, re.S | re.I):
            if "csrf_token" not in form:
                missing.append(f"{template.relative_to(HOTLINE)}: {form[:80]}")
    assert not missing, missing


def test_logout_is_a_csrf_protected_post(app: Flask, reference: None,
                                         client: FlaskClient) -> None:
    login(client, "agent")
    assert "auth.logout" in PUBLIC_ENDPOINTS
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.post("/logout", data={"csrf_token": csrf_token(client)}).status_code == 302
    assert client.get("/tickets").status_code == 302


# --- phone numbers ---------------------------------------------------------------------------


def _dispatched() -> str:
    return new_ticket().number


def test_ticket_page_masks_the_number_and_reveals_it_audited(app: Flask, reference: None,
                                                             client: FlaskClient) -> None:
    number = _dispatched()
    login(client, "agent")
    page = client.get(f"/tickets/{number}").get_data(as_text=True)
    assert "138****8000" in page and "13812348000" not in page and "显示号码" in page
    assert not _audit("phone_reveal")  # looking at the page reveals nothing
    shown = client.post(f"/tickets/{number}/phone", data={"csrf_token": csrf_token(client)})
    assert shown.status_code == 200 and 'href="tel:+8613812348000"' in shown.get_data(as_text=True)
    as_json = client.post(f"/tickets/{number}/phone", data={"csrf_token": csrf_token(client)},
                          headers={"Accept": "application/json"})
    assert as_json.get_json() == {"number": number, "phone": "+8613812348000"}
    entries = _audit("phone_reveal")
    assert [(e.username, e.entity, e.entity_id) for e in entries] == [("agent", "ticket", number)] * 2
    assert all(e.at is not None for e in entries)


def test_ticket_list_masks_numbers(app: Flask, reference: None, client: FlaskClient) -> None:
    _dispatched()
    login(client, "supervisor")
    listing = client.get("/tickets").get_data(as_text=True)
    assert "138****8000" in listing and "13812348000" not in listing


@pytest.mark.parametrize("username", ["zjj", "zjj-lead"])
def test_units_see_a_masked_number_and_cannot_reveal_it(app: Flask, reference: None,
                                                        client: FlaskClient, username: str) -> None:
    number = _dispatched()
    act(client, "agent", number, "dispatch", {"unit": "zjj"})
    login(client, username)
    page = client.get(f"/tickets/{number}").get_data(as_text=True)
    assert "138****8000" in page and "显示号码" not in page
    response = client.post(f"/tickets/{number}/phone", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 403 and not _audit("phone_reveal")


def test_confidential_caller_is_hidden_from_the_unit(app: Flask, reference: None,
                                                     client: FlaskClient) -> None:
    number = _dispatched()
    act(client, "agent", number, "dispatch", {"unit": "zjj"})
    ticket = db.session.scalars(select(Ticket).where(Ticket.number == number)).one()
    ticket.confidential, ticket.citizen_name = True, "张三"
    db.session.commit()
    login(client, "zjj")
    page = client.get(f"/tickets/{number}").get_data(as_text=True)
    assert "保密" in page and "张三" not in page and "8000" not in page


def test_call_back_list_masks_the_citizens_number(app: Flask, reference: None,
                                                  client: FlaskClient) -> None:
    from hotline.messaging import outbox
    from hotline.models import OutboundMessage

    ticket = db.session.scalars(select(Ticket).where(Ticket.number == _dispatched())).one()
    db.session.add(OutboundMessage(kind="answer", channel="callback", ticket_id=ticket.id,
                                   ticket_number=ticket.number, to_addr=ticket.phone,
                                   body="答复", status=outbox.TO_CALL, dedupe_key="t:1"))
    db.session.commit()
    login(client, "agent")
    page = client.get("/callbacks").get_data(as_text=True)
    assert "138****8000" in page and "13812348000" not in page and "显示号码" in page
