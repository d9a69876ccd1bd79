"""ISA Registry: the information-sharing agreement registry of a safeguarding partnership.

The layers, each a package (``docs/architecture.md`` says more): :mod:`isa_registry.core` is pure
Python and imports nothing from Flask or the database; :mod:`isa_registry.store` is the database side;
:mod:`isa_registry.web` and :mod:`isa_registry.cli` are the two ways in. Importing this package loads
none of them: :func:`create_app` imports Flask when it is called, so ``import isa_registry.core``
stays free of Flask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["create_app"]


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application (see :func:`isa_registry.app.create_app`).

    Importing the app's modules and declaring its tables makes tens of thousands of objects that
    live as long as the process; the cycle collector is held off meanwhile
    (:mod:`isa_registry.core.collector`), which saves every command and worker about a sixth of its
    start-up."""
    from .core.collector import collector_paused

    with collector_paused():
        from .app import create_app as build

        return build(test_config)
