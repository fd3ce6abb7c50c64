"""The live-update poll over HTTP: what it reports per post, 304 while nothing changed, a new
answer when a list or the badge moved, and polling that never keeps an idle session alive."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.identity.auth import LAST_SEEN
from hotline.models import Notification
from tests.conftest import login
from tests.hotline.tickets.helpers import act, new_ticket


def test_the_dispatch_queue_and_the_badge_move_the_answer(
        app: Flask, reference: None, client: FlaskClient) -> None:
    login(client, "agent")
    first = client.get("/live")
    assert first.status_code == 200 and first.headers["Cache-Control"] == "private, no-cache"
    state = first.get_json()
    assert set(state) == {"unread", "dispatch"} and state["unread"] == 0
    etag = first.headers["ETag"]
    again = client.get("/live", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""  # nothing changed: no body
    t = new_ticket("请问办事大厅几点下班")  # a new ticket waits at the centre
    moved = client.get("/live", headers={"If-None-Match": etag})
    assert moved.status_code == 200 and moved.get_json()["dispatch"] != state["dispatch"]
    etag = moved.headers["ETag"]
    db.session.add(Notification(role="agent", ticket_id=t.id, kind="sms_failed", body="x"))
    unit_of_work.commit(db.session)
    badge = client.get("/live", headers={"If-None-Match": etag})
    assert badge.status_code == 200 and badge.get_json()["unread"] == 1


def test_a_unit_watches_its_inbox(app: Flask, reference: None, client: FlaskClient) -> None:
    login(client, "zjj")
    state = client.get("/live").get_json()
    assert set(state) == {"unread", "inbox"}
    t = new_ticket("请问办事大厅几点下班")
    assert client.get("/live").get_json()["inbox"] == state["inbox"]  # not ours yet
    with app.test_client() as api:
        assert act(api, "agent", t.number, "dispatch", {"unit": "zjj"}).status_code == 200
    assert client.get("/live").get_json()["inbox"] != state["inbox"]


def test_polling_is_not_activity(app: Flask, reference: None, client: FlaskClient) -> None:
    login(client, "zjj")
    with client.session_transaction() as session:
        session[LAST_SEEN] -= 600
        before = session[LAST_SEEN]
    assert client.get("/live").status_code == 200
    with client.session_transaction() as session:
        assert session[LAST_SEEN] == before  # an open tab polling does not keep it alive
    with client.session_transaction() as session:
        session[LAST_SEEN] -= int(app.permanent_session_lifetime.total_seconds())
    expired = client.get("/live")
    assert expired.status_code == 302 and expired.headers["Location"].startswith("/login")


def test_pages_carry_the_poll(app: Flask, reference: None, client: FlaskClient) -> None:
    login(client, "agent")
    page = client.get("/dispatch").get_data(as_text=True)
    assert 'data-live-url="/live"' in page and 'data-live="dispatch"' in page
    assert "js/live.js" in page and 'data-live-badge="未读"' in page
    assert client.get("/static/js/live.js").status_code == 200
