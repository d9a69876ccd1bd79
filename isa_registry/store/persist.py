"""Writing domain records to the database, with every change in the audit log.

``apply_registry`` is what an import does: records are matched by key, created when new, updated
when different, left alone when the same, and never duplicated. It works inside the caller's
transaction; the caller commits once, so an import is all or nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import selectinload

from ..core.domain import Agreement, Organisation, Registry
from ..core.exchange import agreement_to_dict, flow_to_dict, organisation_to_dict
from . import attachments, audit
from .db import Session
from .decisions import ImportedDecisions
from .models import Agreement as AgreementModel
from .models import AgreementParty
from .models import Flow as FlowModel
from .models import Organisation as OrganisationModel
from .queries import load_registry
from .rows import (
    agreement_columns,
    flow_columns,
    organisation_columns,
    party_columns,
    set_agreement,
    set_flow,
    set_organisation,
)

__all__ = [
    "ImportReport",
    "agreement_ids",
    "apply_registry",
    "org_ids",
]

Progress = Callable[[str, int, int], None]


@dataclass
class ImportReport:
    """What an import did, by record type."""

    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    updated_keys: list[str] = field(default_factory=list)
    #: What the import did with the document's decisions on findings, once they are applied.
    decisions: ImportedDecisions | None = None
    #: Signed copies the document lists without their content (an export made without them).
    attachments_not_restored: int = 0

    def lines(self) -> list[str]:
        """One plain line per record type, and one for signed copies when the document had any."""
        out = []
        for kind in ("organisation", "agreement", "flow"):
            out.append(
                f"{kind}s: {self.created[kind]} created, {self.updated[kind]} updated "
                f"(matched by key), {self.unchanged[kind]} unchanged"
            )
        if self.decisions is not None:
            out.append(self.decisions.line())
        if self.created["attachment"] or self.attachments_not_restored:
            out.append(
                f"signed copies: {self.created['attachment']} stored, {self.attachments_not_restored} "
                "not restored (the file was exported without them)"
            )
        return out


def org_ids(session: Session) -> dict[str, int]:
    """Organisation key to id."""
    t = OrganisationModel.__table__
    return {k: i for i, k in session.execute(select(t.c.id, t.c.key))}


def agreement_ids(session: Session) -> dict[str, int]:
    """Agreement key to id."""
    t = AgreementModel.__table__
    return {k: i for i, k in session.execute(select(t.c.id, t.c.key))}


def _chunks(items: Sequence[str], size: int = 500) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _rows_by_key(session: Session, model: Any, keys: Sequence[str], *options: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for chunk in _chunks(keys):
        stmt = select(model).where(model.key.in_(chunk)).options(*options)
        found.update((r.key, r) for r in session.scalars(stmt))
    return found


def _new_row(now: datetime, archived: bool) -> dict[str, Any]:
    """The columns every new record row gets, as the ORM's defaults would fill them."""
    return {"archived": archived, "version_id": 1, "created_at": now, "updated_at": now}


def _insert(
    session: Session, model: Any, new: Sequence[Any], columns: Callable[[Any], dict[str, Any]], now: datetime
) -> None:
    """One multi-row INSERT of ``new`` records: what every new row gets, and each one's columns."""
    if not new:
        return
    rows = []
    for r in new:
        row = _new_row(now, r.archived)
        row.update(columns(r))
        rows.append(row)
    session.execute(insert(model.__table__), rows)


def _set_new_successors(
    session: Session, new: Sequence[Organisation], ids: dict[str, int], now: datetime
) -> None:
    # Successors may be other new rows, so they are linked once every new row has an id. This is
    # part of creating the row: its version stays 1.
    links = [{"b_id": ids[o.key], "b_successor": ids[o.successor]} for o in new if o.successor]
    if not links:
        return
    t = OrganisationModel.__table__
    stmt = update(t).where(t.c.id == bindparam("b_id")).values(successor_id=bindparam("b_successor"))
    session.connection().execute(stmt, links)


def _insert_parties(
    session: Session, new: Sequence[Agreement], ids: dict[str, int], agreements: dict[str, int]
) -> None:
    parties = [
        {"agreement_id": agreements[a.key], "organisation_id": ids[p.organisation], **party_columns(p, i)}
        for a in new
        for i, p in enumerate(a.parties)
    ]
    if parties:
        session.execute(insert(AgreementParty.__table__), parties)


def apply_registry(
    session: Session, incoming: Registry, actor: str, progress: Progress | None = None
) -> ImportReport:
    """Create or update every record of ``incoming`` by key, auditing each change; no commit.

    New records go in with one multi-row INSERT per table; changed ones (usually few) are updated
    through the ORM, which checks and bumps their ``version_id``.
    """
    report = ImportReport()
    current = load_registry(session, include_archived=True)
    changes: list[audit.Change] = []
    say = progress or (lambda stage, done, total: None)
    now = datetime.now(UTC)

    def plan(
        kind: str, records: dict[str, Any], existing: dict[str, Any], to_dict: Callable
    ) -> tuple[list, list]:
        new, changed = [], []
        for key, record in records.items():
            after = to_dict(record)
            if key not in existing:
                new.append(record)
                changes.append(audit.Change("create", kind, key, None, after))
                report.created[kind] += 1
            else:
                before = to_dict(existing[key])
                if before == after:
                    report.unchanged[kind] += 1
                    continue
                changed.append(record)
                changes.append(audit.Change("update", kind, key, before, after))
                report.updated[kind] += 1
                report.updated_keys.append(f"{kind} {key}")
        return new, changed

    # Organisations: insert all first, then set successors, which may point at one another.
    new, changed = plan("organisation", incoming.organisations, current.organisations, organisation_to_dict)
    say("organisations", 0, len(new) + len(changed))
    rows = _rows_by_key(session, OrganisationModel, [o.key for o in changed])
    for o in changed:
        set_organisation(rows[o.key], replace(o, successor=None), {})
    session.flush()
    _insert(session, OrganisationModel, new, organisation_columns, now)
    ids = org_ids(session)
    for o in changed:
        rows[o.key].successor_id = ids[o.successor] if o.successor else None
    _set_new_successors(session, new, ids, now)
    say("organisations", len(new) + len(changed), len(new) + len(changed))

    new, changed = plan("agreement", incoming.agreements, current.agreements, agreement_to_dict)
    total = len(new) + len(changed)
    say("agreements", 0, total)
    rows = _rows_by_key(
        session, AgreementModel, [a.key for a in changed], selectinload(AgreementModel.parties)
    )
    for a in changed:
        set_agreement(rows[a.key], a, ids)
    session.flush()
    _insert(session, AgreementModel, new, lambda a: agreement_columns(a, ids), now)
    agreements = agreement_ids(session)
    _insert_parties(session, new, ids, agreements)
    say("agreements", total, total)

    new, changed = plan("flow", incoming.flows, current.flows, flow_to_dict)
    total = len(new) + len(changed)
    rows = _rows_by_key(session, FlowModel, [f.key for f in changed])
    pending = [*new, *changed]
    for start in range(0, total, 2000):
        chunk = pending[start : start + 2000]
        for f in chunk:
            if f.key in rows:
                set_flow(rows[f.key], f, ids, agreements)
        session.flush()
        inserts = [f for f in chunk if f.key not in rows]
        _insert(session, FlowModel, inserts, lambda f: flow_columns(f, ids, agreements), now)
        if len(chunk) == 2000:  # progress as every 2,000 flows
            say("flows", start + len(chunk), total)
    say("flows", total, total)
    if incoming.attachments:
        files, stored, missing = attachments.import_changes(session, incoming.attachments, agreements)
        changes.extend(files)
        report.created["attachment"] += stored
        report.attachments_not_restored += missing
    audit.append(session, actor, changes)
    return report
