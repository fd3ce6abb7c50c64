"""Turning rows of a 12315/12319 hand-over file into intakes, one row at a time.

A bad row never stops the import: it is reported with its row number and the good rows are
kept, because the sending system will fix and resend only the rows we name. Idempotency rests
on the source system's case id (source_ref "LINE:CASE_ID"), so a file resent whole creates
nothing twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from hotline.app.labels import REQUEST_TYPE_LABELS
from hotline.domain.errors import InvalidInput
from hotline.domain.phones import normalise_phone
from hotline.imports.files import Table, TableError
from hotline.intake.accept import LOCAL_TZ, Request, validated_payload
from hotline.models import Channel, Line, RequestType, utcnow
from hotline.seed.load import read_json
from routing.places import Gazetteer

MAPPINGS_DIR = Path(__file__).with_name("mappings")
FIELDS = ("case_id", "content", "phone", "name", "address", "request_type", "received_at", "district")
REQUIRED = ("case_id", "content")
MAX_CASE_ID = 100  # source_ref is "LINE:" + case id in 120 characters
REQUEST_TYPES = {
    **{code: code for code in REQUEST_TYPE_LABELS},
    **{label: code for code, label in REQUEST_TYPE_LABELS.items()},
    **{f"{label}类": code for code, label in REQUEST_TYPE_LABELS.items()},
}
DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
    "%Y/%m/%d", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日", "%Y%m%d%H%M%S",
    "%Y.%m.%d %H:%M:%S", "%Y.%m.%d",
)


class RowError(Exception):
    """Why one row is refused; the import goes on with the next row."""


def load_mapping(line: Line, path: Path | None) -> dict[str, str]:
    """Our field -> the file's header, from `path` or the line's shipped default."""
    if path is None:
        path = MAPPINGS_DIR / f"{line.value}.json"
        if not path.exists():
            raise TableError(f"no default column mapping for line {line.value}; pass --mapping")
    try:
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise TableError(f"no such mapping file: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TableError(f"mapping {path} is not a readable JSON file: {exc}") from exc
    if not isinstance(raw, dict):
        raise TableError(f"mapping {path} must be a JSON object of field -> column header")
    mapping = {k: v for k, v in raw.items() if not k.startswith("_")}
    unknown = sorted(set(mapping) - set(FIELDS))
    if unknown:
        raise TableError(f"mapping {path}: unknown fields {', '.join(unknown)}; known: {', '.join(FIELDS)}")
    if not all(isinstance(v, str) and v.strip() for v in mapping.values()):
        raise TableError(f"mapping {path}: every column header must be a non-empty string")
    missing = [f for f in REQUIRED if f not in mapping]
    if missing:
        raise TableError(f"mapping {path} does not map required fields {', '.join(missing)}")
    return {k: v.strip() for k, v in mapping.items()}


def column_indexes(table: Table, mapping: dict[str, str]) -> dict[str, int]:
    """Field -> column index; every mapped column must be in the file (the first one wins)."""
    positions: dict[str, int] = {}
    for index, header in enumerate(table.headers):
        positions.setdefault(header, index)
    missing = [h for h in mapping.values() if h not in positions]
    if missing:
        raise TableError(f"columns missing from the file: {', '.join(missing)}")
    return {field: positions[header] for field, header in mapping.items()}


@cache
def _gazetteer() -> Gazetteer | None:
    try:
        return Gazetteer.from_records(read_json("city.json")["districts"])
    except (OSError, KeyError, ValueError):
        return None


def district_code(text: str) -> str | None:
    """The district code routing rules use, for a name such as 「A1区」; None when unknown."""
    gazetteer = _gazetteer()
    match = gazetteer.find("", address=text) if gazetteer else None
    return match.district_code if match else None


def parse_received_at(raw: str) -> datetime:
    """The source system's registration time; a time without offset is Beijing time."""
    text = raw.strip()
    value: datetime | None = None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        for fmt in DATE_FORMATS:
            try:
                value = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if value is None:
        raise RowError(f"登记时间无法识别 / unparsable date: {text!r}")
    value = value.replace(tzinfo=LOCAL_TZ) if value.tzinfo is None else value
    if value > utcnow() + timedelta(days=1):
        raise RowError(f"登记时间在将来 / date in the future: {text!r}")
    return value


def parse_request_type(raw: str) -> str:
    code = REQUEST_TYPES.get(raw.strip().lower()) if raw.strip() else RequestType.COMPLAINT.value
    if code is None:
        raise RowError(f"未知诉求类型 / unknown type: {raw!r}")
    return code


def to_request(line: Line, cells: dict[str, str], region: str) -> Request:
    """A checked Request for one row, or RowError saying what is wrong with it."""
    case_id = cells.get("case_id", "")
    if not case_id:
        raise RowError("案件编号为空 / missing case id")
    if len(case_id) > MAX_CASE_ID:
        raise RowError(f"案件编号过长 / case id longer than {MAX_CASE_ID} characters")
    if not cells.get("content"):
        raise RowError("诉求内容为空 / empty content")
    phone = cells.get("phone") or None
    if phone:
        try:
            normalise_phone(phone, region)
        except InvalidInput as exc:
            raise RowError(f"bad phone {phone!r}: {exc.message}") from None
    extra: dict[str, Any] = {"source_case_id": case_id}
    if cells.get("received_at"):
        extra["source_received_at"] = parse_received_at(cells["received_at"]).isoformat()
    if cells.get("district"):
        extra["source_district"] = cells["district"]
        extra["district"] = district_code(cells["district"])
    req = Request(
        channel=Channel.IMPORT, line=line.value, content=cells["content"],
        request_type=parse_request_type(cells.get("request_type", "")), phone=phone,
        name=cells.get("name") or None, address=cells.get("address") or None,
        source_ref=f"{line.value}:{case_id}", extra=extra,
    )
    try:
        validated_payload(req, region)  # the same checks accept() makes, so dry runs agree
    except InvalidInput as exc:
        raise RowError(exc.message) from None
    return req


@dataclass
class Summary:
    imported: int = 0
    present: int = 0
    rejected: int = 0


@dataclass(frozen=True)
class Outcome:
    row: int
    created: bool | None  # None: rejected
    reason: str = ""


def import_rows(
    table: Table,
    columns: dict[str, int],
    line: Line,
    region: str,
    store: Callable[[Request], bool],
) -> Iterator[Outcome]:
    """Check every row and hand the good ones to `store` (which says whether it created one)."""
    for number, row in table.rows:
        cells = {f: row[i].strip() if i < len(row) else "" for f, i in columns.items()}
        try:
            req = to_request(line, cells, region)
        except RowError as exc:
            yield Outcome(number, None, str(exc))
            continue
        yield Outcome(number, store(req))
