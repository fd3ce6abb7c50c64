"""Risk triage data officials edit: the risk rules and who is on duty to hear an alert."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base


class RiskRule(Base):
    """One risk rule (classifier.risk explains the fields): a keyword or regex pattern that
    marks a ticket with a category and level; `extreme` alerts the duty supervisor."""

    __tablename__ = "risk_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    category: Mapped[str] = mapped_column(String(24))
    level: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(8), default="keyword")
    pattern: Mapped[str] = mapped_column(Text)
    # False for patterns that carry their own "not" (活不下去): a negation before them is
    # part of the distress.
    negatable: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str | None] = mapped_column(String(200))

    def record(self) -> dict[str, object]:
        """The rule as classifier.risk reads it."""
        return {"name": self.name, "category": self.category, "level": self.level,
                "kind": self.kind, "pattern": self.pattern, "negatable": self.negatable,
                "enabled": self.active}


class DutySupervisor(Base):
    """A duty supervisor's mobile (值班督办): every active one gets the SMS of an extreme-risk
    ticket. A roster row, not a user: the person on duty changes by shift, the posts do not."""

    __tablename__ = "duty_supervisors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str | None] = mapped_column(String(200))
