"""The application factory: configuration, extensions, blueprints, error pages and commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from . import config
from .store.db import db
from .web import oidc
from .web.extensions import csrf, login_manager
from .web.routing import BuildOnUseRule

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, error handlers, commands."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.url_rule_class = BuildOnUseRule
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(config.defaults(app.instance_path))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    # A form's CSRF token lives as long as the session that holds it may.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", app.config["SESSION_MAX_HOURS"] * 3600)
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind the extensions to the app."""
    db.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    # The API's rate-limit counters are kept in our database unless configured otherwise
    # (``memory://`` counts per process only; ``redis://host:6379`` needs a Redis server); the
    # limiter is made on the API's first request (:func:`isa_registry.store.rate_limits.limiter_of`).
    app.config.setdefault("RATELIMIT_STORAGE_URI", "isa-database://")
    oidc.init_app(app)


def register_blueprints(app: Flask) -> None:
    """Mount the web views."""
    from .web import register

    register(app)


def register_commands(app: Flask) -> None:
    """Add the ``flask`` commands."""
    from .cli import MigrationCommands, commands

    for command in commands():
        app.cli.add_command(command)
    app.cli.add_command(MigrationCommands())
