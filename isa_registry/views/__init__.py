"""The web views, one blueprint per area."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Register every blueprint."""
    from . import health

    app.register_blueprint(health.bp)
