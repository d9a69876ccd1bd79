"""The audit log: who changed what and when, newest first, with what changed."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, render_template, request
from sqlalchemy import select

from ..core import records
from ..core.law import (
    annex1_label,
    article6_label,
    article9_label,
    category_label,
    schedule1_label,
    schedule8_label,
)
from ..core.vocabulary import VOCABULARIES
from ..store.db import db
from ..store.models import AuditEntry
from ..store.models import Organisation as OrganisationModel
from .forms import legislation_entry

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


#: Each record type's declared fields, whose labels name the fields of its entries.
_DECLARED: dict[str, tuple[records.Field, ...]] = {
    "organisation": records.ORGANISATION,
    "agreement": records.AGREEMENT,
    "flow": records.FLOW,
}

_LAW: dict[str, Callable[[str], str]] = {
    "article6": article6_label,
    "article9": article9_label,
    "recognised_interest": annex1_label,
    "schedule1": schedule1_label,
    "schedule8": schedule8_label,
    "data_categories": category_label,
    "legislation": lambda identifier: legislation_entry(identifier).label,
}

#: The vocabulary whose labels a field's codes have, by field name (``status`` by record type).
_VOCABULARY_OF = {
    "kind": "kind",
    "role": "role",
    "identifiability": "identifiability",
    "regime": "regime",
    "law_enforcement_basis": "law_enforcement_basis",
    "safeguard": "safeguard",
    "data_subjects": "data_subject",
    "frequency": "frequency",
}
_STATUS_OF = {
    "organisation": "organisation_status",
    "agreement": "agreement_status",
    "flow": "flow_status",
}
_REFERENCES = frozenset({"source", "recipient", "owner", "successor", "organisation"})


@dataclass(frozen=True)
class Reader:
    """How the entries of one record type read: its fields' labels, its codes' labels, and the
    organisations' names (``names``, key -> name) for the references."""

    subject_type: str | None = None
    names: Mapping[str, str] | None = None

    def field_label(self, name: str, fields: tuple[records.Field, ...] | None = None) -> str:
        declared = records.by_name(fields or _DECLARED.get(self.subject_type or "", ()))
        if name in declared:
            return declared[name].label
        return name.replace("_", " ").capitalize()

    def value(self, name: str, code: str) -> str:
        """A code of field ``name`` as people read it; the code itself when it has no label."""
        if name in _LAW:
            return _LAW[name](code)
        vocabulary = _STATUS_OF.get(self.subject_type or "") if name == "status" else _VOCABULARY_OF.get(name)
        if vocabulary:
            return VOCABULARIES[vocabulary].choices().get(code, code)
        if name in _REFERENCES and self.names:
            return self.names.get(code, code)
        if name.endswith(("_date", "_on")):
            try:
                day = date.fromisoformat(code)
            except ValueError:
                return code
            return f"{day.day} {day:%B %Y}"
        return code

    def show(self, value: Any, name: str = "", fields: tuple[records.Field, ...] | None = None) -> str:
        """A stored value as people read it: codes as labels, lists joined, yes/no, records as
        ``Label: value`` pairs."""
        if value is None or value == "" or value == []:
            return ""
        if isinstance(value, bool):
            return "Yes" if value else "No"
        nested = _nested(name, fields) if self.subject_type else None
        if isinstance(value, list):
            return (
                "; ".join(self.show(v, name, fields) for v in value)
                if any(isinstance(v, dict) for v in value)
                else ", ".join(self.show(v, name, fields) for v in value)
            )
        if isinstance(value, dict):
            pairs = ((k, self.show(v, k, nested)) for k, v in value.items())
            if self.subject_type is None:
                return ", ".join(f"{k}: {text}" for k, text in pairs if text)
            return ", ".join(f"{self.field_label(k, nested)}: {text}" for k, text in pairs if text)
        if isinstance(value, str):
            return self.value(name, value) if self.subject_type else value
        return json.dumps(value)


def _nested(name: str, fields: tuple[records.Field, ...] | None) -> tuple[records.Field, ...] | None:
    """The declared fields of the nested record ``name`` (parties, a transfer, a basis)."""
    for declared in fields or (*records.FLOW, *records.AGREEMENT):
        if declared.name == name and declared.fields:
            return declared.fields
    return None


def show(value: Any) -> str:
    """A stored value as it is: lists joined, yes/no, records as ``name: value`` pairs."""
    return Reader().show(value)


def changed_fields(
    before: dict[str, Any] | None, after: dict[str, Any] | None, reader: Reader | None = None
) -> list[FieldChange]:
    """The fields whose value differs, in the record's own field order, read by ``reader`` (field
    labels and value labels for its record type; as stored without one). A creation lists the
    fields it set; a deletion the fields the record had."""
    reader = reader or Reader()
    before, after = before or {}, after or {}
    names = list(after) + [name for name in before if name not in after]
    changes = []
    for name in names:
        old, new = reader.show(before.get(name), name), reader.show(after.get(name), name)
        if old != new:
            changes.append(FieldChange(reader.field_label(name), old, new))
    return changes


def creation_summary(entry: AuditEntry, changes: list[FieldChange]) -> str | None:
    """One sentence for an entry that created a record ("Created flow FLOW-061 'MASH referrals'
    (23 fields)"); None for any other entry."""
    if entry.action != "create":
        return None
    after = entry.after or {}
    title = after.get("name") or after.get("title") or after.get("email")
    named = f" '{title}'" if title and title != entry.subject_key else ""
    count = len(changes)
    return (
        f"Created {entry.subject_type} {entry.subject_key}{named} ({count} field{'' if count == 1 else 's'})"
    )


def _organisation_names(entries: list[AuditEntry]) -> dict[str, str]:
    """The names of the organisations the entries refer to, in one statement."""
    keys: set[str] = set()

    def collect(value: Any, name: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                collect(v, k)
        elif isinstance(value, list):
            for v in value:
                collect(v, name)
        elif isinstance(value, str) and name in _REFERENCES:
            keys.add(value)

    for entry in entries:
        if entry.subject_type in _DECLARED:
            collect(entry.before)
            collect(entry.after)
    if not keys:
        return {}
    o = OrganisationModel.__table__
    return dict(db.session.execute(select(o.c.key, o.c.name).where(o.c.key.in_(sorted(keys)))).all())  # type: ignore[arg-type]


@dataclass(frozen=True)
class Row:
    """An audit entry and what it changed."""

    entry: AuditEntry
    changes: list[FieldChange]
    #: For a creation, one sentence instead of every field (:func:`creation_summary`).
    summary: str | None = None


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
    names = _organisation_names(page.items)
    rows = []
    for entry in page.items:
        reader = Reader(entry.subject_type if entry.subject_type in _DECLARED else None, names)
        changes = changed_fields(entry.before, entry.after, reader)
        rows.append(Row(entry, changes, creation_summary(entry, changes)))
    return render_template(
        "audit/index.html",
        page=page,
        rows=rows,
        subject_type=subject_type if subject_type in SUBJECT_TYPES else "",
        subject_key=subject_key,
    )
