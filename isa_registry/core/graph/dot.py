"""The drawing as DOT source: styles by kind and severity, the legend, and the layout to use.

Every user-entered string goes through :func:`dot_string`, so that no name can end its quotes,
become an HTML-like label or add a node.
"""

from __future__ import annotations

import re
import textwrap

from .drawing import Drawing, MapEdge
from .selection import FLAGGED_SEVERITIES
from .styles import KIND_STYLES, SEVERITY_COLOURS, SEVERITY_PENWIDTHS

#: What an edge's label adds when its flows carry special category or criminal offence data (the
#: edge is also drawn as a double line).
SENSITIVE_MARKS = {"special": "S", "criminal": "C"}

#: Bump when the drawing changes, so that renders cached by an older release are not served.
RENDER_VERSION = 4

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


def tooltip_string(text: str) -> str:
    r"""``text`` as a quoted DOT string for a tooltip, which Graphviz shows exactly as written.

    Graphviz reads a tooltip's escapes twice: ``\\N`` in a tooltip becomes ``\N`` and then the
    node's name (``\\L`` its label, ``\\T`` and ``\\H`` an edge's ends, ``\\n`` a line break). So
    each backslash is written four times, and the second reading sees ``\\``, a backslash.
    Otherwise as :func:`dot_string`.

    >>> print(tooltip_string(r"a\N"))
    "a\\\\N"
    """
    return dot_string(text).replace("\\\\", "\\\\\\\\")


#: The attributes whose escapes Graphviz reads twice (see :func:`tooltip_string`).
_TOOLTIPS = frozenset({"tooltip", "labeltooltip", "headtooltip", "tailtooltip", "edgetooltip"})


def _attrs(**attrs: str | None) -> str:
    """A DOT attribute list; every value is quoted with :func:`dot_string` (a tooltip with
    :func:`tooltip_string`)."""
    return ", ".join(
        f"{name}={(tooltip_string if name in _TOOLTIPS else dot_string)(value)}"
        for name, value in attrs.items()
        if value is not None
    )


#: A group's label is wrapped wider than an organisation's, so that every kind's ("Voluntary
#: organisations (24)") stays on one line; an agreement's long title takes several.
_GROUP_WIDTH = 30


def _wrap(text: str, width: int = 24, lines: int = 4) -> str:
    wrapped = textwrap.wrap(text, width) or [text]
    if len(wrapped) > lines:
        wrapped = [*wrapped[: lines - 1], wrapped[lines - 1] + " …"]
    return "\n".join(wrapped)


_LEGEND = """<<table border="0" cellborder="0" cellspacing="2" cellpadding="2">
<tr><td colspan="2" align="left"><b>Key</b></td></tr>
<tr><td width="36" height="3" bgcolor="#d4351c"></td><td align="left">Flow with an error finding</td></tr>
<tr><td width="36" height="3" bgcolor="#f47738"></td><td align="left">Flow with a warning finding</td></tr>
<tr><td width="36" height="1" bgcolor="#505a5f"></td><td align="left">Flow with no problem found</td></tr>
<tr><td align="center">- - -</td><td align="left">Planned flow</td></tr>
<tr><td align="center">[- -]</td><td align="left">Dissolved organisation</td></tr>
<tr><td align="center">n</td><td align="left">Number of flows it stands for</td></tr>
<tr><td align="center">S C</td><td align="left">Double line: special (S) or criminal (C) data</td></tr>
<tr><td align="center">[n]</td><td align="left">A 3D box: a group of n organisations</td></tr>
</table>>"""


def edge_label(edge: MapEdge) -> str | None:
    """What is written on an edge: its number of flows when more than one or when it joins a
    group, then S and C when they carry special category or criminal offence data.

    Examples
    --------
    >>> from dataclasses import replace
    >>> edge = MapEdge("a", "b", "A", "B", ("F1", "F2"), ("health",), None, False, "/f", "")
    >>> edge_label(edge), edge_label(replace(edge, flows=("F1",), categories=()))
    ('2 S', None)
    """
    parts = [str(edge.count)] if edge.count > 1 or edge.clustered else []
    parts += [mark for name, mark in SENSITIVE_MARKS.items() if getattr(edge, name)]
    return " ".join(parts) or None


def to_dot(drawing: Drawing, legend: bool = True) -> str:
    """The drawing as DOT source, every user-entered string escaped by :func:`dot_string`.

    Nodes are shaped and filled by kind (:data:`KIND_STYLES`), outlined in the colour of their own
    worst finding, dashed when dissolved; clusters are drawn as 3D boxes. Edges are coloured and
    thickened by worst severity (:data:`SEVERITY_COLOURS`), dashed when every flow is planned,
    drawn as a double line when they carry special category or criminal offence data, and
    labelled on the edge by :func:`edge_label`. Every node and edge carries a
    link (``URL``) and a tooltip. The optional legend is fixed text. The layout is
    :attr:`Drawing.layout`, named in the source so that ``dot`` itself picks the engine.
    """
    if drawing.overview:
        # A few group nodes and many edges between them: a spring layout (Kamada-Kawai, curved
        # edges) keeps it about as wide as it is tall, where columns would run off the page. Before
        # removing overlaps, prism spreads the layout by a multiple of the average label's size
        # (4 by default); programmes' and agreements' labels run to four lines, and spread 4 times
        # they pushed the M registry's agreement overview to 1,337 pt wide; 2 times, 849 pt.
        # Routing curved edges round the nodes is what takes the time once a group is expanded
        # into many organisations (M's other agreements, 179 nodes and 885 edges: over 150 s,
        # against 0.5 s with straight edges), so past LAYERED_MAX_EDGES the edges are straight,
        # as the page says of a map drawn as a network.
        layout = {
            "layout": "neato",
            "mode": "KK",
            "overlap": "prism",
            "overlap_scaling": "-2",
            "splines": "true" if drawing.layout == "dot" else "false",
            "sep": "+10",
        }
    elif drawing.layout == "dot":
        layout = {"rankdir": "LR", "ranksep": "1.1", "nodesep": "0.3"}
    else:
        layout = {"layout": drawing.layout, "overlap": "prism", "splines": "false", "sep": "+6"}
    title = {"label": _wrap(drawing.title, 70, 3), "tooltip": drawing.title, "labelloc": "t"}
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
        label = _wrap(node.label, _GROUP_WIDTH) if node.is_cluster else _wrap(node.label)
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
        marks = edge_label(edge)
        attrs = _attrs(
            color=f"{colour}:invis:{colour}" if edge.special or edge.criminal else colour,
            fontcolor=colour,
            penwidth=SEVERITY_PENWIDTHS.get(edge.severity or "", "1.2"),
            style="dashed" if edge.planned else None,
            label=marks,
            labeltooltip=edge.tooltip if marks else None,
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
