"""What a person typed into the search box, read term by term.

A term is a ticket number (20261121-000123, dash optional), the last four digits of a phone
(8000), a whole phone number (138 0013 8000, +86 optional) or words (楼道噪音, 张三, 3号楼).
Terms are separated by spaces and must all match.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from hotline.domain.errors import InvalidInput
from hotline.domain.numbering import canonical
from hotline.search.tokens import TAIL_DIGITS, word_tokens

MAX_TERMS = 8
_PHONE = re.compile(r"\+?[\d\-()（）]{7,20}")
# A number read out in groups (138 0013 8000, 20261121 000123) is one term.
_GROUPED = re.compile(r"\+?\d[\d -]{5,18}\d")


class Kind(StrEnum):
    NUMBER = "number"
    PHONE_TAIL = "phone_tail"
    PHONE = "phone"
    WORDS = "words"


@dataclass(frozen=True)
class Term:
    kind: Kind
    value: str  # the canonical number, the digits, or the words as typed
    tokens: tuple[str, ...] = ()  # for words: what the index matches


def _phone_digits(raw: str) -> str | None:
    """National significant digits of something shaped like a phone number."""
    if not _PHONE.fullmatch(raw):
        return None
    digits = re.sub(r"\D", "", raw)
    if raw.startswith("+86") or (len(digits) == 13 and digits.startswith("86")):
        digits = digits[2:]
    digits = digits.removeprefix("0")  # the trunk prefix of a landline is not stored (E.164)
    return digits if 7 <= len(digits) <= 12 else None


def read_term(raw: str) -> Term | None:
    """One term, or None when it holds nothing searchable (punctuation only)."""
    number = canonical(raw)
    if number is not None:
        return Term(Kind.NUMBER, number)
    if raw.isascii() and raw.isdigit() and len(raw) == TAIL_DIGITS:
        return Term(Kind.PHONE_TAIL, raw)
    digits = _phone_digits(raw)
    if digits is not None:
        return Term(Kind.PHONE, digits)
    tokens = tuple(word_tokens(raw))
    return Term(Kind.WORDS, raw, tokens) if tokens else None


def _join_groups(match: re.Match[str]) -> str:
    digits = re.sub(r"[ -]", "", match.group())
    return digits if 7 <= len(digits.lstrip("+")) <= 14 else match.group()


def parse(q: str | None) -> list[Term]:
    """The terms of a query; too many is the reader's mistake (400), not a slow search."""
    text = _GROUPED.sub(_join_groups, unicodedata.normalize("NFKC", q or ""))
    raw = text.split()
    if len(raw) > MAX_TERMS:
        raise InvalidInput(f"查询词过多（最多 {MAX_TERMS} 个）/ at most {MAX_TERMS} search terms",
                           field="q")
    return [term for term in map(read_term, raw) if term is not None]
