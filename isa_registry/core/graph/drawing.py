"""The map as drawn for people: crowded kinds clustered, parallel flows merged, every mark linked.

:func:`lay_out` turns a graph from :func:`~.build.build_graph` into a :class:`Drawing` of
:class:`MapNode` and :class:`MapEdge`, each with a label, a tooltip and a link. Where the links go
is the caller's business (:class:`Links`): the web app's pages, for the page and the command alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

import networkx as nx

from ..domain import Finding
from ..law import CATEGORIES
from .build import worst
from .selection import MapFilters
from .styles import CLUSTER_LABELS, KIND_LABELS

__all__ = [
    "CLUSTER_THRESHOLD",
    "LAYERED_MAX_EDGES",
    "SPRING_MAX_NODES",
    "Drawing",
    "Links",
    "MapEdge",
    "MapNode",
    "lay_out",
]

#: A kind with more organisations than this in view is drawn as one cluster node.
CLUSTER_THRESHOLD = 12

#: dot's layered layout, with curved edges routed around nodes, suits a partnership map, but its
#: time grows steeply with the edges (and the ranks they span): 150 edges take about a second,
#: 400 take a minute. Drawings with more edges are laid out as a network instead, with straight
#: edges: by neato, or by sfdp when they also have many nodes.
LAYERED_MAX_EDGES = 200
SPRING_MAX_NODES = 300

_CLUSTER_PREFIX = "kind:"  # keys cannot hold ':' (isa-registry/1), so cluster ids never clash
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


def lay_out(
    graph: nx.MultiDiGraph[str],
    links: Links,
    filters: MapFilters = MapFilters(),
    threshold: int = CLUSTER_THRESHOLD,
) -> Drawing:
    """Lay ``graph`` out for people: cluster crowded kinds and merge parallel flows.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        A graph from :func:`~.build.build_graph` (usually narrowed by :func:`~.build.filter_graph`).
    links : Links
        Where nodes and edges link to.
    filters : MapFilters
        Kinds in ``filters.expand`` are never clustered, nor is ``filters.organisation``; links to
        clusters keep the other filters.
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
    # The stubs type nodes(data=<attribute>) as yielding the whole attribute dict, not its value.
    for node, kind in cast(Iterable[tuple[str, str]], graph.nodes(data="kind", default="other")):
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
                decided=tuple(
                    f"{f.code} ({k})"
                    for (_, _, k), d in zip(flows, datas, strict=True)
                    for f in d.get("decided", ())
                ),
            )
        )
    edges.sort(key=lambda e: (e.source_label.casefold(), e.recipient_label.casefold(), e.source, e.recipient))
    return Drawing(title=_title(graph, filters), nodes=tuple(nodes), edges=tuple(edges), clusters=clusters)
