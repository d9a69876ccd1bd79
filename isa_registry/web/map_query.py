"""The map's filters in URLs: read from a query string, written into links.

The core's :class:`~isa_registry.core.graph.MapFilters` knows nothing of URLs; the page and the
downloads fill it with :func:`filters_from_query`, and :class:`MapLinks` writes the links of the
drawing and of the page (the ``render-map`` command's pictures link to the same pages).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote, urlencode

from ..core.dates import DATE_ERROR, RANGE_ERROR, InvalidDate, parse_as_of
from ..core.graph import MapFilters

__all__ = [
    "DATE_PROBLEM",
    "DATE_RANGE_PROBLEM",
    "MapLinks",
    "filters_from_query",
    "query_items",
]

#: What :func:`filters_from_query` says of an as-of date that is not a date.
DATE_PROBLEM = DATE_ERROR
#: The dates the map is drawn for: each date is a picture of its own, drawn and kept on disk.
#: What :func:`filters_from_query` says of a date outside them.
DATE_RANGE_PROBLEM = RANGE_ERROR


def query_items(filters: MapFilters, **changes: Any) -> list[tuple[str, str]]:
    """The URL query parameters that give ``filters`` (with ``changes`` applied).

    Examples
    --------
    >>> query_items(MapFilters(organisation="wmp", depth=2), expand=frozenset({"education"}))
    [('organisation', 'wmp'), ('depth', '2'), ('expand', 'education')]
    """
    f = replace(filters, **changes) if changes else filters
    items: list[tuple[str, str]] = []
    if f.organisation:
        items.append(("organisation", f.organisation))
        if f.depth != 1:
            items.append(("depth", str(f.depth)))
    for name in ("category", "programme", "agreement"):
        value = getattr(f, name)
        if value:
            items.append((name, value))
    if f.flagged_only:
        items.append(("flagged", "1"))
    if f.as_of:
        items.append(("as_of", f.as_of.isoformat()))
    if f.detail:
        items.append(("detail", "1"))
    if f.group != "kind":
        items.append(("group", f.group))
    items.extend(("expand", kind) for kind in sorted(f.expand))
    return items


def filters_from_query(args: Mapping[str, Any]) -> tuple[MapFilters, list[str]]:
    """Read :class:`MapFilters` from URL parameters, and say what is wrong with them.

    ``args`` is a mapping of parameter to value; a werkzeug ``MultiDict`` gives every ``expand``.
    The date is ``as_of=YYYY-MM-DD`` or the GOV.UK date input's ``as_of-day``, ``as_of-month`` and
    ``as_of-year``. Problems found without the registry are reported here; :func:`filter_problems`
    checks the keys against the registry.

    Examples
    --------
    >>> filters, problems = filters_from_query({"organisation": "wmp", "depth": "3"})
    >>> filters.organisation, filters.depth, problems
    ('wmp', 1, ['Depth must be 1 or 2.'])
    >>> filters_from_query({"as_of": "2500-01-01"})[1]
    ['The as-of date must be between 1 January 1900 and 31 December 2200.']
    """
    problems: list[str] = []

    def text(name: str) -> str | None:
        value = args.get(name)
        return value.strip() or None if isinstance(value, str) else None

    depth = 1
    if text("depth"):
        if text("depth") in ("1", "2"):
            depth = int(text("depth") or 1)
        else:
            problems.append("Depth must be 1 or 2.")
    try:  # the GOV.UK date input's day, month and year, or as_of=YYYY-MM-DD
        as_of = parse_as_of(
            text("as_of") or "", text("as_of-day") or "", text("as_of-month") or "", text("as_of-year") or ""
        )
    except InvalidDate as problem:  # the page offers the boxes, so a date that is not one is worded for them
        as_of = None
        problems.append(DATE_RANGE_PROBLEM if str(problem) == RANGE_ERROR else DATE_PROBLEM)
    getlist = getattr(args, "getlist", None)
    expand_values = getlist("expand") if getlist else [args.get("expand") or ""]
    expand = frozenset(v.strip() for v in expand_values if isinstance(v, str) and v.strip())
    filters = MapFilters(
        organisation=text("organisation"),
        depth=depth,
        category=text("category"),
        programme=text("programme"),
        agreement=text("agreement"),
        flagged_only=text("flagged") in ("1", "true", "yes", "on"),
        as_of=as_of,
        expand=expand,
        detail=text("detail") in ("1", "true", "yes", "on"),
        group=text("group") or "kind",
    )
    return filters, problems


@dataclass(frozen=True)
class MapLinks:
    """Where the map's nodes and edges link to, below ``root`` (the app's script root).

    Examples
    --------
    >>> MapLinks().flows("wmp", "dudley")
    '/flows?source=wmp&recipient=dudley'
    >>> MapLinks("/isa").map(MapFilters(), agreement="ISA-1")
    '/isa/map?agreement=ISA-1'
    """

    root: str = ""

    def organisation(self, key: str) -> str:
        """The organisation's record."""
        return f"{self.root}/organisations/{quote(key, safe='')}"

    def flow(self, key: str) -> str:
        """The flow's record."""
        return f"{self.root}/flows/{quote(key, safe='')}"

    def flows(self, source: str, recipient: str) -> str:
        """The list of flows from ``source`` to ``recipient``."""
        return f"{self.root}/flows?{urlencode({'source': source, 'recipient': recipient})}"

    def map(self, filters: MapFilters, **changes: Any) -> str:
        """The map with ``filters`` (changed by ``changes``)."""
        query = urlencode(query_items(filters, **changes))
        return f"{self.root}/map" + (f"?{query}" if query else "")
