"""The partnership data map: the registry as a graph, its analyses, and its drawing in DOT.

Everything here is pure (no Flask, no database, no URLs) except :func:`run_dot`, the one place
that runs Graphviz. The pipeline, which the web page and the ``render-map`` command both run
through :func:`draw`:

1. :mod:`.selection`: what the map shows, a :class:`MapFilters` (organisation and depth,
   category, programme, agreement, flagged only), checked by :func:`filter_problems`.
2. :mod:`.build`: :func:`build_graph` turns a :class:`~isa_registry.core.domain.Registry` and its
   findings into a networkx ``MultiDiGraph`` of the flows live on a date (:func:`flow_live_on`),
   and :func:`filter_graph` narrows it by the filters.
3. :mod:`.analyses`: :func:`hubs`, :func:`sensitive_recipients`, :func:`flagged_chains` and
   :func:`agreement_reach`.
4. :mod:`.drawing`: :func:`lay_out` draws the graph for people: an overview that groups the
   organisations (by kind, programme or agreement) when more would be drawn than fit a page, or in
   detail, where only kinds beyond a threshold become one cluster node; the flows between the same
   two nodes become one edge with a count, each linked where the caller's :class:`Links` say.
   Organisations with no flow in view are listed, not drawn. :mod:`.legend` draws the key.
5. :mod:`.dot`: :func:`to_dot` writes the drawing as DOT, escaping every user-entered string
   (:func:`dot_string`), in the styles of :mod:`.styles`.
6. :mod:`.render`: :func:`run_dot` renders it, and :func:`inline_svg` makes the SVG safe to place
   in a page.

:mod:`.datamap` joins them: :func:`build_map` gives a :class:`DataMap` (the graph, the drawing and
the analyses, worked out when first asked for), :func:`map_json` its node-link JSON, and
:func:`draw` a :class:`MapFile` in any of the :data:`FORMATS`.

Examples
--------
>>> from datetime import date
>>> from isa_registry.core.domain import Flow, Organisation, Registry
>>> from isa_registry.core.graph import build_graph, hubs
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

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ..scope import flow_live_on, worst

if TYPE_CHECKING:
    from .analyses import (
        AgreementReach,
        Hub,
        OnwardChain,
        SensitiveRecipient,
        SensitiveSource,
        agreement_reach,
        agreement_reaches,
        flagged_chains,
        hubs,
        sensitive_recipients,
    )
    from .build import build_graph, filter_graph
    from .datamap import (
        FORMATS,
        DataMap,
        DrawOptions,
        MapFile,
        PictureCache,
        build_map,
        draw,
        drawing_json,
        map_json,
    )
    from .dot import RENDER_VERSION, SENSITIVE_MARKS, dot_string, edge_label, to_dot
    from .drawing import (
        CLUSTER_THRESHOLD,
        LAYERED_MAX_EDGES,
        OVERVIEW_MAX_GROUPS,
        OVERVIEW_MAX_ORGANISATIONS,
        SPRING_MAX_NODES,
        Drawing,
        Links,
        MapEdge,
        MapGroup,
        MapNode,
        lay_out,
    )
    from .legend import LegendItem, LegendSection, legend
    from .render import DotNotFound, RenderError, inline_svg, run_dot
    from .selection import (
        CATEGORY_GROUPS,
        FLAGGED_SEVERITIES,
        GROUPINGS,
        NO_GROUP,
        OTHER_GROUPS,
        MapFilters,
        filter_problems,
    )
    from .styles import CLUSTER_LABELS, KIND_LABELS, KIND_STYLES, SEVERITY_COLOURS, SEVERITY_PENWIDTHS

#: The module that defines each name of the package. networkx is a large import, so the
#: modules are imported when one of their names is first asked for (PEP 562), not with the
#: package: a command or page that draws no map never imports it.
_MODULES: dict[str, tuple[str, ...]] = {
    "analyses": (
        "AgreementReach",
        "Hub",
        "OnwardChain",
        "SensitiveRecipient",
        "SensitiveSource",
        "agreement_reach",
        "agreement_reaches",
        "flagged_chains",
        "hubs",
        "sensitive_recipients",
    ),
    "build": (
        "build_graph",
        "filter_graph",
    ),
    "datamap": (
        "FORMATS",
        "DataMap",
        "DrawOptions",
        "MapFile",
        "PictureCache",
        "build_map",
        "draw",
        "drawing_json",
        "map_json",
    ),
    "dot": (
        "RENDER_VERSION",
        "SENSITIVE_MARKS",
        "dot_string",
        "edge_label",
        "to_dot",
    ),
    "drawing": (
        "CLUSTER_THRESHOLD",
        "LAYERED_MAX_EDGES",
        "OVERVIEW_MAX_GROUPS",
        "OVERVIEW_MAX_ORGANISATIONS",
        "SPRING_MAX_NODES",
        "Drawing",
        "Links",
        "MapEdge",
        "MapGroup",
        "MapNode",
        "lay_out",
    ),
    "legend": (
        "LegendItem",
        "LegendSection",
        "legend",
    ),
    "render": (
        "DotNotFound",
        "RenderError",
        "inline_svg",
        "run_dot",
    ),
    "selection": (
        "CATEGORY_GROUPS",
        "FLAGGED_SEVERITIES",
        "GROUPINGS",
        "NO_GROUP",
        "OTHER_GROUPS",
        "MapFilters",
        "filter_problems",
    ),
    "styles": (
        "CLUSTER_LABELS",
        "KIND_LABELS",
        "KIND_STYLES",
        "SEVERITY_COLOURS",
        "SEVERITY_PENWIDTHS",
    ),
}
_WHERE = {name: module for module, names in _MODULES.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})


__all__ = [
    "CATEGORY_GROUPS",
    "CLUSTER_LABELS",
    "CLUSTER_THRESHOLD",
    "FLAGGED_SEVERITIES",
    "FORMATS",
    "GROUPINGS",
    "KIND_LABELS",
    "KIND_STYLES",
    "LAYERED_MAX_EDGES",
    "NO_GROUP",
    "OTHER_GROUPS",
    "OVERVIEW_MAX_GROUPS",
    "OVERVIEW_MAX_ORGANISATIONS",
    "RENDER_VERSION",
    "SENSITIVE_MARKS",
    "SEVERITY_COLOURS",
    "SEVERITY_PENWIDTHS",
    "SPRING_MAX_NODES",
    "AgreementReach",
    "DataMap",
    "DotNotFound",
    "DrawOptions",
    "Drawing",
    "Hub",
    "LegendItem",
    "LegendSection",
    "Links",
    "MapEdge",
    "MapFile",
    "MapFilters",
    "MapGroup",
    "MapNode",
    "OnwardChain",
    "PictureCache",
    "RenderError",
    "SensitiveRecipient",
    "SensitiveSource",
    "agreement_reach",
    "agreement_reaches",
    "build_graph",
    "build_map",
    "dot_string",
    "draw",
    "drawing_json",
    "edge_label",
    "filter_graph",
    "filter_problems",
    "flagged_chains",
    "flow_live_on",
    "hubs",
    "inline_svg",
    "lay_out",
    "legend",
    "map_json",
    "run_dot",
    "sensitive_recipients",
    "to_dot",
    "worst",
]
