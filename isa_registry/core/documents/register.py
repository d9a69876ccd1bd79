"""The public register of agreements: what the partnership publishes about each agreement it marks
for publication, and nothing else.

An agreement is listed when its ``publish`` flag is set, it is not a draft and not archived. Each
entry holds its title, key, status, parties, purpose, lawful bases and statutes, categories of
data and dates; never a finding, a user, a signatory's name or an audit entry.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from typing import Any

from .. import vocabulary
from ..domain import Agreement, Registry
from ..law import article6_label, article9_label, lookup_legislation, schedule1_label, schedule8_label
from .law_words import category_text

__all__ = ["COLUMNS", "RegisterEntry", "is_published", "register_csv", "register_entries", "register_json"]


@dataclass(frozen=True)
class RegisterEntry:
    """One agreement as the public register shows it."""

    key: str
    title: str
    status: str
    parties: tuple[str, ...]
    purpose: str
    lawful_bases: tuple[str, ...]
    special_category_conditions: tuple[str, ...]
    statutes: tuple[tuple[str, str], ...]
    data_categories: tuple[str, ...]
    start_date: str
    review_date: str
    end_date: str


#: The CSV's columns: (heading, attribute).
COLUMNS = (
    ("Reference", "key"),
    ("Title", "title"),
    ("Status", "status"),
    ("Parties", "parties"),
    ("Purpose", "purpose"),
    ("Lawful bases", "lawful_bases"),
    ("Special category and criminal offence conditions", "special_category_conditions"),
    ("Statutes", "statutes"),
    ("Categories of data", "data_categories"),
    ("Start date", "start_date"),
    ("Review date", "review_date"),
    ("End date", "end_date"),
)


def is_published(agreement: Agreement) -> bool:
    """Whether the agreement belongs on the public register: marked for it, not a draft, not archived."""
    return agreement.publish and agreement.status != "draft" and not agreement.archived


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))


def register_entries(registry: Registry) -> list[RegisterEntry]:
    """The published agreements, by key."""
    entries = []
    roles = vocabulary.PARTY_ROLE.labels()
    for key in sorted(registry.agreements):
        a = registry.agreements[key]
        if not is_published(a):
            continue
        flows = [f for f in registry.flows.values() if f.agreement == key and not f.archived]
        flows.sort(key=lambda f: f.key)
        categories = list(a.data_categories) + [c for f in flows for c in f.data_categories]
        statutes: dict[str, str] = {}
        for f in flows:
            for identifier in f.legislation:
                entry = lookup_legislation(identifier)
                label = (
                    (entry.citation if entry.title == entry.citation else f"{entry.citation} {entry.title}")
                    if entry
                    else identifier
                )
                statutes.setdefault(
                    label, entry.url if entry else f"https://www.legislation.gov.uk/{identifier}"
                )
        entries.append(
            RegisterEntry(
                key=a.key,
                title=a.title,
                status=vocabulary.AGREEMENT_STATUS[a.status].label,
                parties=tuple(
                    f"{registry.organisation_name(p.organisation)} ({roles.get(p.role, p.role).lower()})"
                    for p in a.parties
                ),
                purpose=a.purpose,
                lawful_bases=_unique([article6_label(f.article6) for f in flows]),
                special_category_conditions=_unique(
                    [article9_label(f.article9) for f in flows]
                    + [schedule1_label(p) for f in flows for p in f.schedule1]
                    + [schedule8_label(p) for f in flows for p in f.schedule8]
                ),
                statutes=tuple(sorted(statutes.items())),
                data_categories=_unique([category_text(c) for c in categories]),
                start_date=a.start_date.isoformat() if a.start_date else "",
                review_date=a.review_date.isoformat() if a.review_date else "",
                end_date=a.end_date.isoformat() if a.end_date else "",
            )
        )
    return entries


def register_json(entries: list[RegisterEntry]) -> dict[str, Any]:
    """The register as a JSON object: ``{"agreements": [...]}``."""
    out = []
    for e in entries:
        record = asdict(e)
        record["statutes"] = [{"title": t, "url": u} for t, u in e.statutes]
        for name in ("parties", "lawful_bases", "special_category_conditions", "data_categories"):
            record[name] = list(record[name])
        for name in ("start_date", "review_date", "end_date"):
            record[name] = record[name] or None
        out.append(record)
    return {"agreements": out}


def _cell(value: Any) -> str:
    if isinstance(value, tuple):
        value = "; ".join(v[0] if isinstance(v, tuple) else v for v in value)
    text = str(value)
    # A cell that a spreadsheet would read as a formula is written as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def register_csv(entries: list[RegisterEntry]) -> io.BytesIO:
    """The register as CSV (UTF-8 with a byte-order mark, for spreadsheets), one row per agreement."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([heading for heading, _ in COLUMNS])
    for e in entries:
        writer.writerow([_cell(getattr(e, name)) for _, name in COLUMNS])
    return io.BytesIO(("\ufeff" + text.getvalue()).encode("utf-8"))
