"""The as-of date in a request: the GOV.UK date input's boxes on the pages, ``?as_of=`` in links.

Parsing and the error's wording are :mod:`isa_registry.core.dates`; this module reads the query
arguments and says what to show in the boxes again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from flask import abort

from ..core.dates import DATE_ERROR, RANGE_ERROR, InvalidDate, parse_as_of

__all__ = ["DATE_ERROR", "as_of_or_400", "parse_as_of_boxes", "shown_parts", "typed_parts"]

_PARTS = ("day", "month", "year")


def typed_parts(args: Mapping[str, str]) -> dict[str, str]:
    """What was typed in the ``as_of-day``, ``as_of-month`` and ``as_of-year`` boxes, trimmed."""
    return {part: (args.get(f"as_of-{part}") or "").strip() for part in _PARTS}


def shown_parts(day: date) -> dict[str, str]:
    """The boxes filled in with ``day``."""
    return {"day": str(day.day), "month": str(day.month), "year": str(day.year)}


def parse_as_of_boxes(args: Mapping[str, str], today: date) -> tuple[date, dict[str, str], str | None]:
    """The as-of date from ``as_of-day``/``-month``/``-year`` (or ``as_of=YYYY-MM-DD``), the values to
    show again in the boxes, and an error message when they are not a date (then today is used).

    The message is :data:`~isa_registry.core.dates.DATE_ERROR` (the page asks for the date again in
    the boxes, whichever form it came in), or the range's when a real date lies outside it.
    """
    parts = typed_parts(args)
    try:
        chosen = parse_as_of((args.get("as_of") or ""), **parts)
    except InvalidDate as exc:
        return today, parts, RANGE_ERROR if str(exc) == RANGE_ERROR else DATE_ERROR
    if chosen is None:
        return today, shown_parts(today), None
    return chosen, parts if any(parts.values()) else shown_parts(chosen), None


def as_of_or_400(args: Mapping[str, str]) -> date:
    """The ``as_of`` query argument (YYYY-MM-DD), today when absent; 400 when not a date."""
    try:
        chosen = parse_as_of(args.get("as_of") or "")
    except InvalidDate as exc:
        abort(400, description=str(exc))
    return chosen or date.today()
