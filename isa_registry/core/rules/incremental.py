"""Working the findings out again after a change: only those that can depend on the changed records.

Each rule declares what it reads besides its subject (:func:`._common.depends`). A change to some
records (each named by its type and key) can alter the findings of one code only about:

- the changed records themselves;
- for a flow's rule: the flows that name a changed agreement (``AGREEMENT``), have a changed
  organisation at one end (``ENDS``), or at one end an organisation that a changed one took over
  from, however many successors apart (``SUCCESSORS``);
- for an agreement's rule: the agreements a changed organisation is a party to (``PARTIES``) and
  those a changed flow names (``FLOWS``);
- for an organisation's rule: the parties of a changed agreement (``AGREEMENTS``) and the
  organisations a changed one took over from (``SUCCESSORS``).

Both the registry before the change and after it are asked (a flow moved from one agreement to
another touches both). :func:`rerun` runs each rule only on those subjects, on a registry holding
nothing but what the rule declared it reads, and keeps every other finding as it was: a rule that
reads something it did not declare then gives a different finding, and the equivalence test
(``tests/test_rules_incremental.py``) fails.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

from ..domain import SEVERITIES, Agreement, Finding, Flow, Organisation, Registry
from ..scope import SEVERITY_RANK
from ._common import AGREEMENT, AGREEMENTS, DEPENDS, ENDS, FLOWS, PARTIES, SUCCESSORS, Depends, run_memo

__all__ = [
    "SELF",
    "Changed",
    "about_subjects",
    "affected",
    "flow_keys_by_agreement",
    "recheck",
    "rerun",
    "successors",
    "with_inserted",
    "without_subjects",
]

#: A change: the records changed, each as (record type, key); created, edited, archived, restored.
Changed = Iterable[tuple[str, str]]
#: Reading the subject's own record, which every rule does.
SELF = "self"
#: More findings than this to put in place, and sorting the lot is quicker than inserting each.
_INSERT_LIMIT = 200

R = TypeVar("R", Organisation, Agreement, Flow)
T = TypeVar("T")


# --- Lists sorted as the rules sort findings -----------------------------------------------------
#
# The findings (and anything kept in their order, such as their reviews) are sorted by severity,
# then subject type and key (:func:`~isa_registry.core.rules.sort_key`), so the findings about one
# record lie in at most one run per severity: found by bisection, without going through the list.


def _finding(item: Any) -> Finding:
    return item if isinstance(item, Finding) else item.finding


def _prefix(item: Any) -> tuple[int, str, str]:
    f = _finding(item)
    return (SEVERITY_RANK[f.severity], f.subject_type, f.subject_key)


def _runs(items: Sequence[Any], subjects: Collection[tuple[str, str]]) -> list[tuple[int, int]]:
    runs = []
    for rank in range(len(SEVERITIES)):
        for subject_type, key in subjects:
            target = (rank, subject_type, key)
            lo = bisect.bisect_left(items, target, key=_prefix)
            hi = bisect.bisect_right(items, target, lo=lo, key=_prefix)
            if lo < hi:
                runs.append((lo, hi))
    return sorted(runs)


def about_subjects(items: Sequence[T], subjects: Collection[tuple[str, str]]) -> list[T]:
    """The items about the ``subjects`` (type, key), in order, from ``items``: findings, or objects
    with a ``finding``, sorted as the rules sort them."""
    return [item for lo, hi in _runs(items, subjects) for item in items[lo:hi]]


def without_subjects(
    items: Sequence[T], subjects: Collection[tuple[str, str]], keep: Callable[[T], bool] | None = None
) -> list[T]:
    """A copy of ``items`` (sorted as :func:`about_subjects` says) less those about the
    ``subjects``, except those ``keep`` says to keep."""
    out: list[T] = []
    start = 0
    for lo, hi in _runs(items, subjects):
        out.extend(items[start:lo])
        if keep is not None:
            out.extend(item for item in items[lo:hi] if keep(item))
        start = hi
    out.extend(items[start:])
    return out


def with_inserted(items: list[T], new: Iterable[T]) -> list[T]:
    """``items`` (a list of one's own, sorted as the rules sort findings) with ``new`` put in place."""
    from . import sort_key

    new = sorted(new, key=lambda item: sort_key(_finding(item)))
    if len(new) > _INSERT_LIMIT:
        return sorted([*items, *new], key=lambda item: sort_key(_finding(item)))
    for item in new:
        bisect.insort_right(items, item, key=lambda item: sort_key(_finding(item)))
    return items


def _live(records: dict[str, R], key: str | None) -> R | None:
    """The record of ``key`` unless it is missing or archived (the rules see neither)."""
    record = records.get(key) if key is not None else None
    return None if record is None or record.archived else record


def _each_live(records: dict[str, R], keys: Iterable[str]) -> Iterator[tuple[str, R]]:
    """Each of ``keys`` whose record is there and not archived, with the record, in key order."""
    for key in sorted(keys):
        record = _live(records, key)
        if record is not None:
            yield key, record


def successors(registry: Registry, key: str) -> list[str]:
    """The keys an organisation's successor chain points to, in turn (the first one missing from
    the registry included, since it may come back), stopping at a loop."""
    chain: list[str] = []
    seen = {key}
    organisation = _live(registry.organisations, key)
    while organisation is not None and organisation.successor and organisation.successor not in seen:
        chain.append(organisation.successor)
        seen.add(organisation.successor)
        organisation = _live(registry.organisations, organisation.successor)
    return chain


def affected(before: Registry, after: Registry, changed: Changed) -> dict[tuple[str, str], set[str]]:
    """For each (subject type, what a rule reads), the keys of the subjects whose findings may change."""
    keys: dict[str, set[str]] = {"flow": set(), "agreement": set(), "organisation": set()}
    for subject_type, key in changed:
        keys[subject_type].add(key)
    flows, agreements, organisations = keys["flow"], keys["agreement"], keys["organisation"]
    both = (before, after)
    out: dict[tuple[str, str], set[str]] = {
        ("flow", SELF): set(flows),
        ("agreement", SELF): set(agreements),
        ("organisation", SELF): set(organisations),
        ("flow", AGREEMENT): set(),
        ("flow", ENDS): set(),
        ("flow", SUCCESSORS): set(),
        ("agreement", PARTIES): set(),
        ("agreement", FLOWS): set(),
        ("organisation", AGREEMENTS): set(),
        ("organisation", SUCCESSORS): set(),
    }
    taken_over: set[str] = set()
    if organisations:
        taken_over = {
            key
            for registry in both
            for key in registry.organisations
            if organisations.intersection(successors(registry, key))
        }
        out[("organisation", SUCCESSORS)] = taken_over
        out[("agreement", PARTIES)] = {
            a.key for registry in both for a in registry.agreements.values() if a.party_keys() & organisations
        }
    if agreements or organisations:
        for registry in both:
            for flow in registry.flows.values():
                if flow.agreement in agreements:
                    out[("flow", AGREEMENT)].add(flow.key)
                if flow.source in organisations or flow.recipient in organisations:
                    out[("flow", ENDS)].add(flow.key)
                if flow.source in taken_over or flow.recipient in taken_over:
                    out[("flow", SUCCESSORS)].add(flow.key)
    for registry in both:
        for key in flows:
            changed_flow = registry.flows.get(key)
            if changed_flow is not None and changed_flow.agreement:
                out[("agreement", FLOWS)].add(changed_flow.agreement)
        for key in agreements:
            agreement = registry.agreements.get(key)
            if agreement is not None:
                out[("organisation", AGREEMENTS)].update(agreement.party_keys())
    return out


class _Views:
    """The registries each rule is run on: its subjects and only what it declared it reads."""

    def __init__(
        self,
        registry: Registry,
        flows_wanted: set[str],
        agreements_wanted: set[str],
        flow_keys_of: Mapping[str, Collection[str]] | None,
    ):
        self.registry = registry
        self.flows_of: dict[str, list[Flow]] = {}
        if flows_wanted and flow_keys_of is not None:
            for wanted in flows_wanted:
                found = (_live(registry.flows, k) for k in flow_keys_of.get(wanted, ()))
                self.flows_of[wanted] = [f for f in found if f is not None and f.agreement == wanted]
        elif flows_wanted:
            for flow in registry.flows.values():
                if flow.agreement in flows_wanted and not flow.archived:
                    self.flows_of.setdefault(flow.agreement, []).append(flow)
        self.agreements_of: dict[str, list[Agreement]] = {}
        if agreements_wanted:
            for agreement in registry.agreements.values():
                if agreement.archived:
                    continue
                for party in agreement.party_keys() & agreements_wanted:
                    self.agreements_of.setdefault(party, []).append(agreement)

    def _organisation(self, into: dict[str, Organisation], key: str, chain: bool) -> None:
        organisations = self.registry.organisations
        for k in (key, *successors(self.registry, key)) if chain else (key,):
            found = _live(organisations, k)
            if found is not None:
                into[k] = found

    def view(self, depends: Depends, keys: set[str]) -> Registry:
        registry, reads = self.registry, depends.reads
        organisations: dict[str, Organisation] = {}
        agreements: dict[str, Agreement] = {}
        flows: dict[str, Flow] = {}
        if depends.subject == "flow":
            for key, flow in _each_live(registry.flows, keys):
                flows[key] = flow
                if ENDS in reads:
                    for end in (flow.source, flow.recipient):
                        self._organisation(organisations, end, SUCCESSORS in reads)
                agreement = _live(registry.agreements, flow.agreement) if AGREEMENT in reads else None
                if agreement is not None:
                    agreements[agreement.key] = agreement
        elif depends.subject == "agreement":
            for key, agreement in _each_live(registry.agreements, keys):
                agreements[key] = agreement
                if PARTIES in reads:
                    for party in agreement.parties:
                        self._organisation(organisations, party.organisation, False)
                if FLOWS in reads:
                    flows.update((f.key, f) for f in self.flows_of.get(key, ()))
        else:
            for key, _ in _each_live(registry.organisations, keys):
                self._organisation(organisations, key, SUCCESSORS in reads)
                if AGREEMENTS in reads:
                    agreements.update((a.key, a) for a in self.agreements_of.get(key, ()))
        return Registry(organisations=organisations, agreements=agreements, flows=flows)


def flow_keys_by_agreement(registry: Registry) -> dict[str, frozenset[str]]:
    """The keys of the flows that name each agreement (for :func:`recheck`)."""
    found: dict[str, set[str]] = {}
    for flow in registry.flows.values():
        if flow.agreement:
            found.setdefault(flow.agreement, set()).add(flow.key)
    return {agreement: frozenset(keys) for agreement, keys in found.items()}


def rerun(
    registry: Registry,
    previous: list[Finding],
    changed: Changed,
    as_of: date,
    before: Registry,
) -> list[Finding]:
    """The findings of :func:`~isa_registry.core.rules.run_rules` on ``registry``, worked out from
    ``previous`` (its findings on ``before``, on the same ``as_of``) and what ``changed`` between them.

    Only the findings that can depend on a changed record are worked out again (see the module's
    description); the others are the very objects of ``previous``. Archived records are left out,
    as :func:`~isa_registry.core.rules.run_rules` leaves them.
    """
    return recheck(registry, previous, changed, as_of, before)[0]


def recheck(
    registry: Registry,
    previous: list[Finding],
    changed: Changed,
    as_of: date,
    before: Registry,
    flow_keys_of: Mapping[str, Collection[str]] | None = None,
) -> tuple[list[Finding], set[tuple[str, str]]]:
    """:func:`rerun`, and the subjects (type and key) whose findings were worked out again: every
    finding about any other record is the same object as in ``previous``.

    ``flow_keys_of`` may give, for each agreement key, the keys of (at least) the flows of
    ``registry`` that name it (:func:`flow_keys_by_agreement`), so as not to go through every flow.
    """
    from . import RULES

    changed = list(changed)
    subjects = affected(before, registry, changed)
    work: list[tuple[str, Depends, set[str]]] = []
    for rule in RULES:
        code = rule.__name__.upper()
        depends = DEPENDS[code]
        keys = set().union(*(subjects[(depends.subject, read)] for read in (SELF, *depends.reads)))
        if keys:
            work.append((code, depends, keys))
    redone = {(d.subject, key) for _, d, keys in work for key in keys}
    if not work:
        return previous, redone
    views = _Views(
        registry,
        set().union(*(keys for _, d, keys in work if d.subject == "agreement" and FLOWS in d.reads)),
        set().union(*(keys for _, d, keys in work if d.subject == "organisation" and AGREEMENTS in d.reads)),
        flow_keys_of,
    )
    by_code = {rule.__name__.upper(): rule for rule in RULES}
    fresh: list[Finding] = []
    for code, depends, keys in work:
        view = views.view(depends, keys)
        with run_memo(view):
            fresh.extend(f for f in by_code[code](view, as_of) if f.subject_key in keys)
    codes = {code: keys for code, _, keys in work}
    kept = without_subjects(
        previous, redone, keep=lambda f: f.code not in codes or f.subject_key not in codes[f.code]
    )
    return with_inserted(kept, fresh), redone
