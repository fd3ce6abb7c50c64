"""Every post × every staff page and API endpoint, derived from app.url_map: allowed posts get
through the permission check, refused posts get 403, anonymous callers are sent to sign in
(pages) or get 401 (API). A new route without a permission check fails here.

Also: unit posts see only their unit's tickets (list and page, web and API), and ticket actions
on the page answer by the same table as the API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from hotline.domain.roles import GRANTS, Permission, allows
from hotline.identity.permissions import PUBLIC_ENDPOINTS
from hotline.models import Role
from hotline.tickets.catalogue import ACTION_PERMISSIONS
from tests.conftest import csrf_token, login
from tests.hotline.tickets.helpers import act, new_ticket, token

ANONYMOUS = None
# One signed-in account per post (seeded by the `reference` fixture); zjj is the ticket's unit.
ACCOUNTS: dict[Role, str] = {Role.AGENT: "agent", Role.UNIT_STAFF: "zjj",
                             Role.UNIT_LEAD: "zjj-lead", Role.SUPERVISOR: "supervisor",
                             Role.ADMIN: "admin"}
POSTS = [*ACCOUNTS, ANONYMOUS]
REFUSED = "您的岗位无权"  # the permission check's 403, as opposed to row-level refusals
ARGUMENTS = {"action": "sign", "fmt": "csv"}
QUERY = {"phone": "13812348000", "q": "路灯"}  # what the console's lookups need; others ignore it


@dataclass(frozen=True)
class Call:
    endpoint: str
    method: str
    path: str
    permission: Permission

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")


def staff_calls(app: Flask, number: str) -> list[Call]:
    calls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        permission = app.view_functions[rule.endpoint].permission
        if "action" in rule.arguments:  # the ticket form posts any action: the action decides
            permission = ACTION_PERMISSIONS[ARGUMENTS["action"]]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            calls.append(Call(rule.endpoint, method, _path(rule, number), permission))
    return calls


def _path(rule: Rule, number: str) -> str:
    values: dict[str, Any] = {}
    for name, converter in rule._converters.items():
        if name == "number":
            values[name] = number
        elif type(converter).__name__ == "IntegerConverter":
            values[name] = 1
        else:
            values[name] = ARGUMENTS.get(name, "x")
    return rule.build(values, append_unknown=False)[1]


def test_every_route_is_public_or_checks_a_permission(app: Flask) -> None:
    unchecked = [rule.rule for rule in app.url_map.iter_rules()
                 if rule.endpoint not in PUBLIC_ENDPOINTS
                 and not isinstance(getattr(app.view_functions[rule.endpoint], "permission", None),
                                    Permission)]
    assert not unchecked, f"add @requires / api_requires (hotline.identity.permissions): {unchecked}"


def test_public_endpoints_exist(app: Flask) -> None:
    assert set(app.view_functions) >= PUBLIC_ENDPOINTS, "stale names in PUBLIC_ENDPOINTS"


def test_every_post_has_grants_and_every_permission_is_granted() -> None:
    assert set(GRANTS) == set(Role)
    assert set().union(*GRANTS.values()) == set(Permission)


def _send(client: FlaskClient, call: Call, headers: dict[str, str], csrf: str) -> Any:
    if call.api:
        body = {"json": {}} if call.method in ("POST", "PUT") else {}
        return client.open(call.path, method=call.method, headers=headers, **body)
    data = {"csrf_token": csrf} if call.method != "GET" else None
    return client.open(call.path, method=call.method, data=data)


def _said(response: Any) -> str:
    """The refusal's words: the JSON error's message (its Chinese escaped in the body), or the page."""
    body = response.get_json(silent=True)
    return body["error"]["message"] if body else response.get_data(as_text=True)


def _outcome(response: Any) -> str:
    status = response.status_code
    if status == 302 and response.headers["Location"].startswith("/login"):
        return "login"
    if status == 401:
        return "401"
    if status == 403 and REFUSED in _said(response):
        return "refused"
    return "500" if status >= 500 else "through"


@pytest.mark.parametrize("post", POSTS, ids=lambda p: p.value if p else "anonymous")
def test_post_by_route_matrix(app: Flask, reference: None, client: FlaskClient,
                              post: Role | None) -> None:
    number = new_ticket().number
    act(client, "agent", number, "dispatch", {"unit": "zjj"})
    headers: dict[str, str] = {}
    if post is not None:
        login(client, ACCOUNTS[post])
        headers = {"Authorization": f"Bearer {token(ACCOUNTS[post])}"}
    csrf = csrf_token(client)
    wrong = []
    for call in staff_calls(app, number):
        if post is None:
            expected = "401" if call.api else "login"
        else:
            expected = "through" if allows(post, call.permission) else "refused"
        response = _send(client, call, headers, csrf)
        got = _outcome(response)
        if got != expected:
            wrong.append(f"{call.method} {call.path}: expected {expected}, got {got} "
                         f"({response.status_code})")
    assert not wrong, "\n".join(wrong)


def test_plain_pages_open_for_the_posts_allowed(app: Flask, reference: None,
                                               client: FlaskClient) -> None:
    """Allowed means the page itself works (200), not just that the check let the call in."""
    number = new_ticket().number
    pages = [c for c in staff_calls(app, number) if c.method == "GET" and not c.api
             and "<" not in next(r.rule for r in app.url_map.iter_rules()
                                 if r.endpoint == c.endpoint)]
    assert len(pages) >= 8
    for post, username in ACCOUNTS.items():
        login(client, username)
        for page in pages:
            if allows(post, page.permission):
                status = client.get(page.path, query_string=QUERY).status_code
                assert status in (200, 302), f"{username} {page.path}: {status}"


@pytest.mark.parametrize("post", list(ACCOUNTS), ids=lambda p: p.value)
def test_ticket_page_actions_use_the_same_table(app: Flask, reference: None,
                                                client: FlaskClient, post: Role) -> None:
    number = new_ticket().number
    act(client, "agent", number, "dispatch", {"unit": "zjj"})
    login(client, ACCOUNTS[post])
    csrf = csrf_token(client)
    for action, permission in ACTION_PERMISSIONS.items():
        response = client.post(f"/tickets/{number}/act/{action}", data={"csrf_token": csrf})
        refused = response.status_code == 403 and REFUSED in _said(response)
        assert refused != allows(post, permission), (post, action, response.status_code)


def _listed(page: str, number: str) -> bool:
    return re.search(rf">{number}<", page) is not None


@pytest.mark.parametrize("username", ["zjj", "zjj-lead"])
def test_unit_posts_see_only_their_units_tickets(app: Flask, reference: None,
                                                 client: FlaskClient, username: str) -> None:
    ours, theirs = new_ticket().number, new_ticket("井盖丢了").number
    act(client, "agent", ours, "dispatch", {"unit": "zjj"})
    act(client, "agent", theirs, "dispatch", {"unit": "cgj"})
    login(client, username)
    listing = client.get("/tickets").get_data(as_text=True)
    assert _listed(listing, ours) and not _listed(listing, theirs)
    assert client.get(f"/tickets/{ours}").status_code == 200
    assert client.get(f"/tickets/{theirs}").status_code == 404  # not even its existence
    auth = {"Authorization": f"Bearer {token(username)}"}
    items = client.get("/api/v1/tickets", headers=auth).get_json()["items"]
    assert [t["number"] for t in items] == [ours]
    assert client.get(f"/api/v1/tickets/{ours}", headers=auth).status_code == 200
    assert client.get(f"/api/v1/tickets/{theirs}", headers=auth).status_code == 404


def test_centre_posts_see_every_units_tickets(app: Flask, reference: None,
                                              client: FlaskClient) -> None:
    numbers = {new_ticket().number, new_ticket("井盖丢了").number}
    for username in ("agent", "supervisor", "admin"):
        login(client, username)
        listing = client.get("/tickets").get_data(as_text=True)
        assert all(_listed(listing, n) for n in numbers), username
