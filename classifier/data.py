"""Reading labelled CSV files: the CLI's input and the TipDM 2020 C research data.

The TipDM data is read in place from ``HOTLINE_DATA_DIR`` (default: ``shared/data/tipdm2020c``
beside the repository) and never copied: its licence is unknown.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from pathlib import Path

from classifier.errors import DataError

REPO = Path(__file__).resolve().parent.parent
BODIES = "tipdm2020c_attachment2_details_only.csv"
TITLES = "tipdm2020c_attachment2_subjects.csv"


def data_dir(path: str | Path | None = None) -> Path:
    """The TipDM directory: ``path``, else ``$HOTLINE_DATA_DIR``, else the shared default."""
    chosen = path or os.environ.get("HOTLINE_DATA_DIR")
    return Path(chosen) if chosen else REPO.parent / "shared" / "data" / "tipdm2020c"


def read_rows(path: str | Path) -> list[dict[str, str]]:
    """All rows of a UTF-8 CSV with a header; DataError when missing, unreadable or empty."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"{path}: cannot read CSV: {exc}") from None
    if not rows:
        raise DataError(f"{path}: no data rows")
    return rows


def columns(rows: list[dict[str, str]], path: str | Path, *names: str | None
            ) -> list[list[str]]:
    """The named columns (None: skipped) as lists, rows with an empty value dropped."""
    wanted = [n for n in names if n is not None]
    missing = [n for n in wanted if n not in rows[0]]
    if missing:
        raise DataError(f"{path}: no column {', '.join(missing)} "
                        f"(columns: {', '.join(k for k in rows[0] if k)})")
    kept = [r for r in rows if all((r.get(n) or "").strip() for n in wanted)]
    if not kept:
        raise DataError(f"{path}: every row has an empty {' or '.join(wanted)}")
    return [[r[n] for r in kept] for n in wanted]


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "1", "yes")


def tipdm_bodies(directory: str | Path | None = None) -> tuple[list[str], list[str]]:
    """Message bodies and first-level labels, the 5 conflicting rows dropped."""
    path = data_dir(directory) / BODIES
    rows = [r for r in read_rows(path) if not _true(r.get("label_conflict"))]
    texts, labels = columns(rows, path, "text", "label")
    return texts, labels


def tipdm_titles(directory: str | Path | None = None) -> tuple[list[str], list[str]]:
    """Titles and labels, conflicting rows dropped; identical titles stay (grouped by
    :func:`classifier.evaluate`'s default groups)."""
    path = data_dir(directory) / TITLES
    rows = [r for r in read_rows(path) if not _true(r.get("subject_label_conflict"))]
    texts, labels = columns(rows, path, "text", "label")
    return texts, labels


def available(directory: str | Path | None = None, files: Iterable[str] = (BODIES, TITLES)
              ) -> bool:
    return all((data_dir(directory) / name).is_file() for name in files)
