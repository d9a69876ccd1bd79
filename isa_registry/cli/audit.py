"""Checking the audit log from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..store import audit
from ..store.db import db
from ..store.models import AuditEntry, AuditHead

__all__ = ["commands", "verify_audit_command"]


@click.command("verify-audit")
@click.option(
    "--anchor",
    "anchor_file",
    type=click.Path(dir_okay=False),
    help="Check against this copy of the anchor file instead of AUDIT_ANCHOR's.",
)
@with_appcontext
def verify_audit_command(anchor_file: str | None) -> None:
    """Check the audit log: its keyed hash chain, and that it still holds every head the anchor
    file recorded outside the database. Exits 1 if any entry was edited, removed or rewritten."""
    chosen = audit.settings()
    head = db.session.execute(select(AuditHead)).scalar_one_or_none()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, audit.GENESIS)
    entries = db.session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
    problems = [
        f"Audit entry {p.seq}: {p.problem}"
        for p in audit.verify_chain(entries, head_seq, head_hash, key=chosen.key)
    ]
    anchor = Path(anchor_file) if anchor_file else chosen.anchor
    anchored = 0
    if anchor is None:
        click.echo("No anchor file is set (AUDIT_ANCHOR is empty): the heads were not checked.", err=True)
    elif not anchor.exists():
        if head_seq or anchor_file:
            problems.append(
                f"Anchor: {anchor} does not exist, so the log cannot be checked against the heads "
                "recorded outside the database (name a copy with --anchor FILE)."
            )
    else:
        try:
            heads, line_problems = audit.read_anchor(anchor)
        except OSError as exc:
            heads, line_problems = [], [f"{anchor} cannot be read: {exc.strerror or exc}"]
        problems += [f"Anchor: {problem}" for problem in line_problems]
        if head_seq and not heads and not line_problems:
            problems.append(f"Anchor: {anchor} records no head, but the log holds {head_seq} entries.")
        problems += [
            f"Audit entry {p.seq}: {p.problem}" for p in audit.verify_anchor(db.session, heads, str(anchor))
        ]
        anchored = len({h.seq for h in heads})
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        click.echo(f"The audit log has been tampered with: {len(problems)} problem(s).", err=True)
        sys.exit(1)
    checked = f"; the {anchored} heads recorded in {anchor} are all there" if anchored else ""
    click.echo(f"The audit log is intact: {head_seq} entries verified{checked}.")


commands = [verify_audit_command]
