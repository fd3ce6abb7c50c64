"""The topic catalogue: data that officials edit, not code."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.models.base import Base


class Topic(Base):
    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(120), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))
    active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[Topic | None] = relationship(remote_side=[id])

    @property
    def root(self) -> Topic:
        """First-level topic: what the classifier predicts and what Open311 calls a service."""
        return self.parent.root if self.parent else self
