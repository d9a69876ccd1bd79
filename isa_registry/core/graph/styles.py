"""How the map names and draws each kind of organisation and each severity of finding.

The map's own vocabulary tables, in one place: a kind's label and its plural for a cluster node,
its node shape and fill, and the colour and line width of each severity.
"""

from __future__ import annotations

from ..vocabulary import ORGANISATION_KIND

#: What a node's tooltip calls each kind of organisation ("School or college").
KIND_LABELS: dict[str, str] = ORGANISATION_KIND.labels("short_label")
#: How a cluster of each kind is named ("Schools and colleges (104)").
CLUSTER_LABELS: dict[str, str] = ORGANISATION_KIND.labels("plural")
#: Node shape and fill for each kind (shapes tell kinds apart without relying on colour).
KIND_STYLES: dict[str, tuple[str, str]] = ORGANISATION_KIND.styles()

#: Edge and outline colours by worst severity (GOV.UK red and orange, and dark grey otherwise).
SEVERITY_COLOURS: dict[str | None, str] = {
    "error": "#d4351c",
    "warning": "#f47738",
    "info": "#505a5f",
    None: "#505a5f",
}
#: Edge line widths by worst severity (other edges are drawn 1.2 wide).
SEVERITY_PENWIDTHS: dict[str, str] = {"error": "3", "warning": "2.5"}
