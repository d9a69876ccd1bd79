"""The one bridge from the database to the pure core.

``load_registry`` reads the whole registry in four statements whatever its size (organisations,
agreements, parties, flows), straight from the tables without building ORM objects, and returns
plain :mod:`isa_registry.core.domain` objects for the rules, the map, the ROPA and the exchange format.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import orm, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import scoped_session

from ..core.decisions import Action, Decision, FindingId, Reviewed, review, review_again
from ..core.domain import Finding, Party, Registry
from ..core.exchange import agreement_from_dict, flow_from_dict, organisation_from_dict
from ..core.rules import recheck, run_rules
from ..core.rules.incremental import about_subjects, flow_keys_by_agreement
from . import cache
from .audit import GENESIS
from .db import Session, db
from .decisions import load_actions, load_decisions
from .models import Agreement as AgreementModel
from .models import AgreementParty, AuditEntry, AuditHead, FindingAction, FindingDecision
from .models import Flow as FlowModel
from .models import Organisation as OrganisationModel
from .rows import agreement_from_row, flow_from_row, organisation_from_row, party_from_row

__all__ = [
    "CheckedRegistry",
    "Since",
    "checked_registry",
    "load_registry",
    "org_keys",
    "per_revision",
    "registry_revision",
    "replay_changes",
]

T = TypeVar("T")


def org_keys(session: Session) -> dict[int, str]:
    """Organisation id to key, for every organisation."""
    t = OrganisationModel.__table__
    return dict(session.execute(select(t.c.id, t.c.key)).all())  # type: ignore[arg-type]


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
class Since:
    """How a checked registry differs from the one it was brought up to date from."""

    #: The earlier registry's revision.
    revision: tuple[int, str]
    #: The records changed in between, each as (record type, key).
    changed: frozenset[tuple[str, str]]
    #: The records whose findings, or whose findings' reviews, may differ (the changed ones
    #: included): the findings about any other record, and their reviews, are the same objects.
    touched: frozenset[tuple[str, str]]
    #: Each changed record as it was in the earlier registry (None where it was not there or
    #: was archived).
    before: dict[tuple[str, str], Any] = field(default_factory=dict)


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
    #: When it was brought up to date from an earlier one on the same date, how they differ (what
    #: the pages derive from it may then be updated rather than worked out again).
    since: Since | None = None

    @functools.cached_property
    def reviewed_by_id(self) -> dict[FindingId, Reviewed]:
        """Each finding's review, by the finding's identity (subject type, subject key, code)."""
        return {r.id: r for r in self.reviewed}

    @functools.cached_property
    def flow_keys_of(self) -> dict[str, frozenset[str]]:
        """The keys of the live flows that name each agreement (kept from one revision to the next)."""
        return flow_keys_by_agreement(self.live)

    def decisions_on(self, subject_type: str, subject_key: str, code: str) -> list[Decision]:
        """Every decision taken on one finding, the latest first (its history)."""
        found = [d for d in self.decisions if d.finding_id == (subject_type, subject_key, code)]
        return sorted(found, key=lambda d: d.decided_on, reverse=True)


#: Where :func:`registry_revision` keeps the revision it read in a session's transaction.
_REVISION_READ = "isa_registry_revision"


def registry_revision(session: Session | None = None) -> tuple[int, str]:
    """The registry revision and the audit chain's head hash, in one statement, read once per
    transaction: a page that keys two things by the revision (a list's count and its filters'
    choices) reads it once.

    Every change to the registry is appended to the audit chain, so the pair changes with every
    change; a database restored from a backup or emptied and reloaded can bring an old revision
    number back, but never with the same head hash. What is read later in the same transaction
    is at least as new as the revision read first, which is all :func:`per_revision` asks; a
    commit or a rollback ends the transaction, and the next read reads the revision again.
    """
    session = session or db.session
    kept = _revision_read(session)
    if kept is not None:
        return kept
    row = session.execute(select(AuditHead.seq, AuditHead.hash)).first()
    return _remember_revision(session, (row.seq, row.hash) if row else (0, GENESIS))


def _plain(session: Session) -> orm.Session:
    """The session itself, for Flask-SQLAlchemy's request-scoped ``db.session`` too."""
    return session() if isinstance(session, scoped_session) else session


def _revision_read(session: Session) -> tuple[int, str] | None:
    """The revision read earlier in the session's current transaction, if any."""
    session = _plain(session)
    kept = session.info.get(_REVISION_READ)
    transaction = session.get_transaction()
    if kept is None or transaction is None or kept[0] is not transaction:
        return None
    revision: tuple[int, str] = kept[1]
    return revision


def _remember_revision(session: Session, revision: tuple[int, str]) -> tuple[int, str]:
    session = _plain(session)
    session.info[_REVISION_READ] = (session.get_transaction(), revision)
    return revision


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
    revision = _remember_revision(session, (row[0], row[1]) if row[0] is not None else (0, GENESIS))
    return revision, bool(row[2]), bool(row[3])


def _what_is_decided(session: Session) -> tuple[bool, bool]:
    """Whether any decision and any action was ever recorded, in one statement."""
    row = session.execute(
        select(select(FindingDecision.__table__.c.id).exists(), select(FindingAction.__table__.c.id).exists())
    ).one()
    return bool(row[0]), bool(row[1])


def checked_registry(as_of: date, session: Session | None = None) -> CheckedRegistry:
    """The registry and its findings on ``as_of``, loaded and checked once per revision per process.

    A page that shows findings costs one statement while the registry is unchanged, instead of
    four statements and a run of every rule. At most a few (revision, date) pairs are kept
    (:data:`isa_registry.store.cache.REGISTRIES`).

    After a change, the registry kept for an earlier revision is brought up to date from the audit
    entries since (:func:`replay_changes`), which is quicker than reading every table again. When
    it was checked on the same date, only the findings the changed records can alter are worked
    out again (:func:`isa_registry.core.rules.recheck`, from what each rule declares it reads), and
    only those and the findings whose decisions or actions changed are reviewed again; the result
    says what changed (:attr:`CheckedRegistry.since`) so that the pages can update what they keep.
    Anything unexpected falls back to reading the tables.
    """
    session = session or db.session
    revision = _revision_read(session)
    if revision is None:  # one statement, which also says whether the decisions need reading
        revision, any_decisions, any_actions = _revision_and_what_is_decided(session)
        decided: tuple[bool, bool] | None = (any_decisions, any_actions)
    else:  # the revision was read in this transaction: the rest only if the registry is not kept
        decided = None
    url = str(session.get_bind().engine.url)
    key = (url, *revision, as_of)
    hit = cache.REGISTRIES.get(key)
    if hit is not None:
        return hit
    any_decisions, any_actions = decided if decided is not None else _what_is_decided(session)
    kept = [c for (u, *_), c in cache.REGISTRIES.newest_first() if u == url and c.revision[0] <= revision[0]]
    base = next((c for c in kept if c.revision == revision), None)
    if base is not None:  # the same registry, checked on another date
        checked = CheckedRegistry(
            revision,
            as_of,
            base.full,
            base.live,
            findings := run_rules(base.live, as_of),
            base.decisions,
            base.actions,
            review(findings, base.decisions, as_of, base.actions),
        )
        cache.REGISTRIES.put(key, checked)
        return checked
    # Decisions are audit entries too, so a new revision reads them again: one statement for
    # each kind that has rows (none at all in a registry where nothing was ever decided).
    decisions = tuple(load_decisions(session)) if any_decisions else ()
    actions = tuple(load_actions(session)) if any_actions else ()
    # The registry kept that is quickest to bring up to date: the latest checked on the same date
    # (its findings are then worked out again only where a change can alter them), else the latest.
    earlier = next((c for c in kept if c.as_of == as_of), kept[0] if kept else None)
    replayed = _replay(earlier, revision, session) if earlier is not None else None
    if earlier is None or replayed is None:
        full = load_registry(session, include_archived=True)
        LOADS["read"] += 1
        live = _live(full)
        findings = run_rules(live, as_of)
        reviewed = review(findings, decisions, as_of, actions)
    else:
        full, changed = replayed
        LOADS["replayed"] += 1
        live = _live(full, earlier.live, changed)
        if earlier.as_of == as_of:
            LOADS["rechecked"] += 1
            flow_keys_of = _flow_keys_of(earlier, full, changed)
            findings, redone = recheck(live, earlier.findings, changed, as_of, earlier.live, flow_keys_of)
            redecided: set[tuple[str, str]] = set()
            if earlier.decisions != decisions:
                redecided |= {d.finding_id[:2] for d in set(earlier.decisions) ^ set(decisions)}
            if earlier.actions != actions:
                redecided |= {a.finding_id[:2] for a in set(earlier.actions) ^ set(actions)}
            touched = frozenset(redone | changed | redecided)
            reviewed = review_again(earlier.reviewed, findings, decisions, as_of, actions, touched)
            before = {(t, k): _records(earlier.live, t).get(k) for t, k in changed}
            since = Since(earlier.revision, frozenset(changed), touched, before)
            checked = CheckedRegistry(
                revision, as_of, full, live, findings, decisions, actions, reviewed, since
            )
            _carry_reviews_by_id(earlier, checked)
            checked.__dict__["flow_keys_of"] = flow_keys_of
            cache.REGISTRIES.put(key, checked)
            return checked
        findings = run_rules(live, as_of)
        reviewed = review(findings, decisions, as_of, actions)
    checked = CheckedRegistry(revision, as_of, full, live, findings, decisions, actions, reviewed)
    cache.REGISTRIES.put(key, checked)
    return checked


def _records(registry: Registry, subject_type: str) -> dict[str, Any]:
    if subject_type == "organisation":
        return registry.organisations
    return registry.agreements if subject_type == "agreement" else registry.flows


def _flow_keys_of(
    earlier: CheckedRegistry, full: Registry, changed: set[tuple[str, str]]
) -> dict[str, frozenset[str]]:
    """:attr:`CheckedRegistry.flow_keys_of` of ``earlier`` with the ``changed`` flows moved."""
    flow_keys_of = dict(earlier.flow_keys_of)
    for subject_type, key in changed:
        if subject_type != "flow":
            continue
        was, now = earlier.live.flows.get(key), full.flows.get(key)
        if was is not None and was.agreement:
            flow_keys_of[was.agreement] = flow_keys_of.get(was.agreement, frozenset()) - {key}
        if now is not None and not now.archived and now.agreement:
            flow_keys_of[now.agreement] = flow_keys_of.get(now.agreement, frozenset()) | {key}
    return flow_keys_of


def _carry_reviews_by_id(earlier: CheckedRegistry, checked: CheckedRegistry) -> None:
    """Give ``checked`` the reviews by finding of ``earlier``, when it has worked them out, updated
    for the records touched in between (quicker than going through every finding again)."""
    if checked.since is None or "reviewed_by_id" not in earlier.__dict__:
        return
    touched = checked.since.touched
    by_id = dict(earlier.reviewed_by_id)
    for r in about_subjects(earlier.reviewed, touched):
        by_id.pop(r.id, None)  # a rule may find more than one thing about a record
    for r in about_subjects(checked.reviewed, touched):
        by_id[r.id] = r
    checked.__dict__["reviewed_by_id"] = by_id  # functools.cached_property keeps its value there


def _live(
    full: Registry, earlier: Registry | None = None, changed: Iterable[tuple[str, str]] = ()
) -> Registry:
    """``full`` less its archived records; from ``earlier`` (the same less the ``changed`` records)
    when given, which is quicker than looking at every record."""
    if earlier is None:
        return Registry(
            organisations={k: o for k, o in full.organisations.items() if not o.archived},
            agreements={k: a for k, a in full.agreements.items() if not a.archived},
            flows={k: f for k, f in full.flows.items() if not f.archived},
        )
    tables: dict[str, dict[str, Any]] = {
        "organisation": dict(earlier.organisations),
        "agreement": dict(earlier.agreements),
        "flow": dict(earlier.flows),
    }
    sources: dict[str, dict[str, Any]] = {
        "organisation": full.organisations,
        "agreement": full.agreements,
        "flow": full.flows,
    }
    for subject_type, key in changed:
        record = sources[subject_type].get(key)
        if record is None or record.archived:
            tables[subject_type].pop(key, None)
        else:
            tables[subject_type][key] = record
    return Registry(
        organisations=tables["organisation"], agreements=tables["agreement"], flows=tables["flow"]
    )


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
    replayed = _replay(kept, revision, session or db.session)
    return None if replayed is None else replayed[0]


def _replay(
    kept: CheckedRegistry, revision: tuple[int, str], session: Session
) -> tuple[Registry, set[tuple[str, str]]] | None:
    """:func:`replay_changes`, and the records changed (type and key) on the way."""
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
    changed: set[tuple[str, str]] = set()
    try:
        for row in rows:
            if row.subject_type not in records:  # a user account or a decision: not part of the registry
                continue
            table, parse = records[row.subject_type]
            changed.add((row.subject_type, row.subject_key))
            if row.after is None:
                table.pop(row.subject_key, None)
            else:
                table[row.subject_key] = parse(row.after)
    except (KeyError, TypeError, ValueError):  # an entry not in the shape expected: read the tables
        return None
    registry = Registry(
        organisations=records["organisation"][0],
        agreements=records["agreement"][0],
        flows=records["flow"][0],
    )
    return registry, changed


#: What :data:`isa_registry.store.cache.DERIVED` gives for a key it does not hold (None may be a value).
_MISSING: Any = object()


def per_revision(
    revision: tuple[int, str],
    name: str,
    key: Hashable,
    compute: Callable[[], T],
    session: Session | None = None,
    since: Since | None = None,
    update: Callable[[T, Since], T] | None = None,
) -> T:
    """``compute()``, worked out once per process for each registry revision, ``name`` and ``key``.

    For what a page derives from the registry and that only a change can alter: the choices of a
    filter, how many records match a search, the findings grouped by record. ``revision`` must
    have been read (:func:`registry_revision` or :attr:`CheckedRegistry.revision`) *before*
    ``compute`` reads anything, so a value is never kept under a revision later than its data.
    The most recently used values are kept (:data:`isa_registry.store.cache.DERIVED`); callers must
    treat a returned value as read-only.

    With ``since`` (:attr:`CheckedRegistry.since`) and ``update``, a value kept for the earlier
    revision (same ``name`` and ``key``) is brought up to date by ``update(value, since)`` instead,
    which must give what ``compute()`` would.
    """
    session = session or db.session
    url = str(session.get_bind().engine.url)
    full_key = (url, *revision, name, key)
    value = cache.DERIVED.get(full_key, _MISSING)
    if value is _MISSING:
        earlier = (
            cache.DERIVED.get((url, *since.revision, name, key), _MISSING)
            if since is not None and update is not None
            else _MISSING
        )
        if earlier is not _MISSING and since is not None and update is not None:
            value = update(earlier, since)
        else:
            value = compute()
        cache.DERIVED.put(full_key, value)
    return value
