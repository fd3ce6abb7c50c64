"""The knowledge base: jieba terms, ranked keyword search, retiring, and bad input."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from hotline.app.extensions import db
from hotline.domain.errors import InvalidInput, NotFound
from hotline.knowledge import service as knowledge
from hotline.models import AuditEntry, User


def _admin() -> User:
    return db.session.scalars(select(User).where(User.username == "admin")).one()


def _article(title: str, body: str, keywords: str = "", topic: str = "") -> int:
    return knowledge.save(db.session, _admin(), {"title": title, "body": body,
                                                 "keywords": keywords, "topic": topic}).id


def test_keywords_weigh_more_than_the_title_and_the_title_more_than_the_body() -> None:
    weights = knowledge.weighted_terms("住房公积金提取", "公积金, 租房提取", "凭租房合同到窗口办理")
    assert weights["公积金"] == knowledge.KEYWORD_WEIGHT
    assert weights["租房提取"] == knowledge.KEYWORD_WEIGHT
    assert weights["合同"] == knowledge.BODY_WEIGHT
    assert "的" not in knowledge.terms_of("我的公积金")  # stop words are not search terms


def test_search_ranks_the_article_that_answers_the_question_first(app: Flask,
                                                                   reference: None) -> None:
    fund = _article("住房公积金租房提取办理", "持租房合同和身份证到公积金中心窗口或线上办理。",
                    "公积金, 提取, 租房", "cxjs-gjj")
    _article("居住证办理", "到户籍所在地派出所办理居住证，需要租房合同。", "居住证")
    hits = knowledge.search(db.session, "租房想提取公积金怎么办")
    assert hits[0].article.id == fund
    assert hits[0].score > hits[-1].score or len(hits) == 1
    assert knowledge.search(db.session, "") == []
    assert knowledge.search(db.session, "完全无关的火星话题") == []


def test_retired_articles_are_not_found_and_every_change_is_audited(app: Flask,
                                                                    reference: None) -> None:
    article = _article("医保卡补办", "携带身份证到社保大厅补办。", "医保卡, 补办")
    knowledge.save(db.session, _admin(), {"title": "医保卡补办（新）", "body": "线上补办。",
                                          "keywords": "医保卡", "active": True}, article)
    assert [h.article.title for h in knowledge.search(db.session, "医保卡")] == ["医保卡补办（新）"]
    assert knowledge.search(db.session, "社保大厅") == []  # old body's terms were replaced
    knowledge.retire(db.session, _admin(), article)
    assert knowledge.search(db.session, "医保卡") == []
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.entity == knowledge.ENTITY).order_by(AuditEntry.id)).all()
    assert actions == ["create", "update", "deactivate"]


def test_bad_articles_and_queries_are_refused_with_the_field(app: Flask, reference: None) -> None:
    with pytest.raises(InvalidInput) as empty:
        knowledge.save(db.session, _admin(), {"title": "", "body": "x"})
    assert empty.value.field == "title"
    with pytest.raises(InvalidInput) as topic:
        knowledge.save(db.session, _admin(), {"title": "t", "body": "b", "topic": "nope"})
    assert topic.value.field == "topic"
    with pytest.raises(InvalidInput):
        knowledge.search(db.session, "长" * (knowledge.QUERY_MAX + 1))
    with pytest.raises(NotFound):
        knowledge.retire(db.session, _admin(), 999)


def test_the_demo_articles_load_once_and_answer_their_questions(app: Flask,
                                                                reference: None) -> None:
    from hotline.seed import load as seed

    records = seed.read_json("knowledge.json")
    assert knowledge.seed_demo(db.session, records) == len(records)
    assert knowledge.seed_demo(db.session, records) == 0
    assert knowledge.search(db.session, "医保卡丢了怎么补办")[0].article.title.startswith("社保卡")
    assert knowledge.search(db.session, "租房提取公积金")[0].article.topic.code == "cxjs-gjj"
