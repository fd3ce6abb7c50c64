"""Who works where: units in their hierarchy (city → district → street → community) and staff
accounts.

Units and users are never deleted — tickets, events and the audit log name them — only
deactivated. Passwords are set on creation and by a reset; neither the hash nor the password
ever reaches the audit log.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.admin import fields as f
from hotline.admin.entity import Entity
from hotline.admin.fields import Field
from hotline.domain.errors import InvalidInput
from hotline.domain.lifecycle import UNIT_ROLES
from hotline.identity import audit
from hotline.identity.auth import hash_password, sign_out_everywhere, tokens_changed
from hotline.models import LEVEL_ORDER, LEVEL_RANK, Department, Level, Role, User

LEVELS = {Level.CITY.value: _l("市级"), Level.DISTRICT.value: _l("区级"),
          Level.STREET.value: _l("街道/乡镇"), Level.COMMUNITY.value: _l("社区/村")}
RANK = {level.value: rank for rank, level in enumerate(LEVEL_ORDER)}
# The levels a unit's parent may be on: its own (a bureau under its government) or the one
# above; a street answers to a district and a community to a street, never skipping a level.
PARENT_LEVELS = {Level.CITY: (Level.CITY,), Level.DISTRICT: (Level.DISTRICT, Level.CITY),
                 Level.STREET: (Level.DISTRICT,), Level.COMMUNITY: (Level.STREET,)}
ROLES = {Role.ADMIN.value: _l("系统管理员"), Role.AGENT.value: _l("话务员"),
         Role.SUPERVISOR.value: _l("督办/领导"), Role.UNIT_LEAD.value: _l("单位负责人"),
         Role.UNIT_STAFF.value: _l("单位经办人")}
MIN_PASSWORD = 10


# --- units ------------------------------------------------------------------------------------


def unit_dict(d: Department) -> dict[str, Any]:
    return {"id": d.id, "code": d.code, "name": d.name,
            "level": d.level.value if d.level else None,
            "parent": d.parent.code if d.parent else None, "district": d.district,
            "duty_phone": d.duty_phone, "active": d.active}


def _fill_unit(session: Session, d: Department, data: Mapping[str, Any], _user: User) -> None:
    d.code = f.code(data, "code", 16)
    f.unique(session, Department, Department.code, d.code, d, "code")
    d.name = f.required(data, "name", 80)
    level = f.choice(data, "level", tuple(LEVELS))
    if level is None:
        raise InvalidInput(_("必填"), field="level")
    parent = f.unit(session, data, "parent")
    f.no_cycle(d, parent, "parent")
    if parent is not None and RANK[parent.level.value] > RANK[level]:
        raise InvalidInput(_("上级单位的层级不能低于本单位"), field="parent")
    if parent is not None and parent.level not in PARENT_LEVELS[Level(level)]:
        raise InvalidInput(_("上级单位须为同级或上一级：%(level)s的上级应为%(allowed)s",
                             level=LEVELS[level], allowed=" / ".join(
                                 str(LEVELS[p.value]) for p in PARENT_LEVELS[Level(level)])),
                           field="parent")
    if d.id is not None:
        _children_fit(session, d, Level(level))
    d.level, d.parent = Level(level), parent
    d.district = f.opt(data, "district", 16)
    if level != Level.CITY.value and d.district is None:
        raise InvalidInput(_("区级和街道单位须填写所属区县"), field="district")
    d.duty_phone = f.phone(data, "duty_phone")
    d.active = f.flag(data, "active")
    if parent is None and Level(level) in (Level.STREET, Level.COMMUNITY):
        raise InvalidInput(_("街道/乡镇须隶属区级单位，社区/村须隶属街道/乡镇"), field="parent")
    if parent is not None and parent.district and Level(level) in (Level.STREET, Level.COMMUNITY) \
            and parent.district != d.district:
        raise InvalidInput(_("所属区县须与上级单位一致（%(district)s）", district=parent.district),
                           field="district")


def _children_fit(session: Session, d: Department, level: Level) -> None:
    """A unit that changes level keeps its active children one level down at most: a street
    made a community would leave its own communities two levels below it."""
    children = session.scalars(select(Department).where(Department.parent_id == d.id,
                                                        Department.active))
    wrong = [c.code for c in children if level not in PARENT_LEVELS[c.level]]
    if wrong:
        raise InvalidInput(_("下级单位 %(codes)s 与新层级不相符，请先调整它们",
                             codes=", ".join(sorted(wrong))), field="level")


def _unit_in_use(session: Session, d: Department, _user: User) -> None:
    children = session.scalar(select(func.count(Department.id)).where(
        Department.parent_id == d.id, Department.active))
    if children:
        raise InvalidInput(_("请先停用或移走 %(n)d 个下级单位", n=children))


def unit_tree(session: Session) -> list[tuple[Department, int]]:
    """Every unit with its depth, parents before their children, for an indented list."""
    rows = list(session.scalars(select(Department).order_by(LEVEL_RANK, Department.code)))
    children: dict[int | None, list[Department]] = {}
    for d in rows:
        children.setdefault(d.parent_id, []).append(d)
    out: list[tuple[Department, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for d in children.get(parent, []):
            out.append((d, depth))
            walk(d.id, depth + 1)

    walk(None, 0)
    placed = {d.id for d, _depth in out}
    return out + [(d, 0) for d in rows if d.id not in placed]  # any orphan still shows


UNITS = Entity(
    Department, _fill_unit, unit_dict, _l("承办单位"),
    fields=(
        Field("code", _l("代码"), required=True, help=_l("小写字母、数字、-，如 a1-gov")),
        Field("name", _l("名称"), required=True),
        Field("level", _l("层级"), "select", required=True, choices=f.fixed(LEVELS)),
        Field("parent", _l("上级单位"), "select", choices=f.unit_choices, empty=f.NONE,
              help=_l("同级或上一级：街道/乡镇隶属区级单位，社区/村隶属街道/乡镇")),
        Field("district", _l("所属区县"), help=_l("区县代码，如 a1；市级单位可留空")),
        Field("duty_phone", _l("值班电话")),
        Field("active", _l("启用"), "checkbox"),
    ),
    columns=(("name", _l("名称")), ("code", _l("代码")), ("level", _l("层级")),
             ("parent", _l("上级单位")), ("district", _l("区县")), ("duty_phone", _l("值班电话")), ("active", _l("启用"))),
    order=(LEVEL_RANK, Department.code),
    check_deactivate=_unit_in_use,
)


# --- users ------------------------------------------------------------------------------------


def user_dict(u: User) -> dict[str, Any]:
    return {"id": u.id, "username": u.username, "display_name": u.display_name,
            "role": u.role.value if u.role else None,
            "department": u.department.code if u.department else None, "active": u.active}


def check_password(data: Mapping[str, Any], key: str = "password") -> str:
    password = str(data.get(key) or "")
    if len(password) < MIN_PASSWORD or len(password) > 200:
        raise InvalidInput(_("密码须为 %(n)d–200 个字符", n=MIN_PASSWORD), field=key)
    if password.isdigit() or password.isalpha():
        raise InvalidInput(_("密码须同时包含字母和数字或符号"), field=key)
    return password


def _other_admins(session: Session, u: User) -> int:
    return session.scalar(select(func.count(User.id)).where(
        User.role == Role.ADMIN, User.active, User.id != u.id)) or 0


def _fill_user(session: Session, u: User, data: Mapping[str, Any], actor: User) -> None:
    creating = u.id is None
    username = f.required(data, "username", 40)
    if not all(c.isalnum() or c in "._-" for c in username) or not username.isascii():
        raise InvalidInput(_("用户名只能使用字母、数字、. _ -"), field="username")
    if not creating and username != u.username:
        raise InvalidInput(_("用户名不可修改"), field="username")
    u.username = username
    f.unique(session, User, User.username, username, u, "username")
    u.display_name = f.required(data, "display_name", 80)
    role = f.choice(data, "role", tuple(ROLES))
    if role is None:
        raise InvalidInput(_("必填"), field="role")
    unit = f.unit(session, data, "department")
    if Role(role) in UNIT_ROLES and unit is None:
        raise InvalidInput(_("单位人员须指定所属单位"), field="department")
    active = f.flag(data, "active")
    if u.id == actor.id and (role != Role.ADMIN.value or not active):
        raise InvalidInput(_("不能停用自己的账号或取消自己的管理员身份"), field="role")
    if u.role == Role.ADMIN and role != Role.ADMIN.value and not _other_admins(session, u):
        raise InvalidInput(_("至少要保留一名启用的管理员"), field="role")
    u.role, u.department, u.active = Role(role), unit, active
    if creating:
        u.password_hash = hash_password(check_password(data))


def _not_self(session: Session, u: User, actor: User) -> None:
    if u.id == actor.id:
        raise InvalidInput(_("不能停用自己的账号"))
    if u.role == Role.ADMIN and not _other_admins(session, u):
        raise InvalidInput(_("至少要保留一名启用的管理员"))


def _user_changed(session: Session, u: User, before: dict[str, Any], after: dict[str, Any]) -> None:
    """A deactivated account is signed out everywhere at once; its tokens, and the tokens of a
    user given another post, are re-checked by every web process on its next request."""
    deactivated = before["active"] and not after["active"]
    if deactivated:
        sign_out_everywhere(session, u)
    if deactivated or before["role"] != after["role"]:
        tokens_changed(session)


USERS = Entity(
    User, _fill_user, user_dict, _l("用户与岗位"),
    fields=(
        Field("username", _l("用户名"), required=True, help=_l("登录用，创建后不可修改")),
        Field("display_name", _l("姓名"), required=True),
        Field("role", _l("岗位"), "select", required=True, choices=f.fixed(ROLES),
              help=_l("权限随岗位而定")),
        Field("department", _l("所属单位"), "select", choices=f.unit_choices, empty=f.NONE,
              help=_l("单位负责人和经办人必填")),
        Field("password", _l("初始密码"), "password", on_create_only=True, required=True,
              help=_l("至少 10 个字符，含字母和数字或符号")),
        Field("active", _l("启用"), "checkbox"),
    ),
    columns=(("username", _l("用户名")), ("display_name", _l("姓名")), ("role", _l("岗位")),
             ("department", _l("所属单位")), ("active", _l("启用"))),
    order=(User.username,),
    routing=False,
    check_deactivate=_not_self,
    on_change=_user_changed,
)


def reset_password(session: Session, actor: User, u: User, data: Mapping[str, Any]) -> None:
    """Set a new password, unlock the account and sign it out everywhere (whoever knew the old
    password may hold a session); audited without the password itself."""
    u.password_hash = hash_password(check_password(data))
    u.failed_logins, u.locked_until = 0, None
    sign_out_everywhere(session, u)
    audit.record(session, actor, "users", u.id, audit.RESET_PASSWORD, None,
                 {"username": u.username})
