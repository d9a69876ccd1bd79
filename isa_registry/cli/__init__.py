"""The ``flask`` commands: importing, exporting, the demo, users and the audit log.

Commands of other areas live beside the code they drive (``cli_check``, ``cli_map``, ``cli_ropa``)
and are gathered by :func:`commands`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from ..core import exchange
from ..core.domain import Registry
from ..core.spreadsheet import read_tabular
from ..store import audit, persist, users
from ..store.attachments import load_attachments
from ..store.db import db
from ..store.models import AuditEntry, AuditHead
from ..store.models import Organisation as OrganisationModel
from ..store.passwords import password_problem
from ..store.queries import load_registry

DEMO_FILE = Path(__file__).parent.parent / "demo" / "dudley.json"
DEMO_USERS = (
    ("admin@demo.invalid", "admin", "demo-admin-password"),
    ("editor@demo.invalid", "editor", "demo-editor-password"),
    ("viewer@demo.invalid", "viewer", "demo-viewer-password"),
)


def _progress(stage: str, done: int, total: int) -> None:
    if total:
        click.echo(f"  {stage}: {done}/{total}", err=True)


def _read_registry_file(path: str, known_orgs: dict[str, str], known_agreements: set[str]) -> Registry:
    """Read FILE (JSON, or a spreadsheet log) into a registry, validating it whole.

    ``known_orgs`` maps the keys of organisations already in the registry to their names: a
    spreadsheet may name them either way.
    """
    suffix = Path(path).suffix.lower()
    if suffix in (".xlsx", ".csv"):
        doc = read_tabular(path, known_orgs, known_agreements)
        return exchange.parse_document(doc, known_orgs, known_agreements)
    if path == "-":
        text = sys.stdin.read()
    else:
        text = Path(path).read_text(encoding="utf-8")
    return exchange.load_document(text, known_orgs, known_agreements)


def import_file(path: str, actor: str, dry_run: bool = False) -> persist.ImportReport:
    """Import FILE in one transaction; raises InvalidDocument (nothing written) if it is bad."""
    session = db.session
    org_table = OrganisationModel.__table__
    known_orgs: dict[str, str] = dict(
        session.execute(select(org_table.c.key, org_table.c.name)).tuples().all()
    )
    known_agreements = set(persist.agreement_ids(session))
    click.echo(f"Reading and checking {path}...", err=True)
    registry = _read_registry_file(path, known_orgs, known_agreements)
    click.echo(
        f"Read {len(registry.organisations)} organisations, {len(registry.agreements)} agreements, "
        f"{len(registry.flows)} flows from {path}.",
        err=True,
    )
    try:
        report = persist.apply_registry(session, registry, actor, progress=_progress)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    except Exception:
        session.rollback()
        raise
    return report


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
        report = import_file(file, actor=f"cli:{_os_user()}", dry_run=dry_run)
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
    registry = load_registry(db.session, include_archived=True)
    registry.attachments = load_attachments(db.session, with_content=not without_attachments)
    click.echo(f"Writing {len(registry.flows)} flows...", err=True)
    text = exchange.dump_document(exchange.to_document(registry, attachments=not without_attachments))
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
        for email, role in users.create_missing(db.session, DEMO_USERS):
            click.echo(f"Created demo {role} {email}")


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(["viewer", "editor", "admin"]), required=True)
@with_appcontext
def create_user_command(email: str, role: str) -> None:
    """Create a user, or reset their password and role; the password is read from the prompt or stdin."""
    email = email.strip().lower()
    if "@" not in email:
        click.echo(f"'{email}' is not an email address.", err=True)
        sys.exit(1)
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    problem = password_problem(password)
    if problem:
        click.echo(problem + ".", err=True)
        sys.exit(1)
    if users.set_password(db.session, email, role, password):
        click.echo(f"Created {role} {email}.")
    else:
        click.echo(f"Updated {email}: role {role}, new password.")


@click.command("verify-audit")
@with_appcontext
def verify_audit_command() -> None:
    """Check the audit log's hash chain; exits 1 if any entry was edited or deleted."""
    head = db.session.execute(select(AuditHead)).scalar_one_or_none()
    entries = db.session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
    problems = list(
        audit.verify_chain(entries, head.seq if head else 0, head.hash if head else audit.GENESIS)
    )
    if problems:
        for p in problems:
            click.echo(f"Audit entry {p.seq}: {p.problem}", err=True)
        click.echo(f"The audit log has been tampered with: {len(problems)} problem(s).", err=True)
        sys.exit(1)
    click.echo(f"The audit log is intact: {head.seq if head else 0} entries verified.")


@click.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of the isa-registry/1 exchange format."""
    click.echo(json.dumps(exchange.schema(), indent=2))


def _os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "unknown"


def commands() -> list[click.Command]:
    """Every command of the app: these, and those of the rules, the map and the ROPA."""
    from . import analyses as cli_analyses
    from . import check as cli_check
    from . import documents as cli_documents
    from . import map as cli_map
    from . import ropa as cli_ropa

    return [
        import_registry_command,
        export_registry_command,
        load_demo_command,
        create_user_command,
        verify_audit_command,
        schema_command,
        *cli_check.commands,
        *cli_map.commands,
        *cli_ropa.commands,
        *cli_analyses.commands,
        *cli_documents.commands,
    ]
