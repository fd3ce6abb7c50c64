"""`flask import`: 12315/12319 hand-over files -> intakes -> worker -> tickets, row by row."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from openpyxl import Workbook
from sqlalchemy import func, select

from hotline.app.extensions import db
from hotline.models import Intake, Ticket
from tests.conftest import drain

HEADERS_12315 = ["案件编号", "诉求内容", "联系电话", "姓名", "地址", "诉求类型", "登记时间"]
GOOD_12315 = [
    ["SC-2024-0001", "超市出售过期牛奶", "13812348000", "王五", "A1区东湖街道", "投诉", "2024-05-01 08:30:00"],
    ["SC-2024-0002", "咨询网店七天无理由退货规定", "", "", "", "咨询", "2024/5/2 9:15"],
]


def write_csv(path: Path, rows: list[list[str]], headers: list[str] = HEADERS_12315,
              encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows([headers, *rows])
    return path


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["import", *args])


def intakes() -> list[Intake]:
    return list(db.session.scalars(select(Intake).order_by(Intake.id)))


def test_csv_rows_become_tickets_and_a_second_import_adds_nothing(app: Flask,
                                                                   tmp_path: Path) -> None:
    path = write_csv(tmp_path / "12315.csv", GOOD_12315)
    result = run(app, str(path), "--line", "12315")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "imported 2, already present 0, rejected 0"
    first, second = intakes()
    assert (first.channel.value, first.line.value, first.source_ref) == ("import", "12315", "12315:SC-2024-0001")
    assert first.payload["source_received_at"] == "2024-05-01T08:30:00+08:00"
    assert second.payload["request_type"] == "consult" and second.payload["phone"] is None
    drain(app)
    ticket = db.session.scalars(select(Ticket).where(Ticket.number == first.ticket_number)).one()
    assert (ticket.phone, ticket.citizen_name, ticket.request_type.value) == ("+8613812348000", "王五", "complaint")

    again = run(app, str(path), "--line", "12315")
    assert again.exit_code == 0
    assert again.stdout.strip() == "imported 0, already present 2, rejected 0"
    assert len(intakes()) == 2


def test_bad_rows_are_reported_and_good_rows_kept(app: Flask, tmp_path: Path) -> None:
    rows = [
        GOOD_12315[0],
        ["SC-3", "   ", "13812348000", "", "", "投诉", ""],
        ["SC-4", "噪音", "12", "", "", "投诉", ""],
        ["", "没有编号", "", "", "", "投诉", ""],
        ["SC-6", "类型不明", "", "", "", "吐槽", ""],
        ["SC-7", "时间不对", "", "", "", "投诉", "上周三"],
        ["", "", "", "", "", "", ""],  # blank lines in exports are skipped, not rejected
        GOOD_12315[1],
    ]
    result = run(app, str(write_csv(tmp_path / "mixed.csv", rows)), "--line", "12315")
    assert result.exit_code == 1
    assert result.stdout.strip() == "imported 2, already present 0, rejected 5"
    errors = result.stderr.strip().splitlines()
    assert [e.split(":")[0] for e in errors] == ["row 3", "row 4", "row 5", "row 6", "row 7"]
    for line, words in zip(errors, ("empty content", "bad phone", "missing case id", "unknown type",
                                    "unparsable date"), strict=True):
        assert words in line, line
    assert [i.source_ref for i in intakes()] == ["12315:SC-2024-0001", "12315:SC-2024-0002"]


def test_xlsx_with_the_12319_mapping_and_sheet_choice(app: Flask, tmp_path: Path) -> None:
    book = Workbook()
    book.active.title = "说明"
    book.active.append(["本表由12319系统导出"])
    sheet = book.create_sheet("工单")
    sheet.append(["工单编号", "诉求内容", "来电号码", "来电人", "事发地址", "所属区县", "诉求类型", "受理时间"])
    sheet.append([20240001, "小区楼道堆放杂物无人清理", 13812348000, "赵六", "东湖街道", "A1区",
                  "求助", "2024年5月3日 10:00"])
    path = tmp_path / "cases.xlsx"
    book.save(path)
    assert run(app, str(path), "--line", "12319").exit_code == 2  # first sheet lacks the columns
    result = run(app, str(path), "--line", "12319", "--sheet", "工单")
    assert result.exit_code == 0, result.output
    [intake] = intakes()
    assert intake.source_ref == "12319:20240001" and intake.payload["phone"] == "+8613812348000"
    assert intake.payload["request_type"] == "help" and intake.payload["district"] == "a1"
    assert intake.payload["source_received_at"] == "2024-05-03T10:00:00+08:00"


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig"])
def test_chinese_excel_csv_encodings(app: Flask, tmp_path: Path, encoding: str) -> None:
    path = write_csv(tmp_path / "gbk.csv", GOOD_12315, encoding=encoding)
    result = run(app, str(path), "--line", "12315")
    assert result.exit_code == 0, result.output
    assert intakes()[0].payload["content"] == "超市出售过期牛奶"


def test_custom_mapping_and_dry_run(app: Flask, tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"case_id": "编号", "content": "内容"}), encoding="utf-8")
    path = write_csv(tmp_path / "cases.csv", [["A-1", "路灯不亮"], ["A-1", "路灯不亮"], ["A-2", ""]],
                     headers=["编号", "内容"])
    result = run(app, str(path), "--line", "12345", "--mapping", str(mapping), "--dry-run")
    assert result.exit_code == 1
    assert result.stdout.strip() == "dry run: would import 1, already present 1, rejected 1"
    assert db.session.scalar(select(func.count(Intake.id))) == 0
    assert run(app, str(path), "--line", "12345", "--mapping", str(mapping)).exit_code == 1
    assert [i.source_ref for i in intakes()] == ["12345:A-1"]


@pytest.mark.parametrize(("setup", "args", "words"), [
    (None, ["missing.csv", "--line", "12315"], "no such file"),
    ("good", ["{file}", "--line", "99999"], "unknown line"),
    ("good", ["{file}", "--line", "12345"], "--mapping"),
    ("good", ["{file}", "--line", "12315", "--mapping", "{dir}/none.json"], "mapping"),
    ("no_phone", ["{file}", "--line", "12315"], "联系电话"),
    ("corrupt_xlsx", ["{file}", "--line", "12315"], "XLSX"),
    ("binary", ["{file}", "--line", "12315"], "GB18030"),
    ("empty", ["{file}", "--line", "12315"], "header"),
])
def test_bad_invocations_exit_2_with_one_line(app: Flask, tmp_path: Path, setup: str | None,
                                              args: list[str], words: str) -> None:
    file = tmp_path / "input.csv"
    if setup == "good":
        write_csv(file, GOOD_12315)
    elif setup == "no_phone":
        write_csv(file, [row[:2] for row in GOOD_12315], headers=HEADERS_12315[:2])
    elif setup == "corrupt_xlsx":
        file = tmp_path / "input.xlsx"
        file.write_bytes(b"PK\x03\x04" + b"\x00garbage" * 50)
    elif setup == "binary":
        file.write_bytes(b"\x81\x30\xff\xfe\x00\x80" * 100)
    elif setup == "empty":
        file.write_bytes(b"")
    result = run(app, *[a.format(file=file, dir=tmp_path) for a in args])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and words in line, line
    assert db.session.scalar(select(func.count(Intake.id))) == 0
