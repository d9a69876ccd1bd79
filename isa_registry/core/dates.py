"""Reading the as-of date a user gives, and the one wording of the error when it is not a date.

The date comes in one of two forms: the GOV.UK date input's day, month and year boxes (the
findings page and the map), or one ``YYYY-MM-DD`` value (``?as_of=`` in a URL, ``--as-of`` on the
command line). Each form's error is the same sentence, with an example written the way that form
takes it. The web (:mod:`isa_registry.web.as_of`) and the CLI (:mod:`isa_registry.cli.as_of`) wrap
:func:`parse_as_of` for their inputs.

Examples
--------
>>> parse_as_of("2026-11-23")
datetime.date(2026, 11, 23)
>>> parse_as_of(day="31", month="2", year="2026")
Traceback (most recent call last):
...
isa_registry.core.dates.InvalidDate: The as-of date must be a real date, like 23 11 2026.
"""

from __future__ import annotations

from datetime import date

__all__ = ["DATE_ERROR", "ISO_DATE_ERROR", "InvalidDate", "parse_as_of"]

_WORDING = "The as-of date must be a real date, like {example}."
#: The error for the day, month and year boxes.
DATE_ERROR = _WORDING.format(example="23 11 2026")
#: The error for one ``YYYY-MM-DD`` value.
ISO_DATE_ERROR = _WORDING.format(example="2026-11-23")
#: Years before this typed in the boxes are taken for a slip (``26`` for ``2026``), not a date.
_FIRST_YEAR = 1900


class InvalidDate(ValueError):
    """What was given is not a date; ``str()`` of it is the message to show."""


def parse_as_of(text: str = "", day: str = "", month: str = "", year: str = "") -> date | None:
    """The date given as the boxes ``day``, ``month`` and ``year`` or, when all three are empty,
    as ``text`` (an ISO 8601 date such as ``2026-11-23``); None when nothing is given.

    Surrounding spaces are ignored. Raises :class:`InvalidDate` when what was given is not a date,
    or is a year before 1900 typed in the boxes.

    Examples
    --------
    >>> parse_as_of(" 2026-11-23 ", day=" "), parse_as_of(day="2", month="1", year="2027"), parse_as_of()
    (datetime.date(2026, 11, 23), datetime.date(2027, 1, 2), None)
    >>> parse_as_of("23/11/2026")
    Traceback (most recent call last):
    ...
    isa_registry.core.dates.InvalidDate: The as-of date must be a real date, like 2026-11-23.
    """
    boxes = [part.strip() for part in (year, month, day)]
    if any(boxes):
        try:
            chosen = date(*(int(part) for part in boxes))
        except (ValueError, OverflowError):  # OverflowError: a number too big for a date
            raise InvalidDate(DATE_ERROR) from None
        if chosen.year < _FIRST_YEAR:
            raise InvalidDate(DATE_ERROR)
        return chosen
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidDate(ISO_DATE_ERROR) from None
