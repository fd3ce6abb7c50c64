"""Who works in the centre: departments (units) in their hierarchy, users and API tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, case
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.models.base import Base, enum_column, utcnow


class Level(enum.StrEnum):
    """The four levels of 接诉即办 (domain.md): a unit's parent is on its level (a bureau under
    its government) or one level up (hotline.admin.org checks it)."""

    CITY = "city"
    DISTRICT = "district"
    STREET = "street"  # 街道/乡镇
    COMMUNITY = "community"  # 社区/村


# Top to bottom, for the parent check and the level filters.
LEVEL_ORDER = (Level.CITY, Level.DISTRICT, Level.STREET, Level.COMMUNITY)


class Role(enum.StrEnum):
    """Posts, not people: permissions attach to these (domain.md §5)."""

    ADMIN = "admin"
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    UNIT_LEAD = "unit_lead"
    UNIT_STAFF = "unit_staff"


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    level: Mapped[Level] = mapped_column(enum_column(Level))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    district: Mapped[str | None] = mapped_column(String(16))
    duty_phone: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[Department | None] = relationship(remote_side=[id])

    @property
    def label(self) -> str:
        """Code beside name, as every screen and API shows a department."""
        return f"{self.name}（{self.code}）"


# Units top to bottom (city, district, street, community) in ORDER BY; their stored names sort
# "community" before "district".
LEVEL_RANK = case({level: rank for rank, level in enumerate(LEVEL_ORDER)}, value=Department.level)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    # Bumped at sign-out, password change or reset and deactivation; a session cookie carries
    # the generation it was signed in with, so a copied cookie dies with any of them.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    department: Mapped[Department | None] = relationship()

    # What Flask-Login asks of a user, written out rather than inherited from its UserMixin so
    # that the models (and the domain above them) load no web framework.
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        """A deactivated account counts as signed out, as with Flask-Login's UserMixin."""
        return self.active

    def get_id(self) -> str:
        return str(self.id)


class ApiToken(Base):
    """Bearer tokens for integrations; only a hash is stored so a database leak reveals none."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship()
