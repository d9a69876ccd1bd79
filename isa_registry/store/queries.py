"""The one bridge from the database to the pure core.

``load_registry`` reads the whole registry in four statements whatever its size (organisations,
agreements, parties, flows), straight from the tables without building ORM objects, and returns
plain :mod:`isa_registry.core.domain` objects for the rules, the map, the ROPA and the exchange format.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.engine import RowMapping

from ..core import records
from ..core.decisions import Action, Decision, FindingId, Reviewed, review
from ..core.domain import Agreement, Basis, Finding, Flow, Organisation, Party, Registry, Transfer
from ..core.exchange import agreement_from_dict, flow_from_dict, organisation_from_dict
from ..core.rules import run_rules
from . import cache
from .audit import GENESIS
from .db import Session, db
from .decisions import load_actions, load_decisions
from .models import Agreement as AgreementModel
from .models import AgreementParty, AuditEntry, AuditHead, FindingAction, FindingDecision
from .models import Flow as FlowModel
from .models import Organisation as OrganisationModel

__all__ = [
    "CheckedRegistry",
    "agreement_from_row",
    "basis_from_row",
    "checked_registry",
    "flow_from_row",
    "load_registry",
    "org_keys",
    "organisation_from_row",
    "per_revision",
    "registry_revision",
    "replay_changes",
]

T = TypeVar("T")

_ORG_FIELDS = records.plain_fields(records.ORGANISATION)
_AGREEMENT_FIELDS = records.plain_fields(records.AGREEMENT)
_FLOW_FIELDS = records.plain_fields(records.FLOW)
_FLOW_LISTS = records.list_fields(records.FLOW)
_PARTY_FIELDS = records.plain_fields(records.PARTY)
#: The recipient's basis: (field, column) for each of its fields, and which of them are lists.
_RECIPIENT_BASIS_PREFIX = records.by_name(records.FLOW)["recipient_basis"].prefix
_BASIS_COLUMNS = tuple((f.name, _RECIPIENT_BASIS_PREFIX + f.name) for f in records.BASIS)
_BASIS_LISTS = records.list_fields(records.BASIS)
_BASIS_REGIME = _RECIPIENT_BASIS_PREFIX + "regime"


def org_keys(session: Session) -> dict[int, str]:
    """Organisation id to key, for every organisation."""
    t = OrganisationModel.__table__
    return dict(session.execute(select(t.c.id, t.c.key)).all())  # type: ignore[arg-type]


def organisation_from_row(row: RowMapping, keys: dict[int, str]) -> Organisation:
    """A domain organisation from a row of the ``organisation`` table."""
    values: dict[str, Any] = {name: row[name] for name in _ORG_FIELDS}
    values["successor"] = keys.get(row["successor_id"]) if row["successor_id"] else None
    return Organisation(**values)


def agreement_from_row(row: RowMapping, keys: dict[int, str], parties: list[Party]) -> Agreement:
    """A domain agreement from a row of the ``agreement`` table and its parties."""
    values: dict[str, Any] = {name: row[name] for name in _AGREEMENT_FIELDS}
    values["purpose"] = values["purpose"] or ""
    values["owner"] = keys.get(row["owner_id"]) if row["owner_id"] else None
    values["data_categories"] = list(row["data_categories"] or [])
    return Agreement(parties=parties, **values)


def party_from_row(row: RowMapping, keys: dict[int, str]) -> Party:
    """A domain party from a row of the ``agreement_party`` table."""
    return Party(organisation=keys[row["organisation_id"]], **{name: row[name] for name in _PARTY_FIELDS})


def basis_from_row(row: RowMapping) -> Basis | None:
    """The recipient's basis from a row of the ``flow`` table; None when not recorded (its regime is
    null: a basis recorded always has one)."""
    if row[_BASIS_REGIME] is None:
        return None
    values: dict[str, Any] = {name: row[column] for name, column in _BASIS_COLUMNS}
    for name in _BASIS_LISTS:
        values[name] = list(values[name] or [])
    values["official_authority"] = bool(values["official_authority"])
    return Basis(**values)


def flow_from_row(row: RowMapping, org_keys: dict[int, str], agreement_keys: dict[int, str]) -> Flow:
    """A domain flow from a row of the ``flow`` table."""
    values: dict[str, Any] = {name: row[name] for name in _FLOW_FIELDS}
    values["purpose"] = values["purpose"] or ""
    for name in _FLOW_LISTS:
        values[name] = list(row[name] or [])
    values["source"] = org_keys[row["source_id"]]
    values["recipient"] = org_keys[row["recipient_id"]]
    values["agreement"] = agreement_keys.get(row["agreement_id"]) if row["agreement_id"] else None
    values["international_transfer"] = (
        Transfer(row["transfer_country"], row["transfer_safeguard"]) if row["transfer_country"] else None
    )
    values["recipient_basis"] = basis_from_row(row)
    return Flow(**values)


def load_registry(session: Session | None = None, include_archived: bool = False) -> Registry:
    """The registry as domain objects; archived records are left out unless asked for.

    References to an archived record from a live one (a flow whose agreement was archived) keep the
    key, so the rules still see what the flow claims.
    """
    session = session or db.session
    ot, at, pt, ft = (
        OrganisationModel.__table__,
        AgreementModel.__table__,
        AgreementParty.__table__,
        FlowModel.__table__,
    )
    org_rows = session.execute(select(ot)).mappings().all()
    keys = {r["id"]: r["key"] for r in org_rows}
    agreement_rows = session.execute(select(at)).mappings().all()
    agreement_keys = {r["id"]: r["key"] for r in agreement_rows}
    parties: dict[int, list[Party]] = {}
    for row in session.execute(select(pt).order_by(pt.c.agreement_id, pt.c.position, pt.c.id)).mappings():
        parties.setdefault(row["agreement_id"], []).append(party_from_row(row, keys))

    def keep(row: RowMapping) -> bool:
        return include_archived or not row["archived"]

    flow_query = select(ft) if include_archived else select(ft).where(ft.c.archived.is_(False))
    return Registry(
        organisations={r["key"]: organisation_from_row(r, keys) for r in org_rows if keep(r)},
        agreements={
            r["key"]: agreement_from_row(r, keys, parties.get(r["id"], [])) for r in agreement_rows if keep(r)
        },
        flows={
            r["key"]: flow_from_row(r, keys, agreement_keys) for r in session.execute(flow_query).mappings()
        },
    )


@dataclass(frozen=True)
class CheckedRegistry:
    """The registry at one revision and the rules' findings on one date.

    ``full`` holds archived records too (their pages still open); ``live`` leaves them out, as the
    rules do. ``decisions`` holds every decision ever taken (withdrawn ones too) and ``actions``
    every action assigned; ``reviewed`` is each finding, in the order of ``findings``, with its
    state on ``as_of`` (open, decided or lapsed), its decision and its action. Shared between
    requests: callers must treat every object in it as read-only.
    """

    revision: tuple[int, str]
    as_of: date
    full: Registry
    live: Registry
    findings: list[Finding]
    decisions: tuple[Decision, ...] = ()
    actions: tuple[Action, ...] = ()
    reviewed: list[Reviewed] = field(default_factory=list)

    @functools.cached_property
    def reviewed_by_id(self) -> dict[FindingId, Reviewed]:
        """Each finding's review, by the finding's identity (subject type, subject key, code)."""
        return {r.id: r for r in self.reviewed}

    def decisions_on(self, subject_type: str, subject_key: str, code: str) -> list[Decision]:
        """Every decision taken on one finding, the latest first (its history)."""
        found = [d for d in self.decisions if d.finding_id == (subject_type, subject_key, code)]
        return sorted(found, key=lambda d: d.decided_on, reverse=True)


def registry_revision(session: Session | None = None) -> tuple[int, str]:
    """The registry revision and the audit chain's head hash, in one statement.

    Every change to the registry is appended to the audit chain, so the pair changes with every
    change; a database restored from a backup or emptied and reloaded can bring an old revision
    number back, but never with the same head hash.
    """
    session = session or db.session
    row = session.execute(select(AuditHead.seq, AuditHead.hash)).first()
    return (row.seq, row.hash) if row else (0, GENESIS)


def _revision_and_what_is_decided(session: Session) -> tuple[tuple[int, str], bool, bool]:
    """:func:`registry_revision`, and whether any decision and any action was ever recorded, in one
    statement (so that a registry without them never reads their tables)."""
    head = AuditHead.__table__
    row = session.execute(
        select(
            select(head.c.seq).scalar_subquery(),
            select(head.c.hash).scalar_subquery(),
            select(FindingDecision.__table__.c.id).exists(),
            select(FindingAction.__table__.c.id).exists(),
        )
    ).one()
    revision = (row[0], row[1]) if row[0] is not None else (0, GENESIS)
    return revision, bool(row[2]), bool(row[3])


def checked_registry(as_of: date, session: Session | None = None) -> CheckedRegistry:
    """The registry and its findings on ``as_of``, loaded and checked once per revision per process.

    A page that shows findings costs one statement while the registry is unchanged, instead of
    four statements and a run of every rule. At most a few (revision, date) pairs are kept
    (:data:`isa_registry.store.cache.REGISTRIES`).

    After a change, the registry kept for an earlier revision is brought up to date from the audit
    entries since (:func:`replay_changes`), which is quicker than reading every table again; the
    rules then run on the result. Anything unexpected falls back to reading the tables.
    """
    session = session or db.session
    revision, any_decisions, any_actions = _revision_and_what_is_decided(session)
    url = str(session.get_bind().engine.url)
    key = (url, *revision, as_of)
    hit = cache.REGISTRIES.get(key)
    if hit is not None:
        return hit
    kept = [c for (u, *_), c in cache.REGISTRIES.newest_first() if u == url and c.revision[0] <= revision[0]]
    base = next((c for c in kept if c.revision == revision), None)
    if base is not None:  # the same registry, checked on another date
        full, live = base.full, base.live
        decisions, actions = base.decisions, base.actions
    else:
        # Decisions are audit entries too, so a new revision reads them again: one statement for
        # each kind that has rows (none at all in a registry where nothing was ever decided).
        decisions = tuple(load_decisions(session)) if any_decisions else ()
        actions = tuple(load_actions(session)) if any_actions else ()
        replayed = replay_changes(kept[0], revision, session) if kept else None
        if replayed is None:
            full = load_registry(session, include_archived=True)
            LOADS["read"] += 1
        else:
            full = replayed
            LOADS["replayed"] += 1
        live = Registry(
            organisations={k: o for k, o in full.organisations.items() if not o.archived},
            agreements={k: a for k, a in full.agreements.items() if not a.archived},
            flows={k: f for k, f in full.flows.items() if not f.archived},
        )
    findings = run_rules(live, as_of)
    checked = CheckedRegistry(
        revision, as_of, full, live, findings, decisions, actions, review(findings, decisions, as_of, actions)
    )
    cache.REGISTRIES.put(key, checked)
    return checked


#: How the registries kept were come by: ``read`` from the tables, or ``replayed`` from the audit
#: entries since an earlier one (for the tests and the logs).
LOADS: Counter[str] = Counter()
#: Beyond this many changes since the registry kept, reading the tables is quicker than replaying.
REPLAY_LIMIT = 500


def replay_changes(
    kept: CheckedRegistry, revision: tuple[int, str], session: Session | None = None
) -> Registry | None:
    """The whole registry at ``revision``: ``kept.full`` with the audit entries since applied.

    Every change to a record is audited with the record's whole new state in the exchange format
    (``after``), so applying the entries in order gives what reading the tables would. The
    entries must continue the chain from ``kept.revision`` (each one's ``prev_hash`` the hash
    before it) and end at ``revision``; otherwise, or with more than :data:`REPLAY_LIMIT` of
    them, the answer is None and the caller reads the tables. Records not changed are shared
    with ``kept``, which is left as it was.
    """
    session = session or db.session
    seq, head = kept.revision
    if not 0 < revision[0] - seq <= REPLAY_LIMIT:
        return None
    t = AuditEntry.__table__
    rows = session.execute(
        select(t.c.seq, t.c.subject_type, t.c.subject_key, t.c.after, t.c.prev_hash, t.c.hash)
        .where(t.c.seq > seq, t.c.seq <= revision[0])
        .order_by(t.c.seq)
    ).all()
    previous = head
    for expected, row in enumerate(rows, start=seq + 1):
        if row.seq != expected or row.prev_hash != previous:
            return None
        previous = row.hash
    if len(rows) != revision[0] - seq or previous != revision[1]:
        return None
    full = kept.full
    records: dict[str, tuple[dict[str, Any], Callable[[dict[str, Any]], Any]]] = {
        "organisation": (dict(full.organisations), organisation_from_dict),
        "agreement": (dict(full.agreements), agreement_from_dict),
        "flow": (dict(full.flows), flow_from_dict),
    }
    try:
        for row in rows:
            if row.subject_type not in records:  # a user account: not part of the registry
                continue
            table, parse = records[row.subject_type]
            if row.after is None:
                table.pop(row.subject_key, None)
            else:
                table[row.subject_key] = parse(row.after)
    except (KeyError, TypeError, ValueError):  # an entry not in the shape expected: read the tables
        return None
    return Registry(
        organisations=records["organisation"][0],
        agreements=records["agreement"][0],
        flows=records["flow"][0],
    )


#: What :data:`isa_registry.store.cache.DERIVED` gives for a key it does not hold (None may be a value).
_MISSING: Any = object()


def per_revision(
    revision: tuple[int, str],
    name: str,
    key: Hashable,
    compute: Callable[[], T],
    session: Session | None = None,
) -> T:
    """``compute()``, worked out once per process for each registry revision, ``name`` and ``key``.

    For what a page derives from the registry and that only a change can alter: the choices of a
    filter, how many records match a search, the findings grouped by record. ``revision`` must
    have been read (:func:`registry_revision` or :attr:`CheckedRegistry.revision`) *before*
    ``compute`` reads anything, so a value is never kept under a revision later than its data.
    The most recently used values are kept (:data:`isa_registry.store.cache.DERIVED`); callers must
    treat a returned value as read-only.
    """
    session = session or db.session
    full_key = (str(session.get_bind().engine.url), *revision, name, key)
    value = cache.DERIVED.get(full_key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.DERIVED.put(full_key, value)
    return value
