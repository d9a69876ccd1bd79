"""The ``flask check`` command: run the compliance rules over the registry and report the findings.

Exit status 1 when any finding is an error, else 0, so a scheduled job or CI step can fail on it.
Formatting is done by pure functions (:func:`format_text`, :func:`format_json`) so that it can be
tested without the app.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import date

import click
from flask.cli import with_appcontext

from ..core.domain import SEVERITIES, Finding
from ..core.rules import RULES, run_rules, sort_key, summarise
from ..store.queries import load_registry
from .as_of import AS_OF

__all__ = ["check_command", "commands", "format_json", "format_summary", "format_text"]

_HEADINGS = {"error": "Errors", "warning": "Warnings", "info": "Info"}
_INDENT = "      "


def format_summary(findings: Sequence[Finding]) -> str:
    """``2 errors, 1 warnings, 0 info`` (always this shape, so scripts can read it)."""
    counts = summarise(findings)
    return f"{counts['error']} errors, {counts['warning']} warnings, {counts['info']} info"


def format_text(findings: Sequence[Finding], as_of: date) -> str:
    """The findings grouped by severity, errors first, each with its remedy and law under it."""
    lines = [f"Compliance check as of {as_of.isoformat()}", ""]
    for severity in SEVERITIES:
        group = [f for f in findings if f.severity == severity]
        if not group:
            continue
        lines.append(f"{_HEADINGS[severity]} ({len(group)})")
        for finding in group:
            lines.append(f"  {finding.code}  {finding.subject_type} {finding.subject_key}: {finding.message}")
            lines.append(f"{_INDENT}Remedy: {finding.remedy}")
            lines.append(f"{_INDENT}Law: {finding.reference}")
        lines.append("")
    if not findings:
        lines.extend(["No findings.", ""])
    lines.append(format_summary(findings))
    return "\n".join(lines)


def format_json(findings: Sequence[Finding], as_of: date) -> str:
    """``{"as_of": "2026-11-23", "findings": [...]}``, each finding as its ``as_dict()``."""
    document = {"as_of": as_of.isoformat(), "findings": [f.as_dict() for f in findings]}
    return json.dumps(document, indent=2, ensure_ascii=False)


@click.command("check")
@click.option(
    "--as-of",
    "as_of",
    type=AS_OF,
    default=None,
    help="Check the registry as it stands on this date (YYYY-MM-DD). Default: today.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Plain text for people, or JSON for other programs.",
)
@with_appcontext
def check_command(as_of: date | None, output_format: str) -> None:
    """Check every agreement and flow against data protection law; exit 1 if there are errors."""
    day = as_of or date.today()
    click.echo("Loading the registry...", err=True)
    registry = load_registry()
    click.echo(
        f"Checking {len(registry.organisations)} organisations, {len(registry.agreements)} agreements "
        f"and {len(registry.flows)} flows as of {day.isoformat()}.",
        err=True,
    )
    with click.progressbar(RULES, label="Rules", file=sys.stderr, show_pos=True) as rules:
        findings = sorted(
            (f for rule in rules for f in run_rules(registry, day, rules=(rule,))), key=sort_key
        )
    render = format_json if output_format == "json" else format_text
    click.echo(render(findings, day))
    if any(f.severity == "error" for f in findings):
        click.get_current_context().exit(1)


#: Gathered by :func:`isa_registry.cli.commands`.
commands = [check_command]
