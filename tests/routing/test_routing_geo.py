"""Where a ticket is drawn (its own point, else its community's, street's or district's,
approximate) and what a boundary file must be; the demo city's points lie inside its own
boundaries, its communities' inside their street's."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from routing.geo import Location, check_city_map, check_point, place_ticket

SEED = Path(__file__).parents[2] / "hotline" / "seed"
COMMUNITY, STREET, DISTRICT = (30.22, 114.11), (30.2, 114.1), (30.1, 114.0)
OWN = (30.21, 114.12)


def test_own_point_is_exact_and_wins() -> None:
    assert place_ticket(OWN, COMMUNITY, STREET, DISTRICT) == \
        Location(30.21, 114.12, False, "ticket")


def test_without_own_point_the_community_then_street_then_district_approximately() -> None:
    assert place_ticket(None, COMMUNITY, STREET, DISTRICT) == \
        Location(30.22, 114.11, True, "community")
    assert place_ticket(None, None, STREET, DISTRICT) == Location(30.2, 114.1, True, "street")
    assert place_ticket(None, None, None, DISTRICT) == Location(30.1, 114.0, True, "district")
    assert place_ticket(None, None, None, None) is None


def test_a_point_needs_both_halves_in_range() -> None:
    assert check_point(None, None) is None
    assert check_point("30.5", 114) == (30.5, 114.0)
    for lat, lng in ((30, None), (91, 0), (0, 181), ("north", 1), (0, 0)):
        with pytest.raises(ValueError):
            check_point(lat, lng)


def _square(code: str, x: float = 114.0) -> dict[str, Any]:
    ring = [[x, 30.0], [x + 0.1, 30.0], [x + 0.1, 30.1], [x, 30.1], [x, 30.0]]
    return {"type": "Feature", "properties": {"code": code},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def _collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def test_a_good_file_is_summarised() -> None:
    summary = check_city_map(_collection(_square("a1"), _square("a1-s1")), {"a1"}, {"a1-s1"})
    assert summary.districts == {"a1"} and summary.streets == {"a1-s1"} and summary.features == 2


@pytest.mark.parametrize(("doc", "words"), [
    ([], "FeatureCollection"),
    ({"type": "FeatureCollection", "features": []}, "non-empty"),
    (_collection(_square("zz")), "code zz"),
    (_collection(_square("a1"), _square("a1")), "twice"),
    (_collection(_square("a1-s1")), "at least one district"),
    (_collection({"type": "Feature", "properties": {}, "geometry": None}), "properties.code"),
    (_collection({"type": "Feature", "properties": {"code": "a1"},
                  "geometry": {"type": "Point", "coordinates": [114, 30]}}), "Polygon"),
    (_collection({"type": "Feature", "properties": {"code": "a1"},
                  "geometry": {"type": "Polygon", "coordinates": [[[114, 30], [115, 30],
                                                                   [115, 31], [114, 31]]]}}),
     "not closed"),
    (_collection({"type": "Feature", "properties": {"code": "a1"},
                  "geometry": {"type": "Polygon", "coordinates": [[[114, 30], [115, 91],
                                                                   [115, 31], [114, 30]]]}}),
     "within range"),
])
def test_a_bad_file_says_what_is_wrong(doc: Any, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        check_city_map(doc, {"a1"}, {"a1-s1"})


def _inside(ring: list[list[float]], lat: float, lng: float) -> bool:
    """Even-odd rule."""
    inside = False
    for (x0, y0), (x1, y1) in pairwise(ring):
        if (y0 > lat) != (y1 > lat) and lng < x0 + (lat - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def test_the_demo_city_points_lie_in_its_boundaries() -> None:
    city = json.loads((SEED / "city.json").read_text(encoding="utf-8"))
    doc = json.loads((SEED / "city.geojson").read_text(encoding="utf-8"))
    places = {d["code"]: d for d in city["districts"]} | {
        s["code"]: s for d in city["districts"] for s in d["streets"]}
    summary = check_city_map(doc, [d["code"] for d in city["districts"]],
                             [s["code"] for d in city["districts"] for s in d["streets"]])
    assert summary.features == len(places)  # every district and street has its boundary
    for feature in doc["features"]:
        place = places[feature["properties"]["code"]]
        assert _inside(feature["geometry"]["coordinates"][0], place["lat"], place["lng"]), place


def test_the_demo_city_communities_lie_in_their_street() -> None:
    city = json.loads((SEED / "city.json").read_text(encoding="utf-8"))
    doc = json.loads((SEED / "city.geojson").read_text(encoding="utf-8"))
    rings = {f["properties"]["code"]: f["geometry"]["coordinates"][0] for f in doc["features"]}
    communities = [(street["code"], community) for district in city["districts"]
                   for street in district["streets"] for community in street.get("communities", [])]
    units = [u["code"] for u in city["departments"] if u["level"] == "community"]
    assert sorted(c["code"] for _, c in communities) == sorted(units)  # every 社区/村 unit
    for street, community in communities:
        assert community["code"].startswith(street + "-"), community
        assert _inside(rings[street], community["lat"], community["lng"]), community
