"""Reading the tables sibling hotline systems export: CSV in whatever encoding, or XLSX.

The whole file is read before anything is stored, so a file that turns out to be corrupt
half-way is refused as a whole instead of being half imported.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from xml.etree.ElementTree import ParseError

XLSX_MAGIC = b"PK\x03\x04"
# ParseError: XML no reader accepts, such as a reference to a lone surrogate (&#55296;), the
# only way a cell could carry one; its message says where.
_UNREADABLE = (zipfile.BadZipFile, KeyError, ValueError, OSError, ParseError)


class TableError(Exception):
    """The file as a whole cannot be read: a bad invocation, not a bad row."""


@dataclass(frozen=True)
class Table:
    """Header names and data rows, each with the row number a person sees in Excel."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030, what Chinese Excel saves as "CSV"."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError("neither UTF-8 nor GB18030 text")


def cell_text(value: object) -> str:
    """A cell as text; Excel keeps phone numbers and ids as floats, so 1.38e10 -> '13800000000'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return str(value).strip()


def _table(records: list[list[str]]) -> Table:
    """First non-empty record is the header; fully blank rows are skipped, not rejected."""
    numbered = [(i, [c.strip() for c in r]) for i, r in enumerate(records, start=1)]
    numbered = [(i, r) for i, r in numbered if any(r)]
    if not numbered:
        raise TableError("the file has no header row")
    (_, headers), *rows = numbered
    return Table(headers=headers, rows=rows)


def read_csv(data: bytes) -> Table:
    try:
        return _table(list(csv.reader(io.StringIO(decode(data), newline=""))))
    except UnicodeDecodeError as exc:  # a BOM followed by bytes that are not UTF-8
        raise TableError(f"not valid UTF-8 after its byte order mark: {exc.reason}") from exc
    except csv.Error as exc:
        raise TableError(f"malformed CSV: {exc}") from exc


def read_xlsx(data: bytes, sheet: str | None) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except _UNREADABLE as exc:
        raise TableError(f"not a readable XLSX workbook ({exc.__class__.__name__}: {exc})") from exc
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise TableError(f"no sheet {sheet!r}; the workbook has {', '.join(book.sheetnames)}")
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        return _table([[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)])
    except _UNREADABLE as exc:
        raise TableError(f"the workbook is damaged ({exc.__class__.__name__}: {exc})") from exc
    finally:
        book.close()


def read_table(path: Path, sheet: str | None = None) -> Table:
    """CSV or XLSX by content (an .xlsx renamed .csv still works); old .xls is refused."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise TableError(f"no such file: {path}") from None
    except OSError as exc:
        raise TableError(f"cannot read {path}: {exc.strerror}") from exc
    if data.startswith(XLSX_MAGIC):
        return read_xlsx(data, sheet)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise TableError("old Excel .xls files are not supported; save the file as .xlsx or CSV")
    if sheet is not None:
        raise TableError("--sheet applies to XLSX files only")
    return read_csv(data)
