"""Coordinates through the API and Open311: a ticket's own point round-trips exactly; a ticket
with only a community, street or district is placed at the most specific of those places' points
and says it is approximate."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.app.extensions import db
from hotline.catalogue import snapshot
from hotline.models import Place
from tests.conftest import ChangeSettings, drain
from tests.hotline.api.test_api import intake, token

KEY = "open311-test-key"


@pytest.fixture(autouse=True)
def _keys(settings: ChangeSettings) -> None:
    settings(open311_api_keys=frozenset({KEY}))


def place(code: str) -> Place:
    return db.session.scalars(select(Place).where(Place.code == code)).one()


def test_api_intake_with_lat_long_is_exact(app: Flask, client: FlaskClient,
                                           reference: None) -> None:
    agent = token("agent")
    number = intake(client, agent, content="东湖街道路灯坏了", lat=30.2101, long=114.0302)
    drain(app)
    body = client.get(f"/api/v1/tickets/{number}", headers=agent).get_json()
    assert body["street"] == "a1-s1"
    assert body["location"] == {"lat": 30.2101, "lng": 114.0302, "approximate": False,
                                "source": "ticket"}


def test_a_ticket_with_only_a_street_is_placed_there_approximately(
        app: Flask, client: FlaskClient, reference: None) -> None:
    agent = token("agent")
    street = intake(client, agent, content="东湖街道幸福小区路灯坏了")
    district = intake(client, agent, content="A2区有一处路灯坏了")
    nowhere = intake(client, agent, content="路灯坏了")
    drain(app)
    east_lake, a2 = place("a1-s1"), place("a2")
    assert client.get(f"/api/v1/tickets/{street}", headers=agent).get_json()["location"] == {
        "lat": east_lake.lat, "lng": east_lake.lng, "approximate": True, "source": "street"}
    assert client.get(f"/api/v1/tickets/{district}", headers=agent).get_json()["location"] == {
        "lat": a2.lat, "lng": a2.lng, "approximate": True, "source": "district"}
    assert client.get(f"/api/v1/tickets/{nowhere}", headers=agent).get_json()["location"] is None


def test_a_ticket_in_a_named_community_is_placed_at_its_point_else_its_streets(
        app: Flask, client: FlaskClient, reference: None) -> None:
    agent = token("agent")
    number = intake(client, agent, content="东湖街道湖滨社区3栋楼下路灯坏了")
    drain(app)
    community, street = place("a1-s1-c1"), place("a1-s1")
    body = client.get(f"/api/v1/tickets/{number}", headers=agent).get_json()
    assert (body["street"], body["community"]) == ("a1-s1", "a1-s1-c1")
    assert body["location"] == {"lat": community.lat, "lng": community.lng, "approximate": True,
                                "source": "community"}
    community.lat = community.lng = None  # the administrator cleared the community's point
    snapshot.bump(db.session)
    db.session.commit()
    assert client.get(f"/api/v1/tickets/{number}", headers=agent).get_json()["location"] == {
        "lat": street.lat, "lng": street.lng, "approximate": True, "source": "street"}


def test_half_a_point_is_refused(client: FlaskClient, reference: None) -> None:
    response = client.post("/api/v1/intakes", json={"content": "路灯坏了", "lat": 30.2},
                           headers=token("agent"))
    assert response.status_code == 400
    assert "latitude and longitude" in response.get_data(as_text=True)


def test_open311_lat_long_round_trip_from_the_ticket(app: Flask, client: FlaskClient,
                                                     reference: None) -> None:
    response = client.post("/open311/v2/requests.json", data={
        "api_key": KEY, "service_code": "cxjs", "description": "路灯坏了",
        "lat": "30.1234", "long": "114.0567"})
    assert response.status_code == 201, response.get_data(as_text=True)
    number = response.get_json()[0]["service_request_id"]
    drain(app)
    [record] = client.get(f"/open311/v2/requests/{number}.json").get_json()
    assert (record["lat"], record["long"]) == (30.1234, 114.0567)
    listed = client.get("/open311/v2/requests.json").get_json()
    assert [(r["lat"], r["long"]) for r in listed if r["service_request_id"] == number] == [
        (30.1234, 114.0567)]
