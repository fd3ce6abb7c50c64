"""Reading the search box: number, phone tail, whole phone, words (no database)."""

from __future__ import annotations

import pytest

from hotline.domain.errors import InvalidInput
from hotline.search.query import MAX_TERMS, Kind, Term, parse
from hotline.search.tokens import body_tokens, person_tokens, word_tokens


@pytest.mark.parametrize(("typed", "kind", "value"), [
    ("20261121-000123", Kind.NUMBER, "20261121-000123"),
    ("20261121000123", Kind.NUMBER, "20261121-000123"),
    ("20261121 000123", Kind.NUMBER, "20261121-000123"),
    ("８０００", Kind.PHONE_TAIL, "8000"),  # full-width digits as a Chinese keyboard types them
    ("8000", Kind.PHONE_TAIL, "8000"),
    ("13800138000", Kind.PHONE, "13800138000"),
    ("138 0013 8000", Kind.PHONE, "13800138000"),
    ("+86 138-0013-8000", Kind.PHONE, "13800138000"),
    ("057112345678", Kind.PHONE, "57112345678"),
    ("噪音", Kind.WORDS, "噪音"),
    ("123", Kind.WORDS, "123"),  # three digits: not a tail
])
def test_one_term(typed: str, kind: Kind, value: str) -> None:
    [term] = parse(typed)
    assert (term.kind, term.value) == (kind, value)


def test_words_become_consecutive_bigrams_and_terms_combine() -> None:
    assert parse("楼道噪音 8000 3号楼") == [
        Term(Kind.WORDS, "楼道噪音", ("楼道", "道噪", "噪音")),
        Term(Kind.PHONE_TAIL, "8000"),
        Term(Kind.WORDS, "3号楼", ("3", "号楼")),
    ]


def test_nothing_searchable_is_no_term_and_too_many_terms_is_refused() -> None:
    assert parse("，。 ！") == [] and parse(None) == [] and parse("   ") == []
    with pytest.raises(InvalidInput):
        parse(" ".join(["噪音"] * (MAX_TERMS + 1)))


def test_document_and_query_tokens_agree() -> None:
    text = "A1区东湖路126号：楼道噪音，ＡＢＣ小区"
    tokens = body_tokens([text, None, "补充：晚上更吵"])
    assert word_tokens("楼道噪音")[0] in tokens.split()
    assert tokens.split()[:4] == ["a1", "区东", "东湖", "湖路"]
    assert "abc" in tokens.split() and "晚上" in tokens.split()


def test_person_tokens_keep_name_characters_and_both_phone_forms() -> None:
    assert person_tokens("张三", "+8613800138000") == "n张 n三 p13800138000 t8000"
    assert person_tokens(None, None) == ""
