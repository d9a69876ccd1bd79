"""The dashboard: the registry at a glance."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("dashboard", __name__)


@bp.get("/")
def index() -> str:
    """Counts, findings by severity, reviews due and recent changes."""
    return render_template("dashboard/index.html")
