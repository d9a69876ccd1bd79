"""The law a flow relies on, in the words a document prints: labels and plain-English summaries.

The labels are the record pages' (:mod:`isa_registry.core.law`), and each provision's summary is
its one plain-English sentence, so a document says what the flow page says.
"""

from __future__ import annotations

from collections.abc import Iterable

from .. import vocabulary
from ..domain import Flow
from ..law import (
    ANNEX1,
    ARTICLE6,
    ARTICLE9,
    CATEGORIES,
    SCHEDULE1,
    SCHEDULE8,
    annex1_label,
    article6_label,
    article9_label,
    lookup_legislation,
    schedule1_label,
    schedule8_label,
)
from .model import Link, Text

__all__ = [
    "category_text",
    "gateways",
    "law_summaries",
    "lawful_basis",
    "part3",
    "schedule1",
    "special_condition",
    "subjects_text",
    "transfer_text",
]

NOT_RECORDED = "Not recorded"


def category_text(code: str) -> str:
    """A category's label, marked when it is special category or criminal offence data.

    >>> category_text("health")
    'Health (physical and mental) (special category)'
    """
    entry = CATEGORIES.get(code)
    if entry is None:
        return code
    if entry.kind == "special":
        return f"{entry.label} (special category)"
    if entry.kind == "criminal":
        return f"{entry.label} (criminal offence data)"
    return entry.label


def subjects_text(codes: Iterable[str]) -> str:
    """Data subjects in words, the vocabulary's labels where it has them."""
    labels = vocabulary.DATA_SUBJECT.labels()
    return ", ".join(labels.get(c, c.replace("_", " ")) for c in codes) or NOT_RECORDED


def lawful_basis(flow: Flow) -> str:
    """The Art 6(1) basis, with the Annex 1 condition for a recognised legitimate interest."""
    if not flow.article6:
        return NOT_RECORDED if flow.regime == "uk_gdpr" else "Not applicable (Part 3)"
    label = article6_label(flow.article6)
    if flow.recognised_interest:
        label += f"; {annex1_label(flow.recognised_interest)}"
    return label


def special_condition(flow: Flow) -> str:
    """The Art 9(2) condition, or that none is recorded."""
    return article9_label(flow.article9) if flow.article9 else "None"


def schedule1(flow: Flow) -> str:
    """The DPA 2018 Schedule 1 conditions, and whether under official authority (Art 10)."""
    parts = [schedule1_label(p) for p in flow.schedule1]
    if flow.official_authority:
        parts.append("Under official authority (Art 10)")
    return "; ".join(parts) or "None"


def part3(flow: Flow) -> str:
    """The DPA 2018 Part 3 basis and Schedule 8 conditions, for law enforcement processing."""
    if flow.regime != "law_enforcement":
        return "Not applicable"
    parts = []
    if flow.law_enforcement_basis:
        parts.append(vocabulary.LAW_ENFORCEMENT_BASIS[flow.law_enforcement_basis].label)
    parts += [schedule8_label(p) for p in flow.schedule8]
    return "; ".join(parts) or NOT_RECORDED


def gateways(flow: Flow) -> Text:
    """The statutory gateways, each linked to legislation.gov.uk."""
    out: list[str | Link] = []
    for identifier in flow.legislation:
        if out:
            out.append("; ")
        entry = lookup_legislation(identifier)
        if entry is None:
            out.append(Link(identifier, f"https://www.legislation.gov.uk/{identifier}"))
        else:
            label = entry.citation if entry.title == entry.citation else f"{entry.citation} {entry.title}"
            out.append(Link(label, entry.url))
    return tuple(out) or ("None recorded",)


def transfer_text(flow: Flow) -> str:
    """The international transfer and its safeguard, or that there is none."""
    t = flow.international_transfer
    if t is None:
        return "None"
    safeguard = vocabulary.TRANSFER_SAFEGUARD[t.safeguard].label if t.safeguard else "no safeguard recorded"
    return f"{t.country}: {safeguard}"


def law_summaries(flows: Iterable[Flow]) -> tuple[Text, ...]:
    """Each provision the flows rely on, once, with its plain-English summary, in citation order."""
    seen: dict[str, str] = {}
    for f in flows:
        if f.article6 and f.article6 in ARTICLE6:
            seen[f"1 {f.article6}"] = f"{article6_label(f.article6)}: {ARTICLE6[f.article6].summary}"
        if f.recognised_interest and f.recognised_interest in ANNEX1:
            seen[f"2 {f.recognised_interest}"] = (
                f"{annex1_label(f.recognised_interest)}: {ANNEX1[f.recognised_interest].summary}"
            )
        if f.article9 and f.article9 in ARTICLE9:
            seen[f"3 {f.article9}"] = f"{article9_label(f.article9)}: {ARTICLE9[f.article9].summary}"
        for p in f.schedule1:
            if p in SCHEDULE1:
                seen[f"4 {int(''.join(c for c in p if c.isdigit())):03d}{p}"] = (
                    f"{schedule1_label(p)}: {SCHEDULE1[p].summary}"
                )
        for p in f.schedule8:
            if p in SCHEDULE8:
                seen[f"5 {int(''.join(c for c in p if c.isdigit())):03d}{p}"] = (
                    f"{schedule8_label(p)}: {SCHEDULE8[p].summary}"
                )
    return tuple((seen[k],) for k in sorted(seen))
