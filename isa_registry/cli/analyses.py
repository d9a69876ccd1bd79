"""The ``flask`` commands of the analyses: ``who-receives`` and ``breach-impact``.

Both print the answer as text for a person, or as the JSON the pages' downloads give
(``--format json``). An unknown kind of person, data category or organisation stops the command
with a message naming it (exit status 2).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import click
from flask.cli import with_appcontext

from ..core import analyses
from ..core.analyses import BreachImpact, FlowLine, WhoReceives
from ..store.db import db
from ..store.queries import load_registry
from .as_of import AS_OF

_FORMAT = click.Choice(["text", "json"])


def _line(line: FlowLine, data: list[str]) -> str:
    kept = f"; kept: {line.retention}" if line.retention else ""
    pseudonymised = " (pseudonymised)" if line.identifiability == "pseudonymised" else ""
    route = f"{line.source_name} -> {line.recipient_name}{pseudonymised}"
    return f"  {line.key}  {route}: {', '.join(data) or '-'}; basis: {line.basis}{kept}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def who_receives_text(answer: WhoReceives) -> Iterator[str]:
    """The answer as lines of text."""
    source = f" from {answer.source_name} ({answer.source})" if answer.source else ""
    asked = f"{answer.category_label} about {answer.subjects_label.lower()}{source}"
    yield f"{asked}, as of {answer.as_of.isoformat()}:"
    yield (
        f"{_plural(len(answer.organisations), 'organisation')} through {_plural(len(answer.flows), 'flow')}"
        f"; {_plural(len(answer.planned), 'planned flow')}, not counted."
    )
    if not answer.organisations:
        yield "Nobody receives it on that date."
        yield "A flow counts when it is active, within its dates and not anonymised."
    else:
        yield ""
        yield "Organisations (depth, name, DPO contact, paths by flow key):"
        for o in answer.organisations:
            yield f"  {o.depth}  {o.name} ({o.key})  DPO: {o.dpo_contact or 'not recorded'}"
            for path in o.paths:
                yield f"       via {' > '.join(path)}"
            if o.path_count > len(o.paths):
                yield f"       and {o.path_count - len(o.paths)} more of as many steps"
        yield ""
        yield "Flows:"
        yield from (_line(f, f.matched_labels) for f in answer.flows)
    if answer.planned:
        yield ""
        yield "Planned flows (not counted):"
        yield from (_line(f, f.matched_labels) for f in answer.planned)


def breach_impact_text(impact: BreachImpact) -> Iterator[str]:
    """The answer as lines of text."""
    yield f"A breach at {impact.name} ({impact.organisation}) as of {impact.as_of.isoformat()}:"
    yield (
        f"received {_plural(len(impact.received), 'flow')} "
        f"from {_plural(len(impact.to_tell), 'organisation')}, "
        f"sent {_plural(len(impact.sent), 'flow')}, under {_plural(len(impact.agreements), 'agreement')}; "
        f"{_plural(len(impact.planned), 'planned flow')}, not counted."
    )
    yield ""
    yield analyses.CONTROLLER_DUTY
    yield analyses.PROCESSOR_DUTY
    yield ""
    yield "Organisations it received data from:"
    for t in impact.to_tell:
        yield f"  {t.name} ({t.key})  DPO: {t.dpo_contact or 'not recorded'}"
        yield f"       {t.duty_text} ({t.reference}); flows {', '.join(t.flows)}"
    if not impact.to_tell:
        yield "  none"
    for title, lines in (("Received", impact.received), ("Sent on", impact.sent)):
        yield ""
        yield f"{title}:"
        yield from (_line(f, f.category_labels) for f in lines)
        if not lines:
            yield "  none"
    yield ""
    yield f"Special category data: {', '.join(impact.special_category_labels) or 'none'}"
    yield f"Criminal offence data: {', '.join(impact.criminal_category_labels) or 'none'}"
    yield ""
    yield "Agreements engaged:"
    for a in impact.agreements:
        in_force = "in force" if a.in_force else "not in force"
        yield f"  {a.key}  {a.title} ({a.status_label}, {in_force}); its role: {a.role_label}"
    if not impact.agreements:
        yield "  none"
    if impact.planned:
        yield ""
        yield "Planned flows (not counted):"
        yield from (_line(f, f.category_labels) for f in impact.planned)


def _echo(lines: Iterator[str] | dict[str, object]) -> None:
    if isinstance(lines, dict):
        click.echo(json.dumps(lines, indent=2, ensure_ascii=False))
    else:
        for line in lines:
            click.echo(line)


@click.command("who-receives")
@click.option("--subjects", required=True, help="The kind of person (children, parents_carers, ...).")
@click.option(
    "--category",
    required=True,
    help="A data category code, or 'special' (any special category) or 'criminal' (criminal offence data).",
)
@click.option(
    "--from", "source", help="Key of the organisation that got the request: what flows out of it, and on."
)
@click.option("--as-of", "as_of", type=AS_OF, help="The date asked about (YYYY-MM-DD); today if left out.")
@click.option("--format", "fmt", type=_FORMAT, default="text", show_default=True)
@with_appcontext
def who_receives_command(
    subjects: str, category: str, source: str | None, as_of: date | None, fmt: str
) -> None:
    """Every organisation that receives a kind of person's data of a category on a date, with each
    flow's basis, retention and the recipient's DPO contact; with --from, only what flows out of
    that organisation and onward, to any depth, with each organisation's depth and paths."""
    registry = load_registry(db.session)
    try:
        answer = analyses.who_receives(registry, subjects, category, as_of or date.today(), source)
    except analyses.UnknownSubjects as exc:
        raise click.BadParameter(str(exc), param_hint="'--subjects'") from None
    except analyses.UnknownCategory as exc:
        raise click.BadParameter(str(exc), param_hint="'--category'") from None
    except analyses.UnknownOrganisation as exc:
        raise click.BadParameter(str(exc), param_hint="'--from'") from None
    _echo(answer.as_dict() if fmt == "json" else who_receives_text(answer))


@click.command("breach-impact")
@click.argument("organisation")
@click.option("--as-of", "as_of", type=AS_OF, help="The day of the breach (YYYY-MM-DD); today if left out.")
@click.option("--format", "fmt", type=_FORMAT, default="text", show_default=True)
@with_appcontext
def breach_impact_command(organisation: str, as_of: date | None, fmt: str) -> None:
    """What a breach at ORGANISATION (a key) touches: what it received and from whom (whom to tell,
    UK GDPR Art 33), what it sent on and to whom, the special category and criminal offence data,
    and the agreements engaged."""
    registry = load_registry(db.session)
    try:
        impact = analyses.breach_impact(registry, organisation, as_of or date.today())
    except analyses.UnknownOrganisation as exc:
        raise click.BadParameter(str(exc), param_hint="'ORGANISATION'") from None
    _echo(impact.as_dict() if fmt == "json" else breach_impact_text(impact))


commands = [who_receives_command, breach_impact_command]
