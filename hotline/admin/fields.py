"""Form fields of the admin pages and the checks that turn posted text into clean values.

Each check raises InvalidInput naming the field, so a page can show the message beside the
input it is about and the API can answer 400 with the same text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.domain.errors import InvalidInput
from hotline.models import LEVEL_RANK, Department, Topic

STOPPED = _l("（已停用）")
NONE = _l("（无）")
Choices = Callable[[Session], list[tuple[str, str]]]
CODE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True)
class Field:
    """One input: `kind` is text, textarea, number, checkbox, select, date or password."""

    name: str
    label: Any  # a lazy gettext string, rendered in the reader's language
    kind: str = "text"
    required: bool = False
    choices: Choices | None = None
    help: str = ""
    on_create_only: bool = False
    empty: Any = None  # the label of a select's empty choice (default: any value matches)
    attrs: dict[str, str] = field(default_factory=dict)


def opt(data: Mapping[str, Any], key: str, limit: int | None = None) -> str | None:
    """Trimmed text or None; longer than `limit` is an error, not a silent cut."""
    value = data.get(key)
    if value is None:
        return None
    value = str(value).strip()
    if limit is not None and len(value) > limit:
        raise InvalidInput(_("不能超过 %(n)d 个字", n=limit), field=key)
    return value or None


def required(data: Mapping[str, Any], key: str, limit: int) -> str:
    value = opt(data, key, limit)
    if value is None:
        raise InvalidInput(_("必填"), field=key)
    return value


def code(data: Mapping[str, Any], key: str, limit: int) -> str:
    """Lower-case letters, digits, '-' and '_': codes appear in URLs, exports and rules."""
    value = required(data, key, limit)
    if not CODE.match(value):
        raise InvalidInput(_("只能使用小写字母、数字、- 和 _"), field=key)
    return value


def phone(data: Mapping[str, Any], key: str) -> str | None:
    """A possible phone number as typed (validated, not reformatted), or None when empty."""
    raw = opt(data, key, 20)
    if raw is None:
        return None
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        raise InvalidInput(_("电话号码无效"), field=key)
    return raw


def flag(data: Mapping[str, Any], key: str, default: bool = True) -> bool:
    value = data.get(key, default)
    if isinstance(value, str):
        return value.lower() in ("1", "true", "on", "yes", "y")
    return bool(value)


def whole(data: Mapping[str, Any], key: str, low: int, high: int, default: int | None = None) -> int:
    raw = data.get(key)
    if raw is None or str(raw).strip() == "":
        raw = default  # an empty input means the default, where there is one
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise InvalidInput(_("须为整数"), field=key) from None
    if not low <= value <= high:
        raise InvalidInput(_("须在 %(low)d–%(high)d 之间", low=low, high=high), field=key)
    return value


def decimal(data: Mapping[str, Any], key: str, low: float, high: float) -> float:
    """A required number with a fraction allowed (a threshold, a ratio), within [low, high]."""
    raw = str(data.get(key) or "").strip()
    try:
        value = float(raw)
    except ValueError:
        raise InvalidInput(_("须为数字"), field=key) from None
    if not low <= value <= high:  # also refuses nan
        raise InvalidInput(_("须在 %(low)s–%(high)s 之间", low=low, high=high), field=key)
    return value


def choice(data: Mapping[str, Any], key: str, choices: tuple[str, ...]) -> str | None:
    value = opt(data, key)
    if value is not None and value not in choices:
        raise InvalidInput(_("须为以下之一：%(choices)s", choices="、".join(choices)), field=key)
    return value


def _by_code(session: Session, model: type[Any], data: Mapping[str, Any], key: str,
             unknown: str) -> Any:
    value = opt(data, key)
    if value is None:
        return None
    row = session.scalars(select(model).where(model.code == value)).one_or_none()
    if row is None:
        raise InvalidInput(unknown % {"code": value}, field=key)
    return row


def topic(session: Session, data: Mapping[str, Any], key: str = "topic") -> Topic | None:
    return _by_code(session, Topic, data, key, _("未知分类：%(code)s"))


def unit(session: Session, data: Mapping[str, Any], key: str) -> Department | None:
    return _by_code(session, Department, data, key, _("未知单位：%(code)s"))


def unique(session: Session, model: type[Any], column: Any, value: Any, row: Any, key: str) -> None:
    """Refuse a value another row already has (a clear message instead of an IntegrityError)."""
    clash = session.scalars(select(model).where(column == value)).one_or_none()
    if clash is not None and clash is not row:
        raise InvalidInput(_("已被使用：%(value)s", value=value), field=key)


def no_cycle(row: Any, parent: Any, key: str) -> None:
    """A parent chain must not come back to the row itself (the tree would never end)."""
    seen = parent
    while seen is not None:
        if seen is row:
            raise InvalidInput(_("上级不能是自己或自己的下级"), field=key)
        seen = seen.parent


# --- choices for selects ---------------------------------------------------------------------


def unit_choices(session: Session) -> list[tuple[str, str]]:
    rows = session.scalars(select(Department).order_by(LEVEL_RANK, Department.code))
    return [(d.code, d.label + ("" if d.active else str(STOPPED))) for d in rows]


def topic_choices(session: Session) -> list[tuple[str, str]]:
    rows = session.scalars(select(Topic).order_by(Topic.code))
    return [(t.code, f"{t.name}（{t.code}）" + ("" if t.active else str(STOPPED))) for t in rows]


def fixed(pairs: Mapping[str, str]) -> Choices:
    return lambda _session: list(pairs.items())
