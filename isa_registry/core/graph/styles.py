"""How the map names and draws each kind of organisation and each severity of finding.

The map's own vocabulary tables, in one place: a kind's label and its plural for a cluster node,
its node shape and fill, and the colour and line width of each severity.
"""

from __future__ import annotations

__all__ = ["CLUSTER_LABELS", "KIND_LABELS", "KIND_STYLES", "SEVERITY_COLOURS", "SEVERITY_PENWIDTHS"]

#: What a node's tooltip calls each kind of organisation.
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
#: Edge line widths by worst severity (other edges are drawn 1.2 wide).
SEVERITY_PENWIDTHS: dict[str, str] = {"error": "3", "warning": "2.5"}
