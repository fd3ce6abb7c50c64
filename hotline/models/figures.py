"""The dashboard's daily rollup: per Asia/Shanghai day, per dimension and key, the additive counts
the rates are made of; refreshed by a periodic job (hotline.reporting.figures.refresh)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base


class FiguresDay(Base):
    """One (day, dimension, key) of the rollup; dim "total" has no key."""

    __tablename__ = "figures_daily"
    __table_args__ = (Index("ix_figures_daily_day_dim", "day", "dim"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    dim: Mapped[str] = mapped_column(String(12))
    key: Mapped[str | None] = mapped_column(String(40))
    volume: Mapped[int]
    repeats: Mapped[int]
    dispatched: Mapped[int]
    responded: Mapped[int]
    answered: Mapped[int]
    on_time: Mapped[int]
    open: Mapped[int]
    overdue: Mapped[int]
    rated_solved: Mapped[int]
    solved: Mapped[int]
    rated_satisfied: Mapped[int]
    satisfied: Mapped[int]
    not_rated: Mapped[int]
    # casework (issue 17): first contact within its limit (响应率 on contact, when so configured)
    contacted: Mapped[int] = mapped_column(default=0, server_default="0")
    # 挂起: tickets with a suspended span, and the working minutes taken out of their clocks
    suspended: Mapped[int] = mapped_column(default=0, server_default="0")
    suspended_minutes: Mapped[int] = mapped_column(default=0, server_default="0")
    # 甄别/申诉 approved: out of every rate, or (an unfair rating) out of 解决率 and 满意率
    appealed: Mapped[int] = mapped_column(default=0, server_default="0")
    appealed_rating: Mapped[int] = mapped_column(default=0, server_default="0")


class FiguresState(Base):
    """When the rollup was last brought up to date: changes after this are not in it yet."""

    __tablename__ = "figures_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    refreshed_at: Mapped[datetime]
