"""The knowledge base: keeping articles and finding the one that answers a caller.

An article's search terms (jieba words of its title, keywords and body, each with a weight) are
rewritten whenever it is saved; a search splits the query the same way and ranks articles by the
summed weight of the terms they share with it — one indexed GROUP BY that behaves identically on
SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from classifier.text import normalize, segmenter_for
from hotline.domain.content import clean_content, clean_optional
from hotline.domain.errors import InvalidInput, NotFound
from hotline.identity import audit
from hotline.models import KnowledgeArticle, KnowledgeTerm, User, utcnow
from hotline.tickets.lookups import topic_by_code

ENTITY = "knowledge"
TITLE_MAX, BODY_MAX, KEYWORDS_MAX, TERM_MAX = 120, 4000, 300, 40
QUERY_MAX = 200
# A keyword an administrator typed is the strongest sign an article fits; the title next.
KEYWORD_WEIGHT, TITLE_WEIGHT, BODY_WEIGHT = 4.0, 3.0, 1.0


def terms_of(text: str) -> list[str]:
    """Content words (jieba, stop words dropped) of `text`, in order, without repeats."""
    words = segmenter_for().words(normalize(text))
    return list(dict.fromkeys(w[:TERM_MAX] for w in words))


def _keywords(raw: str) -> list[str]:
    return [w.strip() for w in raw.replace("，", ",").replace("、", ",").split(",") if w.strip()]


def weighted_terms(title: str, keywords: str, body: str) -> dict[str, float]:
    """Each term once, with the weight of the most telling place it occurs in."""
    weights: dict[str, float] = {}
    for words, weight in (
        (terms_of(body), BODY_WEIGHT),
        (terms_of(title), TITLE_WEIGHT),
        ([normalize(k)[:TERM_MAX] for k in _keywords(keywords)]
         + [w for k in _keywords(keywords) for w in terms_of(k)], KEYWORD_WEIGHT),
    ):
        for word in words:
            weights[word] = max(weights.get(word, 0.0), weight)
    return weights


def article_dict(article: KnowledgeArticle) -> dict[str, Any]:
    return {"id": article.id, "title": article.title, "body": article.body,
            "keywords": article.keywords,
            "topic": article.topic.code if article.topic else None, "active": article.active}


def save(session: Session, user: User | None, data: Mapping[str, Any],
         article_id: int | None = None) -> KnowledgeArticle:
    """Create or edit an article (audited, terms re-indexed) and commit; `user` None is the
    system (demo seed)."""
    title = clean_content(data.get("title"), "title", TITLE_MAX)
    body = clean_content(data.get("body"), "body", BODY_MAX)
    keywords = ", ".join(_keywords(clean_optional(data.get("keywords"), "keywords",
                                                  KEYWORDS_MAX) or ""))
    topic = topic_by_code(session, (data.get("topic") or "").strip() or None)
    article = get(session, article_id) if article_id is not None else KnowledgeArticle()
    before = article_dict(article) if article_id is not None else None
    article.title, article.body, article.keywords, article.topic = title, body, keywords, topic
    article.active = bool(data.get("active", True))
    article.updated_by, article.updated_at = user, utcnow()
    article.terms = [KnowledgeTerm(term=term, weight=weight)
                     for term, weight in weighted_terms(title, keywords, body).items()]
    session.add(article)
    session.flush()
    audit.record(session, user, ENTITY, article.id,
                 audit.UPDATE if before else audit.CREATE, before, article_dict(article))
    return article


def retire(session: Session, user: User, article_id: int) -> KnowledgeArticle:
    """Take an outdated answer out of search; it stays on record (and can be reactivated)."""
    article = get(session, article_id)
    before = article_dict(article)
    article.active = False
    article.updated_by, article.updated_at = user, utcnow()
    audit.record(session, user, ENTITY, article.id, audit.DEACTIVATE, before,
                 article_dict(article))
    return article


def get(session: Session, article_id: int) -> KnowledgeArticle:
    article = session.get(KnowledgeArticle, article_id)
    if article is None:
        raise NotFound(f"知识库条目 {article_id} 不存在 / article not found")
    return article


@dataclass(frozen=True)
class Hit:
    article: KnowledgeArticle
    score: float


def query_terms(query: str) -> list[str]:
    """The query's words, plus the whole query when it is short enough to be a keyword."""
    text = (query or "").strip()
    if len(text) > QUERY_MAX:
        raise InvalidInput(f"检索词过长（最多{QUERY_MAX}字）/ query longer than {QUERY_MAX} "
                           "characters", field="q")
    whole = normalize(text)[:TERM_MAX]
    return list(dict.fromkeys([*terms_of(text), *([whole] if whole else [])]))


def search(session: Session, query: str, *, limit: int = 8) -> list[Hit]:
    """Active articles sharing terms with `query`, best first (empty query: nothing)."""
    terms = query_terms(query)
    if not terms:
        return []
    score = func.sum(KnowledgeTerm.weight).label("score")
    rows = session.execute(
        select(KnowledgeTerm.article_id, score)
        .join(KnowledgeArticle, KnowledgeArticle.id == KnowledgeTerm.article_id)
        .where(KnowledgeTerm.term.in_(terms), KnowledgeArticle.active)
        .group_by(KnowledgeTerm.article_id)
        .order_by(score.desc(), KnowledgeTerm.article_id.desc())
        .limit(limit)
    ).all()
    articles = {a.id: a for a in session.scalars(
        select(KnowledgeArticle).where(KnowledgeArticle.id.in_([r.article_id for r in rows])))}
    return [Hit(articles[r.article_id], float(r.score)) for r in rows]


def seed_demo(session: Session, records: list[dict[str, Any]]) -> int:
    """The demo articles (hotline/seed/knowledge.json) for an empty knowledge base."""
    if session.scalar(select(func.count()).select_from(KnowledgeArticle)):
        return 0
    for record in records:
        save(session, None, record)
    return len(records)


def listing(session: Session) -> list[KnowledgeArticle]:
    """Every article for the administrators' page: active first, newest edit first."""
    return list(session.scalars(select(KnowledgeArticle).order_by(
        KnowledgeArticle.active.desc(), KnowledgeArticle.updated_at.desc())))
