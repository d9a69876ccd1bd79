"""Who receives a kind of person's data of a category on a date, and, from one organisation, where
it goes on from there.

The question of a subject access or erasure request (UK GDPR Arts 15 and 17, and Art 19, which asks
a controller to tell each recipient of an erasure): which organisations hold this person's data
that came from us? A flow counts when it shares personal data on the date
(:func:`~isa_registry.core.scope.flow_shares_personal_data_on`); planned flows are listed apart.

Examples
--------
>>> from datetime import date
>>> from isa_registry.core.domain import Flow, Organisation, Registry
>>> orgs = [Organisation(k, k.title(), "other", False) for k in ("police", "council", "school")]
>>> flows = [
...     Flow("F1", "Referrals", "police", "council", "identifiable", data_subjects=["children"],
...          data_categories=["referral"]),
...     Flow("F2", "Plans", "council", "school", "pseudonymised", data_subjects=["children"],
...          data_categories=["referral", "health"]),
... ]
>>> registry = Registry.of(orgs, [], flows)
>>> answer = who_receives(registry, "children", "referral", date(2026, 11, 23), source="police")
>>> [(o.key, o.depth, o.paths) for o in answer.organisations]
[('council', 1, (('F1',),)), ('school', 2, (('F1', 'F2'),))]
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from typing import Any

from ..domain import Flow, Registry
from ..scope import flow_shares_personal_data_on
from ._common import (
    MAX_PATHS,
    FlowLine,
    Reached,
    category_codes,
    category_query_label,
    check_organisation,
    check_subjects,
    flow_line,
    planned_on,
    reached,
    subject_label,
)

__all__ = ["WhoReceives", "who_receives"]


@dataclass(frozen=True)
class WhoReceives:
    """The answer: the organisations that receive the data (``organisations``), the flows that
    carry it there (``flows``) and those planned to (``planned``)."""

    as_of: date
    subjects: str
    category: str
    categories: frozenset[str]
    source: str | None
    source_name: str | None
    organisations: tuple[Reached, ...]
    flows: tuple[FlowLine, ...]
    planned: tuple[FlowLine, ...]

    @property
    def subjects_label(self) -> str:
        """The kind of person, in words."""
        return subject_label(self.subjects)

    @property
    def category_label(self) -> str:
        """The data asked about, in words."""
        return category_query_label(self.category)

    def query(self) -> dict[str, Any]:
        """What was asked, as JSON."""
        return {
            "subjects": self.subjects,
            "subjects_label": self.subjects_label,
            "category": self.category,
            "category_label": self.category_label,
            "categories": sorted(self.categories),
            "source": self.source,
            "source_name": self.source_name,
        }

    def as_dict(self) -> dict[str, Any]:
        """The answer as JSON: ``as_of``, ``query``, ``organisations``, ``flows`` (keys), with each
        flow's details and the planned flows beside them."""
        return {
            "as_of": self.as_of.isoformat(),
            "query": self.query(),
            "organisations": [o.as_dict() for o in self.organisations],
            "flows": [f.key for f in self.flows],
            "planned": [f.key for f in self.planned],
            "flow_details": [f.as_dict() for f in self.flows],
            "planned_details": [f.as_dict() for f in self.planned],
        }


def _carries(flow: Flow, subjects: str, codes: frozenset[str]) -> bool:
    return subjects in flow.data_subjects and not codes.isdisjoint(flow.data_categories)


def who_receives(
    registry: Registry, subjects: str, category: str, as_of: date, source: str | None = None
) -> WhoReceives:
    """Every organisation that receives data about ``subjects`` of ``category`` on ``as_of``.

    Parameters
    ----------
    registry : Registry
        The registry (archived records left out).
    subjects : str
        A kind of person, a ``data_subjects`` code (``children``, ``parents_carers``, ...).
    category : str
        A data category code, or ``special`` (any UK GDPR Art 9(1) special category) or
        ``criminal`` (criminal offence data, Art 10).
    as_of : date
        The day asked about.
    source : str, optional
        The key of the organisation that got the request. Then only what flows out of it and on:
        its own flows that count and carry ``subjects`` and ``category``, then each recipient's own
        such flows, to any depth. An organisation reached again is not followed again (cycles are
        cut); the source itself is not listed among the organisations reached.

    Returns
    -------
    WhoReceives
        The organisations by depth (fewest hops first) then name; each with its shortest paths
        (lists of flow keys, at most ``MAX_PATHS`` of them) and its DPO contact. Without a
        ``source`` every recipient is at depth 1, and its paths are the flows into it. The flows
        that carry the data from the organisations reached (including flows back into one already
        reached), and the planned flows, apart, that would.

    Raises
    ------
    UnknownSubjects, UnknownCategory, UnknownOrganisation
        When ``subjects``, ``category`` or ``source`` is not known; the message names it.

    Examples
    --------
    >>> from isa_registry.core.domain import Flow, Organisation, Registry
    >>> orgs = [Organisation(k, k, "other", False, dpo_contact=f"dpo@{k}") for k in "abc"]
    >>> flows = [Flow(k, k, s, r, "identifiable", data_subjects=["children"], data_categories=["health"])
    ...          for k, s, r in (("F1", "a", "b"), ("F2", "b", "c"), ("F3", "c", "a"))]
    >>> registry = Registry.of(orgs, [], flows)
    >>> answer = who_receives(registry, "children", "special", date(2026, 1, 1), source="a")
    >>> [(o.key, o.depth, o.paths, o.dpo_contact) for o in answer.organisations]
    [('b', 1, (('F1',),), 'dpo@b'), ('c', 2, (('F1', 'F2'),), 'dpo@c')]
    >>> [f.key for f in answer.flows]
    ['F1', 'F2', 'F3']
    """
    check_subjects(registry, subjects)
    codes = category_codes(category)
    if source is not None:
        check_organisation(registry, source)
    carrying = sorted(
        (f for f in registry.flows.values() if _carries(f, subjects, codes)), key=attrgetter("key")
    )
    counted = [f for f in carrying if flow_shares_personal_data_on(f, as_of)]
    planned = [f for f in carrying if planned_on(f, as_of)]
    if source is None:
        into: dict[str, list[str]] = defaultdict(list)
        for f in counted:
            into[f.recipient].append(f.key)
        organisations = sorted(
            (reached(registry, key, 1, [(k,) for k in keys], len(keys)) for key, keys in into.items()),
            key=lambda o: (o.name.casefold(), o.key),
        )
        lines = [flow_line(registry, f, codes, 1) for f in counted]
        planned_lines = [flow_line(registry, f, codes) for f in planned]
    else:
        depth, counts, paths = _onward(source, counted)
        organisations = sorted(
            (reached(registry, key, d, paths[key], counts[key]) for key, d in depth.items() if key != source),
            key=lambda o: (o.depth, o.name.casefold(), o.key),
        )
        lines = sorted(
            (flow_line(registry, f, codes, depth[f.source] + 1) for f in counted if f.source in depth),
            key=lambda line: (line.depth or 0, line.key),
        )
        planned_lines = [
            flow_line(registry, f, codes, depth[f.source] + 1) for f in planned if f.source in depth
        ]
    return WhoReceives(
        as_of=as_of,
        subjects=subjects,
        category=category,
        categories=codes,
        source=source,
        source_name=registry.organisation_name(source) if source else None,
        organisations=tuple(organisations),
        flows=tuple(lines),
        planned=tuple(planned_lines),
    )


def _onward(
    source: str, flows: list[Flow]
) -> tuple[dict[str, int], dict[str, int], dict[str, list[tuple[str, ...]]]]:
    """Breadth first from ``source`` along ``flows``: each organisation reached, its depth, the
    number of its shortest paths and the first :data:`MAX_PATHS` of them (in flow key order).

    Every organisation is visited once, at its least depth, so a cycle ends where it closes.
    """
    out: dict[str, list[Flow]] = defaultdict(list)
    for f in flows:
        out[f.source].append(f)
    depth = {source: 0}
    counts = {source: 1}
    paths: dict[str, list[tuple[str, ...]]] = {source: [()]}
    layer = [source]
    while layer:
        following = []
        for u in layer:
            for f in out[u]:
                v = f.recipient
                if v not in depth:
                    depth[v], counts[v], paths[v] = depth[u] + 1, 0, []
                    following.append(v)
                if depth[v] != depth[u] + 1:
                    continue  # a way back, or across: not a shortest path
                counts[v] += counts[u]
                room = MAX_PATHS - len(paths[v])
                paths[v].extend((*p, f.key) for p in paths[u][: max(room, 0)])
        layer = following
    return depth, counts, paths
