"""What a unit adds to a ticket besides its state: canned reply texts and uploaded files.

Reply templates are data that unit leads and administrators edit, not code; a template with no
unit belongs to the whole centre, one with no topic fits every topic. Attachments keep only a
random storage key on disk, never the uploader's file name, so a crafted name cannot reach a
path or a shell; the original name is kept for the download header only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.models.base import Base, utcnow
from hotline.models.catalogue import Topic
from hotline.models.org import Department, User
from hotline.models.ticket import Ticket


class ReplyTemplate(Base):
    """A canned answer a unit inserts into its reply box and then edits."""

    __tablename__ = "reply_templates"
    __table_args__ = (Index("ix_reply_templates_department_active", "department_id", "active"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))
    title: Mapped[str] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    updated_by: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    department: Mapped[Department | None] = relationship()
    topic: Mapped[Topic | None] = relationship()


class Attachment(Base):
    """A file a unit or the centre attached to a ticket (photos of the fix, a signed letter)."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Without a unit or an uploader: a citizen's photo from the web form (hotline.channels.photos).
    department: Mapped[Department | None] = relationship()
    uploaded_by: Mapped[User | None] = relationship()
    # Set when the worker opens the ticket with the intake's photos, before the ticket has an id.
    ticket: Mapped[Ticket] = relationship()
