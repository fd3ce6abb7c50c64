"""未诉先办: a jump in calls about one place and topic (surge alert), and the 主动治理 task a
supervisor makes of it for a unit.

An alert is raised by the scheduled scan (hotline/reporting/surges.py) at most once per street,
topic and window kind a day; it records what was counted, against what, and the phrases the
calls shared, so the supervisor sees why without running the query again. A task is the
centre's own initiative, not a citizen's ticket: it has a unit, a deadline and a result, and
after it is closed the dashboard counts the calls about the same street and topic, to show
whether it worked.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.models.base import Base, utcnow
from hotline.models.catalogue import Topic
from hotline.models.org import Department


class SurgeAlert(Base):
    """Status: open → tasked (a governance task was made of it) or dismissed."""

    __tablename__ = "surge_alerts"
    __table_args__ = (Index("ix_surge_alerts_cell", "street", "topic_id", "window", "window_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    window: Mapped[str] = mapped_column(String(8))  # day | hour
    district: Mapped[str | None] = mapped_column(String(16))
    street: Mapped[str] = mapped_column(String(16))  # the gazetteer's street code
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"))
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    observed: Mapped[int]
    expected: Mapped[float]
    surprise: Mapped[float]
    # {"phrases": [...], "baseline": [counts of the weeks before, newest first],
    #  "method": "nb" | "nb_pool" | "poisson" (the tail used), "size": the negative binomial's
    #  r or null}
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    topic: Mapped[Topic] = relationship()


class SurgeRuleRow(Base):
    """The rule of one window kind (day | hour) as the administrators set it; the fields are
    classifier.surges.SurgeRule's. A window with no row uses the shipped rule."""

    __tablename__ = "surge_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    window: Mapped[str] = mapped_column(String(8), unique=True)
    method: Mapped[str] = mapped_column(String(8), default="nb_pool")  # classifier.surges.METHODS
    threshold: Mapped[float]
    min_count: Mapped[int]
    min_ratio: Mapped[float]
    floor: Mapped[float]
    note: Mapped[str | None] = mapped_column(String(200))


class GovernanceTask(Base):
    """主动治理: a unit's task to remove the cause of a surge. Status: open → closed.

    Past its due while open it is overdue (hotline.reporting.governance.overdue); `overdue_at`
    records when the deadline scan told the unit and the supervisors, so it tells them once;
    `due_warned_at` when it warned the unit on the working day before the due, likewise once."""

    __tablename__ = "governance_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("surge_alerts.id"), unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    due: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="open")
    created_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    result: Mapped[str | None] = mapped_column(Text)
    closed_by: Mapped[str | None] = mapped_column(String(40))
    closed_at: Mapped[datetime | None]
    overdue_at: Mapped[datetime | None]
    due_warned_at: Mapped[datetime | None]  # when the unit was told its last working day began

    alert: Mapped[SurgeAlert] = relationship(backref="task")
    department: Mapped[Department] = relationship()
