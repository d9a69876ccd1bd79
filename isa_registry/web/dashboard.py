"""The dashboard: the registry at a glance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import Blueprint, render_template
from sqlalchemy import and_, or_, select

from ..core.decisions import DECIDED, Reviewed
from ..core.domain import SEVERITIES, Agreement, Registry
from ..core.rules import summarise
from ..core.scope import REVIEW_NOTICE_DAYS, review_due, review_overdue
from ..store.db import db
from ..store.models import AuditEntry
from . import visible

bp = Blueprint("dashboard", __name__)

#: How many audit entries "Recent changes" shows.
RECENT_CHANGES = 10
#: Decisions whose review-by date falls within this many days are listed as lapsing soon.
LAPSING_DAYS = 30


@dataclass(frozen=True)
class FindingCounts:
    """The findings of one day: open (lapsed included) and decided, by severity, and what needs
    attention soon."""

    open: dict[str, int]
    decided: dict[str, int]
    #: Decided findings whose decision's review-by date is within :data:`LAPSING_DAYS`.
    lapsing: list[Reviewed]
    #: Open findings whose action is past its due date.
    overdue: list[Reviewed]


def finding_counts(reviewed: list[Reviewed], today: date, lapsing_days: int = LAPSING_DAYS) -> FindingCounts:
    """Open and decided counts by severity, decisions lapsing soon and overdue actions."""
    horizon = today + timedelta(days=lapsing_days)
    decided = [r for r in reviewed if r.state == DECIDED]
    lapsing = [r for r in decided if r.decision and r.decision.review_by and r.decision.review_by <= horizon]
    overdue = [r for r in reviewed if r.is_open and r.action and r.action.overdue(today)]
    return FindingCounts(
        open=summarise(r.finding for r in reviewed if r.is_open),
        decided=summarise(r.finding for r in decided),
        lapsing=sorted(lapsing, key=lambda r: (r.decision.review_by if r.decision else today, r.id)),
        overdue=sorted(overdue, key=lambda r: (r.action.due_on if r.action else today, r.id)),
    )


@dataclass(frozen=True)
class Reviews:
    """Agreements in force whose review is overdue, or due within the notice period."""

    overdue: list[Agreement]
    due: list[Agreement]


def reviews(registry: Registry, as_of: date, notice_days: int = REVIEW_NOTICE_DAYS) -> Reviews:
    """The agreements to review, earliest review date first, as the rules see them
    (:func:`~isa_registry.core.scope.review_overdue`, :func:`~isa_registry.core.scope.review_due`)."""
    agreements = sorted(registry.agreements.values(), key=lambda a: (a.review_date or date.max, a.key))
    return Reviews(
        overdue=[a for a in agreements if review_overdue(a, as_of)],
        due=[a for a in agreements if review_due(a, as_of, notice_days)],
    )


@bp.get("/")
def index() -> str:
    """Counts, findings by severity, reviews due and recent changes."""
    today = date.today()
    checked = visible.checked(today)
    registry = checked.live
    summary = summarise(checked.findings)
    counts = finding_counts(checked.reviewed, today)
    recent_changes = select(
        AuditEntry.seq,
        AuditEntry.at,
        AuditEntry.actor,
        AuditEntry.action,
        AuditEntry.subject_type,
        AuditEntry.subject_key,
    )
    if visible.is_partner():  # only changes to the records it may see
        recent_changes = recent_changes.where(
            or_(
                *(
                    and_(AuditEntry.subject_type == kind, AuditEntry.subject_key.in_(sorted(keys)))
                    for kind, keys in (
                        ("organisation", checked.full.organisations),
                        ("agreement", checked.full.agreements),
                        ("flow", checked.full.flows),
                    )
                )
            )
        )
    recent = db.session.execute(recent_changes.order_by(AuditEntry.seq.desc()).limit(RECENT_CHANGES)).all()
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
        findings=counts,
        lapsing_days=LAPSING_DAYS,
        reviews=reviews(registry, today),
        notice_days=REVIEW_NOTICE_DAYS,
        recent=recent,
    )
