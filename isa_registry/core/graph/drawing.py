"""The map as drawn for people: crowded kinds clustered, parallel flows merged, every mark linked.

:func:`lay_out` turns a graph from :func:`~.build.build_graph` into a :class:`Drawing` of
:class:`MapNode` and :class:`MapEdge`, each with a label, a tooltip and a link. Where the links go
is the caller's business (:class:`Links`): the web app's pages, for the page and the command alike.

By default the drawing is an *overview*: when more organisations would be drawn than fit a page
(:data:`OVERVIEW_MAX_ORGANISATIONS`), they are grouped by kind (or by the programme or agreement
most of their flows run under) into one node per group, at most :data:`OVERVIEW_MAX_GROUPS` of them,
and the flows between two groups into one edge. Organisations with no flow in view are never drawn:
the drawing lists them (:attr:`Drawing.unlinked`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import networkx as nx

from ..domain import Finding
from ..law import CATEGORIES
from ..scope import worst
from .selection import CATEGORY_GROUPS, GROUPINGS, NO_GROUP, OTHER_GROUPS, MapFilters
from .styles import CLUSTER_LABELS, KIND_LABELS

#: A kind with more organisations than this in view is drawn as one cluster node.
CLUSTER_THRESHOLD = 12

#: dot's layered layout, with curved edges routed around nodes, suits a partnership map, but its
#: time grows steeply with the edges (and the ranks they span): 150 edges take about a second,
#: 400 take a minute. Drawings with more edges are laid out as a network instead, with straight
#: edges: by neato, or by sfdp when they also have many nodes.
LAYERED_MAX_EDGES = 200
SPRING_MAX_NODES = 300

#: The overview groups the organisations when more than this many would be drawn. Measured by
#: drawing every organisation's map (depth 1 and 2) of the demo and of the benchmark's M registry:
#: drawn in columns, maps of up to 27 organisations were at most 1,019 pt wide (1,121 CSS px at
#: :data:`~.render.PAGE_PX_PER_PT`), within the 1,220 CSS px a 1280 px window leaves; maps of 29
#: or more were up to 2,758 pt wide. The overviews of the demo and of M, by kind, programme and
#: agreement, are 927, 764, 827 and 906, 565, 849 pt wide; tests/browser/test_map_layout.py
#: measures their text and width on the page.
OVERVIEW_MAX_ORGANISATIONS = 24

#: The overview draws at most this many groups (as many as there are kinds of organisation): when
#: the organisations fall into more programmes (agreements) than this, the largest keep a node of
#: their own and the rest are drawn together as one (:data:`~.selection.OTHER_GROUPS`). On the
#: benchmark's M registry the agreement most of an organisation's flows run under makes 153 groups,
#: most of one organisation: an overview of every one of them was 3,232 pt wide and took ``neato``
#: 107 s to lay out; on the demo, its 18 programmes made an overview 1,407 pt wide.
OVERVIEW_MAX_GROUPS = 12

#: A group's node id is its grouping and key ("kind:education"); an organisation's key never holds
#: ':' (isa-registry/1), so the two never clash.
_GROUP_PREFIXES = tuple(f"{grouping}:" for grouping in GROUPINGS)
_TOOLTIP_FLOWS = 8
_TOOLTIP_FINDINGS = 3
_TOOLTIP_MEMBERS = 10


class Links(Protocol):
    """Where the drawing's nodes and edges link to (the web app's pages, in
    :class:`isa_registry.web.map_query.MapLinks`)."""

    def organisation(self, key: str) -> str:
        """The organisation's record."""
        ...

    def flow(self, key: str) -> str:
        """The flow's record."""
        ...

    def flows(self, source: str, recipient: str) -> str:
        """The list of flows from ``source`` to ``recipient``."""
        ...

    def map(self, filters: MapFilters, **changes: Any) -> str:
        """The map with ``filters`` (changed by ``changes``, as in :func:`dataclasses.replace`)."""
        ...


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
    #: The findings decided on (accepted or not applicable) of its flows, as ``CODE (FLOW-1)``: they
    #: do not colour the edge, but the table and the tooltip name them.
    decided: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        """How many flows the edge stands for."""
        return len(self.flows)

    @property
    def clustered(self) -> bool:
        """Whether either end is a group (the edge then links to the map with it expanded)."""
        return self.source.startswith(_GROUP_PREFIXES) or self.recipient.startswith(_GROUP_PREFIXES)

    @property
    def special(self) -> bool:
        """Whether one of its flows carries special category data (UK GDPR Art 9)."""
        return any(c in CATEGORY_GROUPS["special"] for c in self.categories)

    @property
    def criminal(self) -> bool:
        """Whether one of its flows carries criminal offence data (UK GDPR Art 10)."""
        return any(c in CATEGORY_GROUPS["criminal"] for c in self.categories)


@dataclass(frozen=True)
class MapGroup:
    """Organisations drawn as one node: their ``grouping`` (``kind``, ``programme`` or
    ``agreement``), its ``key`` (:data:`~.selection.NO_GROUP` for none), and the map that draws
    them one by one."""

    id: str
    grouping: str
    key: str
    name: str
    members: tuple[str, ...]
    url: str

    @property
    def count(self) -> int:
        """How many organisations it holds."""
        return len(self.members)


@dataclass(frozen=True)
class Drawing:
    """The map as drawn: nodes, merged edges, the groups drawn as one node, and the organisations
    not drawn because no flow in view touches them."""

    title: str
    nodes: tuple[MapNode, ...]
    edges: tuple[MapEdge, ...]
    clusters: dict[str, int] = field(default_factory=dict)
    groups: tuple[MapGroup, ...] = ()
    #: ``(key, name)`` of each organisation with no flow in view, by name.
    unlinked: tuple[tuple[str, str], ...] = ()
    #: Whether it is the overview, grouped because more organisations would be drawn than fit.
    overview: bool = False

    @property
    def layout(self) -> str:
        """The Graphviz layout that draws it in reasonable time (see :data:`LAYERED_MAX_EDGES`)."""
        if len(self.edges) <= LAYERED_MAX_EDGES:
            return "dot"
        return "neato" if len(self.nodes) <= SPRING_MAX_NODES else "sfdp"


def _finding_lines(findings: Sequence[Finding], indent: str = "") -> list[str]:
    lines = [f"{indent}• {f.severity}: {f.message}" for f in findings[:_TOOLTIP_FINDINGS]]
    if len(findings) > _TOOLTIP_FINDINGS:
        lines.append(f"{indent}• … and {len(findings) - _TOOLTIP_FINDINGS} more findings")
    return lines


def _node_tooltip(graph: nx.MultiDiGraph[str], key: str) -> str:
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
    sent: Iterable[tuple[str, str, str, str | None]] = graph.out_edges(key, keys=True, data="name")
    received: Iterable[tuple[str, str, str, str | None]] = graph.in_edges(key, keys=True, data="name")
    flows = [f"{k}: {n} → {name[v] or v}" for _, v, k, n in sent]
    flows += [f"{k}: {n} ← {name[u] or u}" for u, _, k, n in received]
    lines.extend(flows[:_TOOLTIP_FLOWS])
    if len(flows) > _TOOLTIP_FLOWS:
        lines.append(f"… and {len(flows) - _TOOLTIP_FLOWS} more flows")
    findings = data.get("findings", ())
    if findings:
        lines.append("Findings:")
        lines.extend(_finding_lines(findings))
    return "\n".join(lines)


def _edge_tooltip(
    graph: nx.MultiDiGraph[str],
    flows: Sequence[tuple[str, str, str]],
    source_label: str,
    recipient_label: str,
) -> str:
    lines = [f"{source_label} → {recipient_label}: {len(flows)} flow{'s' * (len(flows) != 1)}"]
    show_ends = len({(u, v) for u, v, _ in flows}) > 1
    for u, v, k in flows[:_TOOLTIP_FLOWS]:
        data = graph.edges[u, v, k]
        ends = f" ({graph.nodes[u].get('name', u)} → {graph.nodes[v].get('name', v)})" if show_ends else ""
        severity = f" [{data['severity']}]" if data.get("severity") else ""
        lines.append(f"{k}: {data.get('name', k)}{ends}{severity}")
        lines.extend(_finding_lines(data.get("findings", ()), indent="   "))
        lines.extend(f"   • decided ({f.severity}): {f.message}" for f in data.get("decided", ()))
    if len(flows) > _TOOLTIP_FLOWS:
        lines.append(f"… and {len(flows) - _TOOLTIP_FLOWS} more flows")
    return "\n".join(lines)


def _title(graph: nx.MultiDiGraph[str], filters: MapFilters) -> str:
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


def _group_names(graph: nx.MultiDiGraph[str], grouping: str) -> dict[str, str]:
    """What each group of ``grouping`` is called on the map, by key."""
    if grouping == "kind":
        return dict(CLUSTER_LABELS)
    if grouping == "agreement":
        agreements: dict[str, dict[str, Any]] = graph.graph.get("agreements", {})
        named = {key: f"{a.get('title') or key} ({key})" for key, a in agreements.items()}
        return {NO_GROUP: "Under no agreement", OTHER_GROUPS: "Under other agreements", **named}
    return {NO_GROUP: "In no programme", OTHER_GROUPS: "In other programmes"}


def _fold_groups(graph: nx.MultiDiGraph[str], keys: dict[str, str], most: int) -> dict[str, str]:
    """``keys`` (each organisation's group) with at most ``most`` groups: when there are more, the
    largest keep theirs (by organisations, then by the flows they touch, then by key), as does
    :data:`NO_GROUP`, and the others become :data:`OTHER_GROUPS`.

    Examples
    --------
    >>> g = nx.MultiDiGraph([("a", "b"), ("a", "c"), ("d", "e")])
    >>> _fold_groups(g, {"a": "P1", "b": "P1", "c": "P2", "d": "P3", "e": "none"}, 3)
    {'a': 'P1', 'b': 'P1', 'c': 'others', 'd': 'others', 'e': 'none'}
    """
    members: dict[str, list[str]] = {}
    for node, key in keys.items():
        members.setdefault(key, []).append(node)
    if len(members) <= most:
        return keys
    flows = {key: sum(graph.degree(n) for n in nodes) for key, nodes in members.items()}
    ranked = sorted(
        (key for key in members if key != NO_GROUP), key=lambda k: (-len(members[k]), -flows[k], k)
    )
    kept = {NO_GROUP, *ranked[: most - 1 - (NO_GROUP in members)]}
    return {node: key if key in kept else OTHER_GROUPS for node, key in keys.items()}


def _group_keys(graph: nx.MultiDiGraph[str], nodes: Iterable[str], grouping: str) -> dict[str, str]:
    """Each organisation's group: its kind, or the programme (agreement) most of its flows in view
    run under, the first by name on a tie, :data:`NO_GROUP` if none has one."""
    keys: dict[str, str] = {}
    for node in nodes:
        if grouping == "kind":
            keys[node] = graph.nodes[node].get("kind", "other")
            continue
        counts: dict[str, int] = {}
        for _, _, value in [*graph.out_edges(node, data=grouping), *graph.in_edges(node, data=grouping)]:
            if value:
                counts[value] = counts.get(value, 0) + 1
        keys[node] = min(counts, key=lambda k: (-counts[k], k)) if counts else NO_GROUP
    return keys


def lay_out(
    graph: nx.MultiDiGraph[str],
    links: Links,
    filters: MapFilters = MapFilters(),
    threshold: int = CLUSTER_THRESHOLD,
    overview_max: int = OVERVIEW_MAX_ORGANISATIONS,
    overview_max_groups: int = OVERVIEW_MAX_GROUPS,
) -> Drawing:
    """Lay ``graph`` out for people: group organisations where they are many, merge parallel flows.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        A graph from :func:`~.build.build_graph` (usually narrowed by :func:`~.build.filter_graph`).
    links : Links
        Where nodes and edges link to.
    filters : MapFilters
        Groups in ``filters.expand`` are never collapsed, nor is ``filters.organisation``; links to
        groups keep the other filters. Without ``filters.detail``, the drawing is an overview.
    threshold : int
        In the detailed map, a kind with more organisations than this becomes one node, e.g.
        "Schools and colleges (104)".
    overview_max : int
        In the overview, when more organisations than this would be drawn, every group of
        ``filters.group`` with two or more of them becomes one node.
    overview_max_groups : int
        The overview draws at most this many groups: the organisations of the smaller ones are
        drawn together (:func:`_fold_groups`).

    Returns
    -------
    Drawing
        Nodes sorted by kind and name; one edge per (drawn source, drawn recipient), linking to the
        flow (one flow), the flows list for the pair (several), or the map with the group
        expanded (an edge of a group). Organisations with no flow in view (other than
        ``filters.organisation``) are not drawn but listed in :attr:`Drawing.unlinked`.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> g = nx.MultiDiGraph()
    >>> for i in range(4):
    ...     g.add_node(f"s{i}", name=f"School {i}", kind="education")
    >>> g.add_node("c", name="Council", kind="local_authority")
    >>> g.add_node("r", name="Research unit", kind="research")
    >>> for i in range(4):
    ...     _ = g.add_edge(f"s{i}", "c", key=f"F{i}", categories=("health",))
    >>> paths = SimpleNamespace(organisation="/o/{}".format, flow="/f/{}".format,
    ...     flows=lambda s, r: "/f", map=lambda f, **c: "/map?expand=" + ",".join(sorted(c["expand"])))
    >>> drawing = lay_out(g, paths, overview_max=3)
    >>> [(n.label, n.url) for n in drawing.nodes], drawing.unlinked
    ([('Schools and colleges (4)', '/map?expand=education'), ('Council', '/o/c')], (('r', 'Research unit'),))
    >>> [(e.source, e.recipient, e.count, e.special) for e in drawing.edges]
    [('kind:education', 'c', 4, True)]
    """
    centre = filters.organisation if filters.organisation in graph else None
    drawn = [n for n in graph.nodes if graph.degree(n) > 0 or n == centre]
    shown = set(drawn)
    unlinked = sorted(
        ((n, str(graph.nodes[n].get("name", n))) for n in graph.nodes if n not in shown),
        key=lambda pair: (pair[1].casefold(), pair[0]),
    )
    overview = not filters.detail and len(drawn) > overview_max
    grouping = filters.grouping
    group_keys = _group_keys(graph, (n for n in drawn if n != centre), grouping)
    if overview:
        group_keys = _fold_groups(graph, group_keys, overview_max_groups)
    by_group: dict[str, list[str]] = {}
    for node, key in group_keys.items():
        by_group.setdefault(key, []).append(node)
    names = _group_names(graph, grouping)
    drawn_as: dict[str, str] = {n: n for n in drawn}
    clusters: dict[str, int] = {}
    groups: list[MapGroup] = []
    nodes: list[MapNode] = []
    for key, members in by_group.items():
        if key in filters.expand or len(members) < 2:
            continue
        if not overview and len(members) <= threshold:
            continue
        group_id = f"{grouping}:{key}"
        if grouping == "kind":
            clusters[key] = len(members)
        members.sort(key=lambda m: (str(graph.nodes[m].get("name", m)).casefold(), m))
        for m in members:
            drawn_as[m] = group_id
        name = names.get(key, key)
        label = f"{name} ({len(members)})"
        member_names = [graph.nodes[m].get("name", m) for m in members[:_TOOLTIP_MEMBERS]]
        more = len(members) - len(member_names)
        url = links.map(filters, expand=filters.expand | {key})
        groups.append(MapGroup(group_id, grouping, key, name, tuple(members), url))
        kinds = {graph.nodes[m].get("kind", "other") for m in members}
        nodes.append(
            MapNode(
                id=group_id,
                label=label,
                kind=kinds.pop() if len(kinds) == 1 else "other",
                url=url,
                tooltip="\n".join(
                    [
                        f"{label}: drawn as one node",
                        *member_names,
                        *([f"… and {more} more"] if more else []),
                        "Select to show each one",
                    ]
                ),
                severity=worst(graph.nodes[m].get("severity") for m in members),
                members=tuple(members),
            )
        )
    for node in drawn:
        if drawn_as[node] != node:
            continue
        data = graph.nodes[node]
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
    keys_of = {g.id: g.key for g in groups}

    grouped: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    for u, v, k in graph.edges(keys=True):
        grouped.setdefault((drawn_as[u], drawn_as[v]), []).append((u, v, k))
    edges = []
    for (du, dv), flows in grouped.items():
        flows.sort(key=lambda e: e[2])
        datas = [graph.edges[e] for e in flows]
        expand = {keys_of[n] for n in (du, dv) if n in keys_of}
        if expand:
            url = links.map(filters, expand=filters.expand | expand)
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
                decided=tuple(
                    f"{f.code} ({k})"
                    for (_, _, k), d in zip(flows, datas, strict=True)
                    for f in d.get("decided", ())
                ),
            )
        )
    edges.sort(key=lambda e: (e.source_label.casefold(), e.recipient_label.casefold(), e.source, e.recipient))
    groups.sort(key=lambda g: (g.name.casefold(), g.key))
    return Drawing(
        title=_title(graph, filters),
        nodes=tuple(nodes),
        edges=tuple(edges),
        clusters=clusters,
        groups=tuple(groups),
        unlinked=tuple(unlinked),
        overview=overview,
    )
