"""A record's history: its audited changes, newest first, with the fields each one changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from .db import Session
from .errors import differences
from .models import AuditEntry

__all__ = ["HistoryEntry", "changed_fields", "history"]


@dataclass(frozen=True)
class HistoryEntry:
    """One audited change to a record, with the fields it changed."""

    seq: int
    at: datetime
    actor: str
    action: str
    changed: list[str]


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    """The top-level fields whose values differ between two exchange dicts."""
    if before is None or after is None:
        return []
    return [d.field for d in differences(after, before)]


def history(session: Session, subject_type: str, key: str, limit: int = 100) -> list[HistoryEntry]:
    """The record's audit entries, newest first (one statement)."""
    rows = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.subject_type == subject_type, AuditEntry.subject_key == key)
        .order_by(AuditEntry.seq.desc())
        .limit(limit)
    )
    return [HistoryEntry(r.seq, r.at, r.actor, r.action, changed_fields(r.before, r.after)) for r in rows]
