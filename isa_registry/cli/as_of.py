"""The ``--as-of`` option's type: a ``YYYY-MM-DD`` date read by :mod:`isa_registry.core.dates`."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from ..core.dates import ISO_DATE_ERROR, InvalidDate, parse_as_of

__all__ = ["AS_OF"]


class AsOfDate(click.ParamType):
    """A date written ``YYYY-MM-DD``, given to the command as a :class:`datetime.date`."""

    name = "date"

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            chosen = parse_as_of(value)
        except InvalidDate as exc:
            self.fail(str(exc), param, ctx)
        if chosen is None:  # given, but blank: not a date, and not "today" either
            self.fail(ISO_DATE_ERROR, param, ctx)
        return chosen


#: The type of every command's ``--as-of`` option.
AS_OF = AsOfDate()
