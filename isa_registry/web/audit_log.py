"""The audit log: who changed what and when, newest first, with what changed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, render_template, request
from sqlalchemy import select

from ..store.db import db
from ..store.models import AuditEntry

bp = Blueprint("audit_log", __name__)

PER_PAGE = 25
#: The highest page number asked of the database: beyond it the last page is shown anyway, and a
#: number such as 2**63 - 1 would overflow the database's offset.
MAX_PAGE = 1_000_000
SUBJECT_TYPES = ("organisation", "agreement", "flow", "user")


@dataclass(frozen=True)
class FieldChange:
    """One field's value before and after a change, as text."""

    field: str
    before: str
    after: str


def show(value: Any) -> str:
    """A stored value as people read it: lists joined, yes/no, records as ``name: value`` pairs."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return (
            "; ".join(show(v) for v in value)
            if any(isinstance(v, dict) for v in value)
            else ", ".join(map(show, value))
        )
    if isinstance(value, dict):
        return ", ".join(f"{k}: {show(v)}" for k, v in value.items() if show(v))
    if isinstance(value, str):
        return value
    return json.dumps(value)


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[FieldChange]:
    """The fields whose value differs, in the record's own field order. A creation lists the fields
    it set; a deletion the fields the record had."""
    before, after = before or {}, after or {}
    names = list(after) + [name for name in before if name not in after]
    changes = []
    for name in names:
        old, new = show(before.get(name)), show(after.get(name))
        if old != new:
            changes.append(FieldChange(name.replace("_", " ").capitalize(), old, new))
    return changes


@dataclass(frozen=True)
class Row:
    """An audit entry and what it changed."""

    entry: AuditEntry
    changes: list[FieldChange]


@bp.get("/audit")
def index() -> str:
    """The audit log, newest first, paginated; filter by record type and key."""
    subject_type = request.args.get("type", "").strip()
    subject_key = request.args.get("key", "").strip()
    stmt = select(AuditEntry).order_by(AuditEntry.seq.desc())
    if subject_type in SUBJECT_TYPES:
        stmt = stmt.where(AuditEntry.subject_type == subject_type)
    if subject_key:
        stmt = stmt.where(AuditEntry.subject_key == subject_key)
    asked = min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    page = db.paginate(stmt, page=asked, per_page=PER_PAGE, error_out=False)
    if page.pages and asked > page.pages:  # past the end: the last page
        page = db.paginate(stmt, page=page.pages, per_page=PER_PAGE, error_out=False)
    rows = [Row(entry, changed_fields(entry.before, entry.after)) for entry in page.items]
    return render_template(
        "audit/index.html",
        page=page,
        rows=rows,
        subject_type=subject_type if subject_type in SUBJECT_TYPES else "",
        subject_key=subject_key,
    )
