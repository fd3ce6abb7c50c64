"""Citizen phone numbers: stored as E.164 so they can be matched and masked consistently."""

from __future__ import annotations

import phonenumbers

from .errors import InvalidInput


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
    number = phonenumbers.parse(e164)
    national = str(number.national_number)
    if len(national) < 7:
        return "*" * len(national)
    return f"{national[:3]}{'*' * (len(national) - 7)}{national[-4:]}"
