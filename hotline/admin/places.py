"""The city's gazetteer (districts, streets and their communities, their aliases and points) and
its boundary GeoJSON, which administrators replace with their own city's."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.admin import fields as f
from hotline.admin.entity import Entity
from hotline.admin.fields import Field
from hotline.domain.errors import InvalidInput
from hotline.identity import audit
from hotline.models import CityMap, Place, User
from routing.geo import MapSummary, check_city_map, check_point
from routing.places import name_key

KINDS = {"district": _l("区县"), "street": _l("街道/乡镇"), "community": _l("社区/村")}
MAX_MAP_BYTES = 10 * 1024 * 1024  # a city's districts and streets, simplified for a screen
MAP_ENTITY = "city_map"


def place_dict(place: Place) -> dict[str, Any]:
    return {"id": place.id, "code": place.code, "name": place.name, "kind": place.kind,
            "district_code": place.district_code, "street_code": place.street_code,
            "aliases": place.aliases,
            "lat": place.lat, "lng": place.lng, "active": place.active}


def _number(data: Mapping[str, Any], key: str) -> str | None:
    return f.opt(data, key, 20)


def _street(session: Session, data: Mapping[str, Any], district: str) -> str:
    """A community's street: a street of the gazetteer in the community's district."""
    code = f.required(data, "street_code", 16)
    street = session.scalars(select(Place).where(Place.code == code,
                                                 Place.kind == "street")).one_or_none()
    if street is None:
        raise InvalidInput(_("未知街道：%(code)s", code=code), field="street_code")
    if street.district_code != district:
        raise InvalidInput(_("街道 %(street)s 不在区县 %(district)s", street=street.name,
                             district=district), field="street_code")
    return code


MIN_ALIAS, MAX_ALIAS = 2, 40  # a one-character alias (村, 湖) would be found in every message


def _check_community_aliases(session: Session, place: Place, words: list[str]) -> None:
    """A community's aliases (旧称, short names: 幸福小区, 幸福村) must each name it alone within
    its street: not a district's or street's name or alias anywhere in the city (the gazetteer
    would read the broader place and lose the street) nor another community's of the same street
    (two communities, so neither). Two streets' communities may share one: the street decides."""
    others = session.scalars(select(Place).where(
        Place.code != (place.code or ""),
        (Place.kind != "community") | (Place.street_code == place.street_code))).all()
    taken = {name_key(word): other for other in others
             for word in (other.name, *other.alias_list)}
    for word in words:
        if not MIN_ALIAS <= len(name_key(word)) <= MAX_ALIAS:
            raise InvalidInput(_("别名「%(alias)s」须为 %(min)d 到 %(max)d 个字", alias=word,
                                 min=MIN_ALIAS, max=MAX_ALIAS), field="aliases")
        other = taken.get(name_key(word))
        if other is not None:
            raise InvalidInput(_("别名「%(alias)s」已是%(kind)s %(name)s（%(code)s）的名称或别名",
                                 alias=word, kind=KINDS.get(other.kind, other.kind),
                                 name=other.name, code=other.code), field="aliases")


def _fill_place(session: Session, place: Place, data: Mapping[str, Any], _user: User) -> None:
    if place.id is None:
        place.code = f.code(data, "code", 16)
        f.unique(session, Place, Place.code, place.code, place, "code")
    place.name = f.required(data, "name", 40)
    place.kind = f.choice(data, "kind", tuple(KINDS)) or "street"
    district = f.required(data, "district_code", 16)
    if place.kind == "district":
        if district != place.code:
            raise InvalidInput(_("区县的所属区县须为它自己的代码"), field="district_code")
    elif session.scalars(select(Place).where(Place.code == district,
                                             Place.kind == "district")).one_or_none() is None:
        raise InvalidInput(_("未知区县：%(code)s", code=district), field="district_code")
    place.district_code = district
    place.street_code = _street(session, data, district) if place.kind == "community" else None
    aliases = f.opt(data, "aliases", 2000) or ""
    words = list(dict.fromkeys(a.strip() for a in aliases.replace("，", ",").replace("、", ",")
                               .split(",") if a.strip()))
    if place.kind == "community":
        _check_community_aliases(session, place, words)
    place.aliases = ",".join(words)
    try:
        point = check_point(_number(data, "lat"), _number(data, "lng"))
    except ValueError as exc:
        raise InvalidInput(str(exc), field="lat") from None
    place.lat, place.lng = point if point else (None, None)
    place.active = f.flag(data, "active")


PLACES = Entity(
    Place, _fill_place, place_dict, _l("地名与坐标"),
    fields=(
        Field("code", _l("代码"), required=True, on_create_only=True,
              help=_l("如 a1（区县）、a1-s1（街道）、a1-s1-c1（社区）；边界 GeoJSON 以此代码对应区县和街道")),
        Field("name", _l("名称"), required=True),
        Field("kind", _l("类型"), "select", choices=f.fixed(KINDS)),
        Field("district_code", _l("所属区县"), required=True, help=_l("区县代码；区县填它自己的代码")),
        Field("street_code", _l("所属街道"), help=_l("社区/村必填：所在街道的代码，如 a1-s1")),
        Field("aliases", _l("别名"), help=_l("逗号分隔，市民常写的叫法；社区/村可填旧称、简称，如 幸福小区、幸福村（每个至少两个字，不能与街道、区县或本街道其他社区的名称或别名相同）")),
        Field("lat", _l("纬度"), "number", attrs={"step": "any", "min": "-90", "max": "90"},
              help=_l("WGS 84；没有自己坐标的工单画在所在社区（否则街道、区县）的这个点上，标为大致位置")),
        Field("lng", _l("经度"), "number", attrs={"step": "any", "min": "-180", "max": "180"}),
        Field("active", _l("启用"), "checkbox"),
    ),
    columns=(("code", _l("代码")), ("name", _l("名称")), ("kind", _l("类型")),
             ("district_code", _l("所属区县")), ("street_code", _l("所属街道")),
             ("aliases", _l("别名")), ("lat", _l("纬度")),
             ("lng", _l("经度")), ("active", _l("启用"))),
    order=(Place.district_code, Place.code),
)


def upload_map(session: Session, user: User, raw: bytes, filename: str) -> MapSummary:
    """Check an uploaded boundary file against the gazetteer and store it as the city's map,
    audited; InvalidInput (400) says what is wrong."""
    if not raw:
        raise InvalidInput(_("请选择 GeoJSON 文件"), field="geojson")
    if len(raw) > MAX_MAP_BYTES:
        raise InvalidInput(_("文件过大（最多 %(n)d MB）", n=MAX_MAP_BYTES // 1024 // 1024),
                           field="geojson")
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise InvalidInput(_("不是 UTF-8 编码的 JSON 文件"), field="geojson") from None
    places = session.scalars(select(Place)).all()
    try:
        summary = check_city_map(doc, [p.code for p in places if p.kind == "district"],
                                 [p.code for p in places if p.kind == "street"])
    except ValueError as exc:
        raise InvalidInput(str(exc), field="geojson") from None
    # Districts first: ECharts draws features in order, so streets lie over their district.
    doc["features"].sort(key=lambda feature: feature["properties"]["code"] in summary.streets)
    row = CityMap(geojson=doc, features=summary.features, uploaded_by=user.username,
                  note=filename[:200])
    session.add(row)
    session.flush()
    audit.record(session, user, MAP_ENTITY, row.id, audit.CREATE, None,
                 {"file": row.note, "districts": len(summary.districts),
                  "streets": len(summary.streets)})
    return summary
