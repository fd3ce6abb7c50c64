"""Rules officials change without a developer: dispatch catalogue and classifier models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.models.base import Base, utcnow
from hotline.models.catalogue import Topic
from hotline.models.org import Department


class DispatchRule(Base):
    """One row of the dispatch catalogue (派单目录): topic (+district, +street, +line, +keywords) -> unit.

    Empty fields match anything; keyword rules override the classifier; higher priority wins.
    """

    __tablename__ = "dispatch_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))
    district: Mapped[str | None] = mapped_column(String(16))
    # A gazetteer street code: the rule matches only tickets located there (直派街乡).
    street: Mapped[str | None] = mapped_column(String(16))
    line: Mapped[str | None] = mapped_column(String(8))
    keywords: Mapped[str | None] = mapped_column(Text)  # comma-separated; any one matches
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    priority: Mapped[int] = mapped_column(default=100)
    # emergency | utility | normal: a keyword rule can make the ticket urgent (1 h dispatch).
    urgency: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str | None] = mapped_column(String(200))

    topic: Mapped[Topic | None] = relationship()
    department: Mapped[Department] = relationship()


class ModelVersion(Base):
    """The classifier registry: every trained model, its figures, and which one is active."""

    __tablename__ = "model_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(40), unique=True)
    path: Mapped[str] = mapped_column(String(300))
    card: Mapped[dict[str, Any]] = mapped_column(default=dict)
    active: Mapped[bool] = mapped_column(default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    activated_at: Mapped[datetime | None]


class TrainingExample(Base):
    """A topic a person set or corrected: labelled data for the next retraining."""

    __tablename__ = "training_examples"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PhraseStopWord(Base):
    """An administrator's change to the hot-phrase stop-word list (classifier/phrase_stopwords.txt).

    The shipped file is the list; a row adds a word to it, or with ``keep`` takes a shipped word
    back out (a word that names a problem in this city). Inactive rows change nothing.
    """

    __tablename__ = "phrase_stop_words"

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(String(20), unique=True)
    keep: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str | None] = mapped_column(String(200))
