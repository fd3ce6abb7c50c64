"""The knowledge base (知识库): answers agents give on the call, kept by administrators.

Search runs on `knowledge_terms`, one indexed row per (article, term): the same plain SQL on
SQLite and PostgreSQL, with jieba doing the Chinese word splitting in Python when an article is
saved, instead of a database-specific full-text engine.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.models.base import Base, utcnow
from hotline.models.catalogue import Topic
from hotline.models.org import User


class KnowledgeArticle(Base):
    __tablename__ = "knowledge_articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    keywords: Mapped[str] = mapped_column(String(300), default="")
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))
    active: Mapped[bool] = mapped_column(default=True, index=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    topic: Mapped[Topic | None] = relationship()
    updated_by: Mapped[User | None] = relationship()
    terms: Mapped[list[KnowledgeTerm]] = relationship(
        back_populates="article", cascade="all, delete-orphan")

    @property
    def keyword_list(self) -> list[str]:
        return [w.strip() for w in self.keywords.replace("，", ",").split(",") if w.strip()]


class KnowledgeTerm(Base):
    """A search term of an article and how much it counts (title and keywords above body)."""

    __tablename__ = "knowledge_terms"
    __table_args__ = (Index("ix_knowledge_terms_term_article", "term", "article_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("knowledge_articles.id", ondelete="CASCADE"),
                                            index=True)
    term: Mapped[str] = mapped_column(String(40))
    weight: Mapped[float] = mapped_column(default=1.0)

    article: Mapped[KnowledgeArticle] = relationship(back_populates="terms")
