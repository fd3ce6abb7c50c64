"""Normalising what citizens write, identically in the web request and in the worker."""

from __future__ import annotations

import re
import unicodedata

from hotline.domain.errors import InvalidInput

MAX_CONTENT = 4000
MAX_SHORT = 200
_SPACES = re.compile(r"[ \t\u3000\xa0]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Full-width punctuation (，；：！？（）…) is how Chinese is written: NFKC would turn it into ASCII.
_FULLWIDTH_PUNCTUATION = "\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff5e"
_COMPAT_RUNS = re.compile(f"[^{_FULLWIDTH_PUNCTUATION}]+")
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,100}")
_SURROGATE = re.compile("[\ud800-\udfff]")
NOT_UNICODE = "含有无法识别的字符（不成对的代理项）/ contains a character that is not valid Unicode (a lone surrogate)"


class InvalidCharacter(InvalidInput):
    """Text no UTF-8 store can hold; channels that answer in their own words tell it apart."""

    code = "invalid_character"


def encodable(text: str, field: str) -> str:
    """`text` as it is, or InvalidCharacter when it holds a lone surrogate.

    JSON can carry one ("\\ud800") and Python keeps it, but neither PostgreSQL nor SQLite can
    store it: accepted, such a request would fail in the worker on every attempt.
    """
    if _SURROGATE.search(text):
        raise InvalidCharacter(f"{field} {NOT_UNICODE}", field=field)
    return text


def displayable(text: str) -> str:
    """`text` with any lone surrogate written as its escape (\\ud800), so that an intake
    accepted before they were refused can be shown, and edited, at all."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def normalise_text(raw: str) -> str:
    """NFKC for letters, digits and spaces (１２３ → 123), Chinese punctuation kept as written.

    Also drops control characters and tidies white space, so equal requests compare equal.
    """
    text = _COMPAT_RUNS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), raw)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def clean_content(raw: str | None, field: str = "content", limit: int = MAX_CONTENT) -> str:
    """The request text, or InvalidInput when it is empty or longer than `limit` characters.

    HTML is kept as text on purpose: it is evidence of what the citizen sent, and every page
    escapes it on output.
    """
    text = normalise_text(encodable(raw or "", field))
    if not text:
        raise InvalidInput("内容不能为空 / content must not be empty", field=field)
    if len(text) > limit:
        raise InvalidInput(
            f"内容过长（最多{limit}字）/ content longer than {limit} characters", field=field
        )
    return text


def clean_optional(raw: str | None, field: str, limit: int = MAX_SHORT) -> str | None:
    text = normalise_text(encodable(raw or "", field))
    if len(text) > limit:
        raise InvalidInput(f"{field} 过长 / {field} longer than {limit} characters", field=field)
    return text or None


def idempotency_ref(client: str, key: str | None) -> str | None:
    """The source reference that makes a client's retries land on one intake (None: no key).

    The key is the client's own `Idempotency-Key` header; only printable ASCII is taken, so
    it can be logged and stored as it came.
    """
    if key is None:
        return None
    if not _IDEMPOTENCY_KEY.fullmatch(key):
        raise InvalidInput("Idempotency-Key must be 1 to 100 printable ASCII characters",
                           field="Idempotency-Key")
    return f"{client}:{key}"
