"""One selection's map, from the registry to a file: the pipeline the page and the command share.

:func:`draw` builds the graph for a date, narrows it by the filters, lays it out and gives a
:class:`MapFile` in the format asked for; its :class:`DataMap` holds the graph, the drawing and the
analyses (worked out when first asked for). Pictures come from Graphviz through a
:class:`PictureCache` if the caller keeps one, so a picture already drawn is not drawn again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol, cast

import networkx as nx

from ..domain import Finding, Registry
from . import render
from .analyses import (
    AgreementReach,
    Hub,
    OnwardChain,
    SensitiveRecipient,
    agreement_reaches,
    flagged_chains,
    hubs,
    sensitive_recipients,
)
from .build import build_graph, filter_graph
from .dot import to_dot
from .drawing import CLUSTER_THRESHOLD, Drawing, Links, lay_out
from .selection import MapFilters

#: What each output format is served as.
FORMATS: dict[str, str] = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "pdf": "application/pdf",
    "dot": "text/vnd.graphviz; charset=utf-8",
    "json": "application/json",
}


@dataclass
class DataMap:
    """Everything the page, the downloads and the command show for one set of filters.

    The analyses are worked out when first asked for, so that a picture download, which needs only
    the drawing, does not pay for them.
    """

    filters: MapFilters
    as_of: date
    full: nx.MultiDiGraph[str]
    graph: nx.MultiDiGraph[str]
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
        covers: Iterable[tuple[str, str, str | None]] = self.full.edges(data="agreement")
        covering = {a for _, _, a in covers if a}
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
    links: Links,
    threshold: int = CLUSTER_THRESHOLD,
    full: nx.MultiDiGraph[str] | None = None,
) -> DataMap:
    """Build the graph for ``as_of``, narrow it by ``filters`` and draw it; the analyses follow
    on demand (:class:`DataMap`).

    ``findings`` are the rules' findings for ``as_of``. The hubs, sensitive recipients and
    flagged chains describe what the filters select; each agreement's reach counts every flow live
    on ``as_of``. ``full``, if given, is :func:`~.build.build_graph` of the same registry, findings
    and date, built before (the web app keeps one per registry revision); it is not changed.
    """
    if full is None:
        full = build_graph(registry, findings, as_of)
    graph = filter_graph(full, filters)
    drawing = lay_out(graph, links, filters, threshold)
    return DataMap(filters=filters, as_of=as_of, full=full, graph=graph, drawing=drawing)


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


def drawing_json(drawing: Drawing) -> dict[str, Any]:
    """What the picture drew: whether it is the grouped overview, the groups drawn as one node
    (with their members), and the organisations not drawn because no flow in view touches them."""
    return {
        "overview": drawing.overview,
        "groups": [
            {"id": g.id, "grouping": g.grouping, "key": g.key, "name": g.name, "members": list(g.members)}
            for g in drawing.groups
        ],
        "nodes": [n.id for n in drawing.nodes],
        "not_drawn": [key for key, _ in drawing.unlinked],
    }


def map_json(data_map: DataMap, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The map as JSON: networkx node-link data of the organisations in view (never groups),
    with the filters, the date, what the picture drew (:func:`drawing_json`) and the analyses."""
    links = nx.node_link_data(data_map.graph, edges="edges")
    # _json_value maps a dict to a dict.
    return cast(
        dict[str, Any],
        _json_value(
            {
                "format": "isa-registry-map/1",
                "as_of": data_map.as_of,
                "filters": data_map.filters.as_dict(),
                "flows_left_out": data_map.left_out,
                **(extra or {}),
                "drawn": drawing_json(data_map.drawing),
                "graph": links,
                "analyses": {
                    "hubs": [asdict(h) for h in data_map.hubs],
                    "sensitive_recipients": [asdict(r) for r in data_map.sensitive],
                    "flagged_chains": [asdict(c) for c in data_map.chains],
                    "agreement_reach": [asdict(r) for r in data_map.reach],
                },
            }
        ),
    )


@dataclass(frozen=True)
class DrawOptions:
    """How the map is drawn: the settings the web app and the command read from their config.

    Attributes
    ----------
    dot : str
        The Graphviz ``dot`` program.
    timeout : float
        Seconds ``dot`` may take.
    threshold : int
        A kind with more organisations than this in view is drawn as one cluster node.
    slots : render.DotSlots, optional
        How many ``dot`` programs may run at once on the host, and how long to wait for a turn.
    """

    dot: str = "dot"
    timeout: float = 60.0
    threshold: int = CLUSTER_THRESHOLD
    slots: render.DotSlots | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> DrawOptions:
        """The options an app's settings give: ``GRAPHVIZ_DOT``, ``MAP_DOT_TIMEOUT`` (seconds) and
        ``MAP_CLUSTER_THRESHOLD``, each optional; with ``MAP_CACHE_DIR``, the slots for running
        ``dot`` kept in it: ``MAP_DOT_CONCURRENCY`` of them (default 2; 0 for no limit), waited for
        up to ``MAP_DOT_WAIT`` seconds (default 5).

        Examples
        --------
        >>> DrawOptions.from_settings({"MAP_DOT_TIMEOUT": "5"})
        DrawOptions(dot='dot', timeout=5.0, threshold=12)
        >>> DrawOptions.from_settings({"MAP_CACHE_DIR": "/tmp/maps", "MAP_DOT_CONCURRENCY": 3}).slots
        DotSlots(directory=PosixPath('/tmp/maps/.dot-slots'), count=3, wait=5.0)
        """
        slots = None
        count = int(settings.get("MAP_DOT_CONCURRENCY", 2))
        if settings.get("MAP_CACHE_DIR") and count > 0:
            slots = render.DotSlots(
                Path(settings["MAP_CACHE_DIR"]) / ".dot-slots",
                count,
                float(settings.get("MAP_DOT_WAIT", 5.0)),
            )
        return cls(
            dot=settings.get("GRAPHVIZ_DOT", cls.dot),
            timeout=float(settings.get("MAP_DOT_TIMEOUT", cls.timeout)),
            threshold=int(settings.get("MAP_CLUSTER_THRESHOLD", cls.threshold)),
            slots=slots,
        )


class PictureCache(Protocol):
    """Where pictures of one map (one registry revision, filters and date) already drawn are kept."""

    def get(self, fmt: str) -> bytes | None:
        """The picture in ``fmt`` if it is kept, else None."""
        ...

    def put(self, fmt: str, body: bytes) -> None:
        """Keep the picture in ``fmt``."""
        ...


@dataclass
class MapFile:
    """The map in one format (:data:`FORMATS`), and the :class:`DataMap` it shows."""

    data_map: DataMap
    fmt: str
    make: Callable[[], bytes] = field(repr=False)

    @property
    def media_type(self) -> str:
        """What the file is served as."""
        return FORMATS[self.fmt]

    @cached_property
    def body(self) -> bytes:
        """The file's bytes, made when first asked for.

        Raises
        ------
        RenderError
            Graphviz could not draw the picture (:func:`~.render.run_dot`).
        """
        return self.make()


def draw(
    registry: Registry,
    findings: Iterable[Finding],
    filters: MapFilters,
    as_of: date,
    fmt: str,
    *,
    links: Links,
    options: DrawOptions = DrawOptions(),
    full: nx.MultiDiGraph[str] | None = None,
    cache: PictureCache | None = None,
    extra: Mapping[str, Any] | None = None,
    legend: bool = True,
) -> MapFile:
    """The map of ``registry`` on ``as_of``, as ``filters`` select it, as a file in ``fmt``.

    Parameters
    ----------
    registry : Registry
        The organisations, agreements and flows.
    findings : iterable of Finding
        The rules' findings for ``as_of``.
    filters : MapFilters
        What the map shows (checked beforehand with :func:`~.selection.filter_problems`).
    as_of : date
        The date the map is drawn for.
    fmt : str
        ``svg``, ``png`` or ``pdf`` (drawn by Graphviz), ``dot`` (its source) or ``json``
        (:func:`map_json`).
    links : Links
        Where the drawing's nodes and edges link to.
    options : DrawOptions
        The ``dot`` program, its time limit and the cluster threshold.
    full : networkx.MultiDiGraph, optional
        :func:`~.build.build_graph` of the same registry, findings and date, if built before.
    cache : PictureCache, optional
        Where pictures already drawn are kept; a picture drawn here is put there.
    extra : mapping, optional
        More top-level members of the JSON (the registry's revision).
    legend : bool
        Whether the picture holds its key (a page shows its own, :func:`~.legend.legend`).

    Returns
    -------
    MapFile
        Its ``body`` is made when first asked for, so the map's table and analyses can be shown
        even when Graphviz cannot draw it.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from isa_registry.core.domain import Flow, Organisation
    >>> registry = Registry.of(
    ...     [Organisation("wmp", "West Midlands Police", "police", True),
    ...      Organisation("dudley", "Dudley Council", "local_authority", True)],
    ...     flows=[Flow("F1", "MASH referrals", "wmp", "dudley", "identifiable")],
    ... )
    >>> paths = SimpleNamespace(organisation="/o/{}".format, flow="/f/{}".format,
    ...                         flows=lambda s, r: "/f", map=lambda filters, **changes: "/map")
    >>> drawn = draw(registry, [], MapFilters(), date(2026, 11, 23), "dot", links=paths)
    >>> drawn.media_type, drawn.body.splitlines()[0]
    ('text/vnd.graphviz; charset=utf-8', b'digraph map {')
    >>> [e.flows for e in drawn.data_map.drawing.edges]
    [('F1',)]
    """
    if fmt not in FORMATS:
        raise ValueError(f"The map is not drawn as {fmt!r}.")
    data_map = build_map(registry, findings, filters, as_of, links, options.threshold, full)

    def make() -> bytes:
        if fmt == "json":
            return json.dumps(map_json(data_map, extra), indent=2).encode()
        if fmt == "dot":
            return data_map.dot(legend).encode()
        return _picture(lambda: data_map.dot(legend), fmt, options, cache)

    return MapFile(data_map, fmt, make)


def _picture(source: Callable[[], str], fmt: str, options: DrawOptions, cache: PictureCache | None) -> bytes:
    """The picture from ``cache``, or drawn by dot (from ``source``, made only then) and kept."""
    kept = cache.get(fmt) if cache is not None else None
    if kept is not None:
        return kept
    body = render.run_dot(source(), fmt, dot=options.dot, timeout=options.timeout, slots=options.slots)
    if cache is not None:
        cache.put(fmt, body)
    return body
