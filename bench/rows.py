"""A document's records as table rows, inserted with one bulk statement per table.

This is the benchmark's floor for an import: the least any importer of the same document must do
(read the JSON, turn each record into the row the app stores, one ``executemany`` INSERT per table).
It is also the quick way the benchmark fills a database before measuring anything else. Ids are
given explicitly, organisations are ordered so that a successor is inserted before the body it
succeeded (PostgreSQL checks foreign keys row by row), and on PostgreSQL the id sequences are moved
past the rows afterwards so that the app can go on inserting.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select, text

from isa_registry.core.exchange import basis_from_dict
from isa_registry.store.models import Agreement, AgreementParty, Flow, Organisation
from isa_registry.store.rows import basis_columns

__all__ = ["TABLES", "insert_rows", "load_document_rows", "table_rows"]

#: The registry's tables in the order they are filled.
TABLES: tuple[Table, ...] = (
    Organisation.__table__,
    Agreement.__table__,
    AgreementParty.__table__,
    Flow.__table__,
)

_ORG_COLUMNS = (
    "key name kind public_authority ico_registration dpo_contact appropriate_policy_document status "
    "address telephone email representative archived"
).split()
_AGREEMENT_COLUMNS = "key title status version document_url dpia_reference archived".split()
_AGREEMENT_DATES = ("start_date", "review_date", "end_date")
_FLOW_COLUMNS = (
    "key name identifiability programme status regime article6 recognised_interest article9 "
    "official_authority law_enforcement_basis retention frequency method security_measures "
    "storage_location automated_decision_making lia_reference consent_record archived"
).split()
_FLOW_LISTS = ("data_subjects", "data_categories", "schedule1", "schedule8", "legislation")
_DEFAULTS = {"status": "active", "regime": "uk_gdpr", "archived": False, "official_authority": False}


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _pick(record: dict[str, Any], names: list[str]) -> dict[str, Any]:
    return {name: record.get(name, _DEFAULTS.get(name)) for name in names}


def _successors_first(organisations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The organisations ordered so that each successor comes before the bodies it took over."""
    by_key = {o["key"]: o for o in organisations}

    def depth(org: dict[str, Any]) -> int:
        seen, n = {org["key"]}, 0
        while (nxt := by_key.get(org.get("successor") or "")) is not None and nxt["key"] not in seen:
            seen.add(nxt["key"])
            org, n = nxt, n + 1
        return n

    return sorted(organisations, key=depth)


def table_rows(doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The rows of each registry table for ``doc`` (a valid ``isa-registry/1`` document)."""
    organisations = _successors_first(doc["organisations"])
    org_ids = {o["key"]: i for i, o in enumerate(organisations, start=1)}
    agreement_ids = {a["key"]: i for i, a in enumerate(doc["agreements"], start=1)}
    org_rows = [
        {
            "id": org_ids[o["key"]],
            **_pick(o, _ORG_COLUMNS),
            "successor_id": org_ids[o["successor"]] if o.get("successor") else None,
        }
        for o in organisations
    ]
    agreement_rows: list[dict[str, Any]] = []
    party_rows: list[dict[str, Any]] = []
    for a in doc["agreements"]:
        agreement_rows.append(
            {
                "id": agreement_ids[a["key"]],
                **_pick(a, _AGREEMENT_COLUMNS),
                **{name: _day(a.get(name)) for name in _AGREEMENT_DATES},
                "purpose": a.get("purpose") or "",
                "owner_id": org_ids[a["owner"]] if a.get("owner") else None,
                "data_categories": list(a.get("data_categories", [])),
            }
        )
        for position, p in enumerate(a["parties"]):
            party_rows.append(
                {
                    "id": len(party_rows) + 1,
                    "agreement_id": agreement_ids[a["key"]],
                    "organisation_id": org_ids[p["organisation"]],
                    "position": position,
                    "role": p["role"],
                    "signed_on": _day(p.get("signed_on")),
                    "contract_reference": p.get("contract_reference"),
                    "signed_by": p.get("signed_by"),
                    "signatory_role": p.get("signatory_role"),
                }
            )
    flow_rows = []
    for i, f in enumerate(doc["flows"], start=1):
        transfer = f.get("international_transfer") or {}
        flow_rows.append(
            {
                "id": i,
                **_pick(f, _FLOW_COLUMNS),
                **{name: list(f.get(name, [])) for name in _FLOW_LISTS},
                "purpose": f.get("purpose") or "",
                "start_date": _day(f.get("start_date")),
                "end_date": _day(f.get("end_date")),
                "source_id": org_ids[f["source"]],
                "recipient_id": org_ids[f["recipient"]],
                "agreement_id": agreement_ids[f["agreement"]] if f.get("agreement") else None,
                "transfer_country": transfer.get("country"),
                "transfer_safeguard": transfer.get("safeguard"),
                **basis_columns(basis_from_dict(f.get("recipient_basis"))),
            }
        )
    return {
        "organisation": org_rows,
        "agreement": agreement_rows,
        "agreement_party": party_rows,
        "flow": flow_rows,
    }


def insert_rows(conn: Connection, rows: dict[str, list[dict[str, Any]]]) -> None:
    """One ``executemany`` INSERT per table; on PostgreSQL, move each id sequence past the rows."""
    for table in TABLES:
        if rows[table.name]:
            conn.execute(insert(table), rows[table.name])
    if conn.dialect.name == "postgresql":
        for table in TABLES:
            top = conn.execute(select(func.max(table.c.id))).scalar()
            if top:
                conn.execute(
                    text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :n)"), {"t": table.name, "n": top}
                )


def load_document_rows(conn: Connection, doc: dict[str, Any]) -> None:
    """Fill the registry tables from ``doc`` (the caller commits)."""
    insert_rows(conn, table_rows(doc))
