"""The topic catalogue (a tree the classifier and the dispatch rules refer to) and the hotline
numbers: which dialled number is which line, and the greeting a caller hears; and the words the
hot phrases leave out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import phonenumbers
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from classifier.trends import phrase_stop_words
from hotline.admin import fields as f
from hotline.admin.entity import Entity
from hotline.admin.fields import Field
from hotline.app.i18n import Labels
from hotline.app.labels import LINE_LABELS
from hotline.domain.errors import InvalidInput
from hotline.models import Line, LineNumber, PhraseStopWord, Topic, User

# --- topics -----------------------------------------------------------------------------------


def topic_dict(t: Topic) -> dict[str, Any]:
    return {"id": t.id, "code": t.code, "name": t.name, "name_en": t.name_en,
            "parent": t.parent.code if t.parent else None, "active": t.active}


def _fill_topic(session: Session, t: Topic, data: Mapping[str, Any], _user: User) -> None:
    t.code = f.code(data, "code", 32)
    f.unique(session, Topic, Topic.code, t.code, t, "code")
    t.name = f.required(data, "name", 80)
    t.name_en = f.opt(data, "name_en", 120) or ""
    parent = f.topic(session, data, "parent")
    f.no_cycle(t, parent, "parent")
    t.parent = parent
    t.active = f.flag(data, "active")


TOPICS = Entity(
    Topic, _fill_topic, topic_dict, _l("分类目录"),
    fields=(
        Field("code", _l("代码"), required=True),
        Field("name", _l("名称"), required=True),
        Field("name_en", _l("英文名称")),
        Field("parent", _l("上级分类"), "select", choices=f.topic_choices, empty=f.NONE,
              help=_l("一级分类是智能分类预测的类别；新增一级分类需重新训练模型")),
        Field("active", _l("启用"), "checkbox"),
    ),
    columns=(("code", _l("代码")), ("name", _l("名称")), ("name_en", _l("英文名称")),
             ("parent", _l("上级分类")), ("active", _l("启用"))),
    order=(Topic.code,),
)


# --- line numbers -----------------------------------------------------------------------------


def line_dict(row: LineNumber) -> dict[str, Any]:
    return {"id": row.id, "number": row.number, "line": row.line, "greeting": row.greeting,
            "active": row.active, "note": row.note}


def e164(data: Mapping[str, Any], key: str) -> str:
    """The number as Twilio reports the dialled number ("To"): E.164."""
    raw = f.phone(data, key)
    if raw is None:
        raise InvalidInput(_("必填"), field=key)
    return phonenumbers.format_number(phonenumbers.parse(raw, "CN"),
                                      phonenumbers.PhoneNumberFormat.E164)


def _fill_line(session: Session, row: LineNumber, data: Mapping[str, Any], _user: User) -> None:
    row.number = e164(data, "number")
    f.unique(session, LineNumber, LineNumber.number, row.number, row, "number")
    line = f.choice(data, "line", tuple(line.value for line in Line))
    if line is None:
        raise InvalidInput(_("必填"), field="line")
    row.line = line
    row.greeting = f.opt(data, "greeting", 300) or ""
    row.active = f.flag(data, "active")
    row.note = f.opt(data, "note", 200)


LINES = Entity(
    LineNumber, _fill_line, line_dict, _l("热线号码"),
    fields=(
        Field("number", _l("号码"), required=True, help=_l("来电所拨的号码，如 +8657112345")),
        Field("line", _l("热线"), "select", required=True, choices=f.fixed(Labels(LINE_LABELS))),
        Field("greeting", _l("语音问候"), "textarea",
              help=_l("来电时播放；留空使用该热线的默认问候")),
        Field("active", _l("启用"), "checkbox"),
        Field("note", _l("说明")),
    ),
    columns=(("number", _l("号码")), ("line", _l("热线")), ("greeting", _l("语音问候")),
             ("active", _l("启用"))),
    order=(LineNumber.line, LineNumber.number),
    routing=False,
    deletable=True,
)


# --- hot-phrase stop words --------------------------------------------------------------------


def stop_word_dict(row: PhraseStopWord) -> dict[str, Any]:
    return {"id": row.id, "word": row.word, "keep": row.keep, "active": row.active,
            "note": row.note}


def _fill_stop_word(session: Session, row: PhraseStopWord, data: Mapping[str, Any],
                    _user: User) -> None:
    word = f.required(data, "word", 20)
    if any(ch.isspace() for ch in word):
        raise InvalidInput(_("一行只填一个词，不能有空格"), field="word")
    row.word = word
    f.unique(session, PhraseStopWord, PhraseStopWord.word, row.word, row, "word")
    row.keep = f.flag(data, "keep", default=False)
    if row.keep and word not in phrase_stop_words():
        raise InvalidInput(_("“%(word)s”不在内置停用词表中，无需保留", word=word), field="word")
    row.active = f.flag(data, "active")
    row.note = f.opt(data, "note", 200)


STOP_WORDS = Entity(
    PhraseStopWord, _fill_stop_word, stop_word_dict, _l("热点词停用词"),
    fields=(
        Field("word", _l("词语"), required=True,
              help=_l("热点词和增多预警中不显示的词，如“咨询”“今年”；内置词表之外的词在此补充")),
        Field("keep", _l("保留（取消内置停用词）"), "checkbox",
              help=_l("勾选后，内置词表中的这个词重新出现在热点词中")),
        Field("active", _l("启用"), "checkbox"),
        Field("note", _l("说明")),
    ),
    columns=(("word", _l("词语")), ("keep", _l("保留（取消内置停用词）")), ("active", _l("启用")),
             ("note", _l("说明"))),
    order=(PhraseStopWord.word,),
    routing=False,
    deletable=True,
)
