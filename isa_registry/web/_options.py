"""The options of a long select (a thousand organisations, two thousand agreements), written out once.

A filter list on a big partnership holds thousands of options; writing them through a template
on every request costs more than the rest of the page. :class:`Options` writes them once (the
views keep one per registry revision with :func:`~isa_registry.store.queries.per_revision`) and marks
the chosen one on each request with a string replacement.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup, escape

__all__ = ["Options"]


@dataclass(frozen=True)
class Options:
    """The ``<option>`` elements of a select, none of them selected.

    >>> options = Options.of([("", "Any"), ("A&B", "Alpha & Beta")])
    >>> str(options.render("A&B"))
    '<option value="">Any</option><option value="A&amp;B" selected>Alpha &amp; Beta</option>'
    >>> str(options.render("missing")) == options.html
    True
    """

    html: str

    @staticmethod
    def _tag(value: str) -> str:
        return f'<option value="{escape(value)}">'

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, str]]) -> Options:
        """Options from (value, text) pairs, in their order."""
        return cls("".join(f"{cls._tag(value)}{escape(text)}</option>" for value, text in pairs))

    def render(self, value: str | None) -> Markup:
        """The options with the one whose value is ``value`` selected (none if there is none)."""
        html = self.html
        if value is not None:
            tag = self._tag(value)
            html = html.replace(tag, tag[:-1] + " selected>", 1)
        return Markup(html)  # noqa: S704 - every value and text was escaped in `of`
