"""The sharing sections of one organisation's privacy notice, from the live flows on a date.

What UK GDPR Articles 13(1)(c)-(f) and 14(1)(c)-(f) and 14(2)(f) ask a notice to say about
sharing: who the organisation shares personal data with and who shares it with the organisation,
for what purposes, under which lawful basis (and Article 9 condition and statute), which
categories of data, how long the recipient keeps it, and transfers outside the UK. Grouped by
purpose, then by recipient (or source), in plain English. Only flows sharing data on the date
count (:func:`isa_registry.core.scope.flow_shares_on`): ceased, archived and not-yet-started flows
are left out. Anonymised flows are described separately, as not personal data.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date

from .. import vocabulary
from ..domain import Flow, Registry
from ..law import ARTICLE6, ARTICLE9, SCHEDULE1, article6_label, article9_label, schedule1_label
from ..scope import PERSONAL_DATA, flow_shares_on
from . import law_words as words
from .agreement import document_date
from .model import Block, Bullets, Document, Inline, Paragraph, Section, Text, content_hash

__all__ = ["live_flows", "privacy_notice"]


def live_flows(registry: Registry, key: str, as_of: date) -> list[Flow]:
    """The flows to or from organisation ``key`` that share data on ``as_of``, by key."""
    return sorted(
        (f for f in registry.flows.values() if key in (f.source, f.recipient) and flow_shares_on(f, as_of)),
        key=lambda f: f.key,
    )


def _purpose(f: Flow) -> str:
    return f.programme or f.name


def _categories(flows: list[Flow]) -> str:
    codes = list(dict.fromkeys(c for f in flows for c in f.data_categories))
    return "; ".join(words.category_text(c) for c in codes) or "not recorded"


def _basis(flows: list[Flow]) -> list[Text]:
    lines: list[Text] = []
    for code in dict.fromkeys(f.article6 for f in flows if f.article6):
        summary = ARTICLE6[code].summary if code in ARTICLE6 else ""
        lines.append((f"Lawful basis: {article6_label(code)}. {summary}".strip(),))
    for code in dict.fromkeys(f.article9 for f in flows if f.article9):
        summary = ARTICLE9[code].summary if code in ARTICLE9 else ""
        lines.append((f"For special category data: {article9_label(code)}. {summary}".strip(),))
    for para in dict.fromkeys(p for f in flows for p in f.schedule1):
        summary = SCHEDULE1[para].summary if para in SCHEDULE1 else ""
        lines.append(
            (f"Condition in the Data Protection Act 2018: {schedule1_label(para)}. {summary}".strip(),)
        )
    if any(f.regime == "law_enforcement" for f in flows):
        lines.append(
            (
                "Some of this is processed for law enforcement purposes, under Part 3 of the "
                "Data Protection Act 2018.",
            )
        )
    gateways: list[Inline] = []
    for f in flows:
        for piece in words.gateways(f):
            if (
                piece != "None recorded"
                and piece not in gateways
                and not (isinstance(piece, str) and piece == "; ")
            ):
                gateways.append(piece)
    if gateways:
        text: list[Inline] = ["The law that allows or requires it: "]
        for i, g in enumerate(gateways):
            text += (["; "] if i else []) + [g]
        lines.append((*text, "."))
    return lines


def _retention(flows: list[Flow]) -> str:
    kept = list(dict.fromkeys(f.retention for f in flows if f.retention))
    return "; ".join(kept) if kept else "not recorded"


def _group(registry: Registry, flows: list[Flow], other: str, heading: str, verb: str) -> list[Section]:
    """Sections by purpose, each with a subsection per organisation on the other side."""
    by_purpose: dict[str, dict[str, list[Flow]]] = defaultdict(lambda: defaultdict(list))
    for f in flows:
        by_purpose[_purpose(f)][getattr(f, other)].append(f)
    sections = []
    for purpose in sorted(by_purpose):
        subs = []
        for org in sorted(by_purpose[purpose], key=registry.organisation_name):
            group = by_purpose[purpose][org]
            blocks: list[Block] = [
                Paragraph((f"{verb}: {_categories(group)}.",)),
                Paragraph(
                    (
                        "About: "
                        + words.subjects_text(dict.fromkeys(s for f in group for s in f.data_subjects))
                        + ".",
                    )
                ),
            ]
            why = list(dict.fromkeys(f.purpose for f in group if f.purpose))
            if why:
                blocks.append(Paragraph(("Why: " + " ".join(why),)))
            basis = _basis(group)
            if basis:
                blocks.append(Bullets(tuple(basis)))
            if other == "recipient":
                blocks.append(Paragraph((f"How long they keep it: {_retention(group)}.",)))
            subs.append(Section(registry.organisation_name(org), tuple(blocks)))
        sections.append(Section(f"{heading}: {purpose}", (), tuple(subs)))
    return sections


def privacy_notice(registry: Registry, key: str, as_of: date) -> Document:
    """The sharing sections of organisation ``key``'s privacy notice, as of ``as_of``.

    Raises KeyError for an organisation the registry does not hold.
    """
    org = registry.organisations[key]
    flows = live_flows(registry, key, as_of)
    personal = [f for f in flows if f.identifiability in PERSONAL_DATA]
    anonymised = [f for f in flows if f.identifiability not in PERSONAL_DATA]
    sent = [f for f in personal if f.source == key]
    received = [f for f in personal if f.recipient == key]
    sections: list[Section] = []
    if sent:
        sections.append(
            Section(
                "Who we share your information with",
                (
                    Paragraph(
                        (
                            f"{org.name} shares personal information with these organisations, "
                            "for these purposes.",
                        )
                    ),
                ),
                tuple(_group(registry, sent, "recipient", "For", "What we share")),
            )
        )
    else:
        sections.append(
            Section(
                "Who we share your information with",
                (
                    Paragraph(
                        (
                            "We do not share personal information with partner organisations "
                            "under these arrangements.",
                        )
                    ),
                ),
            )
        )
    if received:
        sections.append(
            Section(
                "Who shares your information with us",
                (
                    Paragraph(
                        (
                            "We receive personal information about you from these organisations "
                            "(where we did not collect it from you).",
                        )
                    ),
                ),
                tuple(_group(registry, received, "source", "For", "What they share with us")),
            )
        )
    transfers = [f for f in personal if f.international_transfer]
    transfer_blocks: list[Block]
    if transfers:
        transfer_blocks = [
            Bullets(
                tuple(
                    (f"{registry.organisation_name(f.recipient)}: {words.transfer_text(f)}",)
                    for f in transfers
                )
            )
        ]
    else:
        transfer_blocks = [Paragraph(("None of this information is sent outside the UK.",))]
    sections.append(Section("Sending information outside the UK", tuple(transfer_blocks)))
    if anonymised:
        labels = vocabulary.IDENTIFIABILITY.labels()
        sections.append(
            Section(
                "Information that does not identify you",
                (
                    Paragraph(
                        (
                            f"{labels['anonymised']} information is not personal data: nobody can be "
                            "identified from it. We also share or receive it as follows.",
                        )
                    ),
                    Bullets(
                        tuple(
                            (
                                f"{_purpose(f)}: from {registry.organisation_name(f.source)} to "
                                f"{registry.organisation_name(f.recipient)}"
                                + (f" ({f.purpose})" if f.purpose else ""),
                            )
                            for f in anonymised
                        )
                    ),
                ),
            )
        )
    produced = document_date(as_of)
    document = Document(
        title=f"How {org.name} shares your information",
        caption="Privacy notice: sharing with partners",
        details=(("Organisation", org.name), ("As of", produced), ("Flows described", str(len(flows)))),
        sections=tuple(sections),
        footer=f"Privacy notice sections for {org.key}, from the registry on {produced}",
    )
    return replace(document, content_hash=content_hash(document))
