"""Routing data officials edit: the dispatch catalogue with its keyword rules, SLA policies and
the working calendar (holidays, make-up working days, loaded years)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.admin import fields as f
from hotline.admin.entity import Entity
from hotline.admin.fields import Field
from hotline.app.i18n import Labels
from hotline.app.labels import LINE_LABELS
from hotline.domain.errors import InvalidInput
from hotline.models import (
    CalendarDay,
    CalendarYear,
    DispatchRule,
    Line,
    Place,
    SlaPolicyRow,
    User,
)
from routing.sla import Limit

RULE_URGENCIES = {"emergency": _l("紧急（1小时派单）"), "utility": _l("水电气热（2小时）"),
                  "normal": _l("一般")}
SLA_URGENCIES = {"urgent": _l("紧急"), "normal": _l("一般")}
LIMIT_UNITS = {"calendar_hours": _l("自然小时"), "working_hours": _l("工作小时"),
               "working_days": _l("工作日")}


# --- dispatch rules ---------------------------------------------------------------------------


def rule_dict(rule: DispatchRule) -> dict[str, Any]:
    return {"id": rule.id, "topic": rule.topic.code if rule.topic else None,
            "district": rule.district, "street": rule.street, "line": rule.line,
            "keywords": rule.keywords,
            "department": rule.department.code if rule.department else None,
            "priority": rule.priority, "urgency": rule.urgency, "active": rule.active,
            "note": rule.note}


def _fill_rule(session: Session, rule: DispatchRule, data: Mapping[str, Any], _user: User) -> None:
    unit = f.unit(session, data, "department")
    if unit is None:
        raise InvalidInput(_("必填"), field="department")
    keywords = f.opt(data, "keywords", 2000)
    if keywords:
        keywords = ",".join(w.strip() for w in keywords.replace("，", ",").split(",") if w.strip())
    rule.topic = f.topic(session, data)
    rule.district = f.opt(data, "district", 16)
    rule.street = _street(session, data, rule.district)
    rule.line = f.choice(data, "line", tuple(line.value for line in Line))
    rule.keywords = keywords or None
    rule.department = unit
    rule.priority = f.whole(data, "priority", 0, 100000, default=100)
    rule.urgency = f.choice(data, "urgency", tuple(RULE_URGENCIES))
    rule.active = f.flag(data, "active")
    rule.note = f.opt(data, "note", 200)
    if not (rule.topic or rule.keywords or rule.line or rule.street):
        raise InvalidInput(_("规则须指定分类、关键词、热线或街道之一"), field="topic")


def street_choices(session: Session) -> list[tuple[str, str]]:
    """The gazetteer's streets, each after its district's name (街道 names repeat across cities)."""
    places = list(session.scalars(select(Place).order_by(Place.district_code, Place.code)))
    names = {p.code: p.name for p in places if p.kind == "district"}
    return [(p.code, f"{names.get(p.district_code, p.district_code)} {p.name}（{p.code}）")
            for p in places if p.kind == "street"]


def _street(session: Session, data: Mapping[str, Any], district: str | None) -> str | None:
    """直派街乡: a street of the gazetteer, in the rule's district when it names one."""
    code = f.opt(data, "street", 16)
    if code is None:
        return None
    place = session.scalars(select(Place).where(Place.code == code,
                                                Place.kind == "street")).one_or_none()
    if place is None:
        raise InvalidInput(_("未知街道：%(code)s", code=code), field="street")
    if district is not None and place.district_code != district:
        raise InvalidInput(_("街道 %(street)s 不在区县 %(district)s", street=place.name,
                             district=district), field="street")
    return place.code


RULES = Entity(
    DispatchRule, _fill_rule, rule_dict, _l("派单规则"),
    fields=(
        Field("keywords", _l("关键词"), help=_l("逗号分隔，任一命中即适用；关键词规则优先于智能分类")),
        Field("topic", _l("分类"), "select", choices=f.topic_choices),
        Field("district", _l("区县"), help=_l("区县代码，如 a1；留空为全市")),
        Field("street", _l("街道"), "select", choices=street_choices, empty=f.NONE,
              help=_l("直派街乡：只适用于位于该街道的工单，可直接派给街道/乡镇；未选分类时该街道的工单都适用")),
        Field("line", _l("热线"), "select", choices=f.fixed(Labels(LINE_LABELS))),
        Field("department", _l("承办单位"), "select", required=True, choices=f.unit_choices),
        Field("priority", _l("优先级"), "number", help=_l("数字越大越优先，默认 100")),
        Field("urgency", _l("紧急程度"), "select", choices=f.fixed(RULE_URGENCIES)),
        Field("active", _l("启用"), "checkbox"),
        Field("note", _l("说明")),
    ),
    columns=(("keywords", _l("关键词")), ("topic", _l("分类")), ("district", _l("区县")),
             ("street", _l("街道")), ("line", _l("热线")), ("department", _l("承办单位")), ("priority", _l("优先级")),
             ("urgency", _l("紧急程度")), ("active", _l("启用"))),
    order=(DispatchRule.priority.desc(), DispatchRule.id),
    deletable=True,
)


# --- SLA policies -----------------------------------------------------------------------------


def sla_dict(row: SlaPolicyRow) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "topic": row.topic.code if row.topic else None,
            "urgency": row.urgency, **{f"{s}_{p}": getattr(row, f"{s}_{p}")
                                       for s in ("dispatch", "sign", "reply", "contact")
                                       for p in ("amount", "unit")},
            "active": row.active, "note": row.note}


STEPS = {"dispatch": _l("派单时限"), "sign": _l("签收时限"), "reply": _l("答复时限"),
         "contact": _l("先行联系时限")}


def _fill_sla(session: Session, row: SlaPolicyRow, data: Mapping[str, Any], _user: User) -> None:
    row.name = f.required(data, "name", 40)
    f.unique(session, SlaPolicyRow, SlaPolicyRow.name, row.name, row, "name")
    row.topic = f.topic(session, data)
    row.urgency = f.choice(data, "urgency", tuple(SLA_URGENCIES))
    for step in STEPS:
        if step == "contact" and f.opt(data, "contact_unit") is None \
                and f.opt(data, "contact_amount") is None:
            continue  # left empty (or an older client): the row's, or routing.sla's default
        unit = f.choice(data, f"{step}_unit", tuple(LIMIT_UNITS))
        if unit is None:
            raise InvalidInput(_("必填"), field=f"{step}_unit")
        try:
            limit = Limit(float(str(data.get(f"{step}_amount", "")).strip()), unit)
        except ValueError:
            raise InvalidInput(_("须为大于 0 的数"), field=f"{step}_amount") from None
        setattr(row, f"{step}_amount", limit.amount)
        setattr(row, f"{step}_unit", limit.unit.value)
    row.active = f.flag(data, "active")
    row.note = f.opt(data, "note", 200)


SLA = Entity(
    SlaPolicyRow, _fill_sla, sla_dict, _l("时限策略"),
    fields=(
        Field("name", _l("名称"), required=True),
        Field("topic", _l("分类"), "select", choices=f.topic_choices,
              help=_l("留空适用于所有分类；下级分类继承上级的策略")),
        Field("urgency", _l("紧急程度"), "select", choices=f.fixed(SLA_URGENCIES)),
        *(field for step, label in STEPS.items() for field in (
            Field(f"{step}_amount", label, "number", required=step != "contact",
                  attrs={"step": "any"}),
            Field(f"{step}_unit", _l("单位"), "select", required=step != "contact",
                  choices=f.fixed(LIMIT_UNITS)))),
        Field("active", _l("启用"), "checkbox"),
        Field("note", _l("说明")),
    ),
    columns=(("name", _l("名称")), ("topic", _l("分类")), ("urgency", _l("紧急程度")),
             ("dispatch_amount", _l("派单")), ("sign_amount", _l("签收")),
             ("reply_amount", _l("答复")), ("contact_amount", _l("先行联系")),
             ("active", _l("启用"))),
    order=(SlaPolicyRow.name,),
    deletable=True,
)


# --- calendar ---------------------------------------------------------------------------------


def day_dict(row: CalendarDay) -> dict[str, Any]:
    return {"id": row.id, "day": row.day.isoformat() if row.day else None,
            "workday": row.workday, "name": row.name}


def _fill_day(session: Session, row: CalendarDay, data: Mapping[str, Any], _user: User) -> None:
    try:
        day = date.fromisoformat(str(data.get("day", "")).strip())
    except ValueError:
        raise InvalidInput(_("日期格式须为 YYYY-MM-DD"), field="day") from None
    f.unique(session, CalendarDay, CalendarDay.day, day, row, "day")
    row.day, row.workday = day, f.flag(data, "workday", default=False)
    row.name = f.opt(data, "name", 60) or ""


DAYS = Entity(
    CalendarDay, _fill_day, day_dict, _l("节假日与调休"),
    fields=(
        Field("day", _l("日期"), "date", required=True),
        Field("workday", _l("上班（调休补班）"), "checkbox",
              help=_l("勾选：这天上班（如调休的周末）；不勾选：这天放假")),
        Field("name", _l("名称"), help=_l("如 国庆节、台风停工")),
    ),
    columns=(("day", _l("日期")), ("workday", _l("上班")), ("name", _l("名称"))),
    order=(CalendarDay.day,),
    deletable=True,
)


def year_dict(row: CalendarYear) -> dict[str, Any]:
    return {"id": row.year, "year": row.year, "note": row.note}


def _fill_year(session: Session, row: CalendarYear, data: Mapping[str, Any], _user: User) -> None:
    year = f.whole(data, "year", 2000, 2100)
    if row.year is not None and row.year != year:
        raise InvalidInput(_("年份不可修改"), field="year")
    if row.year is None and session.get(CalendarYear, year) is not None:
        raise InvalidInput(_("%(year)d 年已录入", year=year), field="year")
    row.year, row.note = year, f.opt(data, "note", 200) or ""


YEARS = Entity(
    CalendarYear, _fill_year, year_dict, _l("已录入年份"),
    fields=(
        Field("year", _l("年份"), "number", required=True,
              help=_l("该年的放假与调休已全部录入（国务院公布后）")),
        Field("note", _l("说明")),
    ),
    columns=(("year", _l("年份")), ("note", _l("说明"))),
    order=(CalendarYear.year,),
    deletable=True,
)
