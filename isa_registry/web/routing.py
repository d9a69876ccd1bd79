"""The app's URL rules: Werkzeug's, writing each rule's URL builder when it first builds a URL.

Werkzeug compiles two Python functions for every rule as the rule is added (one to build its URL
with the query string, one without), about 0.3 ms a rule: for the app's hundred rules that is a
noticeable part of starting any ``flask`` command, most of which build no URL. A server builds
each rule's URL the first time a page links to it, and keeps the function from then on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.routing import Rule

__all__ = ["BuildOnUseRule"]


class BuildOnUseRule(Rule):
    """A :class:`~werkzeug.routing.Rule` whose URL builders are compiled on first use."""

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        attribute = "_build_unknown" if append_unknown else "_build"

        def build_on_use(rule: BuildOnUseRule, **values: Any) -> tuple[str, str]:
            # Werkzeug binds what this returns as rule._build or rule._build_unknown; the first call
            # compiles the real builder and puts it in its place for every later call.
            built = Rule._compile_builder(rule, append_unknown).__get__(rule, None)
            setattr(rule, attribute, built)
            result: tuple[str, str] = built(**values)
            return result

        return build_on_use
