"""The partnership data map: the registry as a graph, its analyses, and its drawing in DOT.

Everything here is pure (no Flask, no database) except :func:`run_dot`, the one place that runs
Graphviz. The pipeline the web page and the ``render-map`` command share:

1. :func:`build_graph` turns a :class:`~isa_registry.core.domain.Registry` and its findings into a
   networkx ``MultiDiGraph``: a node per organisation (keyed by its key), an edge per flow (keyed by
   the flow's key) carrying the flow's categories, basis, agreement and worst finding severity.
   Given an as-of date it keeps only the flows live on that date (:func:`flow_live_on`); the rest
   are *left out*, not faded, so that the picture, the table and the analyses all answer "who
   shares what on that date" and agree with each other. The page says how many were left out.
2. :func:`filter_graph` narrows it by a :class:`MapFilters` (organisation and depth, category,
   programme, agreement, flagged only).
3. The analyses: :func:`hubs`, :func:`sensitive_recipients`, :func:`flagged_chains` and
   :func:`agreement_reach`.
4. :func:`draw` lays the graph out for people: organisations of one kind beyond a threshold become
   one cluster node, and the flows between the same two nodes become one edge with a count.
   :func:`to_dot` writes the drawing as DOT, escaping every user-entered string
   (:func:`dot_string`) and choosing a layout that finishes in seconds (:attr:`Drawing.layout`),
   and :func:`run_dot` renders it.

:func:`build_map` runs steps 1, 2 and 4 and gives a :class:`DataMap` whose analyses (step 3) are
worked out when first asked for; :func:`map_json` gives the node-link JSON download.

Examples
--------
>>> from isa_registry.core.domain import Flow, Organisation, Registry
>>> registry = Registry.of(
...     [Organisation("wmp", "West Midlands Police", "police", True),
...      Organisation("dudley", "Dudley Council", "local_authority", True)],
...     flows=[Flow("F1", "MASH referrals", "wmp", "dudley", "identifiable")],
... )
>>> g = build_graph(registry, [])
>>> sorted(g.nodes), list(g.edges(keys=True))
(['dudley', 'wmp'], [('wmp', 'dudley', 'F1')])
>>> [(h.key, h.partners) for h in hubs(g)]
[('dudley', 1), ('wmp', 1)]
"""

from __future__ import annotations

import re
import subprocess
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from functools import cached_property
from html import escape as html_escape
from typing import Any
from urllib.parse import quote, urlencode

import networkx as nx

from . import scope
from .domain import ORGANISATION_KINDS, SEVERITIES, Finding, Flow, Registry
from .law import CATEGORIES, CRIMINAL_CATEGORIES, SPECIAL_CATEGORIES

__all__ = [
    "CATEGORY_GROUPS",
    "CLUSTER_LABELS",
    "CLUSTER_THRESHOLD",
    "DATE_PROBLEM",
    "FLAGGED_SEVERITIES",
    "FORMATS",
    "KIND_LABELS",
    "KIND_STYLES",
    "LAYERED_MAX_EDGES",
    "RENDER_VERSION",
    "SEVERITY_COLOURS",
    "SPRING_MAX_NODES",
    "AgreementReach",
    "DataMap",
    "DotNotFound",
    "Drawing",
    "Hub",
    "Links",
    "MapEdge",
    "MapFilters",
    "MapNode",
    "OnwardChain",
    "RenderError",
    "SensitiveRecipient",
    "SensitiveSource",
    "agreement_reach",
    "agreement_reaches",
    "build_graph",
    "build_map",
    "dot_string",
    "draw",
    "filter_graph",
    "filter_problems",
    "filters_from_query",
    "flagged_chains",
    "flow_live_on",
    "hubs",
    "inline_svg",
    "map_json",
    "run_dot",
    "sensitive_recipients",
    "to_dot",
    "worst",
]

#: What :func:`filters_from_query` says of an as-of date that is not a date.
DATE_PROBLEM = "The as-of date must be a real date, like 23 11 2026."

#: Bump when the drawing changes, so that renders cached by an older release are not served.
RENDER_VERSION = 1

#: A kind with more organisations than this in view is drawn as one cluster node.
CLUSTER_THRESHOLD = 12

#: dot's layered layout, with curved edges routed around nodes, suits a partnership map, but its
#: time grows steeply with the edges (and the ranks they span): 150 edges take about a second,
#: 400 take a minute. Drawings with more edges are laid out as a network instead, with straight
#: edges: by neato, or by sfdp when they also have many nodes.
LAYERED_MAX_EDGES = 200
SPRING_MAX_NODES = 300

#: Severities that make a flow "flagged". Info findings (a provision not in the catalogue, a
#: review coming up) are notes, not problems with the sharing.
FLAGGED_SEVERITIES = frozenset({"error", "warning"})

#: Pseudo-categories accepted wherever a data category code is: any special category (UK GDPR
#: Art 9(1)) or any criminal offence data (Art 10).
CATEGORY_GROUPS: dict[str, frozenset[str]] = {
    "special": frozenset(SPECIAL_CATEGORIES),
    "criminal": frozenset(CRIMINAL_CATEGORIES),
}

#: What each output format is served as.
FORMATS: dict[str, str] = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "pdf": "application/pdf",
    "dot": "text/vnd.graphviz; charset=utf-8",
    "json": "application/json",
}

KIND_LABELS: dict[str, str] = {
    "local_authority": "Local authority",
    "health": "Health",
    "police": "Police",
    "education": "School or college",
    "cafcass": "Cafcass",
    "probation": "Probation",
    "youth_justice": "Youth justice",
    "courts": "Courts",
    "government": "Government",
    "voluntary": "Voluntary sector",
    "research": "Research",
    "other": "Other",
}

#: How a cluster of each kind is named ("Schools and colleges (104)").
CLUSTER_LABELS: dict[str, str] = {
    "local_authority": "Local authorities",
    "health": "Health bodies",
    "police": "Police forces",
    "education": "Schools and colleges",
    "cafcass": "Cafcass offices",
    "probation": "Probation services",
    "youth_justice": "Youth justice services",
    "courts": "Courts",
    "government": "Government bodies",
    "voluntary": "Voluntary organisations",
    "research": "Research bodies",
    "other": "Other organisations",
}

#: Node shape and fill for each kind (shapes tell kinds apart without relying on colour).
KIND_STYLES: dict[str, tuple[str, str]] = {
    "local_authority": ("house", "#d2e2f1"),
    "health": ("ellipse", "#d7eede"),
    "police": ("hexagon", "#dcd8ec"),
    "education": ("box", "#fff2cc"),
    "cafcass": ("octagon", "#f3d9e6"),
    "probation": ("doubleoctagon", "#e6dcd2"),
    "youth_justice": ("invtrapezium", "#e6dcd2"),
    "courts": ("trapezium", "#e8e8e8"),
    "government": ("invhouse", "#e8e8e8"),
    "voluntary": ("egg", "#e3f1d4"),
    "research": ("note", "#f4e4d4"),
    "other": ("box", "#f3f2f1"),
}

#: Edge and outline colours by worst severity (GOV.UK red and orange, and dark grey otherwise).
SEVERITY_COLOURS: dict[str | None, str] = {
    "error": "#d4351c",
    "warning": "#f47738",
    "info": "#505a5f",
    None: "#505a5f",
}
_SEVERITY_PENWIDTH = {"error": "3", "warning": "2.5"}
_SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}
_CLUSTER_PREFIX = "kind:"  # keys cannot hold ':' (isa-registry/1), so cluster ids never clash
_TOOLTIP_FLOWS = 8
_TOOLTIP_FINDINGS = 3
_TOOLTIP_MEMBERS = 10


# --- Filters and links -----------------------------------------------------------------------


@dataclass(frozen=True)
class MapFilters:
    """What the map shows: the URL parameters of ``/map`` and the options of ``render-map``.

    Attributes
    ----------
    organisation : str or None
        Only this organisation's flows in and out (``depth`` 1), or those of it and its partners
        (``depth`` 2).
    depth : int
        1 or 2.
    category : str or None
        A data category code, ``special`` or ``criminal``.
    programme, agreement : str or None
        Only flows of this programme, or covered by this agreement (by key).
    flagged_only : bool
        Only flows with an error or warning finding.
    as_of : date or None
        The date the map is drawn for; None means today.
    expand : frozenset of str
        Organisation kinds never collapsed into a cluster.
    """

    organisation: str | None = None
    depth: int = 1
    category: str | None = None
    programme: str | None = None
    agreement: str | None = None
    flagged_only: bool = False
    as_of: date | None = None
    expand: frozenset[str] = frozenset()

    @property
    def narrowing(self) -> bool:
        """Whether any filter leaves flows out (the as-of date and expansion do not count)."""
        return bool(
            self.organisation or self.category or self.programme or self.agreement or self.flagged_only
        )

    def query(self, **changes: Any) -> list[tuple[str, str]]:
        """The URL query parameters that give these filters (with ``changes`` applied).

        Examples
        --------
        >>> MapFilters(organisation="wmp", depth=2).query(expand=frozenset({"education"}))
        [('organisation', 'wmp'), ('depth', '2'), ('expand', 'education')]
        """
        f = replace(self, **changes) if changes else self
        items: list[tuple[str, str]] = []
        if f.organisation:
            items.append(("organisation", f.organisation))
            if f.depth != 1:
                items.append(("depth", str(f.depth)))
        for name in ("category", "programme", "agreement"):
            value = getattr(f, name)
            if value:
                items.append((name, value))
        if f.flagged_only:
            items.append(("flagged", "1"))
        if f.as_of:
            items.append(("as_of", f.as_of.isoformat()))
        items.extend(("expand", kind) for kind in sorted(f.expand))
        return items

    def as_dict(self) -> dict[str, Any]:
        """The filters as JSON-friendly values."""
        return {
            "organisation": self.organisation,
            "depth": self.depth,
            "category": self.category,
            "programme": self.programme,
            "agreement": self.agreement,
            "flagged_only": self.flagged_only,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "expand": sorted(self.expand),
        }


def filters_from_query(args: Mapping[str, Any]) -> tuple[MapFilters, list[str]]:
    """Read :class:`MapFilters` from URL parameters, and say what is wrong with them.

    ``args`` is a mapping of parameter to value; a werkzeug ``MultiDict`` gives every ``expand``.
    The date is ``as_of=YYYY-MM-DD`` or the GOV.UK date input's ``as_of-day``, ``as_of-month`` and
    ``as_of-year``. Problems found without the registry are reported here; :func:`filter_problems`
    checks the keys against the registry.

    Examples
    --------
    >>> filters, problems = filters_from_query({"organisation": "wmp", "depth": "3"})
    >>> filters.organisation, filters.depth, problems
    ('wmp', 1, ['Depth must be 1 or 2.'])
    """
    problems: list[str] = []

    def text(name: str) -> str | None:
        value = args.get(name)
        return value.strip() or None if isinstance(value, str) else None

    depth = 1
    if text("depth"):
        if text("depth") in ("1", "2"):
            depth = int(text("depth") or 1)
        else:
            problems.append("Depth must be 1 or 2.")
    as_of = None
    parts = [text(f"as_of-{part}") for part in ("year", "month", "day")]
    try:
        if any(parts):  # the GOV.UK date input's day, month and year
            as_of = date(*(int(p or "") for p in parts))
            if as_of.year < 1900:
                raise ValueError(as_of)
        elif text("as_of"):
            as_of = date.fromisoformat(text("as_of") or "")
    except ValueError:
        as_of = None
        problems.append(DATE_PROBLEM)
    getlist = getattr(args, "getlist", None)
    expand_values = getlist("expand") if getlist else [args.get("expand") or ""]
    expand = frozenset(v.strip() for v in expand_values if isinstance(v, str) and v.strip())
    filters = MapFilters(
        organisation=text("organisation"),
        depth=depth,
        category=text("category"),
        programme=text("programme"),
        agreement=text("agreement"),
        flagged_only=text("flagged") in ("1", "true", "yes", "on"),
        as_of=as_of,
        expand=expand,
    )
    return filters, problems


def filter_problems(registry: Registry, filters: MapFilters) -> list[str]:
    """What in ``filters`` names something the registry or the law catalogue does not hold.

    Examples
    --------
    >>> filter_problems(Registry(), MapFilters(organisation="nobody"))
    ["There is no organisation with the key 'nobody'."]
    """
    problems = []
    if filters.organisation and filters.organisation not in registry.organisations:
        problems.append(f"There is no organisation with the key '{filters.organisation}'.")
    if filters.depth not in (1, 2):
        problems.append("Depth must be 1 or 2.")
    if filters.category and filters.category not in CATEGORIES and filters.category not in CATEGORY_GROUPS:
        problems.append(f"There is no data category '{filters.category}'.")
    if filters.agreement and filters.agreement not in registry.agreements:
        problems.append(f"There is no agreement with the key '{filters.agreement}'.")
    for kind in sorted(filters.expand - set(ORGANISATION_KINDS)):
        problems.append(f"There is no kind of organisation '{kind}' to expand.")
    return problems


@dataclass(frozen=True)
class Links:
    """Where the map's nodes and edges link to, below ``root`` (the app's script root).

    Examples
    --------
    >>> Links().flows("wmp", "dudley")
    '/flows?source=wmp&recipient=dudley'
    """

    root: str = ""

    def organisation(self, key: str) -> str:
        """The organisation's record."""
        return f"{self.root}/organisations/{quote(key, safe='')}"

    def flow(self, key: str) -> str:
        """The flow's record."""
        return f"{self.root}/flows/{quote(key, safe='')}"

    def flows(self, source: str, recipient: str) -> str:
        """The list of flows from ``source`` to ``recipient``."""
        return f"{self.root}/flows?{urlencode({'source': source, 'recipient': recipient})}"

    def map(self, filters: MapFilters, **changes: Any) -> str:
        """The map with ``filters`` (changed by ``changes``)."""
        query = urlencode(filters.query(**changes))
        return f"{self.root}/map" + (f"?{query}" if query else "")


# --- The graph ---------------------------------------------------------------------------------


def worst(severities: Iterable[str | None]) -> str | None:
    """The most serious of ``severities`` (None for none)."""
    ranked = [s for s in severities if s is not None]
    return min(ranked, key=_SEVERITY_RANK.__getitem__) if ranked else None


def flow_live_on(flow: Flow, as_of: date) -> bool:
    """Whether the flow shares data on ``as_of`` (:func:`isa_registry.core.scope.flow_live_on`)."""
    return scope.flow_live_on(flow, as_of)


def _findings_by_subject(findings: Iterable[Finding]) -> dict[tuple[str, str], list[Finding]]:
    grouped: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        grouped.setdefault((f.subject_type, f.subject_key), []).append(f)
    return grouped


def build_graph(
    registry: Registry, findings: Iterable[Finding], as_of: date | None = None
) -> nx.MultiDiGraph:
    """The registry as a graph: a node per organisation, an edge per flow.

    Parameters
    ----------
    registry : Registry
        The organisations, agreements and flows.
    findings : iterable of Finding
        The findings of the rules on the same registry (for ``as_of``); each flow's edge carries
        its findings and their worst severity, each organisation's node its own.
    as_of : date, optional
        Keep only the flows live on this date (:func:`flow_live_on`). None keeps every flow.

    Returns
    -------
    networkx.MultiDiGraph
        Nodes are organisation keys with ``name``, ``kind``, ``public_authority``, ``status``,
        ``successor``, ``findings`` and ``severity``. Edges run from source to recipient, keyed by
        the flow's key, with ``name``, ``categories``, ``basis`` (Art 6(1) point), ``agreement``,
        ``programme``, ``status``, ``identifiability``, ``regime``, ``start_date``, ``end_date``,
        ``findings`` and ``severity``. The graph's own attributes hold ``as_of``, ``left_out``
        (how many flows were not live) and ``agreements`` (key to title, status and end date).
    """
    by_subject = _findings_by_subject(findings)
    graph = nx.MultiDiGraph()
    graph.graph["as_of"] = as_of
    graph.graph["agreements"] = {
        a.key: {
            "title": a.title,
            "status": a.status,
            "end_date": a.end_date.isoformat() if a.end_date else None,
        }
        for a in registry.agreements.values()
    }
    for org in registry.organisations.values():
        own = tuple(by_subject.get(("organisation", org.key), ()))
        graph.add_node(
            org.key,
            name=org.name,
            kind=org.kind,
            public_authority=org.public_authority,
            status=org.status,
            successor=org.successor,
            findings=own,
            severity=worst(f.severity for f in own),
        )
    left_out = 0
    for flow in registry.flows.values():
        if as_of is not None and not flow_live_on(flow, as_of):
            left_out += 1
            continue
        for end in (flow.source, flow.recipient):
            if end not in graph:  # an archived organisation that a live flow still names
                graph.add_node(
                    end,
                    name=end,
                    kind="other",
                    public_authority=False,
                    status="archived",
                    successor=None,
                    findings=(),
                    severity=None,
                )
        own = tuple(by_subject.get(("flow", flow.key), ()))
        graph.add_edge(
            flow.source,
            flow.recipient,
            key=flow.key,
            name=flow.name,
            categories=tuple(flow.data_categories),
            basis=flow.article6,
            agreement=flow.agreement,
            programme=flow.programme,
            status=flow.status,
            identifiability=flow.identifiability,
            regime=flow.regime,
            start_date=flow.start_date,
            end_date=flow.end_date,
            findings=own,
            severity=worst(f.severity for f in own),
        )
    graph.graph["left_out"] = left_out
    return graph


def _carries(categories: Iterable[str], wanted: str) -> bool:
    group = CATEGORY_GROUPS.get(wanted)
    return any(c in group for c in categories) if group is not None else wanted in categories


def filter_graph(graph: nx.MultiDiGraph, filters: MapFilters) -> nx.MultiDiGraph:
    """The part of ``graph`` that ``filters`` select.

    Flows are first narrowed by category, programme, agreement and flagged-only; then, with an
    organisation, to those touching it (``depth`` 1) or touching it or one of its partners
    (``depth`` 2) among what remains. Without any narrowing filter every organisation stays, even
    one with no flow; with one, only the organisations at either end of a remaining flow (and the
    chosen organisation) do.

    Examples
    --------
    >>> g = nx.MultiDiGraph()
    >>> g.add_edge("a", "b", key="F1", categories=("health",), programme=None, agreement=None,
    ...            severity=None)
    'F1'
    >>> g.add_edge("b", "c", key="F2", categories=(), programme=None, agreement=None, severity="error")
    'F2'
    >>> list(filter_graph(g, MapFilters(category="special")).edges(keys=True))
    [('a', 'b', 'F1')]
    >>> list(filter_graph(g, MapFilters(organisation="a", depth=2)).edges(keys=True))
    [('a', 'b', 'F1'), ('b', 'c', 'F2')]
    """

    def wanted(data: dict[str, Any]) -> bool:
        if filters.category and not _carries(data["categories"], filters.category):
            return False
        if filters.programme and data.get("programme") != filters.programme:
            return False
        if filters.agreement and data.get("agreement") != filters.agreement:
            return False
        return not (filters.flagged_only and data.get("severity") not in FLAGGED_SEVERITIES)

    edges = [(u, v, k) for u, v, k, data in graph.edges(keys=True, data=True) if wanted(data)]
    centre = filters.organisation
    if centre is not None and centre in graph:
        remaining = nx.MultiDiGraph(edges)
        remaining.add_node(centre)
        near = nx.single_source_shortest_path_length(
            remaining.to_undirected(as_view=True), centre, cutoff=max(filters.depth, 1) - 1
        )
        edges = [(u, v, k) for u, v, k in edges if u in near or v in near]
    if filters.narrowing:
        nodes = {n for u, v, _ in edges for n in (u, v)}
        if centre is not None and centre in graph:
            nodes.add(centre)
    elif len(edges) == graph.number_of_edges():
        return graph  # nothing is left out: the graph itself, which no one changes after it is built
    else:
        nodes = set(graph.nodes)
    sub = nx.MultiDiGraph()
    sub.graph.update(graph.graph)
    sub.add_nodes_from((n, graph.nodes[n]) for n in graph.nodes if n in nodes)
    sub.add_edges_from((u, v, k, graph.edges[u, v, k]) for u, v, k in edges)
    return sub


# --- The analyses ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hub:
    """An organisation and how widely it shares."""

    key: str
    name: str
    partners: int
    sends_to: int
    receives_from: int
    flows: int


def hubs(graph: nx.MultiDiGraph, limit: int | None = None) -> list[Hub]:
    """The organisations that share with the most partners, most first.

    A partner is an organisation it sends flows to or receives flows from (counted once).
    Organisations with no flow are left out. Ties go to more flows, then to the key.

    Examples
    --------
    >>> g = nx.MultiDiGraph([("a", "b", "F1"), ("a", "c", "F2"), ("c", "a", "F3")])
    >>> hubs(g, limit=1)
    [Hub(key='a', name='a', partners=2, sends_to=2, receives_from=1, flows=3)]
    """
    found = []
    for node in graph.nodes:
        sends = {v for v in graph.successors(node) if v != node}
        receives = {u for u in graph.predecessors(node) if u != node}
        flows = graph.out_degree(node) + graph.in_degree(node)
        if not flows:
            continue
        found.append(
            Hub(
                key=node,
                name=graph.nodes[node].get("name", node),
                partners=len(sends | receives),
                sends_to=len(sends),
                receives_from=len(receives),
                flows=flows,
            )
        )
    found.sort(key=lambda h: (-h.partners, -h.flows, h.key))
    return found[:limit] if limit is not None else found


@dataclass(frozen=True)
class SensitiveSource:
    """Who sends special category or criminal offence data to a recipient, and in which flows."""

    source: str
    special: tuple[str, ...]
    criminal: tuple[str, ...]
    flows: tuple[str, ...]


@dataclass(frozen=True)
class SensitiveRecipient:
    """An organisation that receives special category or criminal offence data."""

    recipient: str
    special: tuple[str, ...]
    criminal: tuple[str, ...]
    sources: tuple[SensitiveSource, ...]


def sensitive_recipients(graph: nx.MultiDiGraph) -> list[SensitiveRecipient]:
    """Who receives special category (UK GDPR Art 9) or criminal offence (Art 10) data, from whom.

    Recipients come most sources first, then by key; each one's sources by key.

    Examples
    --------
    >>> g = nx.MultiDiGraph()
    >>> g.add_edge("wmp", "dudley", key="F1", categories=("criminal_offence", "health"))
    'F1'
    >>> [(r.recipient, r.special, r.criminal) for r in sensitive_recipients(g)]
    [('dudley', ('health',), ('criminal_offence',))]
    """
    by_pair: dict[tuple[str, str], tuple[set[str], set[str], list[str]]] = {}
    for u, v, k, categories in graph.edges(keys=True, data="categories", default=()):
        special = set(categories) & CATEGORY_GROUPS["special"]
        criminal = set(categories) & CATEGORY_GROUPS["criminal"]
        if not (special or criminal):
            continue
        s, c, flows = by_pair.setdefault((v, u), (set(), set(), []))
        s |= special
        c |= criminal
        flows.append(k)
    by_recipient: dict[str, list[SensitiveSource]] = {}
    for (recipient, source), (special, criminal, flows) in sorted(by_pair.items()):
        by_recipient.setdefault(recipient, []).append(
            SensitiveSource(source, tuple(sorted(special)), tuple(sorted(criminal)), tuple(sorted(flows)))
        )
    found = [
        SensitiveRecipient(
            recipient=recipient,
            special=tuple(sorted({c for s in sources for c in s.special})),
            criminal=tuple(sorted({c for s in sources for c in s.criminal})),
            sources=tuple(sources),
        )
        for recipient, sources in by_recipient.items()
    ]
    found.sort(key=lambda r: (-len(r.sources), r.recipient))
    return found


@dataclass(frozen=True)
class OnwardChain:
    """The chains A → ``via`` → ``recipient``, one for each A in ``sources``, whose later leg is
    flagged: ``onward_flows`` (``via`` to ``recipient``) have error or warning findings.

    ``shared_categories`` are the categories that reach ``via`` from the sources and also go on:
    where the sources' data can plausibly be among what is passed on.
    """

    via: str
    recipient: str
    onward_flows: tuple[str, ...]
    severity: str
    sources: tuple[str, ...]
    shared_categories: tuple[str, ...]

    def chains(self) -> list[tuple[str, str, str]]:
        """Each chain as (A, B, C)."""
        return [(source, self.via, self.recipient) for source in self.sources]


def flagged_chains(graph: nx.MultiDiGraph) -> list[OnwardChain]:
    """Onward chains A → B → C whose later leg (B → C) is flagged, grouped by that leg.

    Data A discloses to B may travel on to C under a flow with problems, so A has a stake in the
    B → C leg. The chains are grouped by their flagged leg, with every A that feeds it, because a
    borough's hundreds of schools sending to the council would otherwise make hundreds of chains
    of each of the council's flagged flows. Chains back to their start (A → B → A) are left out.
    Most serious first, then the legs with the most sources, then by B and C.

    Examples
    --------
    >>> g = nx.MultiDiGraph()
    >>> g.add_edge("a", "b", key="F1", categories=("health",), severity=None)
    'F1'
    >>> g.add_edge("b", "c", key="F2", categories=("health",), severity="error")
    'F2'
    >>> [(c.sources, c.via, c.recipient, c.shared_categories) for c in flagged_chains(g)]
    [(('a',), 'b', 'c', ('health',))]
    """
    found = []
    for via in graph.nodes:
        onward: dict[str, tuple[list[str], set[str], list[str]]] = {}
        for _, recipient, k, data in graph.out_edges(via, keys=True, data=True):
            if data.get("severity") in FLAGGED_SEVERITIES and recipient != via:
                keys, categories, severities = onward.setdefault(recipient, ([], set(), []))
                keys.append(k)
                categories.update(data.get("categories", ()))
                severities.append(data["severity"])
        if not onward:
            continue
        incoming: dict[str, set[str]] = {}
        for source, _, categories in graph.in_edges(via, data="categories", default=()):
            if source != via:
                incoming.setdefault(source, set()).update(categories)
        if not incoming:
            continue
        sources = sorted(incoming)
        everything = set().union(*incoming.values())
        for recipient, (keys, categories, severities) in onward.items():
            if recipient in incoming:
                if len(incoming) == 1:
                    continue
                chain_sources = tuple(s for s in sources if s != recipient)
                reaching = set().union(*(c for s, c in incoming.items() if s != recipient))
            else:
                chain_sources, reaching = tuple(sources), everything
            found.append(
                OnwardChain(
                    via=via,
                    recipient=recipient,
                    onward_flows=tuple(sorted(keys)),
                    severity=worst(severities) or "warning",
                    sources=chain_sources,
                    shared_categories=tuple(sorted(reaching & categories)),
                )
            )
    found.sort(key=lambda c: (_SEVERITY_RANK[c.severity], -len(c.sources), c.via, c.recipient))
    return found


@dataclass(frozen=True)
class AgreementReach:
    """What loses its cover if an agreement ends ("what if this ISA expires").

    ``flows`` are the flows it covers; ``partners`` the organisations at either end of them;
    ``left_without_cover`` those partners none of whose other flows has another agreement, so
    that all their sharing in view would be uncovered; ``pairs`` the (source, recipient) pairs
    whose every flow it covers.
    """

    agreement: str
    title: str
    status: str
    end_date: str | None
    flows: tuple[str, ...]
    partners: tuple[str, ...]
    left_without_cover: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]


def agreement_reach(graph: nx.MultiDiGraph, agreement: str) -> AgreementReach:
    """Which flows and partners lose their cover if ``agreement`` ends.

    Run it on the unfiltered graph of a date: a partner keeps cover when any of its flows, in or
    out, is covered by another agreement.

    Examples
    --------
    >>> g = nx.MultiDiGraph()
    >>> g.add_edge("a", "b", key="F1", agreement="ISA-1")
    'F1'
    >>> g.add_edge("b", "c", key="F2", agreement="ISA-2")
    'F2'
    >>> r = agreement_reach(g, "ISA-1")
    >>> r.flows, r.partners, r.left_without_cover
    (('F1',), ('a', 'b'), ('a',))
    """
    return agreement_reaches(graph, [agreement])[0]


def agreement_reaches(
    graph: nx.MultiDiGraph, agreements: Iterable[str] | None = None
) -> list[AgreementReach]:
    """:func:`agreement_reach` of each of ``agreements`` (default: every agreement covering a flow),
    in one pass over the graph.

    Examples
    --------
    >>> g = nx.MultiDiGraph()
    >>> g.add_edge("a", "b", key="F1", agreement="ISA-1")
    'F1'
    >>> [r.agreement for r in agreement_reaches(g)]
    ['ISA-1']
    """
    flows: dict[str, list[str]] = {}
    ends: dict[str, set[str]] = {}
    by_node: dict[str, set[str | None]] = {}
    by_pair: dict[tuple[str, str], set[str | None]] = {}
    for u, v, k, a in graph.edges(keys=True, data="agreement"):
        by_node.setdefault(u, set()).add(a)
        by_node.setdefault(v, set()).add(a)
        by_pair.setdefault((u, v), set()).add(a)
        if a:
            flows.setdefault(a, []).append(k)
            ends.setdefault(a, set()).update((u, v))
    whole_pairs: dict[str, list[tuple[str, str]]] = {}
    for pair, covers in by_pair.items():
        if len(covers) == 1 and None not in covers:
            whole_pairs.setdefault(next(iter(covers)), []).append(pair)  # type: ignore[arg-type]
    info = graph.graph.get("agreements", {})
    found = []
    for agreement in sorted(flows) if agreements is None else agreements:
        partners = sorted(ends.get(agreement, ()))
        details = info.get(agreement, {})
        found.append(
            AgreementReach(
                agreement=agreement,
                title=details.get("title", agreement),
                status=details.get("status", ""),
                end_date=details.get("end_date"),
                flows=tuple(sorted(flows.get(agreement, ()))),
                partners=tuple(partners),
                left_without_cover=tuple(
                    n for n in partners if not any(a and a != agreement for a in by_node[n])
                ),
                pairs=tuple(sorted(whole_pairs.get(agreement, ()))),
            )
        )
    return found


# --- The drawing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MapNode:
    """A node as drawn: an organisation, or a cluster of organisations of one kind."""

    id: str
    label: str
    kind: str
    url: str
    tooltip: str
    status: str = "active"
    severity: str | None = None
    members: tuple[str, ...] = ()

    @property
    def is_cluster(self) -> bool:
        """Whether the node stands for several organisations."""
        return bool(self.members)


@dataclass(frozen=True)
class MapEdge:
    """An edge as drawn: every flow from one drawn node to another."""

    source: str
    recipient: str
    source_label: str
    recipient_label: str
    flows: tuple[str, ...]
    categories: tuple[str, ...]
    severity: str | None
    planned: bool
    url: str
    tooltip: str

    @property
    def count(self) -> int:
        """How many flows the edge stands for."""
        return len(self.flows)

    @property
    def clustered(self) -> bool:
        """Whether either end is a cluster (the edge then links to the map with it expanded)."""
        return self.source.startswith(_CLUSTER_PREFIX) or self.recipient.startswith(_CLUSTER_PREFIX)


@dataclass(frozen=True)
class Drawing:
    """The map as drawn: nodes, merged edges, and the kinds collapsed into clusters."""

    title: str
    nodes: tuple[MapNode, ...]
    edges: tuple[MapEdge, ...]
    clusters: dict[str, int] = field(default_factory=dict)

    @property
    def layout(self) -> str:
        """The Graphviz layout that draws it in reasonable time (see :data:`LAYERED_MAX_EDGES`)."""
        if len(self.edges) <= LAYERED_MAX_EDGES:
            return "dot"
        return "neato" if len(self.nodes) <= SPRING_MAX_NODES else "sfdp"


def _wrap(text: str, width: int = 24, lines: int = 4) -> str:
    wrapped = textwrap.wrap(text, width) or [text]
    if len(wrapped) > lines:
        wrapped = [*wrapped[: lines - 1], wrapped[lines - 1] + " …"]
    return "\n".join(wrapped)


def _finding_lines(findings: Sequence[Finding], indent: str = "") -> list[str]:
    lines = [f"{indent}• {f.severity}: {f.message}" for f in findings[:_TOOLTIP_FINDINGS]]
    if len(findings) > _TOOLTIP_FINDINGS:
        lines.append(f"{indent}• … and {len(findings) - _TOOLTIP_FINDINGS} more findings")
    return lines


def _node_tooltip(graph: nx.MultiDiGraph, key: str) -> str:
    data = graph.nodes[key]
    kind = KIND_LABELS.get(data.get("kind", ""), data.get("kind", ""))
    authority = ", public authority" if data.get("public_authority") else ""
    lines = [f"{data.get('name', key)} ({key})", f"{kind}{authority}"]
    if data.get("status") == "dissolved":
        successor = data.get("successor")
        lines.append("Dissolved" + (f"; succeeded by {successor}" if successor else ""))
    elif data.get("status") == "archived":
        lines.append("Archived")
    sends, receives = graph.out_degree(key), graph.in_degree(key)
    lines.append(f"Sends {sends} flow{'s' * (sends != 1)}, receives {receives}")
    name = graph.nodes.data("name")
    flows = [f"{k}: {n} → {name[v] or v}" for _, v, k, n in graph.out_edges(key, keys=True, data="name")]
    flows += [f"{k}: {n} ← {name[u] or u}" for u, _, k, n in graph.in_edges(key, keys=True, data="name")]
    lines.extend(flows[:_TOOLTIP_FLOWS])
    if len(flows) > _TOOLTIP_FLOWS:
        lines.append(f"… and {len(flows) - _TOOLTIP_FLOWS} more flows")
    findings = data.get("findings", ())
    if findings:
        lines.append("Findings:")
        lines.extend(_finding_lines(findings))
    return "\n".join(lines)


def _edge_tooltip(
    graph: nx.MultiDiGraph, flows: Sequence[tuple[str, str, str]], source_label: str, recipient_label: str
) -> str:
    lines = [f"{source_label} → {recipient_label}: {len(flows)} flow{'s' * (len(flows) != 1)}"]
    show_ends = len({(u, v) for u, v, _ in flows}) > 1
    for u, v, k in flows[:_TOOLTIP_FLOWS]:
        data = graph.edges[u, v, k]
        ends = f" ({graph.nodes[u].get('name', u)} → {graph.nodes[v].get('name', v)})" if show_ends else ""
        severity = f" [{data['severity']}]" if data.get("severity") else ""
        lines.append(f"{k}: {data.get('name', k)}{ends}{severity}")
        lines.extend(_finding_lines(data.get("findings", ()), indent="   "))
    if len(flows) > _TOOLTIP_FLOWS:
        lines.append(f"… and {len(flows) - _TOOLTIP_FLOWS} more flows")
    return "\n".join(lines)


def _title(graph: nx.MultiDiGraph, filters: MapFilters) -> str:
    as_of = graph.graph.get("as_of")
    parts = ["Partnership data map" + (f" as of {as_of.isoformat()}" if as_of else "")]
    if filters.organisation:
        name = graph.nodes[filters.organisation].get("name") if filters.organisation in graph else None
        parts.append(f"{name or filters.organisation}, depth {filters.depth}")
    if filters.category:
        group = {"special": "special category data", "criminal": "criminal offence data"}
        category = CATEGORIES.get(filters.category)
        parts.append(group.get(filters.category) or (category.label if category else filters.category))
    if filters.programme:
        parts.append(f"programme {filters.programme}")
    if filters.agreement:
        parts.append(f"agreement {filters.agreement}")
    if filters.flagged_only:
        parts.append("flagged flows only")
    return "; ".join(parts)


def draw(
    graph: nx.MultiDiGraph,
    filters: MapFilters = MapFilters(),
    links: Links = Links(),
    threshold: int = CLUSTER_THRESHOLD,
) -> Drawing:
    """Lay ``graph`` out for people: cluster crowded kinds and merge parallel flows.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        A graph from :func:`build_graph` (usually narrowed by :func:`filter_graph`).
    filters : MapFilters
        Kinds in ``filters.expand`` are never clustered, nor is ``filters.organisation``; links to
        clusters keep the other filters.
    links : Links
        Where nodes and edges link to.
    threshold : int
        A kind with more organisations than this becomes one node, e.g. "Schools and colleges (104)".

    Returns
    -------
    Drawing
        Nodes sorted by kind and name; one edge per (drawn source, drawn recipient), linking to the
        flow (one flow), the flows list for the pair (several), or the map with the cluster
        expanded (an edge of a cluster).
    """
    by_kind: dict[str, list[str]] = {}
    for node, kind in graph.nodes(data="kind", default="other"):
        by_kind.setdefault(kind, []).append(node)
    drawn_as: dict[str, str] = {n: n for n in graph.nodes}
    clusters: dict[str, int] = {}
    nodes: list[MapNode] = []
    for kind, members in by_kind.items():
        members = [m for m in members if m != filters.organisation]
        if len(members) <= threshold or kind in filters.expand:
            continue
        cluster_id = _CLUSTER_PREFIX + kind
        clusters[kind] = len(members)
        members.sort(key=lambda m: graph.nodes[m].get("name", m))
        for m in members:
            drawn_as[m] = cluster_id
        label = f"{CLUSTER_LABELS.get(kind, kind)} ({len(members)})"
        names = [graph.nodes[m].get("name", m) for m in members[:_TOOLTIP_MEMBERS]]
        more = len(members) - len(names)
        nodes.append(
            MapNode(
                id=cluster_id,
                label=label,
                kind=kind,
                url=links.map(filters, expand=filters.expand | {kind}),
                tooltip="\n".join(
                    [
                        f"{label}: drawn as one node",
                        *names,
                        *([f"… and {more} more"] if more else []),
                        "Select to show each one",
                    ]
                ),
                severity=worst(graph.nodes[m].get("severity") for m in members),
                members=tuple(members),
            )
        )
    for node, data in graph.nodes(data=True):
        if drawn_as[node] != node:
            continue
        nodes.append(
            MapNode(
                id=node,
                label=data.get("name", node),
                kind=data.get("kind", "other"),
                url=links.organisation(node),
                tooltip=_node_tooltip(graph, node),
                status=data.get("status", "active"),
                severity=data.get("severity"),
            )
        )
    labels = {n.id: n.label for n in nodes}
    nodes.sort(key=lambda n: (n.kind, n.label.casefold(), n.id))

    grouped: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    for u, v, k in graph.edges(keys=True):
        grouped.setdefault((drawn_as[u], drawn_as[v]), []).append((u, v, k))
    edges = []
    for (du, dv), flows in grouped.items():
        flows.sort(key=lambda e: e[2])
        datas = [graph.edges[e] for e in flows]
        kinds = [n[len(_CLUSTER_PREFIX) :] for n in (du, dv) if n.startswith(_CLUSTER_PREFIX)]
        if kinds:
            url = links.map(filters, expand=filters.expand | set(kinds))
        elif len(flows) == 1:
            url = links.flow(flows[0][2])
        else:
            url = links.flows(du, dv)
        edges.append(
            MapEdge(
                source=du,
                recipient=dv,
                source_label=labels[du],
                recipient_label=labels[dv],
                flows=tuple(k for _, _, k in flows),
                categories=tuple(sorted({c for d in datas for c in d.get("categories", ())})),
                severity=worst(d.get("severity") for d in datas),
                planned=all(d.get("status") == "planned" for d in datas),
                url=url,
                tooltip=_edge_tooltip(graph, flows, labels[du], labels[dv]),
            )
        )
    edges.sort(key=lambda e: (e.source_label.casefold(), e.recipient_label.casefold(), e.source, e.recipient))
    return Drawing(title=_title(graph, filters), nodes=tuple(nodes), edges=tuple(edges), clusters=clusters)


# --- DOT ---------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def dot_string(text: str) -> str:
    r"""``text`` as a quoted DOT string that Graphviz shows exactly as written.

    Everything is quoted (so a name such as ``<b>x</b>`` can never become an HTML-like label),
    backslashes are doubled (so ``\N`` or ``\G`` are not expanded), quotes escaped, ``&`` written
    as ``&amp;`` (Graphviz passes character entities through), control characters dropped, and a
    line break becomes DOT's ``\n``.

    Examples
    --------
    >>> print(dot_string('Say "hi" & <b>\\N</b>'))
    "Say \"hi\" &amp; <b>\\N</b>"
    """
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.replace("&", "&amp;").replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


def _attrs(**attrs: str | None) -> str:
    """A DOT attribute list; every value is quoted with :func:`dot_string`."""
    return ", ".join(f"{name}={dot_string(value)}" for name, value in attrs.items() if value is not None)


_LEGEND = """<<table border="0" cellborder="0" cellspacing="2" cellpadding="2">
<tr><td colspan="2" align="left"><b>Key</b></td></tr>
<tr><td width="36" height="3" bgcolor="#d4351c"></td><td align="left">Flow with an error finding</td></tr>
<tr><td width="36" height="3" bgcolor="#f47738"></td><td align="left">Flow with a warning finding</td></tr>
<tr><td width="36" height="1" bgcolor="#505a5f"></td><td align="left">Flow with no problem found</td></tr>
<tr><td align="center">- - -</td><td align="left">Planned flow</td></tr>
<tr><td align="center">[- -]</td><td align="left">Dissolved organisation</td></tr>
<tr><td align="center">n</td><td align="left">Number of flows between the two, if more than one</td></tr>
</table>>"""


def to_dot(drawing: Drawing, legend: bool = True) -> str:
    """The drawing as DOT source, every user-entered string escaped by :func:`dot_string`.

    Nodes are shaped and filled by kind (:data:`KIND_STYLES`), outlined in the colour of their own
    worst finding, dashed when dissolved; clusters are drawn as 3D boxes. Edges are coloured and
    thickened by worst severity (:data:`SEVERITY_COLOURS`), dashed when every flow is planned, and
    labelled with their count when there is more than one flow. Every node and edge carries a
    link (``URL``) and a tooltip. The optional legend is fixed text. The layout is
    :attr:`Drawing.layout`, named in the source so that ``dot`` itself picks the engine.
    """
    if drawing.layout == "dot":
        layout = {"rankdir": "LR", "ranksep": "1.1", "nodesep": "0.3"}
    else:
        layout = {"layout": drawing.layout, "overlap": "prism", "splines": "false", "sep": "+6"}
    title = {"label": drawing.title, "tooltip": drawing.title, "labelloc": "t"}
    graph_attrs = _attrs(fontname="Helvetica", fontsize="16", pad="0.3", **title, **layout)
    lines = [
        "digraph map {",
        f"  graph [{graph_attrs}];",
        f"  node [{_attrs(fontname='Helvetica', fontsize='11', style='filled', penwidth='1.2')}];",
        f"  edge [{_attrs(fontname='Helvetica', fontsize='10', arrowsize='0.8')}];",
    ]
    for node in drawing.nodes:
        shape, fill = KIND_STYLES.get(node.kind, KIND_STYLES["other"])
        style = "filled"
        if node.is_cluster:
            shape = "box3d"
        elif node.status in ("dissolved", "archived"):
            style, fill = "filled,dashed", "#f3f2f1"
        if node.kind == "education" and not node.is_cluster:
            style += ",rounded"
        label = node.label if node.is_cluster else _wrap(node.label)
        colour = SEVERITY_COLOURS[node.severity] if node.severity in FLAGGED_SEVERITIES else "#0b0c0c"
        attrs = _attrs(
            label=label,
            shape=shape,
            style=style,
            fillcolor=fill,
            color=colour,
            penwidth="2.5" if node.severity in FLAGGED_SEVERITIES else None,
            URL=node.url,
            tooltip=node.tooltip,
            target="_top",
        )
        lines.append(f"  {dot_string(node.id)} [{attrs}];")
    for edge in drawing.edges:
        colour = SEVERITY_COLOURS[edge.severity]
        attrs = _attrs(
            color=colour,
            fontcolor=colour,
            penwidth=_SEVERITY_PENWIDTH.get(edge.severity or "", "1.2"),
            style="dashed" if edge.planned else None,
            label=str(edge.count) if edge.count > 1 else None,
            labeltooltip=edge.tooltip if edge.count > 1 else None,
            URL=edge.url,
            tooltip=edge.tooltip,
            target="_top",
        )
        lines.append(f"  {dot_string(edge.source)} -> {dot_string(edge.recipient)} [{attrs}];")
    if legend:
        lines.append("  subgraph cluster_legend {")
        lines.append(f"    graph [{_attrs(label='', color='#b1b4b6', tooltip='Key')}];")
        lines.append(f'    legend [shape=plaintext, style="", tooltip="Key", label={_LEGEND}];')
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


# --- Rendering ---------------------------------------------------------------------------------


class RenderError(RuntimeError):
    """Graphviz could not draw the map."""


class DotNotFound(RenderError):
    """The ``dot`` program is not installed (or not where configured)."""


def run_dot(source: str, fmt: str, dot: str = "dot", timeout: float = 60.0) -> bytes:
    """Render DOT ``source`` as ``fmt`` (``svg``, ``png`` or ``pdf``): the one place dot runs.

    Raises
    ------
    DotNotFound
        ``dot`` cannot be run.
    RenderError
        dot failed, or took longer than ``timeout`` seconds.
    """
    if fmt not in ("svg", "png", "pdf"):
        raise ValueError(f"dot does not render {fmt!r} here")
    try:
        done = subprocess.run(  # noqa: S603 - a fixed argument list, no shell; the source goes on stdin
            [dot, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True, timeout=timeout, check=False
        )
    except FileNotFoundError as exc:
        raise DotNotFound(f"Graphviz's dot program was not found at {dot!r}.") from exc
    except PermissionError as exc:
        raise DotNotFound(f"Graphviz's dot program at {dot!r} cannot be run.") from exc
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"Graphviz took longer than {timeout:g} seconds to draw the map.") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RenderError("Graphviz could not draw the map" + (f": {message[0]}" if message else "."))
    return done.stdout


_SVG_START = re.compile(r"<svg\b[^>]*>", re.S)
_SIZE_ATTR = re.compile(r'\s(width|height)="([\d.]+)pt"')
_FORBIDDEN_TAGS = frozenset(
    {"script", "foreignObject", "iframe", "object", "embed", "handler", "animate", "set"}
)
#: Drawings wider than this (in points, about the width of the page's content) are scaled to fit.
_FIT_WIDTH_PT = 720.0


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def inline_svg(svg: bytes, label: str) -> str:
    """dot's SVG made ready to place inside an HTML page.

    Drops the XML prolog and DOCTYPE, scales a drawing wider than the page to the page's width,
    and labels the picture for assistive technology. As a second line of defence behind
    :func:`dot_string`, the SVG is parsed and refused (:class:`RenderError`) if it holds anything
    that could run script: a ``script`` or ``foreignObject`` element, an ``on…`` attribute, or a
    ``javascript:`` or ``data:`` link.
    """
    text = svg.decode("utf-8")
    start = _SVG_START.search(text)
    if start is None:
        raise RenderError("Graphviz did not produce an SVG picture.")
    text = text[start.start() :]
    try:
        root = ET.fromstring(text)  # noqa: S314 - our own dot output, prolog and DOCTYPE removed
    except ET.ParseError as exc:
        raise RenderError("Graphviz produced a picture that is not well-formed.") from exc
    for element in root.iter():
        if _local(element.tag) in _FORBIDDEN_TAGS:
            raise RenderError("The picture holds an element that is not allowed.")
        for name, value in element.attrib.items():
            local = _local(name).lower()
            if local.startswith("on"):
                raise RenderError("The picture holds an attribute that is not allowed.")
            if local == "href" and value.strip().lower().startswith(("javascript:", "data:", "vbscript:")):
                raise RenderError("The picture holds a link that is not allowed.")
    tag = start.group(0)
    sizes = dict(_SIZE_ATTR.findall(tag))
    new_tag = tag
    if float(sizes.get("width", 0)) > _FIT_WIDTH_PT:
        new_tag = _SIZE_ATTR.sub("", new_tag)
        new_tag = new_tag[:-1] + ' width="100%"' + new_tag[-1]
    extra = f' class="app-map__svg" role="group" aria-label="{html_escape(label, quote=True)}"'
    new_tag = new_tag[:4] + extra + new_tag[4:]
    return new_tag + text[len(tag) :]


# --- All at once -------------------------------------------------------------------------------


@dataclass
class DataMap:
    """Everything the page, the downloads and the command show for one set of filters.

    The analyses are worked out when first asked for, so that a picture download, which needs only
    the drawing, does not pay for them.
    """

    filters: MapFilters
    as_of: date
    full: nx.MultiDiGraph
    graph: nx.MultiDiGraph
    drawing: Drawing

    @cached_property
    def hubs(self) -> list[Hub]:
        """:func:`hubs` of the organisations in view."""
        return hubs(self.graph)

    @cached_property
    def sensitive(self) -> list[SensitiveRecipient]:
        """:func:`sensitive_recipients` of the flows in view."""
        return sensitive_recipients(self.graph)

    @cached_property
    def chains(self) -> list[OnwardChain]:
        """:func:`flagged_chains` of the flows in view."""
        return flagged_chains(self.graph)

    @cached_property
    def reach(self) -> list[AgreementReach]:
        """The reach of the agreement filtered on (if any) and of every agreement covering a flow
        live on the date, worked out on every live flow whatever the filters: a partner keeps cover
        through any other agreement."""
        covering = {a for _, _, a in self.full.edges(data="agreement") if a}
        if self.filters.agreement:
            covering.add(self.filters.agreement)
        return agreement_reaches(self.full, sorted(covering))

    @property
    def names(self) -> dict[str, str]:
        """Every organisation's name by key (for showing the analyses)."""
        return {n: d.get("name", n) for n, d in self.full.nodes(data=True)}

    @property
    def left_out(self) -> int:
        """How many flows were left out because they are not live on the as-of date."""
        return int(self.full.graph.get("left_out", 0))

    def dot(self, legend: bool = True) -> str:
        """The drawing as DOT source."""
        return to_dot(self.drawing, legend=legend)


def build_map(
    registry: Registry,
    findings: Iterable[Finding],
    filters: MapFilters,
    as_of: date,
    links: Links = Links(),
    threshold: int = CLUSTER_THRESHOLD,
    full: nx.MultiDiGraph | None = None,
) -> DataMap:
    """Build the graph for ``as_of``, narrow it by ``filters`` and draw it; the analyses follow
    on demand (:class:`DataMap`).

    ``findings`` are the rules' findings for ``as_of``. The hubs, sensitive recipients and
    flagged chains describe what the filters select; each agreement's reach counts every flow live
    on ``as_of``. ``full``, if given, is :func:`build_graph` of the same registry, findings and
    date, built before (the web app keeps one per registry revision); it is not changed.
    """
    if full is None:
        full = build_graph(registry, findings, as_of)
    graph = filter_graph(full, filters)
    return DataMap(
        filters=filters, as_of=as_of, full=full, graph=graph, drawing=draw(graph, filters, links, threshold)
    )


def _json_value(value: Any) -> Any:
    if isinstance(value, Finding):
        return value.as_dict()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (tuple, list, set, frozenset)):
        items = [_json_value(v) for v in value]
        return sorted(items) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    return value


def map_json(data_map: DataMap, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The map as JSON: networkx node-link data of the organisations in view (never clusters),
    with the filters, the date and the analyses."""
    links = nx.node_link_data(data_map.graph, edges="edges")
    return _json_value(
        {
            "format": "isa-registry-map/1",
            "as_of": data_map.as_of,
            "filters": data_map.filters.as_dict(),
            "flows_left_out": data_map.left_out,
            **(extra or {}),
            "graph": links,
            "analyses": {
                "hubs": [asdict(h) for h in data_map.hubs],
                "sensitive_recipients": [asdict(r) for r in data_map.sensitive],
                "flagged_chains": [asdict(c) for c in data_map.chains],
                "agreement_reach": [asdict(r) for r in data_map.reach],
            },
        }
    )
