"""The ``flask check`` command: run the compliance rules over the registry and report the findings.

Exit status 1 when an error is still to be dealt with (open, or its decision lapsed), else 0, so a
scheduled job or CI step can fail on it; ``--strict`` counts errors decided on too. Formatting is
done by pure functions (:func:`format_text`, :func:`format_json`) so that it can be tested without
the app.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import date

import click
from flask.cli import with_appcontext

from ..core.decisions import DECIDED, Decision, Reviewed, review
from ..core.domain import SEVERITIES, Finding
from ..core.rules import RULES, run_rules, sort_key, summarise
from ..store.db import db
from ..store.decisions import load_decisions
from ..store.queries import load_registry
from .as_of import AS_OF

__all__ = ["check_command", "commands", "failing", "format_json", "format_summary", "format_text"]

_HEADINGS = {"error": "Errors", "warning": "Warnings", "info": "Info"}
_INDENT = "      "


def format_summary(findings: Sequence[Finding]) -> str:
    """``2 errors, 1 warnings, 0 info`` (always this shape, so scripts can read it)."""
    counts = summarise(findings)
    return f"{counts['error']} errors, {counts['warning']} warnings, {counts['info']} info"


def _decision_line(r: Reviewed) -> str:
    d = r.decision
    assert d is not None
    review_by = f", review by {d.review_by.isoformat()}" if d.review_by else ""
    lapsed = f" (lapsed: {r.lapsed_because})" if r.lapsed_because else ""
    when = f"on {d.decided_on.isoformat()}{review_by}{lapsed}"
    return f"{_INDENT}Decision: {d.label} by {d.decided_by} {when}: {d.reason}"


def _finding_lines(finding: Finding, reviewed: Reviewed | None) -> list[str]:
    lines = [f"  {finding.code}  {finding.subject_type} {finding.subject_key}: {finding.message}"]
    if reviewed is not None and reviewed.decision is not None:
        lines.append(_decision_line(reviewed))
    lines.append(f"{_INDENT}Remedy: {finding.remedy}")
    lines.append(f"{_INDENT}Law: {finding.reference}")
    return lines


def format_text(findings: Sequence[Finding], as_of: date, decisions: Sequence[Decision] | None = None) -> str:
    """The findings grouped by severity, errors first, each with its remedy and law under it.

    Given the ``decisions`` taken on findings, the open findings (lapsed ones among them) come
    first, grouped by severity, and the summary counts them; the decided ones follow under a
    heading of their own with their decision.
    """
    reviewed = review(findings, decisions, as_of) if decisions is not None else None
    to_do = [r for r in reviewed if r.is_open] if reviewed is not None else None
    lines = [f"Compliance check as of {as_of.isoformat()}", ""]
    open_findings = [r.finding for r in to_do] if to_do is not None else list(findings)
    by_finding = {id(r.finding): r for r in reviewed or ()}
    for severity in SEVERITIES:
        group = [f for f in open_findings if f.severity == severity]
        if not group:
            continue
        lines.append(f"{_HEADINGS[severity]} ({len(group)})")
        for finding in group:
            lines.extend(_finding_lines(finding, by_finding.get(id(finding))))
        lines.append("")
    decided = [r for r in reviewed or () if r.state == DECIDED]
    if decided:
        lines.append(f"Decided ({len(decided)}): accepted or not applicable")
        for r in decided:
            lines.extend(_finding_lines(r.finding, r))
        lines.append("")
    if not findings:
        lines.extend(["No findings.", ""])
    if decided:
        lines.append("Decided: " + format_summary([r.finding for r in decided]))
    lines.append(format_summary(open_findings))
    return "\n".join(lines)


def format_json(findings: Sequence[Finding], as_of: date, decisions: Sequence[Decision] | None = None) -> str:
    """``{"as_of": "2026-11-23", "findings": [...]}``, each finding as its ``as_dict()``.

    Given the ``decisions`` taken on findings, each finding also has its ``state`` (``open``,
    ``decided`` or ``lapsed``) and its ``decision`` (null while open).
    """
    items = (
        [r.as_dict() for r in review(findings, decisions, as_of)]
        if decisions is not None
        else [f.as_dict() for f in findings]
    )
    document = {"as_of": as_of.isoformat(), "findings": items}
    return json.dumps(document, indent=2, ensure_ascii=False)


def failing(findings: Sequence[Finding], decisions: Sequence[Decision], as_of: date, strict: bool) -> bool:
    """True when an error is open or lapsed; with ``strict``, when there is any error at all."""
    if strict:
        return any(f.severity == "error" for f in findings)
    return any(r.finding.severity == "error" and r.is_open for r in review(findings, decisions, as_of))


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
@click.option(
    "--strict",
    is_flag=True,
    help="Exit 1 on any error, decided on or not (by default only open and lapsed errors count).",
)
@with_appcontext
def check_command(as_of: date | None, output_format: str, strict: bool) -> None:
    """Check every agreement and flow against data protection law; exit 1 if errors are still open."""
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
    decisions = load_decisions(db.session)
    render = format_json if output_format == "json" else format_text
    click.echo(render(findings, day, decisions))
    if failing(findings, decisions, day, strict):
        click.get_current_context().exit(1)


#: Gathered by :func:`isa_registry.cli.commands`.
commands = [check_command]
