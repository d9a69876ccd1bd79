"""The key to the map, drawn: each kind's shape and fill and each line style, as small SVG symbols.

The symbols come from the same tables as the picture (:data:`~.styles.KIND_STYLES`,
:data:`~.styles.SEVERITY_COLOURS`, :data:`~.styles.SEVERITY_PENWIDTHS`), so the key cannot drift
from what Graphviz draws. Every string in the SVG is fixed here or a colour from those tables: no
user-entered text, so the page may place it as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from .dot import SENSITIVE_MARKS
from .styles import KIND_LABELS, KIND_STYLES, SEVERITY_COLOURS, SEVERITY_PENWIDTHS

_W, _H = 48, 28
_INK = "#0b0c0c"

#: Each Graphviz node shape the map uses, as SVG elements in a 48 by 28 box (``{fill}`` filled in).
_SHAPES: dict[str, str] = {
    "box": '<rect x="4" y="5" width="40" height="18"/>',
    "rounded": '<rect x="4" y="5" width="40" height="18" rx="6"/>',
    "ellipse": '<ellipse cx="24" cy="14" rx="20" ry="10"/>',
    "egg": '<path d="M22 4C33 4 44 9 44 15S34 24 22 24S4 21 4 14S12 4 22 4Z"/>',
    "hexagon": '<polygon points="4,14 13,4 35,4 44,14 35,24 13,24"/>',
    "octagon": '<polygon points="4,10 12,3 36,3 44,10 44,18 36,25 12,25 4,18"/>',
    "doubleoctagon": (
        '<polygon points="4,10 12,3 36,3 44,10 44,18 36,25 12,25 4,18"/>'
        '<polygon points="8,11 14,6 34,6 40,11 40,17 34,22 14,22 8,17"/>'
    ),
    "house": '<polygon points="4,12 24,3 44,12 44,25 4,25"/>',
    "invhouse": '<polygon points="4,3 44,3 44,16 24,25 4,16"/>',
    "trapezium": '<polygon points="12,4 36,4 44,24 4,24"/>',
    "invtrapezium": '<polygon points="4,4 44,4 36,24 12,24"/>',
    "note": '<polygon points="4,4 36,4 44,11 44,24 4,24"/><polyline points="36,4 36,11 44,11" fill="none"/>',
    "box3d": (
        '<polygon points="4,9 39,9 39,25 4,25"/><polygon points="4,9 9,4 44,4 39,9"/>'
        '<polygon points="39,9 44,4 44,20 39,25"/>'
    ),
}


@dataclass(frozen=True)
class LegendItem:
    """One entry of the key: its symbol (an SVG element, hidden from assistive technology, whose
    meaning the label gives) and what it means."""

    svg: str
    label: str


@dataclass(frozen=True)
class LegendSection:
    """A heading of the key and its entries."""

    title: str
    items: tuple[LegendItem, ...]


def _svg(body: str) -> str:
    return (
        f'<svg class="app-map-legend__symbol" width="{_W}" height="{_H}" viewBox="0 0 {_W} {_H}" '
        f'aria-hidden="true" focusable="false">{body}</svg>'
    )


def _shape(shape: str, fill: str, stroke: str = _INK, dashed: bool = False) -> str:
    dash = ' stroke-dasharray="4,2"' if dashed else ""
    return _svg(f'<g fill="{fill}" stroke="{stroke}" stroke-width="1.2"{dash}>{_SHAPES[shape]}</g>')


def _line(colour: str, width: str, dashed: bool = False, double: bool = False, text: str = "") -> str:
    dash = ' stroke-dasharray="5,3"' if dashed else ""
    ys = (11, 17) if double else (14,)
    lines = "".join(
        f'<line x1="2" y1="{y}" x2="38" y2="{y}" stroke="{colour}" stroke-width="{width}"{dash}/>' for y in ys
    )
    arrow = f'<polygon points="38,9 46,14 38,19" fill="{colour}"/>'
    label = (
        f'<text x="20" y="10" font-size="10" font-family="Helvetica, Arial, sans-serif" '
        f'text-anchor="middle" fill="{colour}">{text}</text>'
        if text
        else ""
    )
    return _svg(lines + arrow + label)


def legend() -> tuple[LegendSection, ...]:
    """The key to the map: what each line and each organisation's shape means.

    Examples
    --------
    >>> sections = legend()
    >>> [s.title for s in sections]
    ['Lines', 'Organisations']
    >>> police = next(i for i in sections[1].items if i.label == "Police")
    >>> "<polygon points=\\"4,14 13,4" in police.svg and 'fill="#dcd8ec"' in police.svg
    True
    """
    grey = SEVERITY_COLOURS[None]
    lines = (
        LegendItem(
            _line(SEVERITY_COLOURS["error"], SEVERITY_PENWIDTHS["error"]),
            "A flow with an error finding (thick red)",
        ),
        LegendItem(
            _line(SEVERITY_COLOURS["warning"], SEVERITY_PENWIDTHS["warning"]),
            "A flow with a warning finding (thick orange)",
        ),
        LegendItem(_line(grey, "1.2"), "No open problem found (thin grey)"),
        LegendItem(_line(grey, "1.2", dashed=True), "Planned, not yet sharing (dashed)"),
        LegendItem(
            _line(grey, "1.2", double=True, text=" ".join(SENSITIVE_MARKS.values())),
            "Carries special category data (S) or criminal offence data (C): a double line",
        ),
        LegendItem(_line(grey, "1.2", text="12"), "A number on a line: how many flows it stands for"),
    )
    kinds = []
    for kind, (shape, fill) in KIND_STYLES.items():
        kinds.append(LegendItem(_shape("rounded" if kind == "education" else shape, fill), KIND_LABELS[kind]))
    organisations = (
        *kinds,
        LegendItem(
            _shape("box3d", "#f3f2f1"),
            "A group of organisations, with how many it holds: select it to show each one",
        ),
        LegendItem(
            _shape("box", "#f3f2f1", SEVERITY_COLOURS["error"]),
            "Red or orange outline: the organisation has an error or warning finding of its own",
        ),
        LegendItem(_shape("box", "#f3f2f1", dashed=True), "Dashed outline: dissolved or archived"),
    )
    return (LegendSection("Lines", lines), LegendSection("Organisations", organisations))
