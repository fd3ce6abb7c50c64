"""Bulk hand-over from sibling hotline systems (12315/12319): `flask --app hotline import`.

Exit codes tell the operator's script what to do next: 0 everything is in, 1 some rows were
refused (listed on stderr with their row numbers, the rest are in), 2 nothing was done (bad
file, mapping, line or option).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from flask.cli import with_appcontext

from hotline.app import settings
from hotline.app.extensions import db
from hotline.cli import fail
from hotline.imports.cases import Summary, column_indexes, import_rows, load_mapping
from hotline.imports.files import TableError, read_table
from hotline.intake.accept import Request, find_existing
from hotline.intake.handover import submit
from hotline.models import Line


def _dry_run_store() -> Callable[[Request], bool]:
    """Answers as `submit` would (new or already present) without writing anything."""
    seen: set[str | None] = set()

    def check(req: Request) -> bool:
        new = req.source_ref not in seen and find_existing(db.session, req.channel, req.source_ref) is None
        seen.add(req.source_ref)
        return new

    return check


@click.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--line", required=True, help="The sending line: 12315, 12319 (or 12345).")
@click.option("--mapping", type=click.Path(dir_okay=False, path_type=Path),
              help="JSON file: our field -> the file's column header (default: the line's own).")
@click.option("--sheet", help="XLSX sheet name (default: the first sheet).")
@click.option("--dry-run", is_flag=True, help="Check every row and report, store nothing.")
@with_appcontext
def import_command(path: Path, line: str, mapping: Path | None, sheet: str | None,
                   dry_run: bool) -> None:
    """Import cases from a CSV (UTF-8 or GB18030) or XLSX file as intakes of the import channel."""
    try:
        source = Line(line.strip())
    except ValueError:
        fail(f"unknown line {line!r}; use one of {', '.join(m.value for m in Line)}")
    try:
        columns = load_mapping(source, mapping)
        table = read_table(path, sheet)
        indexes = column_indexes(table, columns)
    except TableError as exc:
        fail(str(exc))
    region = settings.current().default_region
    store = _dry_run_store() if dry_run else lambda req: submit(req, region=region)[1]
    summary = Summary()
    for outcome in import_rows(table, indexes, source, region, store):
        if outcome.created is None:
            summary.rejected += 1
            click.echo(f"row {outcome.row}: {outcome.reason}", err=True)
        elif outcome.created:
            summary.imported += 1
        else:
            summary.present += 1
    db.session.rollback()
    verb = "would import" if dry_run else "imported"
    click.echo(f"{'dry run: ' if dry_run else ''}{verb} {summary.imported}, "
               f"already present {summary.present}, rejected {summary.rejected}")
    if summary.rejected:
        raise SystemExit(1)
