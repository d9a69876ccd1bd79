"""The ``flask`` commands, one module per group: the registry as a whole (``registry``), accounts
(``users``), API tokens (``tokens``), the audit log (``audit``), the rules (``check``), the map
(``map``), the ROPA and the import template (``ropa``), the analyses (``analyses``), the
generated documents (``documents``) and the e-mailed reminders (``reminders``).

Each module lists its commands in ``commands``; :func:`commands` gathers them for the factory.
The modules are imported when the command line starts, not when a web worker does.
"""

from __future__ import annotations

import click

from .registry import DEMO_FILE, DEMO_USERS, import_file

__all__ = ["DEMO_FILE", "DEMO_USERS", "commands", "import_file"]


def commands() -> list[click.Command]:
    """Every command of the app."""
    from . import analyses, audit, check, documents, registry, reminders, ropa, tokens, users
    from . import map as map_commands

    return [
        *registry.commands,
        *users.commands,
        *audit.commands,
        *check.commands,
        *map_commands.commands,
        *ropa.commands,
        *analyses.commands,
        *tokens.commands,
        *documents.commands,
        *reminders.commands,
    ]
