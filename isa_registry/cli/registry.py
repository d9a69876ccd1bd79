"""The registry as a whole: importing and exporting it, the exchange format's schema and the demo."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from ..core import exchange
from ..core.spreadsheet import read_tabular
from ..store import imports, persist, users
from ..store.db import db
from ..store.models import Organisation as OrganisationModel
from .actor import cli_actor

__all__ = ["DEMO_FILE", "DEMO_USERS", "commands", "import_file"]

DEMO_FILE = Path(__file__).parent.parent / "demo" / "dudley.json"
DEMO_USERS = (
    ("admin@demo.invalid", "admin", "demo-admin-password"),
    ("editor@demo.invalid", "editor", "demo-editor-password"),
    ("viewer@demo.invalid", "viewer", "demo-viewer-password"),
)


def _progress(stage: str, done: int, total: int) -> None:
    if total:
        click.echo(f"  {stage}: {done}/{total}", err=True)


def _read_document(path: str, held: imports.Known) -> Any:
    """Read FILE (JSON, ``-`` for standard input, or a spreadsheet log) as an isa-registry/1
    document, within the import limits. A spreadsheet may name organisations the registry holds
    by name as well as by key."""
    limits = exchange.ImportLimits.from_config(current_app.config)
    if Path(path).suffix.lower() in (".xlsx", ".csv"):
        return read_tabular(path, held.organisations, held.agreements, limits=limits)
    source = sys.stdin.buffer if path == "-" else path
    data = exchange.read_limited(source, "standard input" if path == "-" else path, limits.file_bytes)
    return exchange.load_json(data)


def import_file(path: str, actor: str, dry_run: bool = False) -> persist.ImportReport:
    """Import FILE in one transaction; raises InvalidDocument (nothing written) if it is bad."""
    held = imports.known(db.session)
    click.echo(f"Reading and checking {path}...", err=True)
    registry, decisions = imports.parse(_read_document(path, held), held)
    click.echo(
        f"Read {len(registry.organisations)} organisations, {len(registry.agreements)} agreements, "
        f"{len(registry.flows)} flows and {len(decisions)} decisions from {path}.",
        err=True,
    )
    return imports.apply(db.session, registry, decisions, actor, dry_run, progress=_progress)


@click.command("import-registry")
@click.argument("file")
@click.option("--dry-run", is_flag=True, help="Check and preview the import, then write nothing.")
@with_appcontext
def import_registry_command(file: str, dry_run: bool) -> None:
    """Import an isa-registry/1 JSON file (or '-' for standard input), or an ISA log (.xlsx/.csv).

    Records are matched by key: new ones are created, existing ones updated. The import is all or
    nothing: any problem is reported by record and field and nothing is written.
    """
    try:
        report = import_file(file, actor=cli_actor(), dry_run=dry_run)
    except exchange.InvalidDocument as exc:
        click.echo(f"Import of {file} failed: {exc}", err=True)
        sys.exit(1)
    except OSError as exc:
        click.echo(f"Cannot read {file}: {exc.strerror or exc}", err=True)
        sys.exit(1)
    for line in report.lines():
        click.echo(line)
    if report.updated_keys:
        click.echo("Updated existing records: " + ", ".join(report.updated_keys[:50]))
        if len(report.updated_keys) > 50:
            click.echo(f"... and {len(report.updated_keys) - 50} more")
    click.echo("Dry run: nothing was written." if dry_run else "Import complete.")


@click.command("export-registry")
@click.argument("file")
@click.option(
    "--without-attachments",
    is_flag=True,
    help="Leave out the signed copies' contents: a lighter file that cannot restore them.",
)
@with_appcontext
def export_registry_command(file: str, without_attachments: bool) -> None:
    """Export the whole registry, archived records included, as isa-registry/1 JSON ('-' for stdout)."""
    click.echo("Loading the registry...", err=True)
    registry, doc = imports.export(db.session, attachments=not without_attachments)
    click.echo(f"Writing {len(registry.flows)} flows...", err=True)
    text = exchange.dump_document(doc)
    if file == "-":
        sys.stdout.write(text)
    else:
        Path(file).write_text(text, encoding="utf-8")
        click.echo(
            f"Exported {len(registry.organisations)} organisations, {len(registry.agreements)} agreements "
            f"and {len(registry.flows)} flows to {file}.",
            err=True,
        )


@click.command("load-demo")
@click.option(
    "--force", is_flag=True, help="Load even if the registry already holds records (updates by key)."
)
@click.option("--with-demo-users", is_flag=True, help="Also create the demo accounts listed in the README.")
@with_appcontext
def load_demo_command(force: bool, with_demo_users: bool) -> None:
    """Load the Dudley demo partnership, built from the published privacy notices."""
    has_records = db.session.execute(select(func.count()).select_from(OrganisationModel)).scalar_one()
    if has_records and not force:
        click.echo("The registry already holds records: demo not loaded (use --force to update by key).")
    else:
        report = import_file(str(DEMO_FILE), actor="cli:load-demo")
        for line in report.lines():
            click.echo(line)
        click.echo("Demo partnership loaded.")
    if with_demo_users:
        for email, role in users.create_missing(db.session, cli_actor(), DEMO_USERS):
            click.echo(f"Created demo {role} {email}")


@click.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of the isa-registry/1 exchange format."""
    click.echo(json.dumps(exchange.schema(), indent=2))


commands = [import_registry_command, export_registry_command, load_demo_command, schema_command]
