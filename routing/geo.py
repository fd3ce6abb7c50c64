"""Where a ticket is on the map, and what a city's boundary GeoJSON must look like.

A ticket's own point (the citizen's browser, a photo's GPS tag, Open311 `lat`/`long`, a pick on
the form's map) is exact. Most calls name only a community, a street or a district, so such a
ticket is drawn at the most specific of those places' points from the gazetteer and says so
(`approximate`): a supervisor must not read a community's or street's centre as the pothole's
position.

The boundary file is what ECharts draws (no tile server): a FeatureCollection of Polygon or
MultiPolygon features whose `properties.code` is a district or street code of the gazetteer.
It is checked here, with no web framework, so the admin page and any import say the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

Point = tuple[float, float]  # (latitude, longitude), WGS 84 degrees

MAX_FEATURES = 5000  # a city's districts and streets; more is not a boundary file
MAX_POSITIONS = 500_000  # vertices over all features: what a browser draws without stalling


@dataclass(frozen=True)
class Location:
    lat: float
    lng: float
    approximate: bool
    """True when the point is the community's, street's or district's, not the ticket's own."""
    source: str
    """"ticket", "community", "street" or "district": where the point came from."""

    def as_dict(self) -> dict[str, Any]:
        return {"lat": self.lat, "lng": self.lng, "approximate": self.approximate,
                "source": self.source}


def place_ticket(own: Point | None, community: Point | None, street: Point | None,
                 district: Point | None) -> Location | None:
    """The ticket's own point, else its community's, else its street's, else its district's
    (all three approximate); None when nothing is known (the ticket is not drawn)."""
    if own is not None:
        return Location(own[0], own[1], False, "ticket")
    if community is not None:
        return Location(community[0], community[1], True, "community")
    if street is not None:
        return Location(street[0], street[1], True, "street")
    if district is not None:
        return Location(district[0], district[1], True, "district")
    return None


def check_point(lat: Any, lng: Any) -> Point | None:
    """Both or neither, numbers within range: a half point or (0, 0) is a typing slip."""
    if lat is None and lng is None:
        return None
    if lat is None or lng is None:
        raise ValueError("纬度和经度须同时填写 / latitude and longitude go together")
    try:
        found = (float(lat), float(lng))
    except (TypeError, ValueError):
        raise ValueError("经纬度须为数字 / latitude and longitude must be numbers") from None
    if not (-90 <= found[0] <= 90 and -180 <= found[1] <= 180) or found == (0.0, 0.0):
        raise ValueError("经纬度超出范围 / latitude or longitude out of range")
    return found


@dataclass(frozen=True)
class MapSummary:
    """What a checked boundary file holds: the codes it draws, by kind."""

    districts: frozenset[str]
    streets: frozenset[str]

    @property
    def features(self) -> int:
        return len(self.districts) + len(self.streets)


def check_city_map(doc: Any, districts: Iterable[str], streets: Iterable[str]) -> MapSummary:
    """Check an uploaded boundary document against the gazetteer's codes; ValueError says
    what is wrong and where (feature index), in Chinese and English."""
    known_districts, known_streets = set(districts), set(streets)
    if not isinstance(doc, Mapping) or doc.get("type") != "FeatureCollection":
        raise ValueError("须为 GeoJSON FeatureCollection / must be a GeoJSON FeatureCollection")
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        raise ValueError("features 须为非空列表 / features must be a non-empty list")
    if len(features) > MAX_FEATURES:
        raise ValueError(f"要素过多（最多 {MAX_FEATURES} 个）/ too many features (at most {MAX_FEATURES})")
    seen: dict[str, set[str]] = {"district": set(), "street": set()}
    positions = 0
    for index, feature in enumerate(features):
        where = f"features[{index}]"
        code = _feature_code(feature, where)
        kind = "district" if code in known_districts else "street" if code in known_streets \
            else None
        if kind is None:
            raise ValueError(f"{where}: 地名库中没有代码 {code} / code {code} is not a district "
                             "or street of the gazetteer")
        if code in seen[kind]:
            raise ValueError(f"{where}: 代码 {code} 重复 / code {code} appears twice")
        seen[kind].add(code)
        positions += _check_geometry(feature.get("geometry"), where)
        if positions > MAX_POSITIONS:
            raise ValueError(f"顶点过多（最多 {MAX_POSITIONS} 个）/ too many vertices "
                             f"(at most {MAX_POSITIONS})")
    if not seen["district"]:
        raise ValueError("至少须有一个区县边界 / at least one district boundary is needed")
    return MapSummary(frozenset(seen["district"]), frozenset(seen["street"]))


def _feature_code(feature: Any, where: str) -> str:
    if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
        raise ValueError(f"{where}: 须为 Feature / must be a Feature")
    properties = feature.get("properties")
    code = properties.get("code") if isinstance(properties, Mapping) else None
    if not isinstance(code, str) or not code.strip():
        raise ValueError(f"{where}: 缺少 properties.code（区县或街道代码）/ properties.code "
                         "(a district or street code) is missing")
    return code


def _check_geometry(geometry: Any, where: str) -> int:
    """Polygon or MultiPolygon with closed rings of at least four positions; the count."""
    if not isinstance(geometry, Mapping) or geometry.get("type") not in ("Polygon",
                                                                          "MultiPolygon"):
        raise ValueError(f"{where}: geometry 须为 Polygon 或 MultiPolygon / geometry must be a "
                         "Polygon or MultiPolygon")
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if geometry["type"] == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons:
        raise ValueError(f"{where}: coordinates 为空 / coordinates are empty")
    count = 0
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise ValueError(f"{where}: 多边形为空 / a polygon is empty")
        for ring in polygon:
            count += _check_ring(ring, where)
    return count


def _check_ring(ring: Any, where: str) -> int:
    if not isinstance(ring, list) or len(ring) < 4:
        raise ValueError(f"{where}: 每个环至少 4 个坐标 / each ring needs at least 4 positions")
    for position in ring:
        if not (isinstance(position, list) and len(position) >= 2
                and all(isinstance(v, int | float) and not isinstance(v, bool)
                        for v in position[:2])
                and -180 <= position[0] <= 180 and -90 <= position[1] <= 90):
            raise ValueError(f"{where}: 坐标须为 [经度, 纬度] 且在范围内 / a position must be "
                             "[longitude, latitude] within range")
    if ring[0][:2] != ring[-1][:2]:
        raise ValueError(f"{where}: 环未闭合（首尾坐标须相同）/ a ring is not closed (first and "
                         "last positions must be equal)")
    return len(ring)

