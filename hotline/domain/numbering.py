"""Ticket numbers: date + daily sequence, short enough to read out on the phone."""

from __future__ import annotations

import re
from datetime import date

_PATTERN = re.compile(r"(?<!\d)(\d{8})-?(\d{6})(?!\d)")


SEQUENCE_DIGITS = 6
SEQUENCE_MAX = 10**SEQUENCE_DIGITS - 1


def number_prefix(day: date) -> str:
    """What every number of `day` starts with; the sequence, zero-padded, follows."""
    return f"{day:%Y%m%d}-"


def format_number(day: date, sequence: int) -> str:
    return f"{number_prefix(day)}{sequence:0{SEQUENCE_DIGITS}d}"


def find_numbers(text: str) -> list[str]:
    """Ticket numbers quoted in free text (an SMS), with or without the dash."""
    return [f"{a}-{b}" for a, b in _PATTERN.findall(text)]


def canonical(raw: str) -> str | None:
    """The canonical number for user input such as '20261121000123', or None."""
    found = find_numbers(raw.strip())
    return found[0] if len(found) == 1 and len(raw.strip()) <= 16 else None
