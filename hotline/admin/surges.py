"""未诉先办's rules officials edit (issue 18): per window kind (the day; the hour, for urgent
calls) how unlikely, how many and how many times the usual a count must be to alert the
supervisors, and which tail judges it: the negative binomial fitted to the cell's own weeks
(a noisy street needs a bigger jump), shrunk toward its topic's streets (shipped) or not, or
Poisson. The next scan (every 15 minutes) reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from classifier.surges import METHODS, NEGATIVE_BINOMIAL, POISSON, POOLED, SHIPPED
from hotline.admin import fields as f
from hotline.admin.entity import Entity
from hotline.admin.fields import Field
from hotline.domain.errors import InvalidInput
from hotline.models import SurgeRuleRow, User

WINDOW_LABELS = {"day": _l("近24小时"), "hour": _l("近1小时（紧急诉求）")}
METHOD_LABELS = {POOLED: _l("负二项（该街道往常波动，参照同类诉求各街道校正）"),
                 NEGATIVE_BINOMIAL: _l("负二项（仅按该街道往常波动）"), POISSON: _l("泊松")}


def surge_rule_dict(row: SurgeRuleRow) -> dict[str, Any]:
    return {"id": row.id, "window": row.window, "method": row.method, "threshold": row.threshold,
            "min_count": row.min_count, "min_ratio": row.min_ratio, "floor": row.floor,
            "note": row.note}


def _required_choice(data: Mapping[str, Any], key: str, choices: tuple[str, ...]) -> str:
    value = f.choice(data, key, choices)
    if value is None:
        raise InvalidInput(_("必填"), field=key)
    return value


def _fill(session: Session, row: SurgeRuleRow, data: Mapping[str, Any], _user: User) -> None:
    row.window = _required_choice(data, "window", tuple(SHIPPED))
    f.unique(session, SurgeRuleRow, SurgeRuleRow.window, row.window, row, "window")
    row.method = _required_choice(data, "method", METHODS)
    row.threshold = f.decimal(data, "threshold", 1.0, 50.0)
    row.min_count = f.whole(data, "min_count", 1, 10_000)
    row.min_ratio = f.decimal(data, "min_ratio", 1.0, 100.0)
    row.floor = f.decimal(data, "floor", 0.01, 100.0)
    row.note = f.opt(data, "note", 200)


SURGE_RULES = Entity(
    SurgeRuleRow, _fill, surge_rule_dict, _l("来电增多预警规则"),
    fields=(
        Field("window", _l("统计时段"), "select", required=True, choices=f.fixed(WINDOW_LABELS),
              help=_l("每个时段一条规则；没有规则的时段按内置规则")),
        Field("method", _l("判断方法"), "select", required=True, choices=f.fixed(METHOD_LABELS),
              help=_l("负二项：往常起伏大的街道需更大的增幅才预警；往常平稳时与泊松相同。"
                      "参照同类诉求校正：8 周数据太少，起伏按同类诉求各街道的共同起伏修正，误报更少")),
        Field("threshold", _l("意外程度阈值"), "number", required=True, attrs={"step": "0.1"},
              help=_l("概率的负常用对数：4 即万分之一的机会才有这么多来电")),
        Field("min_count", _l("最少来电数"), "number", required=True),
        Field("min_ratio", _l("最低倍数"), "number", required=True, attrs={"step": "0.1"},
              help=_l("来电数至少是往常的几倍")),
        Field("floor", _l("往常下限"), "number", required=True, attrs={"step": "0.1"},
              help=_l("往常来电数按不少于此值计算，没有来电史的街道不会因两三件就预警")),
        Field("note", _l("说明")),
    ),
    columns=(("window", _l("统计时段")), ("method", _l("判断方法")),
             ("threshold", _l("意外程度阈值")), ("min_count", _l("最少来电数")),
             ("min_ratio", _l("最低倍数")), ("floor", _l("往常下限"))),
    order=(SurgeRuleRow.id,),
    routing=False,
)
