"""The dashboard: the registry at a glance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import Blueprint, render_template
from sqlalchemy import select

from ..core.domain import SEVERITIES, Agreement, Registry
from ..core.rules import summarise
from ..core.rules.agreements import REVIEW_NOTICE_DAYS
from ..store.db import db
from ..store.models import AuditEntry
from ..store.queries import checked_registry

bp = Blueprint("dashboard", __name__)

#: How many audit entries "Recent changes" shows.
RECENT_CHANGES = 10


@dataclass(frozen=True)
class Reviews:
    """Agreements in force whose review is overdue, or due within the notice period."""

    overdue: list[Agreement]
    due: list[Agreement]


def reviews(registry: Registry, as_of: date, notice_days: int = REVIEW_NOTICE_DAYS) -> Reviews:
    """The ``active`` and ``under_review`` agreements to review, earliest review date first."""
    horizon = as_of + timedelta(days=notice_days)
    in_force = sorted(
        (
            a
            for a in registry.agreements.values()
            if a.status in ("active", "under_review") and a.review_date is not None
        ),
        key=lambda a: (a.review_date, a.key),
    )
    return Reviews(
        overdue=[a for a in in_force if a.review_date < as_of],  # type: ignore[operator]
        due=[a for a in in_force if as_of <= a.review_date <= horizon],  # type: ignore[operator]
    )


@bp.get("/")
def index() -> str:
    """Counts, findings by severity, reviews due and recent changes."""
    today = date.today()
    checked = checked_registry(today)
    registry = checked.live
    summary = summarise(checked.findings)
    recent = db.session.execute(
        select(
            AuditEntry.seq,
            AuditEntry.at,
            AuditEntry.actor,
            AuditEntry.action,
            AuditEntry.subject_type,
            AuditEntry.subject_key,
        )
        .order_by(AuditEntry.seq.desc())
        .limit(RECENT_CHANGES)
    ).all()
    return render_template(
        "dashboard/index.html",
        today=today,
        counts={
            "organisations": len(registry.organisations),
            "agreements": len(registry.agreements),
            "flows": len(registry.flows),
        },
        severities=SEVERITIES,
        summary=summary,
        reviews=reviews(registry, today),
        notice_days=REVIEW_NOTICE_DAYS,
        recent=recent,
    )
