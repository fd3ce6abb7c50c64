"""Which dialled number is which hotline, and what a caller hears first: data, not config.

`TWILIO_LINE_NUMBERS` in the environment remains the seed and the fallback for a number with no
row, so an installation that only set the variable keeps working.
"""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base


class LineNumber(Base):
    __tablename__ = "line_numbers"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # E.164, as Twilio sends "To"
    line: Mapped[str] = mapped_column(String(8))  # 12345 | 12315 | 12319
    greeting: Mapped[str] = mapped_column(Text, default="")  # empty: the line's default greeting
    active: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str | None] = mapped_column(String(200))
