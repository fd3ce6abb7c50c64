"""经办人 over HTTP (issue 17): the lead of the unit holding a ticket names its handler through
the API and the ticket page; refusals are 403 / 400 / 409 with the reason; the handler is in the
ticket JSON and on the page; the inbox's 我的 / 本单位 views."""

from __future__ import annotations

import html
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.identity.auth import hash_password
from hotline.models import Department, Role, Ticket, User
from tests.conftest import PASSWORD, csrf_token, login
from tests.hotline.tickets.helpers import act, get, new_ticket


def error(response: Any, status: int) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()["error"]["message"]


def colleague(username: str = "zjj-wang", unit: str = "zjj") -> User:
    dept = db.session.scalars(select(Department).where(Department.code == unit)).one()
    user = User(username=username, display_name="王经办", role=Role.UNIT_STAFF,
                department_id=dept.id, password_hash=hash_password(PASSWORD))
    db.session.add(user)
    unit_of_work.commit(db.session)
    return user


def at_zjj(client: FlaskClient) -> str:
    """A new ticket dispatched to A市住房和城乡建设局."""
    number = new_ticket().number
    assert act(client, "agent", number, "dispatch", {"unit": "zjj"}).status_code == 200
    return number


def test_the_lead_assigns_and_reassigns_over_the_api(app: Flask, reference: None,
                                                     client: FlaskClient) -> None:
    colleague()
    n = at_zjj(client)
    refused = error(act(client, "zjj", n, "assign", {"user": "zjj"}), 403)
    assert "(assign_handler)" in refused
    assert not re.search(r"[A-Za-z]", refused.partition(" / ")[0])  # no slug in the Chinese
    assert "(assign_handler)" in error(act(client, "agent", n, "assign", {"user": "zjj"}), 403)
    assert error(act(client, "cgj-lead", n, "assign", {"user": "cgj"}), 404)  # not its ticket
    assert "not staff" in error(act(client, "zjj-lead", n, "assign", {"user": "cgj"}), 400)
    assert "unknown user" in error(act(client, "zjj-lead", n, "assign", {"user": "nobody"}), 400)
    assert act(client, "zjj-lead", n, "assign", {}).status_code == 422  # the schema (as others)
    first = act(client, "zjj-lead", n, "assign", {"user": "zjj"})
    assert first.status_code == 200
    assert first.get_json()["handler"] == {"username": "zjj", "name": "A市住房和城乡建设局"}
    assert "already the handler" in error(act(client, "zjj-lead", n, "assign", {"user": "zjj"}),
                                          409)
    assert act(client, "zjj", n, "sign").status_code == 200
    again = act(client, "zjj-lead", n, "assign", {"user": "zjj-wang"})
    assert again.status_code == 200
    events = [e for e in again.get_json()["events"] if e["kind"] == "handler_assigned"]
    assert [e["data"] for e in events] == [{"user": "zjj", "from": None},
                                           {"user": "zjj-wang", "from": "zjj"}]
    assert [e["actor"] for e in events] == ["zjj-lead", "zjj-lead"]
    body = get(client, "zjj-wang", f"/api/v1/tickets/{n}").get_json()
    assert body["handler"]["username"] == "zjj-wang"
    assert act(client, "zjj", n, "reply", {"answer": "已修复路灯"}).status_code == 200
    assert "cannot assign" in error(act(client, "zjj-lead", n, "assign", {"user": "zjj"}), 409)


def test_returning_the_ticket_drops_its_handler(app: Flask, reference: None,
                                               client: FlaskClient) -> None:
    n = at_zjj(client)
    assert act(client, "zjj-lead", n, "assign", {"user": "zjj"}).status_code == 200
    assert act(client, "zjj-lead", n, "return", {"reason_code": "not_our_duty",
                                                 "reason": "非本单位"}).status_code == 200
    db.session.expire_all()
    assert db.session.scalars(select(Ticket).where(Ticket.number == n)).one().handler is None


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return html.unescape(response.get_data(as_text=True))


def test_the_ticket_page_form_and_the_inbox_views(app: Flask, reference: None,
                                                  client: FlaskClient) -> None:
    colleague()
    mine, theirs = at_zjj(client), at_zjj(client)
    login(client, "zjj")
    assert 'id="form-assign"' not in page(client, f"/tickets/{mine}")  # staff: no form
    login(client, "zjj-lead")
    shown = page(client, f"/tickets/{mine}")
    assert 'id="form-assign"' in shown and "指定经办人" in shown
    options = re.findall(r'<option value="([^"]*)"', shown.split('id="assign-user"')[1]
                         .split("</select>")[0])
    assert options == ["", "zjj", "zjj-lead", "zjj-wang"]  # the unit's people only
    refused = client.post(f"/tickets/{mine}/act/assign",
                          data={"form": "assign", "user": "cgj", "csrf_token": csrf_token(client)})
    assert refused.status_code == 400
    assert re.search(r'id="error-assign-user">[^<]*不是承办单位的人员', refused.get_data(as_text=True))
    done = client.post(f"/tickets/{mine}/act/assign",
                       data={"form": "assign", "user": "zjj-wang",
                             "csrf_token": csrf_token(client)})
    assert done.status_code == 302
    shown = page(client, f"/tickets/{mine}")
    assert re.search(r'id="ticket-handler">王经办（zjj-wang）', shown) and "改派经办人" in shown
    assert "指定经办人" in shown  # the event in the record

    login(client, "zjj-wang")
    unit_view = page(client, "/inbox")
    me_view = page(client, "/inbox?view=me")
    assert mine in unit_view and theirs in unit_view
    assert mine in me_view and theirs not in me_view
    assert re.search(r'href="/inbox\?tab=open&view=me" aria-current="page">我的', me_view)
    assert "经办人：王经办" in unit_view
    english = page(client, "/inbox?view=me&lang=en")
    assert ">Mine<" in english and ">My unit<" in english
    assert client.get("/inbox?view=all").status_code == 400


def test_the_handler_finds_the_notice_in_their_inbox_and_the_unit_does_not(
        app: Flask, reference: None, client: FlaskClient) -> None:
    colleague()
    n = at_zjj(client)
    assert act(client, "zjj-lead", n, "assign", {"user": "zjj-wang"}).status_code == 200
    login(client, "zjj-wang")
    mine = page(client, "/notifications")
    assert f"工单 {n} 已指定您为经办人" in mine and "指定为经办人" in mine
    for other in ("zjj", "zjj-lead", "cgj"):  # the unit's other people, another unit
        login(client, other)
        assert f"工单 {n} 已指定您为经办人" not in page(client, "/notifications"), other
