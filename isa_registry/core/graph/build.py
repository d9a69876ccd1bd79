"""The registry as a graph, on a date, and the part of it a selection shows.

:func:`build_graph` makes a networkx ``MultiDiGraph`` with a node per organisation and an edge per
flow live on the date (:func:`flow_live_on`); the flows not live are *left out*, not faded, so
that the picture, the table and the analyses all answer "who shares what on that date" and agree
with each other. :func:`filter_graph` narrows it by a :class:`~.selection.MapFilters`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import networkx as nx

from ..domain import Finding, Registry
from ..scope import flow_live_on, worst
from .selection import CATEGORY_GROUPS, FLAGGED_SEVERITIES, MapFilters


def _findings_by_subject(findings: Iterable[Finding]) -> dict[tuple[str, str], list[Finding]]:
    grouped: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        grouped.setdefault((f.subject_type, f.subject_key), []).append(f)
    return grouped


def build_graph(
    registry: Registry,
    findings: Iterable[Finding],
    as_of: date | None = None,
    decided: Iterable[Finding] = (),
) -> nx.MultiDiGraph[str]:
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
    decided : iterable of Finding, optional
        Findings decided on (accepted or not applicable, :mod:`isa_registry.core.decisions`),
        left out of ``findings``: they do not colour the map, but each edge and node names its
        own as ``decided``.

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
    decided_by_subject = _findings_by_subject(decided)
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    graph.graph["as_of"] = as_of
    graph.graph["agreements"] = {
        a.key: {
            "title": a.title,
            "status": a.status,
            "end_date": a.end_date.isoformat() if a.end_date else None,
        }
        for a in registry.agreements.values()
    }

    def problems(subject_type: str, key: str) -> dict[str, Any]:
        """A node's or an edge's findings, the worst severity among them and those decided on."""
        own = tuple(by_subject.get((subject_type, key), ()))
        return {
            "findings": own,
            "severity": worst(f.severity for f in own),
            "decided": tuple(decided_by_subject.get((subject_type, key), ())),
        }

    for org in registry.organisations.values():
        graph.add_node(
            org.key,
            name=org.name,
            kind=org.kind,
            public_authority=org.public_authority,
            status=org.status,
            successor=org.successor,
            **problems("organisation", org.key),
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
                    decided=(),
                )
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
            **problems("flow", flow.key),
        )
    graph.graph["left_out"] = left_out
    return graph


def _carries(categories: Iterable[str], wanted: str) -> bool:
    group = CATEGORY_GROUPS.get(wanted)
    return any(c in group for c in categories) if group is not None else wanted in categories


def filter_graph(graph: nx.MultiDiGraph[str], filters: MapFilters) -> nx.MultiDiGraph[str]:
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
        remaining: nx.MultiDiGraph[str] = nx.MultiDiGraph(edges)
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
    sub: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    sub.graph.update(graph.graph)
    sub.add_nodes_from((n, graph.nodes[n]) for n in graph.nodes if n in nodes)
    # The stubs type add_edges_from for (u, v) and (u, v, data) only, not a multigraph's (u, v, key, data).
    sub.add_edges_from((u, v, k, graph.edges[u, v, k]) for u, v, k in edges)  # type: ignore[misc]
    return sub
