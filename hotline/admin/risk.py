"""Risk triage data officials edit (issue 19): the risk rules and the duty supervisors' roster.

A rule is compiled by classifier.risk before it is stored, so a bad regular expression or an
unknown category comes back beside its field (400) instead of stopping the workers' triage;
every edit bumps the catalogue stamp, so the next intake in every worker uses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from classifier.risk import KINDS, RiskRules
from classifier.urgency import RuleError
from hotline.admin import fields as f
from hotline.admin.entity import Entity
from hotline.admin.fields import Field
from hotline.app.i18n import Labels
from hotline.app.labels import RISK_CATEGORY_LABELS, RISK_LEVEL_LABELS
from hotline.domain.errors import InvalidInput
from hotline.domain.phones import is_mobile, normalise_phone
from hotline.models import DutySupervisor, RiskRule, User

KIND_LABELS = {"keyword": _l("关键词（| 分隔）"), "regex": _l("正则表达式")}

# --- risk rules -------------------------------------------------------------------------------


def risk_dict(rule: RiskRule) -> dict[str, Any]:
    return {"id": rule.id, "name": rule.name, "category": rule.category, "level": rule.level,
            "kind": rule.kind, "pattern": rule.pattern, "negatable": rule.negatable,
            "active": rule.active, "note": rule.note}


def _fill_risk(session: Session, rule: RiskRule, data: Mapping[str, Any], _user: User) -> None:
    rule.name = f.required(data, "name", 40)
    f.unique(session, RiskRule, RiskRule.name, rule.name, rule, "name")
    for key, choices in (("category", tuple(RISK_CATEGORY_LABELS)),
                         ("level", tuple(RISK_LEVEL_LABELS)), ("kind", KINDS)):
        value = f.choice(data, key, choices)
        if value is None:
            raise InvalidInput(_("必填"), field=key)
        setattr(rule, key, value)
    rule.pattern = f.required(data, "pattern", 4000)
    rule.negatable = f.flag(data, "negatable")
    rule.active = f.flag(data, "active")
    rule.note = f.opt(data, "note", 200)
    try:
        RiskRules.from_records([rule.record()])
    except RuleError as exc:
        raise InvalidInput(_("规则无法使用：%(reason)s", reason=str(exc)), field="pattern") from None


RISKS = Entity(
    RiskRule, _fill_risk, risk_dict, _l("风险研判规则"),
    fields=(
        Field("name", _l("名称"), required=True),
        Field("category", _l("风险类别"), "select", required=True,
              choices=f.fixed(Labels(RISK_CATEGORY_LABELS))),
        Field("level", _l("风险等级"), "select", required=True,
              choices=f.fixed(Labels(RISK_LEVEL_LABELS)),
              help=_l("极高风险立即通知值班督办（站内通知和短信）；两者都将工单定为紧急")),
        Field("kind", _l("匹配方式"), "select", required=True, choices=f.fixed(KIND_LABELS)),
        Field("pattern", _l("匹配内容"), "textarea", required=True,
              help=_l("关键词用 | 分隔，如 自杀|轻生；正则表达式如 (上百|几百)人.{0,10}聚集")),
        Field("negatable", _l("否定词排除"), "checkbox",
              help=_l("勾选：紧接在“没有、不会、不想”等否定词后的命中不算（没有想自杀）；"
                      "匹配内容本身含否定意思（活不下去）时不勾选")),
        Field("active", _l("启用"), "checkbox"),
        Field("note", _l("说明")),
    ),
    columns=(("name", _l("名称")), ("category", _l("风险类别")), ("level", _l("风险等级")),
             ("kind", _l("匹配方式")), ("negatable", _l("否定词排除")), ("active", _l("启用"))),
    order=(RiskRule.id,),
    deletable=True,
)


# --- duty supervisors -------------------------------------------------------------------------


def duty_dict(row: DutySupervisor) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "phone": row.phone, "active": row.active,
            "note": row.note}


def _fill_duty(session: Session, row: DutySupervisor, data: Mapping[str, Any],
               _user: User) -> None:
    row.name = f.required(data, "name", 40)
    raw = f.opt(data, "phone", 32)
    if raw is None:
        raise InvalidInput(_("必填"), field="phone")
    phone = normalise_phone(raw)  # stored as E.164, the form the outbox sends to
    if not is_mobile(phone):
        raise InvalidInput(_("须为手机号码（预警以短信发送）"), field="phone")
    row.phone = phone
    row.active = f.flag(data, "active")
    row.note = f.opt(data, "note", 200)


DUTY = Entity(
    DutySupervisor, _fill_duty, duty_dict, _l("值班督办"),
    fields=(
        Field("name", _l("姓名"), required=True),
        Field("phone", _l("手机号码"), required=True,
              help=_l("极高风险工单的预警短信发往所有启用的手机号码")),
        Field("active", _l("启用"), "checkbox", help=_l("在班时启用，交班后停用")),
        Field("note", _l("说明"), help=_l("如 班次、时段")),
    ),
    columns=(("name", _l("姓名")), ("phone", _l("手机号码")), ("active", _l("启用")),
             ("note", _l("说明"))),
    order=(DutySupervisor.id,),
    routing=False,
    deletable=True,
)
