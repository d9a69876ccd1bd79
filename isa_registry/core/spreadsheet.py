"""ISA logs kept in spreadsheets: reading them into an ``isa-registry/1`` document, and the template.

Pure code (no Flask, no database). :func:`read_tabular` reads an Excel workbook (``.xlsx``) or a CSV
file into the document that :func:`isa_registry.core.exchange.parse_document` validates and the import
writes; :func:`write_template` writes the blank template that ``docs/import-template.md`` documents.

A workbook has up to three sheets, **Organisations**, **Agreements** and **Flows** (names matched
ignoring case and spacing, with a few synonyms; a workbook with none of them is read as a single
sheet of flows). A CSV file is either a log of flows alone, or, with a **Record type** column, a
mix of organisations, agreements and flows, one per row.

Partnerships' own logs title their columns in many ways, so every column is matched by its title
ignoring case, spacing and punctuation, against the template's title and the synonyms people use
(:data:`COLUMNS`): ``ISA reference`` or ``Agreement ref`` for the agreement, ``From`` or
``Disclosing organisation`` for the source, ``Lawful basis`` for Article 6 and so on. Values are
read generously: ``6(1)(e)``, ``e`` and ``public task`` are the same basis; lists may be separated by
semicolons, commas or new lines; dates may be Excel dates, ISO dates or dd/mm/yyyy; yes/no may be
Yes/No, Y/N, True/False or 1/0; an organisation may be named instead of keyed when the name matches
exactly one organisation. Columns the reader does not know are ignored.

Nothing is guessed: a value that cannot be read is a problem, reported with its sheet, its row
number as the spreadsheet shows it and its field (``Flows sheet row 7 (FLOW-012)``, ``article6``),
and :class:`isa_registry.core.exchange.InvalidDocument` lists every problem at once, so that nothing is
imported until the whole file is right.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import IO, Any

from . import dates, domain, exchange, records, vocabulary
from .exchange import ImportLimits, InvalidDocument, Problem, read_limited, size_words
from .law import (
    ANNEX1,
    ARTICLE6,
    ARTICLE9,
    CATEGORIES,
    LEGISLATION,
    SCHEDULE1,
    SCHEDULE8,
    normalise_identifier,
)
from .ropa import xml_safe

__all__ = [
    "COLUMNS",
    "RECORD_TYPE_TITLE",
    "SHEETS",
    "SHEET_TITLES",
    "Column",
    "normalise_title",
    "read_tabular",
    "write_template",
]

#: The record types, in the order their sheets appear.
SHEETS = ("organisations", "agreements", "flows")
#: The template's sheet titles.
SHEET_TITLES = {"organisations": "Organisations", "agreements": "Agreements", "flows": "Flows"}
_SHEET_SYNONYMS = {
    "organisations": ("organisations", "organisation", "organizations", "organization", "orgs", "partners"),
    "agreements": (
        "agreements",
        "agreement",
        "isas",
        "isa",
        "dsas",
        "information sharing agreements",
        "data sharing agreements",
    ),
    "flows": ("flows", "flow", "data flows", "information flows", "sharing", "flows of data"),
}
#: The column of a mixed CSV that says what each row is.
RECORD_TYPE_TITLE = "Record type"
_RECORD_TYPE_SYNONYMS = ("record type", "record", "type of record", "record kind", "sheet")
_RECORD_TYPE_VALUES = {
    "organisations": ("organisation", "organisations", "organization", "organizations", "org", "partner"),
    "agreements": ("agreement", "agreements", "isa", "dsa", "dpa"),
    "flows": ("flow", "flows", "data flow", "sharing"),
}

_NONE_WORDS = frozenset({"", "n a", "na", "none", "no", "nil", "not applicable"})


def normalise_title(text: Any) -> str:
    """A title or a value as compared: lower case, punctuation and spacing folded to single spaces."""
    return re.sub(r"[^a-z0-9]+", " ", str(text).lower().replace("\u00a0", " ")).strip()


class _Bad(ValueError):
    """A value that cannot be read; the message says what is wanted."""


# --- Values ------------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).replace("\u00a0", " ").strip()
    return text or None


def _parse_text(value: Any) -> str | None:
    return _text(value)


_EXCEL_EPOCH = date(1899, 12, 30)
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}


def _parse_date(value: Any) -> str | None:
    day = _date_of(value)
    if day is None:
        return None
    if not dates.in_range(day):
        raise _Bad(f"'{_text(value)}' is not {dates.RANGE_WORDS}")
    return day.isoformat()


def _date_of(value: Any) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # An Excel serial date in a cell without a date format.
        if 1 <= value < 200000:
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise _Bad(f"{value!r} is not a date")
    text = str(value).strip()
    try:
        m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?", text)
        if m:
            return date(int(m[1]), int(m[2]), int(m[3]))
        m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})", text)
        if m:
            year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
            return date(year, int(m[2]), int(m[1]))
        m = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})", text)
        if m and m[2][:3].lower() in _MONTHS:
            return date(int(m[3]), _MONTHS[m[2][:3].lower()], int(m[1]))
    except ValueError as exc:
        raise _Bad(f"'{text}' is not a real date ({exc})") from exc
    raise _Bad(f"'{text}' is not a date: write it as an Excel date, 2026-11-23 or 23/11/2026")


_TRUE = frozenset({"yes", "y", "true", "t", "1", "x"})
_FALSE = frozenset({"no", "n", "false", "f", "0"})


def _bool(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if value in (0, 1):
            return bool(value)
        raise _Bad(f"{value!r} is not Yes or No")
    text = str(value).strip()
    if not text:
        return None
    if text in ("\u2713", "\u2714"):
        return True
    word = normalise_title(text)
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise _Bad(f"'{text}' is not Yes or No")


def _parse_bool_optional(value: Any) -> bool | None:
    return _bool(value)


def _parse_bool_required(value: Any) -> bool:
    result = _bool(value)
    if result is None:
        raise _Bad("is required: Yes or No")
    return result


def _split(value: Any, commas: bool = True) -> list[str]:
    """Items of a list cell: separated by semicolons, new lines (and commas), never inside brackets."""
    text = _text(value)
    if text is None:
        return []
    separators = ";\n\r|" + ("," if commas else "")
    items: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(depth - 1, 0)
        if ch in separators and depth == 0:
            items.append("".join(current))
            current = []
        else:
            current.append(ch)
    items.append("".join(current))
    return [i.strip() for i in items if i.strip() and normalise_title(i) not in _NONE_WORDS]


def _enum(
    choices: Mapping[str, Iterable[str]], what: str, default: str | None = None
) -> Callable[[Any], Any]:
    """A parser for one of ``choices`` (code -> other words for it), or ``default`` when blank."""
    table: dict[str, str] = {}
    for code, words in choices.items():
        table[normalise_title(code)] = code
        for word in words:
            table[normalise_title(word)] = code
    listing = ", ".join(choices)

    def parse(value: Any) -> str | None:
        text = _text(value)
        if text is None:
            return default
        code = table.get(normalise_title(text))
        if code is None:
            raise _Bad(f"'{text}' is not {what} (one of: {listing})")
        return code

    return parse


def _words(v: vocabulary.Vocabulary) -> dict[str, tuple[str, ...]]:
    """Code -> the words a spreadsheet may use for it: its label (what the template's drop-down
    offers, :func:`_drop_down`) and its synonyms."""
    labels = v.labels()
    return {code: (labels[code], *words) for code, words in v.synonyms().items()}


def _drop_down(choices: tuple[str, ...]) -> tuple[str, ...]:
    """What a template's drop-down offers for a column of ``choices`` (codes): their labels in the
    forms' order when they are a vocabulary's codes, else the choices themselves. Excel separates a
    list's items with commas, so a comma in a label becomes a slash; the reader folds punctuation
    to spaces, so either spelling reads as the same code.

    >>> _drop_down(domain.ORGANISATION_KINDS)[3], _drop_down(("Yes", "No"))
    ('Education (school/college or academy)', ('Yes', 'No'))
    """
    for v in vocabulary.VOCABULARIES.values():
        if set(v.codes) == set(choices):
            return tuple(label.replace(", ", "/").replace(",", "/") for label in v.choices().values())
    return choices


_KINDS = _words(vocabulary.ORGANISATION_KIND)
_ORG_STATUSES = _words(vocabulary.ORGANISATION_STATUS)
_AGREEMENT_STATUSES = _words(vocabulary.AGREEMENT_STATUS)
_FLOW_STATUSES = _words(vocabulary.FLOW_STATUS)
_IDENTIFIABILITY = _words(vocabulary.IDENTIFIABILITY)
_REGIMES = _words(vocabulary.REGIME)
_LE_BASES = _words(vocabulary.LAW_ENFORCEMENT_BASIS)
_SAFEGUARDS = _words(vocabulary.TRANSFER_SAFEGUARD)
_ROLES = _words(vocabulary.PARTY_ROLE)


def _title_table(provisions: Mapping[str, Any], extra: Mapping[str, str]) -> list[tuple[str, str]]:
    """(words, code) pairs to look for in free text, longest first so that "public health" wins
    over "health"."""
    pairs = {normalise_title(p.title): code for code, p in provisions.items()}
    pairs.update({normalise_title(k): v for k, v in extra.items()})
    return sorted(pairs.items(), key=lambda kv: -len(kv[0]))


_A6_TITLES = _title_table(
    ARTICLE6,
    {
        "recognized legitimate interest": "ea",
        "legitimate interest": "f",
        "public interest": "e",
        "official authority": "e",
        "vital interest": "d",
    },
)
_A9_TITLES = _title_table(
    ARTICLE9,
    {
        "health and social care": "h",
        "social care": "h",
        "employment": "b",
        "social protection": "b",
        "made public": "e",
        "legal claims": "f",
        "archiving": "j",
        "research": "j",
    },
)


def _provision(
    point: tuple[str, str], letters: str, titles: list[tuple[str, str]], what: str
) -> Callable[[Any], str | None]:
    """How a point of Art 6(1) or Art 9(2) is read: from ``6(1)(e)``, ``e``, ``(e)``, ``public
    task`` or ``Art 6(1)(e) public task``; None for a blank or N/A."""

    def parse(value: Any) -> str | None:
        text = _text(value)
        if text is None:
            return None
        words = normalise_title(text)
        if words in _NONE_WORDS:
            return None
        lowered = text.lower()
        by_point = re.search(
            rf"{point[0]}\s*[(.]?\s*{point[1]}\s*[).]?\s*[(.]?\s*({letters})(?![a-z])", lowered
        ) or re.fullmatch(rf"\W*({letters})\W*", lowered)
        by_title = next((code for title, code in titles if re.search(rf"\b{title}\b", words)), None)
        if by_point and by_title and by_point[1] != by_title:
            raise _Bad(f"'{text}' names two different {what}s: ({by_point[1]}) and ({by_title})")
        code = by_point[1] if by_point else by_title
        if code is None:
            raise _Bad(f"'{text}' is not {what}")
        return code

    return parse


_parse_article6 = _provision(
    ("6", "1"),
    "ea|[a-f]",
    _A6_TITLES,
    "an Article 6(1) lawful basis (write 6(1)(e), e or a name such as public task)",
)
_parse_article9 = _provision(
    ("9", "2"),
    "[a-j]",
    _A9_TITLES,
    "an Article 9(2) condition (write 9(2)(g), g or a name such as substantial public interest)",
)


def _paragraphs(conditions: Mapping[str, Any], schedule: str) -> Callable[[Any], list[str]]:
    titles = {normalise_title(c.title): code for code, c in conditions.items()}

    def parse(value: Any) -> list[str]:
        out: list[str] = []
        for item in _split(value):
            words = normalise_title(item)
            if words in titles:
                out.append(titles[words])
                continue
            rest = re.sub(
                rf"\b(dpa|data protection act)( 2018)?\b|\bsch(edule)? {schedule}\b|\bpart \d+\b", " ", words
            )
            rest = re.sub(r"\b(para|paragraph|paras|paragraphs|condition)\b", " ", rest).strip()
            if not rest:
                continue
            m = re.match(r"(\d{1,2}[a-z]?)\b", rest)
            if not m:
                raise _Bad(f"'{item}' is not a Schedule {schedule} paragraph number (such as 18)")
            out.append(m[1].upper())
        return list(dict.fromkeys(out))

    return parse


def _parse_annex1(value: Any) -> str | None:
    text = _text(value)
    if text is None or normalise_title(text) in _NONE_WORDS:
        return None
    words = normalise_title(text)
    for code, p in ANNEX1.items():
        if normalise_title(p.title) == words:
            return code
    m = re.search(r"\b(\d+)\b", re.sub(r"\bannex 1\b", " ", words))
    if not m:
        raise _Bad(f"'{text}' is not a UK GDPR Annex 1 paragraph (such as 6)")
    return m[1]


_CATEGORY_WORDS: dict[str, str] = {}
for _code, _category in CATEGORIES.items():
    _CATEGORY_WORDS[normalise_title(_code)] = _code
    _CATEGORY_WORDS[normalise_title(_category.label)] = _code


def _parse_categories(value: Any) -> list[str]:
    out, unknown = [], []
    for item in _split(value):
        words = normalise_title(re.sub(r"\((special category|criminal offence data)\)", "", item, flags=re.I))
        code = _CATEGORY_WORDS.get(words)
        if code is None:
            unknown.append(item)
        else:
            out.append(code)
    if unknown:
        raise _Bad(
            "not data category codes or names: "
            + ", ".join(f"'{u}'" for u in unknown)
            + " (see docs/import-template.md for the list)"
        )
    return list(dict.fromkeys(out))


_SUBJECTS = {
    normalise_title(word): code
    for code, words in vocabulary.DATA_SUBJECT.synonyms().items()
    for word in (code, *words)
}


def _parse_subjects(value: Any) -> list[str]:
    return list(dict.fromkeys(_SUBJECTS.get(normalise_title(i), i) for i in _split(value)))


_CITATIONS = {normalise_title(entry.citation): ident for ident, entry in LEGISLATION.items()}


def _parse_legislation(value: Any) -> list[str]:
    out = []
    for item in _split(value):
        if "/" in item:
            out.append(normalise_identifier(item) or item)
        else:
            out.append(_CITATIONS.get(normalise_title(item), item))
    return list(dict.fromkeys(out))


def _parse_key(value: Any) -> str | None:
    return _text(value)


# --- Columns -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of the template: the field it fills, its title, the other titles people use, how
    its values are read (``parse``), whether the template requires it and what to write in it."""

    field: str
    title: str
    synonyms: tuple[str, ...]
    parse: Callable[[Any], Any] = _parse_text
    required: bool = False
    help: str = ""
    choices: tuple[str, ...] = ()


def _c(
    field_name: str,
    title: str,
    synonyms: str,
    parse: Callable[[Any], Any] = _parse_text,
    required: bool = False,
    help: str = "",
    choices: Iterable[str] = (),
) -> Column:
    names = tuple(s.strip() for s in synonyms.split("|") if s.strip())
    return Column(field_name, title, names, parse, required, help, tuple(choices))


_DATE_HELP = "An Excel date, 2026-11-23 or 23/11/2026."
_CATEGORY_HELP = "Data category codes or names, separated by semicolons (see the list below)."
_ORG_HELP = "An organisation's key, or its name if that matches exactly one organisation."

#: Every column the reader knows, by record type, in the template's order.
COLUMNS: dict[str, tuple[Column, ...]] = {
    "organisations": (
        _c("key", "Key",
           "org key | organisation key | organization key | short name | code | org code | organisation "
           "code | id | org id | organisation id | identifier",
           parse=_parse_key,
           help="Short identifier: letters, digits, '.', '_' or '-'. Left blank, it is made from the name "
           "(West Midlands Police -> west-midlands-police)."),
        _c("name", "Name",
           "organisation | organisation name | organization | organization name | org name | legal name | "
           "full name | partner | partner name | agency | agency name",
           required=True,
           help="Full legal name."),
        _c("kind", "Kind",
           "type | organisation type | organization type | org type | sector | agency type",
           parse=_enum(_KINDS, "a kind of organisation"),
           required=True,
           choices=domain.ORGANISATION_KINDS,
           help="local_authority, health, police, education, cafcass, probation, youth_justice, courts, "
           "government, voluntary, research or other (also: council, NHS, school, charity, university...)."),
        _c("public_authority", "Public authority",
           "public body | is public authority | is a public authority",
           parse=_parse_bool_required,
           required=True,
           choices=("Yes", "No"),
           help="Yes or No: a public authority for UK GDPR Art 6(1) (DPA 2018 s7)."),
        _c("ico_registration", "ICO registration",
           "ico registration number | ico number | ico reg | ico reg no | ico ref | ico reference | data "
           "protection registration | registration number | ico",
           help="Registration number with the ICO."),
        _c("dpo_contact", "DPO contact",
           "dpo | dpo email | dpo mailbox | data protection officer | data protection officer contact | "
           "dpo contact details",
           help="The DPO's role mailbox, never a person's name."),
        _c("appropriate_policy_document", "Appropriate policy document",
           "apd | apd link | apd url | appropriate policy document link | appropriate policy document url",
           help="Link to the appropriate policy document (DPA 2018 Sch 1 Part 4)."),
        _c("status", "Status",
           "organisation status | organization status",
           parse=_enum(_ORG_STATUSES, "an organisation status", "active"),
           choices=domain.ORGANISATION_STATUSES,
           help="active (the default) or dissolved."),
        _c("successor", "Successor",
           "successor organisation | successor organization | replaced by | succeeded by",
           help="For a dissolved body, who took over. " + _ORG_HELP),
        _c("address", "Address",
           "postal address | registered address",
           help="Postal address."),
        _c("telephone", "Telephone",
           "phone | tel | telephone number | phone number",
           help="Telephone number."),
        _c("email", "Email",
           "email address | e mail | contact email",
           help="Contact email address."),
        _c("representative", "Representative",
           "uk representative | representative contact",
           help="Name and contact details of the UK representative, if any."),
        _c("archived", "Archived",
           "",
           parse=_parse_bool_optional,
           choices=("Yes", "No"),
           help="Yes to archive the record (default No)."),
    ),
    "agreements": (
        _c("key", "Key",
           "agreement key | isa reference | isa ref | isa no | isa number | isa id | agreement ref | "
           "agreement reference | agreement id | agreement number | dsa reference | dsa ref | reference | "
           "ref | isa",
           parse=_parse_key,
           required=True,
           help="The agreement's reference, e.g. DSPP-ISA-014."),
        _c("title", "Title",
           "agreement title | agreement name | isa title | isa name | name",
           required=True,
           help="The agreement's title."),
        _c("purpose", "Purpose",
           "purpose of sharing | purpose of the agreement | purposes",
           help="What the agreement is for."),
        _c("status", "Status",
           "agreement status | isa status",
           parse=_enum(_AGREEMENT_STATUSES, "an agreement status"),
           required=True,
           choices=domain.AGREEMENT_STATUSES,
           help="draft, active, under_review, expired or terminated (also: live, signed, in review...)."),
        _c("version", "Version",
           "version number | ver",
           help="Version, e.g. 2.1."),
        _c("owner", "Owner",
           "owner organisation | lead organisation | lead organization | lead agency | lead partner | "
           "agreement owner | isa owner | owning organisation",
           help="Who maintains the agreement. " + _ORG_HELP),
        _c("start_date", "Start date",
           "start | effective date | commencement date | date from | valid from | in force from",
           parse=_parse_date,
           help=_DATE_HELP),
        _c("review_date", "Review date",
           "next review | next review date | review due | review",
           parse=_parse_date,
           help=_DATE_HELP),
        _c("end_date", "End date",
           "end | expiry date | expiry | expires | date to | valid to | valid until",
           parse=_parse_date,
           help=_DATE_HELP),
        _c("parties", "Parties",
           "signatories | partners | party organisations | organisations | partner organisations",
           help="The parties, separated by semicolons, each optionally followed by its role and the date "
           "it signed in brackets: 'dudley (controller, signed 2026-01-05); wmp (joint controller); acme "
           "(processor, contract: DPA-2026-14)'. The role defaults to controller. A processor's "
           "processing contract (UK GDPR Art 28(3)) comes last in its brackets, after 'contract:', "
           "and may hold commas but not semicolons."),
        _c("controllers", "Controllers",
           "data controllers",
           help="Another way to list parties: the controllers, separated by semicolons."),
        _c("joint_controllers", "Joint controllers",
           "joint data controllers",
           help="The joint controllers, separated by semicolons."),
        _c("processors", "Processors",
           "data processors",
           help="The processors, separated by semicolons, each optionally followed by its processing "
           "contract's reference in brackets: 'acme (contract: DPA-2026-14)'."),
        _c("data_categories", "Data categories",
           "categories of data | categories of personal data | data shared | personal data | data items | "
           "data types | information shared",
           parse=_parse_categories,
           help=_CATEGORY_HELP),
        _c("document_url", "Document URL",
           "document | document link | link | url | link to agreement | signed copy | agreement document | "
           "location of agreement",
           help="Where the signed document lives."),
        _c("dpia_reference", "DPIA reference",
           "dpia | dpia ref | dpia link | data protection impact assessment",
           help="Reference of the DPIA, if any."),
        _c("archived", "Archived",
           "",
           parse=_parse_bool_optional,
           choices=("Yes", "No"),
           help="Yes to archive the record (default No)."),
    ),
    "flows": (
        _c("key", "Key",
           "flow key | flow id | flow ref | flow reference | flow number | flow no | id | ref | reference",
           parse=_parse_key,
           required=True,
           help="The flow's identifier, e.g. FLOW-012."),
        _c("name", "Name",
           "flow name | flow | title | data flow | description | flow description",
           required=True,
           help="A short name for the flow."),
        _c("source", "Source",
           "from | disclosing organisation | disclosing organization | disclosing org | disclosing party | "
           "disclosing agency | discloser | sender | sending organisation | provider | data provider | "
           "shared by | source organisation",
           required=True,
           help="The disclosing organisation. " + _ORG_HELP),
        _c("recipient", "Recipient",
           "to | receiving organisation | receiving organization | receiving org | receiving party | "
           "receiving agency | receiver | shared with | recipient organisation | data recipient",
           required=True,
           help="The receiving organisation. " + _ORG_HELP),
        _c("purpose", "Purpose",
           "purpose of sharing | purpose of processing | why shared | reason for sharing",
           help="Why the data is shared."),
        _c("programme", "Programme",
           "program | project | service | business function | workstream",
           help="The service or project it serves."),
        _c("agreement", "Agreement",
           "agreement key | agreement ref | agreement reference | isa | isa reference | isa ref | isa id | "
           "isa number | dsa | dsa reference | covering agreement",
           help="The agreement's key (or its exact title)."),
        _c("status", "Status",
           "flow status",
           parse=_enum(_FLOW_STATUSES, "a flow status", "active"),
           choices=domain.FLOW_STATUSES,
           help="planned, active (the default) or ceased."),
        _c("start_date", "Start date",
           "start | date from | start of sharing",
           parse=_parse_date,
           help=_DATE_HELP),
        _c("end_date", "End date",
           "end | date to | end of sharing",
           parse=_parse_date,
           help=_DATE_HELP),
        _c("identifiability", "Identifiability",
           "identifiable | identifiable data | level of identification | level of identifiability | "
           "anonymisation | anonymization",
           parse=_enum(_IDENTIFIABILITY, "identifiable, pseudonymised or anonymised"),
           required=True,
           choices=domain.IDENTIFIABILITY,
           help="identifiable, pseudonymised or anonymised (pseudonymised data is still personal data)."),
        _c("regime", "Regime",
           "data protection regime | legal regime",
           parse=_enum(_REGIMES, "a regime", "uk_gdpr"),
           choices=domain.REGIMES,
           help="uk_gdpr (the default) or law_enforcement (DPA 2018 Part 3)."),
        _c("data_subjects", "Data subjects",
           "categories of individuals | individuals | subjects | data subject categories | who the data is "
           "about",
           parse=_parse_subjects,
           help="e.g. children; parents_carers; household_members; professionals."),
        _c("data_categories", "Data categories",
           "categories of data | categories of personal data | data shared | personal data | data items | "
           "data types | information shared",
           parse=_parse_categories,
           help=_CATEGORY_HELP),
        _c("article6", "Article 6",
           "art 6 | article 6 basis | article 6 lawful basis | lawful basis | lawful basis article 6 | "
           "lawful basis for processing | legal basis | gdpr article 6 | uk gdpr article 6",
           parse=_parse_article6,
           help="The discloser's UK GDPR Art 6(1) basis: 6(1)(e), e or public task; a, b, c, d, e, ea or f."),
        _c("recognised_interest", "Recognised legitimate interest",
           "recognised interest | recognized legitimate interest | annex 1 | annex 1 condition | annex 1 "
           "paragraph",
           parse=_parse_annex1,
           help="With Article 6 (ea): the UK GDPR Annex 1 paragraph, e.g. 6."),
        _c("article9", "Article 9",
           "art 9 | article 9 condition | special category condition | special category data condition | "
           "condition for special category data | uk gdpr article 9",
           parse=_parse_article9,
           help="The UK GDPR Art 9(2) condition: 9(2)(g), g or substantial public interest."),
        _c("schedule1", "Schedule 1",
           "schedule 1 condition | schedule 1 conditions | schedule 1 paragraph | schedule 1 paragraphs | "
           "dpa 2018 schedule 1 | dpa schedule 1 | sch 1 | dpa 2018 schedule 1 condition",
           parse=_paragraphs(SCHEDULE1, "1"),
           help="DPA 2018 Schedule 1 paragraph numbers, e.g. 18 or 'Sch 1 para 18; para 10'."),
        _c("official_authority", "Official authority",
           "under official authority | article 10 official authority",
           parse=_parse_bool_optional,
           choices=("Yes", "No"),
           help="Yes if criminal offence data is processed under the control of official authority (Art "
           "10)."),
        _c("law_enforcement_basis", "Law enforcement basis",
           "section 35 basis | s35 basis | part 3 basis",
           parse=_enum(_LE_BASES, "a DPA 2018 s35(2) basis"),
           choices=domain.LAW_ENFORCEMENT_BASES,
           help="With regime law_enforcement: consent or task (DPA 2018 s35(2))."),
        _c("schedule8", "Schedule 8",
           "schedule 8 condition | schedule 8 conditions | sch 8 | dpa 2018 schedule 8",
           parse=_paragraphs(SCHEDULE8, "8"),
           help="With regime law_enforcement: DPA 2018 Schedule 8 paragraph numbers."),
        _c("legislation", "Legislation",
           "statutory gateway | statutory gateways | legal gateway | gateway | statutory basis | "
           "legislation ids | legal power",
           parse=_parse_legislation,
           help="legislation.gov.uk identifiers or links (ukpga/1989/41/section/47), or catalogued "
           "citations (Children Act 1989 s47), separated by semicolons."),
        _c("retention", "Retention",
           "retention period | retention schedule | how long kept",
           help="How long the recipient keeps it."),
        _c("transfer_country", "Transfer country",
           "third country | international transfer | international transfer country | country | "
           "transferred to",
           help="If the data leaves the UK: the country (blank, No or N/A if it does not)."),
        _c("transfer_safeguard", "Transfer safeguard",
           "safeguard | transfer mechanism | international transfer safeguard",
           parse=_enum(_SAFEGUARDS, "a transfer safeguard"),
           choices=domain.TRANSFER_SAFEGUARDS,
           help="adequacy, idta, addendum, bcr or derogation."),
        _c("frequency", "Frequency",
           "how often | frequency of sharing",
           help="e.g. daily, ad hoc."),
        _c("method", "Method",
           "transfer method | method of sharing | how shared | means of transfer | sharing method",
           help="e.g. secure email, API, portal."),
        _c("security_measures", "Security measures",
           "security | technical and organisational measures | toms | security controls",
           help="Technical and organisational security measures."),
        _c("storage_location", "Storage location",
           "location of data | where stored | location of personal data | storage | location",
           help="Where the data is kept."),
        _c("automated_decision_making", "Automated decision-making",
           "automated decision making | adm | profiling | automated decisions",
           parse=_parse_bool_optional,
           choices=("Yes", "No"),
           help="Yes or No (blank if not known)."),
        _c("lia_reference", "LIA reference",
           "lia | legitimate interests assessment | lia link",
           help="Link to the legitimate interests assessment."),
        _c("consent_record", "Consent record",
           "record of consent | consent record link | link to record of consent",
           help="Link to the record of consent."),
        _c("archived", "Archived",
           "",
           parse=_parse_bool_optional,
           choices=("Yes", "No"),
           help="Yes to archive the record (default No)."),
    ),
}  # fmt: skip

_RECIPIENT_BASIS = records.by_name(records.FLOW)["recipient_basis"]


def _recipient_basis_columns(flows: tuple[Column, ...]) -> tuple[Column, ...]:
    """The recipient's own basis: a column for each field of a basis, read as the disclosing side's
    column of that field is (``Recipient's Article 6`` as ``Article 6``), except that a blank regime
    is blank (the basis not recorded) rather than the default."""
    own = {c.field: c for c in flows}
    columns = []
    for f in records.BASIS:
        column = own[f.name]
        title = f"Recipient's {column.title}"
        columns.append(
            Column(
                _RECIPIENT_BASIS.prefix + f.name,
                title,
                (f"recipient {column.title.lower()}", f"recipients {column.title.lower()}"),
                _enum(_REGIMES, "a regime") if f.name == "regime" else column.parse,
                help=f"The recipient's own basis for what it receives, written as in the {column.title} "
                "column. Leave every Recipient's column blank if it is not recorded.",
                choices=column.choices,
            )
        )
    return tuple(columns)


def _with_recipient_basis(flows: tuple[Column, ...]) -> tuple[Column, ...]:
    """The flows' columns with the recipient's basis after Method (the format's order)."""
    at = next(i for i, c in enumerate(flows) if c.field == "method") + 1
    return (*flows[:at], *_recipient_basis_columns(flows), *flows[at:])


COLUMNS["flows"] = _with_recipient_basis(COLUMNS["flows"])

#: How a declared field's values are read when the table above has no column for it.
_PARSERS: dict[str, Callable[[Any], Any]] = {
    records.TEXT: _parse_text,
    records.LONG_TEXT: _parse_text,
    records.DATE: _parse_date,
    records.BOOL: _parse_bool_optional,
}


def _declared_columns(named: tuple[Column, ...], declared: tuple[records.Field, ...]) -> tuple[Column, ...]:
    """A column, titled by its label, for each declared field the table does not name (a new one)."""
    have = {c.field for c in named}
    return tuple(
        Column(
            f.name,
            f.label,
            (),
            _PARSERS[f.kind],
            help=f.hint,
            choices=("Yes", "No") if f.kind == records.BOOL else (),
        )
        for f in declared
        if f.kind in _PARSERS and f.name not in have
    )


_DECLARED = {"organisations": records.ORGANISATION, "agreements": records.AGREEMENT, "flows": records.FLOW}
COLUMNS = {kind: (*named, *_declared_columns(named, _DECLARED[kind])) for kind, named in COLUMNS.items()}

_ORG_REF_FIELDS = {
    "organisations": ("successor",),
    "agreements": ("owner",),
    "flows": ("source", "recipient"),
}
_PARTY_COLUMNS = {"parties": None, "controllers": "controller", "joint_controllers": "joint_controller",
                  "processors": "processor"}  # fmt: skip


# --- Reading the file --------------------------------------------------------------------------


@dataclass
class _Row:
    kind: str  # organisations, agreements or flows
    where: str  # "Flows sheet" or "CSV"
    number: int  # as the spreadsheet shows it
    cells: dict[str, Any]  # field -> raw value
    titles: dict[str, str]  # field -> the column title as written
    missing: frozenset[str] = frozenset()  # required fields the table has no column for


@dataclass
class _Problems:
    items: list[tuple[tuple[int, int], Problem]] = field(default_factory=list)

    def add(self, row: _Row | None, record: str, field_name: str, message: str) -> None:
        order = (SHEETS.index(row.kind), row.number) if row else (-1, 0)
        self.items.append((order, Problem(record, field_name, message)))

    def sorted(self) -> list[Problem]:
        return [p for _, p in sorted(self.items, key=lambda item: item[0])]


def _header_map(titles: list[Any], kind: str) -> tuple[dict[int, Column], dict[str, str]]:
    """Which column index fills which field, and the fields claimed by more than one column (with
    what to say). When two titles mean the same field, the template's own title wins; otherwise it
    is a problem."""
    by_title: dict[str, Column] = {}
    for column in COLUMNS[kind]:
        for title in (column.title, column.field, *column.synonyms):
            by_title.setdefault(normalise_title(title), column)
    claimed: dict[str, list[tuple[int, bool]]] = {}
    for index, raw in enumerate(titles):
        if raw is None or not str(raw).strip():
            continue
        words = normalise_title(raw)
        titled = by_title.get(words) or by_title.get(normalise_title(re.sub(r"\(.*?\)", " ", str(raw))))
        if titled is not None:
            claimed.setdefault(titled.field, []).append((index, words == normalise_title(titled.title)))
    mapping: dict[int, Column] = {}
    clashes: dict[str, str] = {}
    fields = {c.field: c for c in COLUMNS[kind]}
    for field_name, places in claimed.items():
        exact = [i for i, is_title in places if is_title]
        if len(places) == 1 or len(exact) == 1:
            mapping[places[0][0] if len(places) == 1 else exact[0]] = fields[field_name]
        else:
            named = ", ".join(repr(str(titles[i]).strip()) for i, _ in places)
            clashes[field_name] = f"columns {named} all mean '{fields[field_name].title}': keep one"
    return mapping, clashes


def _find_header(rows: list[tuple[int, list[Any]]], kinds: Iterable[str]) -> int | None:
    """The position in ``rows`` of the header: the first of the first ten non-blank rows in which
    at least two titles are known."""
    seen = 0
    for position, (_, values) in enumerate(rows):
        if not any(v is not None and str(v).strip() for v in values):
            continue
        seen += 1
        if any(len(_header_map(values, kind)[0]) >= 2 for kind in kinds) or any(
            normalise_title(v) in _RECORD_TYPE_SYNONYMS for v in values if v is not None
        ):
            return position
        if seen >= 10:
            break
    return None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _table_rows(
    rows: list[tuple[int, list[Any]]], kind: str | None, where: str, problems: _Problems
) -> list[_Row]:
    """The records of one table. ``kind`` is the record type of every row, or None for a CSV file,
    whose rows are flows unless a Record type column says otherwise."""
    kinds = (kind,) if kind else SHEETS
    position = _find_header(rows, kinds)
    if position is None:
        if any(not _blank(v) for _, values in rows for v in values):
            problems.add(
                None, where, "", "has no header row of known column titles (see docs/import-template.md)"
            )
        return []
    header_number, titles = rows[position]
    type_index = next(
        (i for i, t in enumerate(titles) if t is not None and normalise_title(t) in _RECORD_TYPE_SYNONYMS),
        None,
    )
    if kind is None and type_index is None:
        kinds = ("flows",)
    maps: dict[str, dict[int, Column]] = {}
    clashes: dict[str, dict[str, str]] = {}
    for k in kinds:
        maps[k], clashes[k] = _header_map(titles, k)
    out: list[_Row] = []
    for number, values in rows[position + 1 :]:
        if not any(not _blank(v) for i, v in enumerate(values) if i != type_index):
            continue
        if kind is None and type_index is not None:
            raw_type = values[type_index] if type_index < len(values) else None
            row_kind = _record_type(raw_type)
            if row_kind is None:
                problems.add(
                    None,
                    f"{where} row {number}",
                    "record_type",
                    f"'{_text(raw_type) or ''}' is not a record type: write organisation, agreement or flow",
                )
                continue
        else:
            row_kind = kinds[0]
        mapping = maps[row_kind]
        out.append(
            _Row(
                kind=row_kind,
                where=where,
                number=number,
                cells={c.field: values[i] if i < len(values) else None for i, c in mapping.items()},
                titles={c.field: str(titles[i]).strip() for i, c in mapping.items()},
            )
        )
    for k in {r.kind for r in out}:
        for clash in clashes[k].values():
            problems.add(None, f"{where} row {header_number}", "", clash)
        present = {c.field for c in maps[k].values()}
        absent = frozenset(
            c.field
            for c in COLUMNS[k]
            if c.required and c.field not in present and not (k == "organisations" and c.field == "key")
        )
        for column in COLUMNS[k]:
            if column.field in absent and column.field not in clashes[k]:
                accepted = ", ".join([column.title, *column.synonyms[:5]])
                problems.add(
                    None,
                    f"{where} row {header_number}",
                    column.field,
                    f"there is no column for the {_SINGULAR[k]}s' {column.title.lower()} "
                    f"(accepted titles include: {accepted})",
                )
        for row in out:
            if row.kind == k:
                row.missing = absent | set(clashes[k])
    return out


_SINGULAR = {"organisations": "organisation", "agreements": "agreement", "flows": "flow"}


def _record_type(value: Any) -> str | None:
    words = normalise_title(value) if value is not None else ""
    return next((kind for kind, names in _RECORD_TYPE_VALUES.items() if words in names), None)


def _sheet_kind(title: str) -> str | None:
    words = normalise_title(title)
    return next((kind for kind, names in _SHEET_SYNONYMS.items() if words in names), None)


def _file_problem(name: str, message: str) -> InvalidDocument:
    return InvalidDocument([Problem(name, "", message)])


#: A part of a workbook smaller than this unpacks to too little to matter, however well it packed.
_RATIO_FLOOR = 1024 * 1024


def _check_zip(data: IO[bytes], name: str, limits: ImportLimits) -> None:
    """Refuse a workbook whose parts unpack to more than ``limits`` allow, or any of whose larger
    parts is compressed further than a spreadsheet ever is (a "zip bomb"), before it is unpacked."""
    try:
        members = zipfile.ZipFile(data).infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise _file_problem(name, f"is not an Excel workbook (.xlsx) that can be read: {exc}") from exc
    finally:
        data.seek(0)
    total = sum(m.file_size for m in members)
    if total > limits.uncompressed_bytes:
        raise _file_problem(
            name,
            f"unpacks to {size_words(total)}, more than the {size_words(limits.uncompressed_bytes)} "
            "an import reads: split it into smaller workbooks",
        )
    for m in members:
        if m.file_size > _RATIO_FLOOR and m.file_size > limits.ratio * max(m.compress_size, 1):
            raise _file_problem(
                name,
                f"has a part ({m.filename}) packed {m.file_size // max(m.compress_size, 1):,} times "
                f"smaller than it unpacks to (at most {limits.ratio} is read): it is not an ordinary "
                "workbook",
            )


def _xlsx_tables(
    data: IO[bytes], name: str, limits: ImportLimits
) -> list[tuple[str | None, str, list[tuple[int, list[Any]]]]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    _check_zip(data, name, limits)
    try:
        workbook = openpyxl.load_workbook(data, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError) as exc:
        raise _file_problem(name, f"is not an Excel workbook (.xlsx) that can be read: {exc}") from exc
    try:
        tables: list[tuple[str | None, str, list[tuple[int, list[Any]]]]] = []
        sheets = [(ws, _sheet_kind(ws.title)) for ws in workbook.worksheets]
        if not any(kind for _, kind in sheets) and sheets:
            sheets = [(sheets[0][0], "flows")]
        read = 0
        for ws, kind in sheets:
            if kind is None:
                continue
            rows: list[tuple[int, list[Any]]] = []
            for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
                read += 1
                if read > limits.rows:
                    raise _too_many_rows(name, limits)
                rows.append((number, list(values)))
            tables.append((kind, f"{ws.title} sheet", rows))
    except InvalidDocument:
        raise
    except Exception as exc:  # a broken part of the workbook, reported plainly
        raise _file_problem(name, f"is not an Excel workbook (.xlsx) that can be read: {exc}") from exc
    finally:
        workbook.close()
    return tables


def _too_many_rows(name: str, limits: ImportLimits) -> InvalidDocument:
    return _file_problem(
        name, f"has more than {limits.rows:,} rows, the most an import reads: split it into smaller files"
    )


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decode(data: bytes, name: str) -> str:
    """The text of a CSV file: UTF-8, or UTF-16 or -32 with a byte-order mark, or UTF-16 without
    one (every other byte zero), or else the Windows code page that Excel's plain "CSV" uses."""
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), None)
    if encoding is None:
        head = data[:4096]
        if len(head) >= 4 and head[1::2].count(0) > len(head) // 4 > head[::2].count(0):
            encoding = "utf-16-le"
        elif len(head) >= 4 and head[::2].count(0) > len(head) // 4 > head[1::2].count(0):
            encoding = "utf-16-be"
    if encoding is not None:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise _file_problem(name, f"is not text in {encoding.upper()}: save it as CSV UTF-8") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" (not "CSV UTF-8") in the Windows code page.
        return data.decode("cp1252", errors="replace")


def _csv_tables(
    data: bytes, name: str, limits: ImportLimits
) -> list[tuple[str | None, str, list[tuple[int, list[Any]]]]]:
    text = _decode(data, name)
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(",;\t", key=first.count) if first else ","
    rows: list[tuple[int, list[Any]]] = []
    try:
        for number, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), 1):
            if number > limits.rows:
                raise _too_many_rows(name, limits)
            rows.append((number, list(row)))
    except csv.Error as exc:
        raise _file_problem(name, f"is not a CSV file that can be read: {exc}") from exc
    return [(None, "CSV", rows)]


# --- Records -----------------------------------------------------------------------------------

_KEY_RE = re.compile(records.KEY_PATTERN)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:100].strip("-")


@dataclass
class _Record:
    row: _Row
    key: str | None
    data: dict[str, Any]
    bad: set[str] = field(default_factory=set)

    @property
    def label(self) -> str:
        return f"{self.row.where} row {self.row.number}" + (f" ({self.key})" if self.key else "")


class _Index:
    """The organisations and agreements a reference may name: those in the file, and those the
    registry already holds when the caller says which (else a well-formed key is let through for
    :func:`exchange.parse_document` to check against the registry)."""

    def __init__(
        self,
        orgs: dict[str, str],
        agreements: dict[str, str],
        known_orgs: Mapping[str, str] | Iterable[str] | None,
        known_agreements: Iterable[str] | None,
    ):
        self.open = known_orgs is None
        known: dict[str, str] = (
            dict(known_orgs) if isinstance(known_orgs, Mapping) else dict.fromkeys(known_orgs or (), "")
        )
        self.org_names = {**known, **orgs}
        self.agreements = {**dict.fromkeys(known_agreements or (), ""), **agreements}
        self.open_agreements = known_agreements is None

    def organisation(self, text: str) -> str:
        if text in self.org_names:
            return text
        words = normalise_title(text)
        by_name = sorted({k for k, n in self.org_names.items() if n and normalise_title(n) == words})
        if len(by_name) == 1:
            return by_name[0]
        if len(by_name) > 1:
            raise _Bad(
                f"'{text}' is the name of {len(by_name)} organisations ({', '.join(by_name)}): use the key"
            )
        by_key = [k for k in self.org_names if k.casefold() == text.casefold()]
        if len(by_key) == 1:
            return by_key[0]
        if self.open and _KEY_RE.fullmatch(text):
            return text
        where = "the Organisations sheet" + ("" if self.open else " or the registry")
        raise _Bad(f"'{text}' is not the key or name of an organisation in {where}")

    def agreement(self, text: str) -> str:
        if text in self.agreements:
            return text
        by_key = [k for k in self.agreements if k.casefold() == text.casefold()]
        if len(by_key) == 1:
            return by_key[0]
        words = normalise_title(text)
        by_title = [k for k, t in self.agreements.items() if t and normalise_title(t) == words]
        if len(by_title) == 1:
            return by_title[0]
        if self.open_agreements and _KEY_RE.fullmatch(text):
            return text
        where = "the Agreements sheet" + ("" if self.open_agreements else " or the registry")
        raise _Bad(f"'{text}' is not the key or title of an agreement in {where}")


#: In a party's brackets, the processing contract's reference: the rest of the brackets, so that
#: it may hold commas (``acme (processor, contract: DPA-2026-14, schedule 3)``).
_CONTRACT = re.compile(r"(?:^|,)\s*contract(?:\s+ref(?:erence)?)?\b\s*[:=]?\s*(.*)$", flags=re.I | re.S)


def _party(item: str, role: str | None, index: _Index) -> dict[str, Any]:
    m = re.fullmatch(r"(.*?)\s*(?:[(\[](.*)[)\]])?", item.strip(), flags=re.S)
    assert m is not None  # the pattern matches any text
    organisation = index.organisation(m[1].strip())
    signed_on = None
    details, contract_reference = m[2] or "", None
    contract = _CONTRACT.search(details)
    if contract is not None:
        details, contract_reference = details[: contract.start()], contract[1].strip()
        if not contract_reference:
            raise _Bad(f"'{item}' names a contract without its reference: write 'contract: DPA-2026-14'")
    for token in (t.strip() for t in details.split(",")):
        if not token:
            continue
        words = normalise_title(token)
        role_code = _ROLES_TABLE.get(words)
        if role_code is not None:
            role = role_code
            continue
        signed = re.fullmatch(r"(?:signed(?:\s+on)?[:\s]*)?(.+)", token, flags=re.I)
        try:
            signed_on = _parse_date(signed[1].strip() if signed else token)
        except _Bad as exc:
            raise _Bad(
                f"'{token}' in '{item}' is neither a role (controller, joint controller, processor) "
                "nor a signing date"
            ) from exc
    party = {"organisation": organisation, "role": role or "controller", "signed_on": signed_on}
    if contract_reference is not None:
        party["contract_reference"] = contract_reference
    return party


_ROLES_TABLE = {normalise_title(w): code for code, words in _ROLES.items() for w in (code, *words)}


def _parse_parties(value: Any, role: str | None, index: _Index) -> list[dict[str, Any]]:
    parties, errors = [], []
    for item in _split(value, commas=False):
        try:
            parties.append(_party(item, role, index))
            continue
        except _Bad as exc:
            pieces = _split(item)
            if len(pieces) < 2:
                errors.append(str(exc))
                continue
        for piece in pieces:
            try:
                parties.append(_party(piece, role, index))
            except _Bad as exc:
                errors.append(str(exc))
    if errors:
        raise _Bad("; ".join(errors))
    return parties


def _first_pass(row: _Row, problems: _Problems) -> _Record:
    """Parse every plain value of a row; references are resolved in the second pass."""
    key = _text(row.cells.get("key"))
    record = _Record(row, key, {})
    columns = {c.field: c for c in COLUMNS[row.kind]}
    if row.kind == "organisations" and key is None:
        name = _text(row.cells.get("name"))
        if name:
            record.key = key = _slug(name) or None
    for name, raw in row.cells.items():
        column = columns[name]
        if (
            name in _ORG_REF_FIELDS[row.kind]
            or name in _PARTY_COLUMNS
            or (row.kind, name) == ("flows", "agreement")
        ):
            continue
        try:
            value = column.parse(raw)
        except _Bad as exc:
            problems.add(row, record.label, name, f"{exc} (column '{row.titles[name]}')")
            record.bad.add(name)
            continue
        if column.required and value in (None, "", []):
            problems.add(row, record.label, name, f"is required (column '{row.titles[name]}')")
            record.bad.add(name)
        if value is not None:
            record.data[name] = value
    record.bad |= row.missing
    if key is not None:
        record.data["key"] = key
    elif row.kind == "organisations" and "name" not in record.bad and "name" not in row.missing:
        problems.add(row, record.label, "key", "has neither a key nor a name")
        record.bad.add("key")
    return record


def _second_pass(record: _Record, index: _Index, problems: _Problems) -> dict[str, Any]:
    """Resolve the row's references and give the record its exchange-format shape."""
    row, data = record.row, record.data

    def resolve(name: str, how: Callable[[str], Any]) -> Any:
        text = _text(row.cells.get(name))
        if text is None or normalise_title(text) in _NONE_WORDS:
            return None
        try:
            return how(text)
        except _Bad as exc:
            problems.add(row, record.label, name, f"{exc} (column '{row.titles[name]}')")
            record.bad.add(name)
            return None

    for name in _ORG_REF_FIELDS[row.kind]:
        if name in row.cells:
            value = resolve(name, index.organisation)
            if value is not None or name not in ("source", "recipient"):
                data[name] = value
            elif name not in record.bad:
                problems.add(row, record.label, name, f"is required (column '{row.titles[name]}')")
                record.bad.add(name)
    if row.kind == "agreements":
        parties: list[dict[str, Any]] = []
        for name, role in _PARTY_COLUMNS.items():
            if name in row.cells:
                found = resolve(name, partial(_parse_parties, role=role, index=index))
                parties.extend(found or [])
        data["parties"] = parties
        if "parties" in record.bad or any(n in record.bad for n in _PARTY_COLUMNS):
            record.bad.add("parties")
    if row.kind == "flows":
        if "agreement" in row.cells:
            data["agreement"] = resolve("agreement", index.agreement)
        country = data.pop("transfer_country", None)
        safeguard = data.pop("transfer_safeguard", None)
        if country is not None and normalise_title(country) not in _NONE_WORDS:
            data["international_transfer"] = {"country": country, "safeguard": safeguard}
        elif safeguard is not None:
            problems.add(
                row,
                record.label,
                "international_transfer.country",
                "a transfer safeguard is given without a country",
            )
            record.bad.add("international_transfer")
        for name in ("transfer_country", "transfer_safeguard"):
            if name in record.bad:
                record.bad.add("international_transfer")
        _gather_recipient_basis(record)
    return data


def _gather_recipient_basis(record: _Record) -> None:
    """Put the Recipient's columns of a flow together as its ``recipient_basis``: recorded when any
    of them says something (a regime, a basis, a condition, Yes to official authority)."""
    data, prefix = record.data, _RECIPIENT_BASIS.prefix
    given = {f.name: data.pop(prefix + f.name) for f in records.BASIS if prefix + f.name in data}
    if any(name.startswith(prefix) for name in record.bad):
        record.bad.add("recipient_basis")
    if any(given.values()):
        data["recipient_basis"] = {name: value for name, value in given.items() if value is not None}


_SECTION_RE = re.compile(r"(organisations|agreements|flows)\[(\d+)\]")


def read_tabular(
    source: str | Path | IO[bytes],
    known_organisations: Mapping[str, str] | Iterable[str] | None = None,
    known_agreements: Iterable[str] | None = None,
    *,
    fmt: str | None = None,
    limits: ImportLimits = ImportLimits(),
) -> dict[str, Any]:
    """An ``isa-registry/1`` document from an ISA log in a workbook (``.xlsx``) or a CSV file.

    ``source`` is a path, or a binary stream with ``fmt`` ``"xlsx"`` or ``"csv"``.
    ``known_organisations`` (keys, or a mapping of key to name) and ``known_agreements`` are the
    records already in the registry that the file may refer to, by key or (organisations) by name.
    Without them, a reference that is not in the file is kept when it is a well-formed key, for
    :func:`exchange.parse_document` to check against the registry.

    ``limits`` bounds what is read: the file's size, what a workbook unpacks to and how far each
    of its parts is compressed (checked before the workbook is opened), and the number of rows.

    Raises :class:`~isa_registry.core.exchange.InvalidDocument` listing every problem by sheet, row
    number and field. ``OSError`` (a missing file) passes through.
    """
    name = str(source) if isinstance(source, str | Path) else getattr(source, "name", "the file")
    fmt = (fmt or Path(name).suffix.lstrip(".")).lower()
    if fmt in ("xlsx", "xlsm"):
        tables = _xlsx_tables(io.BytesIO(read_limited(source, name, limits.file_bytes)), name, limits)
    elif fmt in ("csv", "txt"):
        tables = _csv_tables(read_limited(source, name, limits.file_bytes), name, limits)
    else:
        raise _file_problem(name, "is neither an Excel workbook (.xlsx) nor a CSV file (.csv)")
    problems = _Problems()
    rows = [row for kind, where, table in tables for row in _table_rows(table, kind, where, problems)]
    records = {kind: [_first_pass(r, problems) for r in rows if r.kind == kind] for kind in SHEETS}
    index = _Index(
        {r.key: _text(r.row.cells.get("name")) or "" for r in records["organisations"] if r.key},
        {r.key: _text(r.row.cells.get("title")) or "" for r in records["agreements"] if r.key},
        known_organisations,
        known_agreements,
    )
    doc: dict[str, Any] = {"format": exchange.FORMAT}
    for kind in SHEETS:
        doc[kind] = [_second_pass(r, index, problems) for r in records[kind]]
    if not rows and not problems.items:
        raise _file_problem(name, "has no organisations, agreements or flows (see docs/import-template.md)")
    referenced_orgs = {
        ref
        for kind in SHEETS
        for record in doc[kind]
        for ref in [
            *(record.get(f) for f in _ORG_REF_FIELDS[kind]),
            *(p["organisation"] for p in record.get("parties", [])),
        ]
        if ref
    }
    known_orgs = referenced_orgs if index.open else set(index.org_names)
    agreements = (
        {f["agreement"] for f in doc["flows"] if f.get("agreement")}
        if index.open_agreements
        else set(index.agreements)
    )
    for problem in exchange.validate_document(doc, known_orgs, agreements):
        m = _SECTION_RE.search(problem.record)
        if m is None:
            problems.add(None, problem.record, problem.field, problem.message)
            continue
        record = records[m[1]][int(m[2])]
        if problem.field.split(".")[0] in record.bad:
            continue
        problems.add(record.row, record.label, problem.field, problem.message)
    if problems.items:
        raise InvalidDocument(problems.sorted())
    return doc


# --- The template ------------------------------------------------------------------------------


def template_csv_titles() -> list[str]:
    """The columns of the CSV template: Record type, then every sheet's titles, each once."""
    titles = [RECORD_TYPE_TITLE]
    for kind in SHEETS:
        titles.extend(c.title for c in COLUMNS[kind] if c.title not in titles)
    return titles


def write_template(stream: IO[bytes], fmt: str = "xlsx") -> None:
    """Write the blank import template to ``stream``: a workbook with the sheets Organisations,
    Agreements and Flows and a Guide, or (``fmt="csv"``) a CSV header with a Record type column."""
    if fmt == "csv":
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="", write_through=True)
        csv.writer(text).writerow(template_csv_titles())
        text.flush()
        text.detach()
        return
    if fmt != "xlsx":
        raise ValueError(f"unknown template format {fmt!r}: xlsx or csv")
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        stream, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    base = {"font_name": "Arial", "font_size": 10, "valign": "top"}
    header = workbook.add_format(
        {**base, "bold": True, "text_wrap": True, "bg_color": "#DEE0E2", "border": 1}
    )
    required = workbook.add_format(
        {**base, "bold": True, "text_wrap": True, "bg_color": "#FFDD00", "border": 1}
    )
    cell = workbook.add_format({**base, "text_wrap": True})
    day = workbook.add_format({**base, "num_format": "yyyy-mm-dd"})

    def write(sheet: Any, row: int, col: int, text: str, fmt: Any) -> None:
        # Whatever a declaration's label or hint holds, the workbook stays XML that opens.
        sheet.write_string(row, col, xml_safe(text), fmt)

    for kind in SHEETS:
        sheet = workbook.add_worksheet(SHEET_TITLES[kind])
        for col, column in enumerate(COLUMNS[kind]):
            write(sheet, 0, col, column.title, required if column.required else header)
            is_date = column.parse is _parse_date
            sheet.set_column(
                col, col, 14 if is_date else max(14, min(40, len(column.title) + 6)), day if is_date else cell
            )
            if column.choices:
                sheet.data_validation(
                    1,
                    col,
                    1000,
                    col,
                    {
                        "validate": "list",
                        "source": [xml_safe(c) for c in _drop_down(column.choices)],
                        "error_type": "warning",
                        "error_message": "Not a usual value: the Guide sheet says what is accepted.",
                    },
                )
        sheet.freeze_panes(1, 1)
        sheet.set_row(0, 30)
    guide = workbook.add_worksheet("Guide")
    titles = ("Sheet", "Column", "Required", "What to write", "Other titles accepted")
    for col, (title, width) in enumerate(zip(titles, (14, 28, 10, 70, 60), strict=True)):
        write(guide, 0, col, title, header)
        guide.set_column(col, col, width, cell)
    row = 1
    for kind in SHEETS:
        for column in COLUMNS[kind]:
            write(guide, row, 0, SHEET_TITLES[kind], cell)
            write(guide, row, 1, column.title, cell)
            write(guide, row, 2, "Yes" if column.required else "", cell)
            write(guide, row, 3, column.help, cell)
            write(guide, row, 4, "; ".join(column.synonyms), cell)
            row += 1
    row += 1
    write(guide, row, 0, "Data categories", header)
    for code, category in CATEGORIES.items():
        row += 1
        write(guide, row, 1, code, cell)
        write(guide, row, 3, f"{category.label} ({category.kind})", cell)
    guide.freeze_panes(1, 0)
    workbook.close()
