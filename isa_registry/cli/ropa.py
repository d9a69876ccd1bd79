"""The ``flask`` commands of the ROPA area: ``export-ropa`` and ``import-template``."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import BinaryIO

import click
from flask.cli import with_appcontext

from ..core import ropa
from ..core.spreadsheet import write_template
from ..store.db import db
from ..store.queries import load_registry
from .as_of import AS_OF

_FORMATS = {".xlsx": "xlsx", ".csv": "csv"}


def _progress(message: str) -> None:
    """Say what is being done, on standard error only: standard output may be the CSV itself."""
    click.echo(message, err=True)


def _format_of(path: str) -> str:
    if path == "-":
        return "csv"
    fmt = _FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        click.echo(f"Cannot tell the format of {path}: name it .xlsx or .csv.", err=True)
        sys.exit(1)
    return fmt


@click.command("export-ropa")
@click.argument("out")
@click.option(
    "--controller", help="Key (or exact name) of one controller; the whole partnership if left out."
)
@click.option(
    "--as-of",
    "as_of",
    type=AS_OF,
    help="The date the record describes (YYYY-MM-DD); today if left out.",
)
@with_appcontext
def export_ropa_command(out: str, controller: str | None, as_of: date | None) -> None:
    """Export the record of processing activities (UK GDPR Art 30) to OUT (.xlsx or .csv; '-' for
    CSV on standard output).

    The workbook has a summary sheet and a sheet per controller (or one sheet with --controller);
    the CSV has a row per processing activity, with a Controller column first for the partnership.
    """
    fmt = _format_of(out)
    day = as_of or date.today()
    _progress("Loading the registry...")
    registry = load_registry(db.session)
    try:
        record = ropa.build_ropa(registry, day, controller, progress=_progress)
    except ropa.UnknownController:
        click.echo(f"Unknown controller '{controller}': no organisation has that key or name.", err=True)
        sys.exit(1)

    def write(stream: BinaryIO) -> None:
        if fmt == "xlsx":
            ropa.write_xlsx(record, stream, progress=_progress)
        else:
            _progress("Writing the CSV...")
            ropa.write_csv(record, stream)

    if out == "-":
        write(sys.stdout.buffer)
        sys.stdout.flush()
    else:
        with Path(out).open("wb") as stream:
            write(stream)
    activities = sum(len(r.activities) for r in record.records)
    who = (
        f"{len(record.records)} controller(s)" if record.partnership else record.records[0].organisation.name
    )
    click.echo(
        f"Exported the record of processing activities as of {day.isoformat()} for {who}: "
        f"{activities} processing activities{'' if out == '-' else f' to {out}'}.",
        err=True,
    )


@click.command("import-template")
@click.argument("out")
def import_template_command(out: str) -> None:
    """Write the blank ISA-log template (.xlsx with Organisations, Agreements and Flows sheets, or
    .csv with a Record type column) that ``import-registry`` reads."""
    fmt = _format_of(out)
    if out == "-":
        write_template(sys.stdout.buffer, fmt)
        sys.stdout.flush()
        return
    with Path(out).open("wb") as stream:
        write_template(stream, fmt)
    click.echo(f"Wrote the import template to {out} (see docs/import-template.md).", err=True)


commands = [export_ropa_command, import_template_command]
