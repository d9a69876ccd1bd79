"""What the map's analyses find on a graph from :func:`~.build.build_graph`.

Each is a free function of the graph: who shares with the most partners (:func:`hubs`), who
receives special category or criminal offence data (:func:`sensitive_recipients`), where data may
travel on under a flow with problems (:func:`flagged_chains`), and what loses its cover if an
agreement ends (:func:`agreement_reach`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

from ..domain import SEVERITIES
from ..scope import worst
from .selection import CATEGORY_GROUPS, FLAGGED_SEVERITIES


@dataclass(frozen=True)
class Hub:
    """An organisation and how widely it shares."""

    key: str
    name: str
    partners: int
    sends_to: int
    receives_from: int
    flows: int


def hubs(graph: nx.MultiDiGraph[str], limit: int | None = None) -> list[Hub]:
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


def sensitive_recipients(graph: nx.MultiDiGraph[str]) -> list[SensitiveRecipient]:
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
    carried: Iterable[tuple[str, str, str, Iterable[str]]] = graph.edges(
        keys=True, data="categories", default=()
    )
    for u, v, k, categories in carried:
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


def flagged_chains(graph: nx.MultiDiGraph[str]) -> list[OnwardChain]:
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
        feeding: Iterable[tuple[str, str, Iterable[str]]] = graph.in_edges(via, data="categories", default=())
        for source, _, carried in feeding:
            if source != via:
                incoming.setdefault(source, set()).update(carried)
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
    found.sort(key=lambda c: (SEVERITIES.index(c.severity), -len(c.sources), c.via, c.recipient))
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


def agreement_reach(graph: nx.MultiDiGraph[str], agreement: str) -> AgreementReach:
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
    graph: nx.MultiDiGraph[str], agreements: Iterable[str] | None = None
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
    agreement_of: Iterable[tuple[str, str, str, str | None]] = graph.edges(keys=True, data="agreement")
    for u, v, k, a in agreement_of:
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
