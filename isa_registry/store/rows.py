"""A domain record as the columns of its row (what a save through the ORM and an import's
multi-row INSERT both write), and a row as its domain record (what loading reads), declared once
from :mod:`isa_registry.core.records`.

References are ids, which the caller looks up (``ids``: key to id); lists are copied; a text purpose
of None is stored as empty text; a flow's transfer and recipient's basis are columns with a prefix.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import RowMapping

from ..core import records
from ..core.domain import Agreement, Basis, Flow, Organisation, Party, Transfer
from .models import Agreement as AgreementModel
from .models import AgreementParty
from .models import Flow as FlowModel
from .models import Organisation as OrganisationModel

__all__ = [
    "AGREEMENT_COLUMNS",
    "BASIS_LISTS",
    "FLOW_COLUMNS",
    "FLOW_LISTS",
    "ORGANISATION_COLUMNS",
    "PARTY_COLUMNS",
    "RECIPIENT_BASIS_PREFIX",
    "agreement_columns",
    "agreement_from_row",
    "basis_columns",
    "basis_from_row",
    "flow_columns",
    "flow_from_row",
    "organisation_columns",
    "organisation_from_row",
    "party_columns",
    "party_from_row",
    "set_agreement",
    "set_flow",
    "set_organisation",
]

#: The fields stored as they are, one column each under their own name.
ORGANISATION_COLUMNS = records.plain_fields(records.ORGANISATION)
AGREEMENT_COLUMNS = records.plain_fields(records.AGREEMENT)
FLOW_COLUMNS = records.plain_fields(records.FLOW)
PARTY_COLUMNS = records.plain_fields(records.PARTY)
#: The fields that hold a list (JSON arrays).
FLOW_LISTS = records.list_fields(records.FLOW)
BASIS_LISTS = records.list_fields(records.BASIS)
#: What the recipient's basis's columns are named with: ``recipient_basis_article6``.
RECIPIENT_BASIS_PREFIX = records.by_name(records.FLOW)["recipient_basis"].prefix


def organisation_columns(o: Organisation) -> dict[str, Any]:
    """An organisation's columns, but its successor's id (a successor may be a row not yet made)."""
    return {name: getattr(o, name) for name in ORGANISATION_COLUMNS}


def agreement_columns(a: Agreement, ids: dict[str, int]) -> dict[str, Any]:
    """An agreement's columns; its parties are rows of their own (:func:`party_columns`)."""
    columns = {name: getattr(a, name) for name in AGREEMENT_COLUMNS}
    columns["purpose"] = a.purpose or ""
    columns["data_categories"] = list(a.data_categories)
    columns["owner_id"] = ids[a.owner] if a.owner else None
    return columns


def party_columns(p: Party, position: int) -> dict[str, Any]:
    """A party's columns but the agreement and the organisation, which identify its row."""
    return {"position": position, **{name: getattr(p, name) for name in PARTY_COLUMNS}}


def basis_columns(b: Basis | None) -> dict[str, Any]:
    """The ``flow`` table's columns for a recipient's basis: each field under its prefixed name,
    lists copied; every one null when the basis is not recorded."""
    prefix = RECIPIENT_BASIS_PREFIX
    if b is None:
        return {prefix + f.name: None for f in records.BASIS}
    out = {prefix + f.name: getattr(b, f.name) for f in records.BASIS}
    for name in BASIS_LISTS:
        out[prefix + name] = list(getattr(b, name))
    return out


def flow_columns(f: Flow, orgs: dict[str, int], agreements: dict[str, int]) -> dict[str, Any]:
    """A flow's columns (``orgs`` and ``agreements``: key to id)."""
    columns = {name: getattr(f, name) for name in FLOW_COLUMNS}
    columns["purpose"] = f.purpose or ""
    for name in FLOW_LISTS:
        columns[name] = list(getattr(f, name))
    columns["source_id"], columns["recipient_id"] = orgs[f.source], orgs[f.recipient]
    columns["agreement_id"] = agreements[f.agreement] if f.agreement else None
    transfer = f.international_transfer
    columns["transfer_country"] = transfer.country if transfer else None
    columns["transfer_safeguard"] = transfer.safeguard if transfer else None
    columns.update(basis_columns(f.recipient_basis))
    return columns


def _copy(row: Any, columns: dict[str, Any]) -> None:
    for name, value in columns.items():
        setattr(row, name, value)


def set_organisation(row: OrganisationModel, o: Organisation, ids: dict[str, int]) -> None:
    """Copy a domain organisation onto its row (the successor must already have an id)."""
    _copy(row, organisation_columns(o))
    row.successor_id = ids[o.successor] if o.successor else None


def set_agreement(row: AgreementModel, a: Agreement, ids: dict[str, int]) -> None:
    """Copy a domain agreement, parties included, onto its row."""
    _copy(row, agreement_columns(a, ids))
    # Update parties in place, matched by organisation: replacing the rows would insert a party
    # before the old row for the same organisation is deleted, against the unique constraint.
    existing = {p.organisation_id: p for p in row.parties}
    parties = []
    for i, p in enumerate(a.parties):
        party = existing.get(ids[p.organisation]) or AgreementParty(organisation_id=ids[p.organisation])
        _copy(party, party_columns(p, i))
        parties.append(party)
    row.parties = parties


def set_flow(row: FlowModel, f: Flow, orgs: dict[str, int], agreements: dict[str, int]) -> None:
    """Copy a domain flow onto its row."""
    _copy(row, flow_columns(f, orgs, agreements))


# --- And back: a row as a domain record ----------------------------------------------------------


def organisation_from_row(row: RowMapping, keys: dict[int, str]) -> Organisation:
    """A domain organisation from a row of the ``organisation`` table."""
    values: dict[str, Any] = {name: row[name] for name in ORGANISATION_COLUMNS}
    values["successor"] = keys.get(row["successor_id"]) if row["successor_id"] else None
    return Organisation(**values)


def agreement_from_row(row: RowMapping, keys: dict[int, str], parties: list[Party]) -> Agreement:
    """A domain agreement from a row of the ``agreement`` table and its parties."""
    values: dict[str, Any] = {name: row[name] for name in AGREEMENT_COLUMNS}
    values["purpose"] = values["purpose"] or ""
    values["owner"] = keys.get(row["owner_id"]) if row["owner_id"] else None
    values["data_categories"] = list(row["data_categories"] or [])
    return Agreement(parties=parties, **values)


def party_from_row(row: RowMapping, keys: dict[int, str]) -> Party:
    """A domain party from a row of the ``agreement_party`` table."""
    return Party(organisation=keys[row["organisation_id"]], **{name: row[name] for name in PARTY_COLUMNS})


def basis_from_row(row: RowMapping) -> Basis | None:
    """The recipient's basis from a row of the ``flow`` table; None when not recorded (its regime is
    null: a basis recorded always has one)."""
    if row[RECIPIENT_BASIS_PREFIX + "regime"] is None:
        return None
    values: dict[str, Any] = {f.name: row[RECIPIENT_BASIS_PREFIX + f.name] for f in records.BASIS}
    for name in BASIS_LISTS:
        values[name] = list(values[name] or [])
    values["official_authority"] = bool(values["official_authority"])
    return Basis(**values)


def flow_from_row(row: RowMapping, org_keys: dict[int, str], agreement_keys: dict[int, str]) -> Flow:
    """A domain flow from a row of the ``flow`` table."""
    values: dict[str, Any] = {name: row[name] for name in FLOW_COLUMNS}
    values["purpose"] = values["purpose"] or ""
    for name in FLOW_LISTS:
        values[name] = list(row[name] or [])
    values["source"] = org_keys[row["source_id"]]
    values["recipient"] = org_keys[row["recipient_id"]]
    values["agreement"] = agreement_keys.get(row["agreement_id"]) if row["agreement_id"] else None
    values["international_transfer"] = (
        Transfer(row["transfer_country"], row["transfer_safeguard"]) if row["transfer_country"] else None
    )
    values["recipient_basis"] = basis_from_row(row)
    return Flow(**values)
