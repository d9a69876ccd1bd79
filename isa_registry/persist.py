"""Writing domain records to the database, with every change in the audit log.

``apply_registry`` is what an import does: records are matched by key, created when new, updated
when different, left alone when the same, and never duplicated. It works inside the caller's
transaction; the caller commits once, so an import is all or nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from . import audit
from .domain import Agreement, Flow, Organisation, Registry
from .exchange import agreement_to_dict, flow_to_dict, organisation_to_dict
from .models import Agreement as AgreementModel
from .models import AgreementParty
from .models import Flow as FlowModel
from .models import Organisation as OrganisationModel
from .queries import load_registry

__all__ = [
    "ImportReport",
    "agreement_ids",
    "apply_registry",
    "org_ids",
    "set_agreement",
    "set_flow",
    "set_organisation",
]

Progress = Callable[[str, int, int], None]


@dataclass
class ImportReport:
    """What an import did, by record type."""

    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    updated_keys: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """One plain line per record type."""
        out = []
        for kind in ("organisation", "agreement", "flow"):
            out.append(
                f"{kind}s: {self.created[kind]} created, {self.updated[kind]} updated "
                f"(matched by key), {self.unchanged[kind]} unchanged"
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


def set_organisation(row: OrganisationModel, o: Organisation, ids: dict[str, int]) -> None:
    """Copy a domain organisation onto its row (the successor must already have an id)."""
    for name in (
        "key name kind public_authority ico_registration dpo_contact appropriate_policy_document "
        "status address telephone email representative archived"
    ).split():
        setattr(row, name, getattr(o, name))
    row.successor_id = ids[o.successor] if o.successor else None


def set_agreement(row: AgreementModel, a: Agreement, ids: dict[str, int]) -> None:
    """Copy a domain agreement, parties included, onto its row."""
    for name in (
        "key title status version start_date review_date end_date document_url dpia_reference archived"
    ).split():
        setattr(row, name, getattr(a, name))
    row.purpose = a.purpose or ""
    row.data_categories = list(a.data_categories)
    row.owner_id = ids[a.owner] if a.owner else None
    # Update parties in place, matched by organisation: replacing the rows would insert a party
    # before the old row for the same organisation is deleted, against the unique constraint.
    existing = {p.organisation_id: p for p in row.parties}
    parties = []
    for i, p in enumerate(a.parties):
        party = existing.get(ids[p.organisation]) or AgreementParty(organisation_id=ids[p.organisation])
        party.position, party.role, party.signed_on = i, p.role, p.signed_on
        party.signed_by, party.signatory_role = p.signed_by, p.signatory_role
        parties.append(party)
    row.parties = parties


def set_flow(row: FlowModel, f: Flow, orgs: dict[str, int], agreements: dict[str, int]) -> None:
    """Copy a domain flow onto its row."""
    for name in (
        "key name identifiability purpose programme status start_date end_date regime article6 "
        "recognised_interest article9 official_authority law_enforcement_basis retention frequency "
        "method security_measures storage_location automated_decision_making lia_reference "
        "consent_record archived"
    ).split():
        setattr(row, name, getattr(f, name))
    row.purpose = f.purpose or ""
    for name in ("data_subjects", "data_categories", "schedule1", "schedule8", "legislation"):
        setattr(row, name, list(getattr(f, name)))
    row.source_id, row.recipient_id = orgs[f.source], orgs[f.recipient]
    row.agreement_id = agreements[f.agreement] if f.agreement else None
    row.transfer_country = f.international_transfer.country if f.international_transfer else None
    row.transfer_safeguard = f.international_transfer.safeguard if f.international_transfer else None


def _chunks(items: Sequence[str], size: int = 500) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _rows_by_key(session: Session, model: Any, keys: Sequence[str], *options: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for chunk in _chunks(keys):
        stmt = select(model).where(model.key.in_(chunk)).options(*options)
        found.update((r.key, r) for r in session.scalars(stmt))
    return found


def apply_registry(
    session: Session, incoming: Registry, actor: str, progress: Progress | None = None
) -> ImportReport:
    """Create or update every record of ``incoming`` by key, auditing each change; no commit."""
    report = ImportReport()
    current = load_registry(session, include_archived=True)
    changes: list[audit.Change] = []
    say = progress or (lambda stage, done, total: None)

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
    for o in new:
        rows[o.key] = OrganisationModel(key=o.key)
        session.add(rows[o.key])
    for o in (*new, *changed):
        set_organisation(rows[o.key], Organisation(**{**o.__dict__, "successor": None}), {})
    session.flush()
    ids = org_ids(session)
    for o in (*new, *changed):
        rows[o.key].successor_id = ids[o.successor] if o.successor else None
    say("organisations", len(new) + len(changed), len(new) + len(changed))

    new, changed = plan("agreement", incoming.agreements, current.agreements, agreement_to_dict)
    total = len(new) + len(changed)
    say("agreements", 0, total)
    rows = _rows_by_key(
        session, AgreementModel, [a.key for a in changed], selectinload(AgreementModel.parties)
    )
    for a in new:
        rows[a.key] = AgreementModel(key=a.key)
        session.add(rows[a.key])
    for a in (*new, *changed):
        set_agreement(rows[a.key], a, ids)
    session.flush()
    say("agreements", total, total)
    agreements = agreement_ids(session)

    new, changed = plan("flow", incoming.flows, current.flows, flow_to_dict)
    total = len(new) + len(changed)
    rows = _rows_by_key(session, FlowModel, [f.key for f in changed])
    done = 0
    for f in (*new, *changed):
        row = rows.get(f.key)
        if row is None:
            row = FlowModel(key=f.key)
            session.add(row)
        set_flow(row, f, ids, agreements)
        done += 1
        if done % 2000 == 0:
            session.flush()
            say("flows", done, total)
    session.flush()
    say("flows", total, total)
    audit.append(session, actor, changes)
    return report
