"""Reading labelled CSV files: the CLI's input and the TipDM 2020 C research data.

The TipDM data is read in place and never copied (its licence is unknown), from the directory
the caller names: ``HOTLINE_DATA_DIR`` of config.py, the one module that reads the environment.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from classifier.errors import DataError

BODIES = "tipdm2020c_attachment2_details_only.csv"
TITLES = "tipdm2020c_attachment2_subjects.csv"


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


def tipdm_bodies(directory: Path) -> tuple[list[str], list[str]]:
    """Message bodies and first-level labels, the 5 conflicting rows dropped."""
    path = directory / BODIES
    rows = [r for r in read_rows(path) if not _true(r.get("label_conflict"))]
    texts, labels = columns(rows, path, "text", "label")
    return texts, labels


def tipdm_titles(directory: Path) -> tuple[list[str], list[str]]:
    """Titles and labels, conflicting rows dropped; identical titles stay (grouped by
    :func:`classifier.evaluate`'s default groups)."""
    path = directory / TITLES
    rows = [r for r in read_rows(path) if not _true(r.get("subject_label_conflict"))]
    texts, labels = columns(rows, path, "text", "label")
    return texts, labels


def available(directory: Path, files: Iterable[str] = (BODIES, TITLES)) -> bool:
    return all((directory / name).is_file() for name in files)


def tipdm_bodies_and_titles(directory: Path) -> tuple[list[str], list[str]]:
    """Bodies then titles: what a production model learns from. The titles are as short as
    an agent's call note, the bodies as long as a web message; trained on the bodies alone
    the model scored 0.77 on the tuning half of the call-note set (``call_notes``), with the
    titles (and the windows of ``classifier.augment``) 0.83."""
    bodies, body_labels = tipdm_bodies(directory)
    titles, title_labels = tipdm_titles(directory)
    return bodies + titles, body_labels + title_labels


# The project's own call-note and SMS style texts (classifier/devsets/README.md).
CALL_NOTES = Path(__file__).with_name("devsets") / "call_notes.csv"
SPLITS = ("tune", "holdout")


def call_notes(split: str | None = None, path: Path = CALL_NOTES) -> tuple[list[str], list[str]]:
    """Texts and labels of the call-note set, one half (``SPLITS``) or all of it."""
    if split is not None and split not in SPLITS:
        raise DataError(f"unknown split {split!r} (one of {', '.join(SPLITS)})")
    rows = [r for r in read_rows(path) if split is None or r.get("split") == split]
    texts, labels = columns(rows, path, "text", "label")
    return texts, labels
