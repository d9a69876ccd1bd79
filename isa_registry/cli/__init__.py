"""The ``flask`` commands, one module per group: the registry as a whole (``registry``), accounts
(``users``), API tokens (``tokens``), the audit log (``audit``), the rules (``check``), the map
(``map``), the ROPA and the import template (``ropa``), the analyses (``analyses``), the
generated documents (``documents``) and the e-mailed reminders (``reminders``).

Each module lists its commands in ``commands``; :func:`commands` gathers them for the factory.
The modules are imported when the command line starts, not when a web worker does.
"""

from __future__ import annotations

from typing import Any

import click
from flask.cli import ScriptInfo

from ..store.db import init_migrate
from .registry import DEMO_FILE, DEMO_USERS, import_file

__all__ = ["DEMO_FILE", "DEMO_USERS", "MigrationCommands", "commands", "import_file"]


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


class MigrationCommands(click.Group):
    """Flask-Migrate's ``db`` commands (``flask --app wsgi db upgrade``), in place of the group
    Flask-Migrate would add. Flask-Migrate imports Alembic, which only these commands need, so
    the real group is imported (and Flask-Migrate bound to the app, :func:`init_migrate`) when one
    of them runs or its help is asked for: every other command starts without it."""

    def __init__(self) -> None:
        super().__init__("db", help="Perform database migrations.")

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        """The real group's context: the command line goes to Flask-Migrate's ``db`` as it is."""
        from flask_migrate.cli import db  # type: ignore[import-not-found]  # (the stubs leave it out)

        info = parent.ensure_object(ScriptInfo) if parent is not None else ScriptInfo()
        init_migrate(info.load_app())
        return db.make_context(info_name, args, parent=parent, **extra)
