"""Writing tables to files: every text cell escaped against formula injection, numbers kept."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from openpyxl import load_workbook

from hotline.app import tables
from hotline.app.tables import Rate, Table

FORMULAS = ['=HYPERLINK("http://x","y")', "+1+1", "-2", "@SUM(A1)", "\t=1", "\r=1"]
SAFE = ["路灯不亮", "12345", "a=b", " =1"]


def _table() -> Table:
    at = datetime(2026, 12, 6, 1, 30, tzinfo=UTC)
    rows = [[text, -2, 1.5, Rate(0.25), at] for text in FORMULAS + SAFE]
    return Table("t", "=t", ["=诉求", "-差值", "数", "率", "时间"], rows)


def test_xlsx_text_is_never_a_formula_and_numbers_stay_numbers() -> None:
    sheet = load_workbook(io.BytesIO(tables.to_xlsx(_table()))).active
    assert [c.value for c in sheet[1]] == ["'=诉求", "'-差值", "数", "率", "时间"]
    for row, text in zip(sheet.iter_rows(min_row=2), FORMULAS + SAFE, strict=True):
        assert all(c.data_type != "f" for c in row)
        expected = ("'" + text if text in FORMULAS else text).replace("\r", "\n")  # XML reads CR as LF
        assert (row[0].value, row[0].data_type) == (expected, "s")
        assert [c.value for c in row[1:4]] == [-2, 1.5, 0.25]
        assert row[4].value == datetime(2026, 12, 6, 9, 30)  # Asia/Shanghai wall clock


def test_csv_text_cells_start_with_a_quote_and_numbers_do_not() -> None:
    body = tables.to_csv(_table()).decode("utf-8-sig")
    header, *rows = csv.reader(io.StringIO(body, newline=""))
    assert header == ["'=诉求", "'-差值", "数", "率", "时间"]
    for row, text in zip(rows, FORMULAS + SAFE, strict=True):
        assert row[0] == ("'" + text if text in FORMULAS else text)
        assert row[1:] == ["-2", "1.5", "25.0%", "2026-12-06 09:30"]
