"""API token revocation: by the command line and the admin user page, refused on the next
request by every web process although tokens are cached for a minute (issue 14, item 4)."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.identity import auth
from hotline.identity.auth import issue_token_row
from hotline.models import ApiToken, AuditEntry, User
from tests.conftest import AppMaker, csrf_token, login

DEPARTMENTS = "/api/v1/departments"


def _user(username: str) -> User:
    return db.session.scalars(select(User).where(User.username == username)).one()


def _issued(username: str = "agent") -> tuple[str, ApiToken]:
    issued = issue_token_row(_user(username))
    unit_of_work.commit(db.session)
    return issued


def _get(client: FlaskClient, token: str, path: str = DEPARTMENTS) -> int:
    return client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code


def _warm(client: FlaskClient, token: str) -> None:
    """Use the token, so this process holds it in its cache (as every web process would)."""
    assert _get(client, token) == 200
    assert auth._digest(token) in auth._token_cache


def _cli(app: Flask, *args: str) -> tuple[int, str, str]:
    result = app.test_cli_runner().invoke(args=["revoke-token", *args])
    return result.exit_code, result.stdout, result.stderr


def test_revoked_on_the_command_line_refused_on_the_next_request(
        app: Flask, reference: None, client: FlaskClient) -> None:
    token, row = _issued()
    _warm(client, token)
    code, _out, err = _cli(app, str(row.id))
    assert code == 0 and f"revoked token {row.id}" in err
    assert _get(client, token) == 401
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "revoke_token")).one()
    assert (entry.username, entry.entity, entry.entity_id, entry.after) == (
        "system", "users", str(row.user_id), {"token": row.id, "revoked": True})


def test_revoking_every_token_of_a_user(app: Flask, reference: None, client: FlaskClient) -> None:
    first, _row = _issued()
    second, _row = _issued()
    other, _row = _issued("supervisor")
    for token in (first, second, other):
        _warm(client, token)
    code, _out, err = _cli(app, "--user", "agent")
    assert code == 0 and err.count("\n") == 1
    assert (_get(client, first), _get(client, second), _get(client, other)) == (401, 401, 200)


@pytest.mark.parametrize(("args", "message"), [
    ((), "give a token id or --user"),
    (("1", "--user", "agent"), "give a token id or --user"),
    (("999",), "no token with id '999'"),
    (("abc",), "no token with id 'abc'"),
    (("99999999999999999999999",), "no token with id"),
    (("--user", "nobody"), "no user named 'nobody'"),
    (("--user", "zjj"), "'zjj' has no token to revoke"),
])
def test_bad_input_is_one_line_on_stderr(app: Flask, reference: None, args: tuple[str, ...],
                                         message: str) -> None:
    _issued()
    code, out, err = _cli(app, *args)
    assert code != 0 and out == "" and err.count("\n") == 1 and message in err, err


def test_revoking_twice_says_so(app: Flask, reference: None) -> None:
    _token, row = _issued()
    assert _cli(app, str(row.id))[0] == 0
    code, _out, err = _cli(app, str(row.id))
    assert code != 0 and err == f"error: token {row.id} is already revoked\n"


def test_create_token_names_its_id_on_stderr(app: Flask, reference: None) -> None:
    result = app.test_cli_runner().invoke(args=["create-token", "agent"])
    row = db.session.scalars(select(ApiToken)).one()
    assert result.exit_code == 0 and result.stderr == f"token id {row.id} for agent\n"
    assert auth._digest(result.stdout.strip()) == row.token_hash
    with db.engine.connect() as other:  # another process sees only what the command committed
        assert other.scalar(select(func.count(ApiToken.id))) == 1


def test_admin_page_lists_the_tokens_and_revokes_one(
        app: Flask, make_app: AppMaker, reference: None, client: FlaskClient) -> None:

    token, row = _issued()
    _kept, kept = _issued()
    _warm(client, token)
    admin = make_app().test_client()  # a browser with a request context of its own
    login(admin, "admin")
    page = admin.get(f"/admin/users/{row.user_id}").get_data(as_text=True)
    assert "API 令牌" in page and f"#{row.id}" in page and f"#{kept.id}" in page
    assert re.search(r"<time datetime=[^>]+>\d{4}-\d\d-\d\d \d\d:\d\d</time>", page)  # last used
    response = admin.post(f"/admin/users/{row.user_id}/tokens/{row.id}/revoke",
                          data={"csrf_token": csrf_token(admin)})
    assert response.status_code == 302
    assert _get(client, token) == 401
    page = admin.get(f"/admin/users/{row.user_id}").get_data(as_text=True)
    assert "已撤销" in page and "撤销 API 令牌" in page  # the state, and the audit entry
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "revoke_token")).one()
    assert entry.username == "admin"
    # Another user's token is not reachable through this user's page.
    other, _row = _issued("supervisor")
    assert admin.post(f"/admin/users/{row.user_id}/tokens/{_row.id}/revoke",
                      data={"csrf_token": csrf_token(admin)}).status_code == 404
    assert _get(client, other) == 200


def test_last_use_is_recorded(app: Flask, reference: None, client: FlaskClient) -> None:
    token, row = _issued()
    assert row.last_used_at is None
    _warm(client, token)
    db.session.refresh(row)
    assert row.last_used_at is not None


def test_a_deactivated_users_token_is_refused_at_once(
        app: Flask, make_app: AppMaker, reference: None, client: FlaskClient) -> None:

    token, row = _issued()
    _warm(client, token)
    admin = make_app().test_client()
    login(admin, "admin")
    assert admin.post(f"/admin/users/{row.user_id}", data={
        "csrf_token": csrf_token(admin), "_action": "deactivate"}).status_code == 302
    assert _get(client, token) == 401


def test_a_new_post_applies_to_the_token_at_once(
        app: Flask, make_app: AppMaker, reference: None, client: FlaskClient) -> None:
    """An agent may post intakes, unit staff may not: after the change the cached post is stale."""

    token, row = _issued()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/intakes", json={}, headers=headers).status_code not in (401, 403)
    admin = make_app().test_client()
    login(admin, "admin")
    assert admin.post(f"/admin/users/{row.user_id}", data={
        "csrf_token": csrf_token(admin), "username": "agent", "display_name": "话务员",
        "role": "unit_staff", "department": _user("zjj").department.code,
        "active": "1"}).status_code == 302
    assert client.post("/api/v1/intakes", json={}, headers=headers).status_code == 403
