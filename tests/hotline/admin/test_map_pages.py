"""The city's boundary GeoJSON and the gazetteer's points through the admin pages: a bad file is
a 400 that says why and stores nothing; a good one replaces the map, audited; a moved point is
audited and places the street's tickets at once; a community (社区/村) lies in a street of its
district."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from hotline.app.extensions import db
from hotline.catalogue import snapshot
from hotline.models import CityMap, Place
from hotline.reporting import street_map
from tests.hotline.admin.helpers import entries, field_error, last, post, sign_in

SQUARE = [[114.0, 30.0], [114.1, 30.0], [114.1, 30.1], [114.0, 30.1], [114.0, 30.0]]


def feature(code: str) -> dict[str, Any]:
    return {"type": "Feature", "properties": {"code": code, "name": code},
            "geometry": {"type": "Polygon", "coordinates": [SQUARE]}}


def upload(client: FlaskClient, body: bytes, name: str = "city.geojson") -> TestResponse:
    return post(client, "/admin/map", {"geojson": (io.BytesIO(body), name)})


@pytest.mark.parametrize(("body", "words"), [
    (b"{not json", "JSON"),
    (json.dumps({"type": "FeatureCollection", "features": [feature("x9")]}).encode(), "x9"),
    (json.dumps({"type": "FeatureCollection", "features": [feature("a1-s1")]}).encode(),
     "district"),
    (b"", "GeoJSON"),
])
def test_a_bad_file_is_refused_with_the_reason(reference: None, client: FlaskClient,
                                               body: bytes, words: str) -> None:
    sign_in(client, "admin")
    before = db.session.scalar(select(func.count(CityMap.id)))
    response = upload(client, body)
    assert response.status_code == 400
    assert words in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(CityMap.id))) == before
    assert entries("city_map") == []


def test_a_good_file_becomes_the_map_audited(reference: None, client: FlaskClient) -> None:
    sign_in(client, "admin")
    demo = street_map.current(db.session)
    assert demo is not None and demo.uploaded_by == "system"  # the demo city's, seeded
    body = json.dumps({"type": "FeatureCollection",
                       "features": [feature("a1-s1"), feature("a1")]}, ensure_ascii=False)
    response = upload(client, body.encode(), "my-city.geojson")
    assert response.status_code == 302
    current = street_map.current(db.session)
    assert current.id != demo.id and current.features == 2 and current.uploaded_by == "admin"
    assert [f["properties"]["code"] for f in current.geojson["features"]] == ["a1", "a1-s1"]
    entry = last("city_map")
    assert (entry.action, entry.after) == ("create", {"file": "my-city.geojson", "districts": 1,
                                                      "streets": 1})
    page = client.get("/admin/map").get_data(as_text=True)
    assert "my-city.geojson" in page


def test_moving_a_street_point_is_audited_and_used(reference: None, client: FlaskClient) -> None:
    sign_in(client, "admin")
    place = db.session.scalars(select(Place).where(Place.code == "a1-s1")).one()
    data = {"name": place.name, "kind": "street", "district_code": "a1",
            "aliases": place.aliases, "active": "1"}
    half = post(client, f"/admin/places/{place.id}", data | {"lat": "30.2", "lng": ""})
    assert half.status_code == 400 and "latitude and longitude" in field_error(half, "lat")
    assert post(client, f"/admin/places/{place.id}",
                data | {"lat": "30.2222", "lng": "114.0333"}).status_code == 302
    entry = last("places")
    assert (entry.after["lat"], entry.after["lng"]) == (30.2222, 114.0333)
    assert snapshot.current(db.session).place_points["a1-s1"] == (30.2222, 114.0333)


def test_a_community_needs_a_street_of_its_district(reference: None, client: FlaskClient) -> None:
    sign_in(client, "admin")
    data = {"code": "a1-s1-c9", "name": "新湖社区", "kind": "community", "district_code": "a1",
            "aliases": "新湖", "lat": "30.215", "lng": "114.02", "active": "1"}
    for street, words in (("", "必填"), ("a1-s9", "a1-s9"), ("a2-s1", "西山街道 不在区县 a1")):
        refused = post(client, "/admin/places/new", data | {"street_code": street})
        assert refused.status_code == 400, street
        assert words in field_error(refused, "street_code")
    assert entries("places") == []
    assert post(client, "/admin/places/new", data | {"street_code": "a1-s1"}).status_code == 302
    entry = last("places")
    assert entry.action == "create"
    assert (entry.after["street_code"], entry.after["lat"]) == ("a1-s1", 30.215)
    assert snapshot.current(db.session).place_points["a1-s1-c9"] == (30.215, 114.02)
    assert snapshot.current(db.session).gazetteer.find("新湖那边停电").community_code == "a1-s1-c9"


def test_a_street_keeps_no_street_code(reference: None, client: FlaskClient) -> None:
    sign_in(client, "admin")
    place = db.session.scalars(select(Place).where(Place.code == "a1-s1")).one()
    assert post(client, f"/admin/places/{place.id}", {
        "name": place.name, "kind": "street", "district_code": "a1", "street_code": "a1-s2",
        "aliases": place.aliases, "active": "1"}).status_code == 302
    db.session.refresh(place)
    assert place.street_code is None


def test_community_aliases_are_edited_audited_and_checked(reference: None,
                                                          client: FlaskClient) -> None:
    """A community's aliases (旧称, short names) are admin-editable and audited; one that would
    name a street or district, or another community of its street, or a single character, is
    refused beside the field; another street's community may share one (its street decides)."""
    sign_in(client, "admin")
    place = db.session.scalars(select(Place).where(Place.code == "a1-s2-c2")).one()  # 春晖社区
    data = {"name": place.name, "kind": "community", "district_code": "a1",
            "street_code": "a1-s2", "lat": str(place.lat), "lng": str(place.lng), "active": "1"}
    for aliases, words in (("春晖小区,迎春", "迎春街道（a1-s2）"),
                           ("青年路小区", "青年路社区（a1-s2-c3）"),
                           ("春晖小区，A2", "A2区（a2）"),
                           ("晖", "2 到 40")):
        refused = post(client, f"/admin/places/{place.id}", data | {"aliases": aliases})
        assert refused.status_code == 400, aliases
        assert words in field_error(refused, "aliases"), aliases
    assert entries("places") == []
    assert post(client, f"/admin/places/{place.id}",
                data | {"aliases": "春晖小区，春晖新村、湖滨小区"}).status_code == 302
    entry = last("places")
    assert (entry.action, entry.after["aliases"]) == ("update", "春晖小区,春晖新村,湖滨小区")
    gazetteer = snapshot.current(db.session).gazetteer
    assert gazetteer.find("春晖新村停水了").community_code == "a1-s2-c2"
    # 湖滨小区 is 东湖街道's 湖滨社区 too: the address's street decides which.
    assert gazetteer.find("湖滨小区停水了", "迎春街道").community_code == "a1-s2-c2"
    assert gazetteer.find("湖滨小区停水了", "东湖街道").community_code == "a1-s1-c1"
    assert gazetteer.find("湖滨小区停水了").street_code is None  # two streets: neither
    english = post(client, f"/admin/places/{place.id}?lang=en", data | {"aliases": "迎春"})
    assert "is already the name or alias of" in field_error(english, "aliases")
