"""Health check for load balancers and the benchmark: no login, no data."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import text

from ..store.db import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    """Say whether the app can reach its database."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return {"status": "unavailable"}, 503
    return {"status": "ok"}, 200
