"""Each record type's fields, declared once.

One :class:`Field` per field of the ``isa-registry/1`` format (``docs/spec/registry-format.md``) and
of this project's extensions to it: its name, kind, whether the format requires it, whether it may
be null, its length limit, its codes, its pattern and its label. The exchange format's JSON Schema,
the database row mapping, the spreadsheet import's plain columns and the forms' limits are derived
from these tables, and tests check the database columns, the domain dataclasses and the spreadsheet
columns against them. A new optional field is one line here plus a migration.

The tables list fields in the format's order (the order of the JSON Schema's properties). Labels of
enumeration codes are not here: :mod:`isa_registry.core.vocabulary` words those.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import domain

__all__ = [
    "AGREEMENT",
    "ATTACHMENT",
    "BASIS",
    "BOOL",
    "CHOICE",
    "CHOICES",
    "CONTROL_CHARACTERS",
    "DATE",
    "END_BEFORE_START_MESSAGE",
    "FLOW",
    "INTEGER",
    "KEY",
    "KEY_MESSAGE",
    "KEY_PATTERN",
    "LEGISLATION_ID_PATTERN",
    "LIST",
    "LONG_TEXT",
    "LONG_TEXT_LIMIT",
    "ORGANISATION",
    "PARTY",
    "RECORD",
    "RECORDS",
    "REFERENCE",
    "SIGNED_AT_PATTERN",
    "TEXT",
    "TRANSFER",
    "Field",
    "by_name",
    "list_fields",
    "plain_fields",
    "text_problem",
]

# The kinds of field.
KEY = "key"  # the record's own key
TEXT = "text"  # one line of text
LONG_TEXT = "long_text"  # free text over several lines, up to LONG_TEXT_LIMIT characters
DATE = "date"
BOOL = "bool"
INTEGER = "integer"  # a whole number, 0 or more
CHOICE = "choice"  # one of ``choices``
CHOICES = "choices"  # a list of data category codes
LIST = "list"  # a list of strings
REFERENCE = "reference"  # the key of another record (``refers_to``)
RECORD = "record"  # a nested object of ``fields``
RECORDS = "records"  # a list of nested objects of ``fields``

#: A key: letters, digits, '.', '_' or '-', starting with a letter or digit, at most 100 characters.
KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
#: What the forms and the services say about a key that does not match :data:`KEY_PATTERN`.
KEY_MESSAGE = (
    "Key must be letters, digits, full stops, underscores or hyphens, start with a letter "
    "or digit and be at most 100 characters"
)
#: What the forms and the services say when an end date comes before the start date.
END_BEFORE_START_MESSAGE = "End date must be the same as or after the start date"
#: A legislation.gov.uk identifier: type/year/number, then any sub-division (no spaces).
LEGISLATION_ID_PATTERN = r"^[a-z]{2,10}/[A-Za-z0-9]+(/[A-Za-z0-9._-]+)*$"

_LISTS = (CHOICES, LIST, RECORDS)

#: A moment in UTC, to the second, as the exchange format writes ``exported_at``.
SIGNED_AT_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"

#: The most characters a free text (an address, a purpose, a retention period...) may have.
LONG_TEXT_LIMIT = 10_000

#: Control characters: NUL and the rest of C0. No text may hold them, but a multi-line text
#: (:data:`LONG_TEXT`) may hold a tab, a line feed or a carriage return. They cannot be written
#: to a spreadsheet (XML 1.0 cannot hold them), and PostgreSQL cannot store a NUL.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f]")
_CONTROL_IN_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: Half of a UTF-16 surrogate pair on its own (JSON's ``"\ud800"``): not a character, and not
#: encodable as UTF-8.
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CONTROL_NAMES = {"\x00": "a null character", "\t": "a tab", "\n": "a line break", "\r": "a line break"}


@dataclass(frozen=True)
class Field:
    """One field of a record: what the format, the database, the import and the forms agree on.

    ``required`` means the format requires the field in every record; ``nullable`` that null is a
    valid value (never for a required field or a list). ``max_length`` limits a text (or, for a
    list, each item); ``pattern`` is a regular expression a text (or each item) must match.
    ``extension`` marks a field this project adds to ``isa-registry/1``. ``identifier`` marks a
    number an organisation is registered under, which its record of processing names beside it.
    ``prefix`` is, for a nested record stored in its parent's table, what its columns' names begin
    with (``transfer_country``, ``recipient_basis_article6``).
    """

    name: str
    kind: str
    label: str
    required: bool = False
    nullable: bool = True
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    pattern: str | None = None
    refers_to: str | None = None
    fields: tuple[Field, ...] = ()
    extension: bool = False
    hint: str = ""
    identifier: bool = False
    prefix: str = ""

    def __post_init__(self) -> None:
        if self.required or self.kind in _LISTS:
            object.__setattr__(self, "nullable", False)


def text_problem(f: Field, value: str) -> str | None:
    r"""What is wrong with ``value`` as a text of field ``f`` (or an item of a list field): too long,
    a control character, half a surrogate pair; None when nothing is.

    >>> text_problem(ORGANISATION[1], "a\x07b")
    'has a control character (U+0007) in it: remove it'
    >>> text_problem(by_name(ORGANISATION)["address"], "1 High Street\r\nDudley")
    >>> text_problem(ORGANISATION[1], "x" * 301)
    'is 301 characters long: at most 300 are allowed'
    """
    if f.max_length is not None and len(value) > f.max_length:
        return f"is {len(value):,} characters long: at most {f.max_length:,} are allowed"
    control = (_CONTROL_IN_LINES if f.kind == LONG_TEXT else CONTROL_CHARACTERS).search(value)
    if control:
        char = control.group()
        name = _CONTROL_NAMES.get(char, f"a control character (U+{ord(char):04X})")
        return f"has {name} in it: remove it" + (
            "" if char not in "\t\n\r" or f.kind == LONG_TEXT else " (this field is one line)"
        )
    surrogate = _LONE_SURROGATE.search(value)
    if surrogate:
        return f"has half of a character in it (U+{ord(surrogate.group()):04X}, an unpaired surrogate)"
    return None


def by_name(fields: tuple[Field, ...]) -> dict[str, Field]:
    """The fields keyed by name."""
    return {f.name: f for f in fields}


def plain_fields(fields: tuple[Field, ...]) -> tuple[str, ...]:
    """The names of the fields stored as they are, one column each, under their own name.

    Not references (stored as ids), lists (JSON arrays) or nested records (other tables).

    >>> plain_fields(TRANSFER)
    ('country', 'safeguard')
    """
    stored = (KEY, TEXT, LONG_TEXT, DATE, BOOL, CHOICE)
    return tuple(f.name for f in fields if f.kind in stored)


def list_fields(fields: tuple[Field, ...]) -> tuple[str, ...]:
    """The names of the fields that hold a list of strings (stored as JSON arrays)."""
    return tuple(f.name for f in fields if f.kind in (CHOICES, LIST))


_PARAGRAPH = r"^[1-9][0-9]?[A-Z]?$"

ORGANISATION: tuple[Field, ...] = (
    Field("key", KEY, "Key", required=True),
    Field("name", TEXT, "Name", required=True, max_length=300),
    Field("kind", CHOICE, "Kind of organisation", required=True, choices=domain.ORGANISATION_KINDS),
    Field("public_authority", BOOL, "Public authority", required=True),
    Field("ico_registration", TEXT, "ICO registration number", max_length=50, identifier=True),
    Field("dpo_contact", TEXT, "Data protection officer contact", max_length=300),
    Field("appropriate_policy_document", TEXT, "Appropriate policy document", max_length=1000),
    Field("status", CHOICE, "Status", nullable=False, choices=domain.ORGANISATION_STATUSES),
    Field("successor", REFERENCE, "Successor", refers_to="organisation"),
    Field("address", LONG_TEXT, "Address", max_length=LONG_TEXT_LIMIT, extension=True),
    Field("telephone", TEXT, "Telephone", max_length=100, extension=True),
    Field("email", TEXT, "Email", max_length=300, extension=True),
    Field("representative", LONG_TEXT, "Representative", max_length=LONG_TEXT_LIMIT, extension=True),
    Field(
        "ods_code",
        TEXT,
        "ODS code",
        max_length=10,
        pattern=r"^[A-Z0-9]{3,10}$",
        extension=True,
        identifier=True,
        hint="The NHS Organisation Data Service code, for example RYK or 05C: capital letters and digits.",
    ),
    Field("archived", BOOL, "Archived", nullable=False, extension=True),
)

PARTY: tuple[Field, ...] = (
    Field("organisation", REFERENCE, "Organisation", required=True, refers_to="organisation"),
    Field("role", CHOICE, "Role", required=True, choices=domain.PARTY_ROLES),
    Field("signed_on", DATE, "Date signed"),
    Field("contract_reference", TEXT, "Processing contract reference", max_length=300),
    Field("signed_by", TEXT, "Name of the person who signed", max_length=300, extension=True),
    Field("signatory_role", TEXT, "Their role", max_length=300, extension=True),
    # How the sign-off came to be recorded: signed in the registry by an account of the party's own
    # organisation (``signed_by_account``), or recorded from a paper copy by an editor
    # (``recorded_by``); ``signed_at`` is when, in UTC.
    Field("signed_by_account", TEXT, "Signed in the registry by", max_length=320, extension=True),
    Field("recorded_by", TEXT, "Recorded from a paper copy by", max_length=320, extension=True),
    Field(
        "signed_at",
        TEXT,
        "When it was signed or recorded",
        max_length=20,
        pattern=SIGNED_AT_PATTERN,
        extension=True,
    ),
)

AGREEMENT: tuple[Field, ...] = (
    Field("key", KEY, "Reference (key)", required=True),
    Field("title", TEXT, "Title", required=True, max_length=500),
    Field("purpose", LONG_TEXT, "Purpose", max_length=LONG_TEXT_LIMIT),
    Field("status", CHOICE, "Status", required=True, choices=domain.AGREEMENT_STATUSES),
    Field("version", TEXT, "Version", max_length=50),
    Field("owner", REFERENCE, "Owner", refers_to="organisation"),
    Field("start_date", DATE, "Start date"),
    Field("review_date", DATE, "Review date"),
    Field("end_date", DATE, "End date"),
    Field("parties", RECORDS, "Parties", required=True, fields=PARTY),
    Field("data_categories", CHOICES, "Data categories"),
    Field("document_url", TEXT, "Link to the signed document", max_length=1000),
    Field("dpia_reference", TEXT, "DPIA reference", max_length=300),
    Field(
        "publish",
        BOOL,
        "Publish on the public register",
        nullable=False,
        hint="Lists the agreement on the public register, when the partnership switches it on.",
    ),
    Field("archived", BOOL, "Archived", nullable=False, extension=True),
)

#: A signed copy of an agreement (``agreements[].attachments[]``, second round). The exchange
#: format carries them beside the agreement's own fields; the database keeps them in a table of
#: their own, never overwritten.
ATTACHMENT: tuple[Field, ...] = (
    Field("name", TEXT, "File name", required=True, max_length=300),
    Field("media_type", TEXT, "Media type", required=True, max_length=100),
    Field("size", INTEGER, "Size in bytes", required=True),
    Field("sha256", TEXT, "SHA-256", required=True, max_length=64, pattern=r"^[0-9a-f]{64}$"),
    Field("uploaded_by", TEXT, "Uploaded by", required=True, max_length=320),
    Field(
        "uploaded_on",
        TEXT,
        "Uploaded on",
        required=True,
        max_length=20,
        pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$",
    ),
    Field("note", LONG_TEXT, "Note"),
    Field("content", LONG_TEXT, "Content (base64)"),
)

TRANSFER: tuple[Field, ...] = (
    Field("country", TEXT, "Country", required=True, max_length=100),
    Field("safeguard", CHOICE, "Safeguard", choices=domain.TRANSFER_SAFEGUARDS),
)

#: A lawful basis: the disclosing organisation's (the flow's own fields) and the recipient's own
#: (``recipient_basis``) are declared by this one tuple, with the same names and meanings.
BASIS: tuple[Field, ...] = (
    Field("regime", CHOICE, "Regime", nullable=False, choices=domain.REGIMES),
    Field("article6", CHOICE, "UK GDPR Art 6(1) lawful basis", choices=domain.ARTICLE6_CODES),
    Field("recognised_interest", TEXT, "Recognised legitimate interest", max_length=100),
    Field("article9", CHOICE, "UK GDPR Art 9(2) condition", choices=domain.ARTICLE9_CODES),
    Field("schedule1", LIST, "DPA 2018 Schedule 1 conditions", pattern=_PARAGRAPH),
    Field("official_authority", BOOL, "Under official authority", nullable=False),
    Field(
        "law_enforcement_basis",
        CHOICE,
        "Lawful basis for law enforcement processing",
        choices=domain.LAW_ENFORCEMENT_BASES,
    ),
    Field("schedule8", LIST, "DPA 2018 Schedule 8 conditions", pattern=_PARAGRAPH),
    Field("legislation", LIST, "Legislation", max_length=200),
)

FLOW: tuple[Field, ...] = (
    Field("key", KEY, "Key", required=True),
    Field("name", TEXT, "Name", required=True, max_length=500),
    Field("source", REFERENCE, "Source", required=True, refers_to="organisation"),
    Field("recipient", REFERENCE, "Recipient", required=True, refers_to="organisation"),
    Field("purpose", LONG_TEXT, "Purpose", max_length=LONG_TEXT_LIMIT),
    Field("programme", TEXT, "Programme or service", max_length=300),
    Field("agreement", REFERENCE, "Agreement", refers_to="agreement"),
    Field("status", CHOICE, "Status", nullable=False, choices=domain.FLOW_STATUSES),
    Field("start_date", DATE, "Start date"),
    Field("end_date", DATE, "End date"),
    Field("identifiability", CHOICE, "Identifiability", required=True, choices=domain.IDENTIFIABILITY),
    # The disclosing organisation's basis: the regime comes before the data, the rest after it.
    BASIS[0],
    Field("data_subjects", LIST, "Data subjects", max_length=100),
    Field("data_categories", CHOICES, "Data categories"),
    *BASIS[1:],
    Field("retention", LONG_TEXT, "Retention", max_length=LONG_TEXT_LIMIT),
    Field("international_transfer", RECORD, "International transfer", fields=TRANSFER, prefix="transfer_"),
    Field("frequency", TEXT, "Frequency", max_length=200),
    Field("method", TEXT, "Method", max_length=200),
    Field(
        "recipient_basis",
        RECORD,
        "The recipient's basis",
        fields=BASIS,
        prefix="recipient_basis_",
        hint="The receiving organisation's own basis for processing what it receives.",
    ),
    Field("security_measures", LONG_TEXT, "Security measures", max_length=LONG_TEXT_LIMIT, extension=True),
    Field(
        "storage_location",
        LONG_TEXT,
        "Where the recipient stores it",
        max_length=LONG_TEXT_LIMIT,
        extension=True,
    ),
    Field("automated_decision_making", BOOL, "Automated decision-making", extension=True),
    Field(
        "lia_reference", TEXT, "Legitimate interests assessment reference", max_length=1000, extension=True
    ),
    Field("consent_record", TEXT, "Where consent is recorded", max_length=1000, extension=True),
    Field("archived", BOOL, "Archived", nullable=False, extension=True),
)
