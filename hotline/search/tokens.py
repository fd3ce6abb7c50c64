"""The words a ticket is found by, as tokens both index backends store and match alike.

Chinese has no spaces, so text is cut into overlapping two-character tokens (bigrams:
"楼道噪音" -> 楼道 道噪 噪音): any word of two characters or more is then a phrase of
consecutive bigrams, whatever a dictionary would have segmented (bench/search and the README
give the measurements behind this choice over jieba words). Latin letters and digits are kept
as whole lower-case runs. Personal data goes into a separate field with prefixes (n: name
characters, p: full national number, t: its last four digits), so the search service can
withhold it from posts that may not see it (hotline.identity.access).

Tokens are made of [0-9a-z] and CJK ideographs only, so they need no quoting in either
backend's query language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import phonenumbers

_RUN = re.compile(r"[0-9a-z]+|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN = re.compile(r"[0-9a-z]")
NAME, PHONE, TAIL = "n", "p", "t"
TAIL_DIGITS = 4


def _runs(text: str) -> list[str]:
    return _RUN.findall(unicodedata.normalize("NFKC", text).lower())


def word_tokens(text: str) -> list[str]:
    """The tokens of `text` in order: bigrams of each Chinese run (a lone character stays one
    token), each Latin or digit run whole."""
    out: list[str] = []
    for run in _runs(text):
        if _LATIN.match(run) or len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return out


def body_tokens(texts: Iterable[str | None]) -> str:
    """The searchable text of a ticket (content, address, the citizen's later messages)."""
    return " ".join(t for text in texts if text for t in word_tokens(text))


def national_digits(e164: str) -> str | None:
    """The national number a person reads out (13800138000), or None for no number."""
    try:
        return str(phonenumbers.parse(e164, "CN").national_number)
    except phonenumbers.NumberParseException:
        return None


def name_tokens(name: str) -> list[str]:
    """Each character of a name, prefixed: a surname alone finds its people."""
    return [NAME + c for run in _runs(name) for c in (run if not _LATIN.match(run) else [run])]


def person_tokens(name: str | None, phone: str | None) -> str:
    """The personal part: name characters, the full number and its last four digits."""
    out = name_tokens(name) if name else []
    digits = national_digits(phone) if phone else None
    if digits:
        out += [PHONE + digits, TAIL + digits[-TAIL_DIGITS:]]
    return " ".join(out)
