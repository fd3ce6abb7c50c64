"""The dashboard's map: open and overdue tickets by street, red where they pile up (004:1607).

The numbers are the same in the map and in the table beside it (the page is complete without
scripts); the map is drawn by the vendored ECharts from the city's own boundary GeoJSON (the
newest `CityMap`, fetched from its own cacheable URL rather than carried in the page), with no
tile server. A ticket is counted in the street it is located in
(`Ticket.street`, found by the gazetteer); one with a district only counts in the district's
row 未定位到街道, drawn at the district's point.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.app.tables import Table
from hotline.models import CityMap, Place
from hotline.reporting import figures

RED_OVERDUE = 3  # overdue tickets in one street that make it red: problems piling up
RED_OPEN = 20  # or this many open ones, overdue or not
YELLOW_OVERDUE = 1


def level(open_count: int, overdue: int) -> str:
    """"red" where tickets pile up, "yellow" where one is overdue, else "none"."""
    if overdue >= RED_OVERDUE or open_count >= RED_OPEN:
        return "red"
    return "yellow" if overdue >= YELLOW_OVERDUE else "none"


def level_labels() -> dict[str, str]:
    return {"red": _("积压"), "yellow": _("有超期"), "none": _("正常")}


@dataclass(frozen=True)
class MapStreet:
    """One row of the map: a street (or a district's tickets with no street) and its load."""

    code: str  # the street's code, or the district's for tickets located only by district
    district: str
    name: str
    open: int
    overdue: int
    point: tuple[float, float] | None
    is_street: bool
    communities: int = 0  # the street's communities in the gazetteer: the map drills into them

    @property
    def level(self) -> str:
        return level(self.open, self.overdue)


@dataclass(frozen=True)
class MapCommunity:
    """One row of the map drilled into a street: a community (社区/村) of it, or the street's
    tickets placed in no community, and their load."""

    code: str  # the community's code, or the street's for its tickets in no community
    name: str
    open: int
    overdue: int
    point: tuple[float, float] | None
    is_community: bool

    @property
    def level(self) -> str:
        return level(self.open, self.overdue)


def places(session: Session) -> list[Place]:
    """The active gazetteer, districts, streets and communities, in code order (one query for
    the map and its drill-down)."""
    return list(session.scalars(select(Place).where(Place.active)
                                .order_by(Place.district_code, Place.code)))


def streets(session: Session, now: datetime, gazetteer: list[Place] | None = None
            ) -> list[MapStreet]:
    """Every street of the gazetteer (zeros included, so a quiet street is seen to be quiet),
    and a row per district for its tickets with no street, worst first."""
    rows_of = places(session) if gazetteer is None else gazetteer
    names = {p.code: p.name for p in rows_of if p.kind == "district"}
    in_street = Counter(p.street_code for p in rows_of if p.kind == "community")
    load = {(r.district, r.street): r for r in figures.street_load(session, now)}
    rows = []
    for p in rows_of:
        if p.kind not in ("district", "street"):
            continue
        key = (p.district_code, p.code if p.kind == "street" else None)
        found = load.get(key)
        if p.kind == "district" and found is None:
            continue  # no ticket without a street in this district: no row for it
        rows.append(MapStreet(
            code=p.code, district=names.get(p.district_code, p.district_code),
            name=p.name if p.kind == "street" else _("未定位到街道"),
            open=found.open if found else 0, overdue=found.overdue if found else 0,
            point=p.point, is_street=p.kind == "street",
            communities=in_street[p.code] if p.kind == "street" else 0))
    return sorted(rows, key=lambda r: (-r.overdue, -r.open, r.code))


def communities(session: Session, now: datetime, street: Place,
                gazetteer: list[Place]) -> list[MapCommunity]:
    """The street's communities (zeros included), worst first, then a row for its tickets
    placed in no community when there are any: one grouped query."""
    load = {r.street: r for r in figures.community_load(session, now, street.code)}
    rows = [MapCommunity(p.code, p.name, load[p.code].open if p.code in load else 0,
                         load[p.code].overdue if p.code in load else 0, p.point, True)
            for p in gazetteer if p.kind == "community" and p.street_code == street.code]
    known = {r.code for r in rows}
    rows.sort(key=lambda r: (-r.overdue, -r.open, r.code))
    placed_nowhere = [r for code, r in load.items() if code is None or code not in known]
    if placed_nowhere:  # last: the street's own row, not a community's
        rows.append(MapCommunity(street.code, _("未定位到社区"),
                                 sum(r.open for r in placed_nowhere),
                                 sum(r.overdue for r in placed_nowhere), street.point, False))
    return rows


def table(rows: list[MapStreet]) -> Table:
    labels = level_labels()
    return Table("map", _("各街道在办与超期（当前）"),
                 [_("区县"), _("街道"), _("在办"), _("超期"), _("状态")],
                 [[r.district, r.name, r.open, r.overdue, labels[r.level]] for r in rows],
                 caption=_("超期 %(red)d 件以上或在办 %(open)d 件以上的街道标红；工单按所在街道统计。",
                           red=RED_OVERDUE, open=RED_OPEN))


def community_table(street: Place, rows: list[MapCommunity]) -> Table:
    labels = level_labels()
    return Table("map", _("%(street)s各社区/村在办与超期（当前）", street=street.name),
                 [_("街道"), _("社区/村"), _("在办"), _("超期"), _("状态")],
                 [[street.name, r.name, r.open, r.overdue, labels[r.level]] for r in rows],
                 caption=_("超期 %(red)d 件以上或在办 %(open)d 件以上的社区标红；工单按所在社区统计"
                           "（市民说出的社区，或下派到的社区）。",
                           red=RED_OVERDUE, open=RED_OPEN))


def current(session: Session) -> CityMap | None:
    """The newest uploaded boundary file (the demo city's until an administrator uploads)."""
    return session.scalars(select(CityMap).order_by(CityMap.id.desc()).limit(1)).one_or_none()


@dataclass(frozen=True)
class MapVersion:
    """Which boundary file is current, read without the file itself: what a page needs to link
    it and the file's URL needs to answer a browser's revalidation with 304."""

    id: int
    uploaded_at: datetime

    @property
    def etag(self) -> str:
        """Each upload is a new row, so the row's id names the file's content; its upload time
        keeps a rebuilt database's row 1 from passing for the old one's."""
        return f"city-map-{self.id}-{int(self.uploaded_at.timestamp())}"


def current_version(session: Session) -> MapVersion | None:
    row = session.execute(select(CityMap.id, CityMap.uploaded_at)
                          .order_by(CityMap.id.desc()).limit(1)).one_or_none()
    return MapVersion(row.id, row.uploaded_at) if row else None


def geojson_url(session: Session) -> str | None:
    """Where a page's script fetches the boundaries (hotline.channels.citizen serves them);
    None when there is no map to draw."""
    return url_for("citizen.city_map") if current_version(session) else None


def chart(rows: list[MapStreet], geojson_url: str | None, links: dict[str, str], *,
          drills: dict[str, str] | None = None, focus: Place | None = None,
          inside: list[MapCommunity] | None = None,
          inside_links: dict[str, str] | None = None) -> dict[str, Any]:
    """What static/js/street_map.js draws: where to fetch the boundaries (None: no map), each
    row's numbers, level, point and drill-down link (`links` by code, made by the view), and
    `drills`, the link into a street with communities. Drilled into a street (`focus`), the
    map centres on it and draws its communities (`inside`, linked by `inside_links`)."""
    drills = drills or {}
    out: dict[str, Any] = {
        "geojson_url": geojson_url,
        "streets": [{"code": r.code, "name": f"{r.district} {r.name}", "short": r.name,
                     "open": r.open,
                     "overdue": r.overdue, "level": r.level, "url": links[r.code], "street": r.is_street,
                     "drill": drills.get(r.code),
                     "lat": r.point[0] if r.point else None,
                     "lng": r.point[1] if r.point else None} for r in rows],
        "labels": {"open": _("在办"), "overdue": _("超期")},
    }
    if focus is not None:
        out["focus"] = {"code": focus.code, "name": focus.name,
                        "lat": focus.lat, "lng": focus.lng}
        out["communities"] = [
            {"code": r.code, "name": f"{focus.name} {r.name}", "open": r.open,
             "overdue": r.overdue, "level": r.level, "url": (inside_links or {})[r.code],
             "lat": r.point[0], "lng": r.point[1]}
            for r in inside or [] if r.is_community and r.point is not None]
    return out
