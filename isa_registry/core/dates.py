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

__all__ = [
    "DATE_ERROR",
    "FIRST_DATE",
    "ISO_DATE_ERROR",
    "LAST_DATE",
    "RANGE_ERROR",
    "RANGE_WORDS",
    "InvalidDate",
    "in_range",
    "parse_as_of",
    "range_problem",
]

#: The earliest and latest dates the registry holds: in forms, imports and ``as_of``. Nothing the
#: registry records happened before 1900 or is planned after 2200, and a date near the calendar's
#: end (9999-12-31) would overflow when the rules add a notice period to it.
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2200, 12, 31)

_WORDING = "The as-of date must be a real date, like {example}."
#: The error for the day, month and year boxes.
DATE_ERROR = _WORDING.format(example="23 11 2026")
#: The error for one ``YYYY-MM-DD`` value.
ISO_DATE_ERROR = _WORDING.format(example="2026-11-23")
#: The range, in words.
RANGE_WORDS = "between 1 January 1900 and 31 December 2200"
#: The error for an as-of date outside :data:`FIRST_DATE` to :data:`LAST_DATE`.
RANGE_ERROR = f"The as-of date must be {RANGE_WORDS}."


def in_range(day: date) -> bool:
    """Whether ``day`` lies within :data:`FIRST_DATE` to :data:`LAST_DATE`.

    >>> in_range(date(2026, 11, 23)), in_range(date(9999, 12, 31)), in_range(date(1899, 12, 31))
    (True, False, False)
    """
    return FIRST_DATE <= day <= LAST_DATE


def range_problem(day: date, what: str = "The date") -> str | None:
    """What to say about ``day`` when it lies outside the range, naming it ``what``; else None.

    >>> range_problem(date(9999, 12, 31), "Start date")
    'Start date must be between 1 January 1900 and 31 December 2200'
    >>> range_problem(date(2026, 1, 1)) is None
    True
    """
    if in_range(day):
        return None
    return f"{what} must be {RANGE_WORDS}"


class InvalidDate(ValueError):
    """What was given is not a date; ``str()`` of it is the message to show."""


def parse_as_of(text: str = "", day: str = "", month: str = "", year: str = "") -> date | None:
    """The date given as the boxes ``day``, ``month`` and ``year`` or, when all three are empty,
    as ``text`` (an ISO 8601 date such as ``2026-11-23``); None when nothing is given.

    Surrounding spaces are ignored. Raises :class:`InvalidDate` when what was given is not a date
    (a year before 1900 typed in the boxes is taken for a slip, ``26`` for ``2026``), or is a date
    outside 1900 to 2200 (:data:`RANGE_ERROR`).

    Examples
    --------
    >>> parse_as_of(" 2026-11-23 ", day=" "), parse_as_of(day="2", month="1", year="2027"), parse_as_of()
    (datetime.date(2026, 11, 23), datetime.date(2027, 1, 2), None)
    >>> parse_as_of("23/11/2026")
    Traceback (most recent call last):
    ...
    isa_registry.core.dates.InvalidDate: The as-of date must be a real date, like 2026-11-23.
    >>> parse_as_of("9999-12-31")
    Traceback (most recent call last):
    ...
    isa_registry.core.dates.InvalidDate: The as-of date must be between 1 January 1900 and 31 December 2200.
    """
    boxes = [part.strip() for part in (year, month, day)]
    if any(boxes):
        try:
            chosen = date(*(int(part) for part in boxes))
        except (ValueError, OverflowError):  # OverflowError: a number too big for a date
            raise InvalidDate(DATE_ERROR) from None
        if chosen < FIRST_DATE:
            raise InvalidDate(DATE_ERROR)
    elif not text.strip():
        return None
    else:
        try:
            chosen = date.fromisoformat(text.strip())
        except ValueError:
            raise InvalidDate(ISO_DATE_ERROR) from None
    if not in_range(chosen):
        raise InvalidDate(RANGE_ERROR)
    return chosen
