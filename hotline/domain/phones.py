"""Citizen phone numbers: stored as E.164 so they can be matched and masked consistently,
and masked wherever a citizen wrote them (or other personal numbers) into public text."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

from hotline.domain.errors import InvalidInput

MASK = "***"
_ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?![\dXx])")  # resident ID card (身份证)
# A mobile or landline that the matcher reads as part of a longer number: 1302-13912345678,
# "0 010 2000 0000" (the matcher tries the whole run). Masked when phonenumbers finds it valid.
_DIALLED = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(?:1[3-9]|[(（]?0\d{2,3}[)）]?)(?:[-. \u3000—]?\d){7,9}(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def normalise_phone(raw: str, region: str = "CN") -> str:
    """E.164 form of `raw`, or InvalidInput when it is not a possible, valid number."""
    text = raw.strip()
    if not text:
        raise InvalidInput("电话号码为空 / phone number is empty", field="phone")
    if len(text) > 32:
        raise InvalidInput("电话号码过长 / phone number too long", field="phone")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(f"无效的电话号码 / invalid phone number: {exc}", field="phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput("无效的电话号码 / invalid phone number", field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_mobile(e164: str) -> bool:
    """Whether an SMS can reach this number (answers go by SMS only to mobiles)."""
    kind = phonenumbers.number_type(phonenumbers.parse(e164))
    return kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def mask_phone(e164: str | None) -> str:
    """138****8000: what unit staff see unless their role needs the full number (domain.md §6)."""
    if not e164:
        return ""
    try:
        national = str(phonenumbers.parse(e164, "CN").national_number)
    except phonenumbers.NumberParseException:  # not a number at all: show none of it
        return "*" * len(e164)
    if len(national) < 7:
        return "*" * len(national)
    return f"{national[:3]}{'*' * (len(national) - 7)}{national[-4:]}"


def _glue(char: str) -> bool:
    return char.isalpha() or char == "%" or unicodedata.category(char) in ("Mn", "Sc")


def mask_personal(text: str | None, *known: str | None) -> str | None:
    """`text` as the public may read it (Open311 feed): the citizen's own `known` name and phone,
    every phone number however written, resident ID numbers and e-mail addresses become ***.

    Numbers are found by phonenumbers' matcher at VALID leniency, which takes mobiles and
    landlines in any grouping (139.1234.5678, (0571)88886666, +86 139 1234 5678) but not ticket
    numbers, dates, amounts or postcodes. It also refuses a number glued to a Latin letter
    (Tel13912345678), a combining mark, a currency sign or %, so it reads a copy with each of
    those replaced by 、: same offsets, and still a boundary (a space could join a digit on).
    """
    if not text:
        return text
    for value in known:
        if value and len(value) >= 2:
            text = text.replace(value, MASK)
    text = _EMAIL.sub(MASK, _ID_NUMBER.sub(MASK, text))
    blanked = "".join("、" if _glue(c) else c for c in text)
    found = list(phonenumbers.PhoneNumberMatcher(blanked, "CN", leniency=phonenumbers.Leniency.VALID))
    for match in reversed(found):
        text = text[:match.start] + MASK + text[match.end:]
    return _DIALLED.sub(_mask_valid, text)


def _mask_valid(match: re.Match[str]) -> str:
    try:
        valid = phonenumbers.is_valid_number(phonenumbers.parse(match.group(), "CN"))
    except phonenumbers.NumberParseException:
        valid = False
    return MASK if valid else match.group()
