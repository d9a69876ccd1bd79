"""The web views, one blueprint per area."""

from __future__ import annotations

from importlib import import_module

from flask import Flask

# One module per area, each with a blueprint named ``bp``.
AREAS = (
    "health",
    "auth",
    "dashboard",
    "organisations",
    "agreements",
    "flows",
    "findings",
    "map",
    "ropa",
    "audit_log",
    "users",
)


def register(app: Flask) -> None:
    """Register every blueprint."""
    for name in AREAS:
        try:
            module = import_module(f".{name}", __package__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}.{name}":
                raise
            continue
        app.register_blueprint(module.bp)
