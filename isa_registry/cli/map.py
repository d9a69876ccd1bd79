"""The ``render-map`` command: the partnership data map as a file.

It runs the pipeline the map page runs (:func:`isa_registry.core.graph.draw`), with its filters
from the command's options; the picture's links are the web app's pages (:class:`MapLinks`). As on
the page, edges and organisations are coloured by their worst open (or lapsed) finding, and the
findings decided on are named beside them: the whole graph is the page's
(:func:`isa_registry.web.map.full_graph`).
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import click
from flask import current_app
from flask.cli import with_appcontext

from ..core import graph
from ..store.queries import checked_registry
from ..web.map import full_graph
from ..web.map_query import MapLinks
from .as_of import AS_OF

__all__ = ["commands", "render_map_command"]

#: The formats OUT's extension may name.
EXTENSIONS = ("svg", "png", "pdf", "dot", "json")


def _fail(message: str) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(1)


@click.command("render-map")
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
@click.option("--organisation", metavar="KEY", help="Only this organisation's flows in and out.")
@click.option(
    "--depth", type=click.IntRange(1, 2), default=1, show_default=True, help="2 adds its partners' flows."
)
@click.option("--category", metavar="CODE", help="A data category code, or 'special' or 'criminal'.")
@click.option("--programme", metavar="NAME", help="Only flows of this programme.")
@click.option("--agreement", metavar="KEY", help="Only flows this agreement covers.")
@click.option("--flagged-only", is_flag=True, help="Only flows with an error or warning finding.")
@click.option("--as-of", "as_of", type=AS_OF, help="The date to draw (default today).")
@click.option(
    "--expand",
    metavar="GROUP",
    multiple=True,
    help=(
        "Draw this group one by one: a kind, or with --group a programme or agreement key, 'none' or "
        "'others' (repeatable)."
    ),
)
@click.option(
    "--overview/--detail",
    default=True,
    show_default=True,
    help="The overview groups organisations when more than fit a page; --detail draws each one.",
)
@click.option(
    "--group",
    type=click.Choice(list(graph.GROUPINGS)),
    default="kind",
    show_default=True,
    help="What the overview groups organisations by.",
)
@with_appcontext
def render_map_command(out: str, expand: tuple[str, ...], overview: bool, **chosen: Any) -> None:
    """Draw the data map to OUT: .svg, .png, .pdf, .dot (Graphviz source) or .json.

    As on the map page, the picture is an overview unless --detail: when more organisations share
    than fit a page, they are grouped (by kind, or --group programme or agreement). Organisations
    with no flow in view are not drawn.

    The JSON is networkx node-link data of the organisations themselves (never groups), with what
    the picture drew ("drawn": whether it is the overview, its groups and their members, and the
    organisations not drawn), the hubs, the recipients of special category and criminal offence
    data, the onward chains with a flagged later leg, and each agreement's reach.
    """
    fmt = Path(out).suffix.lower().lstrip(".")
    if fmt not in EXTENSIONS:
        _fail(
            f"Cannot tell the format from {out!r}: its name must end in "
            + ", ".join(f".{e}" for e in EXTENSIONS)
            + "."
        )
    # The other options are named as the map's filters are: organisation, depth, category,
    # programme, agreement, flagged_only, as_of and group.
    filters = graph.MapFilters(**chosen, expand=frozenset(expand), detail=not overview)
    day = filters.as_of or date.today()
    checked = checked_registry(day)
    registry = checked.live
    problems = graph.filter_problems(registry, filters)
    if problems:
        _fail("\n".join(problems))
    full, open_findings = full_graph(checked)
    drawn = graph.draw(
        registry,
        open_findings,
        filters,
        day,
        fmt,
        links=MapLinks(),
        options=graph.DrawOptions.from_settings(current_app.config),
        full=full,
        extra={"revision": checked.revision[0]},
    )
    try:
        body = drawn.body
    except graph.RenderError as exc:
        _fail(f"{exc} Write .dot or .json instead, or install Graphviz.")
    data_map = drawn.data_map
    try:
        Path(out).write_bytes(body)
    except OSError as exc:
        _fail(f"Cannot write {out}: {exc.strerror or exc}")
    groups = data_map.drawing.groups
    drawn_as = (
        f", drawn as the overview in {len(groups)} group{'s' * (len(groups) != 1)}"
        if data_map.drawing.overview
        else ""
    )
    click.echo(
        f"Wrote {out}: {data_map.graph.number_of_nodes()} organisations and "
        f"{data_map.graph.number_of_edges()} flows as of {day.isoformat()}{drawn_as}.",
        err=True,
    )


commands = [render_map_command]
