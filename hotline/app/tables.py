"""Tables as a page shows them, and the same tables as XLSX workbooks or CSV files.

CSV is UTF-8 with a byte-order mark: without it Excel on a Chinese Windows reads the file as
GBK and shows the Chinese as mojibake. Times are written in Asia/Shanghai, as shown on screen;
rates stay numbers in XLSX (formatted as percentages) so they can be sorted and summed.
Text goes to spreadsheets, so every text cell is escaped against formula injection (`_safe`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font

SHANGHAI = ZoneInfo("Asia/Shanghai")
FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "csv": "text/csv; charset=utf-8"}
# Excel, LibreOffice and Sheets read text starting with these as a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Rate:
    """A share shown as a percentage; None (nothing to divide by) shows as a dash."""

    value: float | None

    def __str__(self) -> str:
        return "—" if self.value is None else f"{self.value * 100:.1f}%"


@dataclass
class Table:
    """A titled table; `numbers` holds each row's ticket number when the row is a ticket."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    numbers: list[str | None] = field(default_factory=list)
    total: int | None = None  # rows in all, when only the first ones are shown
    caption: str = ""

    def display_rows(self) -> list[list[tuple[str, bool]]]:
        """Each cell as the page shows it, and whether it is a number (aligned right)."""
        return [[(_text(v), isinstance(v, int | float | Rate) and not isinstance(v, bool))
                 for v in row] for row in self.rows]


def _local(value: datetime) -> datetime:
    return value.astimezone(SHANGHAI).replace(tzinfo=None)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)  # a Rate shows as its percentage


def _safe(value: Any) -> Any:
    """Citizens' words reach these cells: text a spreadsheet would run as a formula is written
    behind a single quote, as OWASP advises; numbers, dates and rates stay what they are."""
    if value is None or isinstance(value, int | float | Rate | date):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _safe_rows(table: Table) -> list[list[Any]]:
    """The header and every row as written to a file: the one place exports pass through."""
    return [[_safe(v) for v in row] for row in [table.headers, *table.rows]]


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([_text(v) for v in row] for row in _safe_rows(table))
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = table.title[:31].translate(str.maketrans("[]:*?/\\", "（）：＊？／＼"))
    header, *rows = _safe_rows(table)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(v) for v in row])
        for cell, value in zip(sheet[sheet.max_row], row, strict=True):
            if isinstance(value, Rate):
                cell.number_format = "0.0%"
            elif isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
    sheet.freeze_panes = "A2"
    for column in sheet.columns:
        width = max(len(_text(c.value)) for c in column)
        sheet.column_dimensions[column[0].column_letter].width = min(max(8, width * 1.6), 60)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: Any) -> Any:
    """A rate becomes its fraction, a time its local wall clock; the rest is written as is."""
    if isinstance(value, datetime):
        return _local(value)
    if isinstance(value, Rate):
        return value.value
    return value
