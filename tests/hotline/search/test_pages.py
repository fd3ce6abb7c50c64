"""The search page `/tickets`, saved views on it, and `GET /api/v1/tickets` through HTTP."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.app.extensions import db
from hotline.domain.errors import NotFound
from hotline.models import SavedView
from hotline.search import saved
from tests.conftest import csrf_token, login
from tests.hotline.search.test_search import give, make, user
from tests.hotline.tickets.helpers import token


def test_page_searches_pages_and_shows_the_total(app: Flask, client: FlaskClient,
                                                  reference: None) -> None:
    tickets = [make(f"第{i}号楼电梯故障，困人") for i in range(3)]
    make("路灯坏了")
    login(client, "agent")
    page = client.get("/tickets?q=电梯&per_page=2").get_data(as_text=True)
    assert "共 3 件，第 1 / 2 页" in page
    assert tickets[2].number in page and tickets[0].number not in page and "路灯" not in page
    assert "138****8000" in page and "13812348000" not in page
    second = client.get("/tickets?q=电梯&per_page=2&page=2").get_data(as_text=True)
    assert tickets[0].number in second and "上一页" in second
    nav = client.get("/tickets").get_data(as_text=True)
    assert 'href="/tickets"' in nav and "共 4 件" in nav


def test_page_says_what_is_wrong_with_a_search(app: Flask, client: FlaskClient,
                                               reference: None) -> None:
    login(client, "zjj")
    refused = client.get("/tickets?q=13812348000")
    assert refused.status_code == 400 and "后四位" in refused.get_data(as_text=True)
    bad = client.get("/tickets?status=lost")
    assert bad.status_code == 400 and "status" in bad.get_data(as_text=True)


def test_saved_views_per_user(app: Flask, client: FlaskClient, reference: None) -> None:
    login(client, "agent")
    form = {"q": "电梯", "line": "12345", "overdue": "1", "name": "电梯超期"}
    assert client.post("/tickets/views", data=form).status_code == 400  # no CSRF token
    kept = client.post("/tickets/views", data=form | {"csrf_token": csrf_token(client)})
    assert kept.status_code == 302 and "q=" in kept.headers["Location"]
    view = db.session.scalars(select(SavedView)).one()
    assert view.filters == {"q": "电梯", "line": "12345", "overdue": "1"}
    assert view.user_id == user("agent").id
    page = client.get("/tickets").get_data(as_text=True)
    assert "电梯超期" in page
    again = client.post("/tickets/views", data=form | {"line": "12319",
                                                        "csrf_token": csrf_token(client)})
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.scalars(select(SavedView)).one().filters["line"] == "12319"  # replaced
    bad = client.post("/tickets/views", data={"name": "空", "csrf_token": csrf_token(client)})
    assert bad.status_code == 400

    # Another user neither sees nor deletes it (one session per test: the service directly).
    assert saved.views_of(db.session, user("supervisor")) == []
    with pytest.raises(NotFound):
        saved.delete(db.session, user("supervisor"), view.id)
    gone = client.post(f"/tickets/views/{view.id}/delete", data={"csrf_token": csrf_token(client)})
    assert gone.status_code == 302
    assert db.session.scalars(select(SavedView)).all() == []


def test_api_search_filters_total_and_400(app: Flask, client: FlaskClient, reference: None) -> None:
    noise = make("楼道噪音扰民", name="张三")
    make("路灯坏了", phone="13900001111")
    give(noise, "zjj")
    agent = {"Authorization": f"Bearer {token('agent')}"}
    body = client.get("/api/v1/tickets?q=噪音&per_page=1", headers=agent).get_json()
    assert body["total"] == 1 and [t["number"] for t in body["items"]] == [noise.number]
    assert client.get("/api/v1/tickets?q=1111", headers=agent).get_json()["total"] == 1
    assert client.get("/api/v1/tickets?department=zjj", headers=agent).get_json()["total"] == 1
    for bad in ("page=0", "status=lost", "topic=nope", "created_from=yesterday", "per_page=500"):
        response = client.get(f"/api/v1/tickets?{bad}", headers=agent)
        assert response.status_code == 400, bad
        assert response.get_json()["error"]["message"]
    unit = {"Authorization": f"Bearer {token('zjj')}"}
    assert client.get("/api/v1/tickets?q=13900001111", headers=unit).status_code == 400
    assert client.get("/api/v1/tickets?q=路灯", headers=unit).get_json()["total"] == 0


def test_api_documents_the_search(app: Flask, client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    get = spec["paths"]["/api/v1/tickets"]["get"]
    names = {p["name"] for p in get["parameters"]}
    assert {"q", "status", "street", "overdue", "created_from", "page", "per_page"} <= names
    assert "400" in get["responses"]
