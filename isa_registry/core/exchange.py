"""The ``isa-registry/1`` exchange format (``shared/spec/registry-format.md``).

Pure code: a JSON Schema for the format, validation that reports every problem by record and field,
and conversion between documents and the plain :mod:`isa_registry.core.domain` objects. Nothing here
touches the database; :mod:`isa_registry.store.persist` writes what :func:`parse_document` returns.

The project extends the format with optional fields (organisation contact details, parties'
signatories, flows' Article 30 details, ``archived``); a document without them is still valid and
an export always writes them, so that export, import and export again give the same document.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

import fastjsonschema
import jsonschema
from jsonschema._format import is_date as _jsonschema_is_date

from . import records
from .domain import Agreement, Attachment, Flow, Organisation, Party, Registry, Transfer
from .records import KEY_PATTERN

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_Dataclass = TypeVar("_Dataclass", bound="DataclassInstance")

FORMAT = "isa-registry/1"

__all__ = [
    "FORMAT",
    "WITHOUT_ATTACHMENTS_NOTE",
    "InvalidDocument",
    "Problem",
    "agreement_from_dict",
    "agreement_to_dict",
    "attachment_from_dict",
    "attachment_to_dict",
    "dump_document",
    "flow_from_dict",
    "flow_to_dict",
    "load_document",
    "organisation_from_dict",
    "organisation_to_dict",
    "parse_document",
    "schema",
    "to_document",
    "validate_document",
]

DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


def _category_codes() -> list[str]:
    from .law import CATEGORIES

    return sorted(CATEGORIES)


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _enum(values: Iterable[str]) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


def _list(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


def _property(f: records.Field) -> dict[str, Any]:
    """The JSON Schema of one declared field."""
    schema: dict[str, Any]
    if f.kind in (records.KEY, records.REFERENCE):
        schema = {"type": "string", "pattern": KEY_PATTERN}
    elif f.kind in (records.TEXT, records.LONG_TEXT):
        schema = {"type": "string"}
        if f.required:
            schema["minLength"] = 1
        if f.max_length:
            schema["maxLength"] = f.max_length
        if f.pattern:
            schema["pattern"] = f.pattern
    elif f.kind == records.DATE:
        schema = {"type": "string", "pattern": DATE_PATTERN, "format": "date"}
    elif f.kind == records.BOOL:
        schema = {"type": "boolean"}
    elif f.kind == records.INTEGER:
        schema = {"type": "integer", "minimum": 0}
    elif f.kind == records.CHOICE:
        schema = _enum(f.choices)
    elif f.kind == records.CHOICES:
        schema = _list(_enum(_category_codes()))
    elif f.kind == records.LIST:
        item: dict[str, Any] = {"type": "string"}
        if f.pattern:
            item["pattern"] = f.pattern
        else:
            item.update(minLength=1, maxLength=f.max_length)
        schema = _list(item)
    elif f.kind == records.RECORD:
        schema = _object(f.fields)
    elif f.kind == records.RECORDS:
        schema = _list(_object(f.fields))
    else:
        raise ValueError(f"field {f.name!r} has an unknown kind {f.kind!r}")
    return _nullable(schema) if f.nullable else schema


def _object(declared: tuple[records.Field, ...]) -> dict[str, Any]:
    """The JSON Schema of a record: exactly the declared fields, the required ones required."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [f.name for f in declared if f.required],
        "properties": {f.name: _property(f) for f in declared},
    }


def build_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of an ``isa-registry/1`` document, from the declarations."""
    organisation = _object(records.ORGANISATION)
    agreement = _object(records.AGREEMENT)
    # The signed copies travel with their agreement (second round) but are not a field of the
    # agreement record: the domain agreement, its audit entries, the spreadsheet and the pages hold
    # it without the files. So they are matched by name beside the declared properties.
    agreement["patternProperties"] = {"^attachments$": _list(_object(records.ATTACHMENT))}
    flow = _object(records.FLOW)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://isa-registry.example/schema/isa-registry-1.json",
        "title": "isa-registry/1",
        "type": "object",
        "additionalProperties": False,
        "required": ["format", "organisations", "agreements", "flows"],
        "properties": {
            "format": {"const": FORMAT},
            "exported_at": {"type": "string"},
            "note": {"type": "string"},
            "organisations": _list(organisation),
            "agreements": _list(agreement),
            "flows": _list(flow),
        },
    }


@functools.cache
def schema() -> dict[str, Any]:
    """The JSON Schema of the format, built once."""
    return build_schema()


@functools.cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker())


@functools.cache
def _fast_validator() -> Any:
    """A compiled validator that only says whether a document is valid, built once.

    It must never accept what :func:`_validator` rejects: the ``date`` format is checked with
    jsonschema's own check, and when it rejects a document (or is stricter than jsonschema on some
    corner), :func:`_validator` decides and words every problem.
    """
    fast_schema = _without_any_of({k: v for k, v in schema().items() if k not in ("$schema", "$id")})
    return fastjsonschema.compile(
        fast_schema,
        formats={"date": _jsonschema_is_date},
        use_default=False,
        use_formats=True,
        detailed_exceptions=False,
    )


def _without_any_of(node: Any) -> Any:
    """The same schema with each nullable ``anyOf: [X, null]`` folded into X's ``type``.

    Every keyword of X other than ``type`` and ``enum`` applies to X's type alone, so the folded
    schema accepts exactly the same values, without trying (and failing) the first branch on null.
    A string ``const`` becomes a one-value ``enum`` (the same check; fastjsonschema cannot word
    ``const`` without detailed exceptions).
    """
    if isinstance(node, list):
        return [_without_any_of(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _without_any_of(v) for k, v in node.items()}
    if set(node) == {"const"} and isinstance(node["const"], str):
        return {"type": "string", "enum": [node["const"]]}
    branches = node.get("anyOf")
    if (
        len(node) == 1
        and isinstance(branches, list)
        and len(branches) == 2
        and branches[1] == {"type": "null"}
        and isinstance(branches[0].get("type"), str)
    ):
        folded = dict(branches[0])
        folded["type"] = [folded["type"], "null"]
        if "enum" in folded:
            folded["enum"] = [*folded["enum"], None]
        return folded
    return node


def _quickly_valid(doc: Any) -> bool:
    """True when the schema certainly accepts ``doc`` (False means: ask jsonschema)."""
    try:
        _fast_validator()(doc)
    except fastjsonschema.JsonSchemaException:
        return False
    except Exception:  # noqa: BLE001 - anything unexpected: let jsonschema decide.
        return False
    return True


_SINGULAR = {"organisations": "organisation", "agreements": "agreement", "flows": "flow"}


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a document: which record, which field, what is wrong."""

    record: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.record}, field '{self.field}'" if self.field else self.record
        return f"{where}: {self.message}"


class InvalidDocument(ValueError):
    """A document that cannot be imported; ``problems`` lists everything wrong with it."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s); nothing was imported:\n{lines}")


def _record_label(doc: Any, section: str, index: int) -> str:
    """``flow 'FLOW-003' (flows[2])``, or the position alone when the record has no usable key."""
    try:
        key = doc[section][index].get("key")
    except (AttributeError, IndexError, KeyError, TypeError):
        key = None
    where = f"{section}[{index}]"
    if isinstance(key, str) and key:
        return f"{_SINGULAR[section]} '{key}' ({where})"
    return f"{_SINGULAR[section]} at {where}"


def _schema_problem(doc: Any, error: jsonschema.ValidationError) -> Problem:
    path = list(error.absolute_path)
    if len(path) >= 2 and isinstance(path[0], str) and path[0] in _SINGULAR and isinstance(path[1], int):
        record = _record_label(doc, path[0], path[1])
        field = ".".join(str(p) for p in path[2:])
    else:
        record, field = "document", ".".join(str(p) for p in path)
    message = error.message
    # The error of a keyword carries the (sub)schema holding it, a mapping; every use below is of a keyword's.
    schema = cast(Mapping[str, Any], error.schema)
    if error.validator == "additionalProperties":
        extra = sorted(set(cast(Mapping[str, Any], error.instance)) - set(schema.get("properties", {})))
        message = "unknown field(s): " + ", ".join(extra)
    elif error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        field = ".".join([*([field] if field else []), missing])
        message = "is required"
    elif error.validator == "pattern" and schema.get("pattern") == KEY_PATTERN:
        message = (
            f"{error.instance!r} is not a valid key (letters, digits, '.', '_' or '-', "
            "starting with a letter or digit, at most 100 characters)"
        )
    elif error.validator in ("pattern", "format") and schema.get("pattern") == DATE_PATTERN:
        message = f"{error.instance!r} is not a date in the form YYYY-MM-DD"
    elif error.validator == "anyOf":
        # Nullable fields: report the non-null alternative's complaint, which says what is wanted.
        wanted = [e for e in error.context or [] if e.schema != {"type": "null"}]
        if wanted:
            return _schema_problem(doc, wanted[0])
    return Problem(record, field, message)


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def validate_document(
    doc: Any, known_organisations: Iterable[str] = (), known_agreements: Iterable[str] = ()
) -> list[Problem]:
    """Every problem with ``doc``: schema violations first, then the format's cross-record rules.

    ``known_organisations`` and ``known_agreements`` are keys already in the registry that the
    document is imported into: a document may refer to them without repeating them.
    """
    if isinstance(doc, dict) and _quickly_valid(doc):
        problems: list[Problem] = []
    else:
        problems = sorted(
            {_schema_problem(doc, e) for e in _validator().iter_errors(doc)},
            key=lambda p: (p.record, p.field, p.message),
        )
    if problems or not isinstance(doc, dict):
        return problems or [Problem("document", "", "is not a JSON object")]
    return _cross_record_problems(doc, set(known_organisations), set(known_agreements))


def _cross_record_problems(
    doc: dict[str, Any], known_organisations: set[str], known_agreements: set[str]
) -> list[Problem]:
    problems: list[Problem] = []

    def label(section: str, i: int) -> str:
        return _record_label(doc, section, i)

    keys: dict[str, set[str]] = {}
    for section in _SINGULAR:
        counts = Counter(r["key"] for r in doc[section])
        keys[section] = set(counts)
        for i, record in enumerate(doc[section]):
            if counts[record["key"]] > 1:
                problems.append(Problem(label(section, i), "key", "the key is used more than once"))
    orgs = keys["organisations"] | known_organisations
    agreements = keys["agreements"] | known_agreements

    def check_org(where: str, field: str, key: str | None) -> None:
        if key is not None and key not in orgs:
            problems.append(
                Problem(
                    where,
                    field,
                    f"names organisation '{key}', which is neither in the document nor in the registry",
                )
            )

    def check_dates(where: str, record: dict[str, Any]) -> None:
        start, end = record.get("start_date"), record.get("end_date")
        try:
            if start and end and _date(end) < _date(start):  # type: ignore[operator]
                problems.append(Problem(where, "end_date", f"{end} is before the start date {start}"))
        except ValueError as exc:
            problems.append(Problem(where, "start_date", str(exc)))

    for i, o in enumerate(doc["organisations"]):
        where = label("organisations", i)
        check_org(where, "successor", o.get("successor"))
        if o.get("successor") == o["key"]:
            problems.append(Problem(where, "successor", "an organisation cannot succeed itself"))
    for i, a in enumerate(doc["agreements"]):
        where = label("agreements", i)
        check_org(where, "owner", a.get("owner"))
        check_dates(where, a)
        problems.extend(_attachment_problems(where, a.get("attachments", [])))
        seen: set[str] = set()
        for j, party in enumerate(a["parties"]):
            check_org(where, f"parties.{j}.organisation", party["organisation"])
            if party["organisation"] in seen:
                problems.append(
                    Problem(where, f"parties.{j}.organisation", f"'{party['organisation']}' is listed twice")
                )
            seen.add(party["organisation"])
    for i, f in enumerate(doc["flows"]):
        where = label("flows", i)
        check_org(where, "source", f["source"])
        check_org(where, "recipient", f["recipient"])
        if f["source"] == f["recipient"]:
            problems.append(Problem(where, "recipient", "the recipient must differ from the source"))
        if f.get("agreement") is not None and f["agreement"] not in agreements:
            problems.append(
                Problem(
                    where,
                    "agreement",
                    f"names agreement '{f['agreement']}', which is neither in the document "
                    "nor in the registry",
                )
            )
        check_dates(where, f)
    return problems


def _attachment_problems(where: str, attachments: list[dict[str, Any]]) -> list[Problem]:
    """A signed copy's content must be base64 of exactly its size and SHA-256, listed once."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for j, att in enumerate(attachments):
        field = f"attachments.{j}"
        if att["sha256"] in seen:
            problems.append(Problem(where, f"{field}.sha256", "the same file is listed more than once"))
        seen.add(att["sha256"])
        if att.get("content") is None:
            continue
        try:
            content = base64.b64decode(att["content"], validate=True)
        except (binascii.Error, ValueError):
            problems.append(Problem(where, f"{field}.content", "is not base64"))
            continue
        if len(content) != att["size"]:
            problems.append(
                Problem(
                    where, f"{field}.size", f"says {att['size']} bytes but the content has {len(content)}"
                )
            )
        if hashlib.sha256(content).hexdigest() != att["sha256"]:
            problems.append(Problem(where, f"{field}.sha256", "does not match the content"))
    return problems


def attachment_from_dict(record: dict[str, Any]) -> Attachment:
    """One signed copy from the format (valid already)."""
    content = record.get("content")
    return Attachment(
        name=record["name"],
        media_type=record["media_type"],
        size=record["size"],
        sha256=record["sha256"],
        uploaded_by=record["uploaded_by"],
        uploaded_on=datetime.strptime(record["uploaded_on"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC),
        note=record.get("note"),
        content=base64.b64decode(content) if content is not None else None,
    )


def attachment_to_dict(a: Attachment, with_content: bool = True) -> dict[str, Any]:
    """One signed copy in the format; without its content when ``with_content`` is false."""
    return {
        "name": a.name,
        "media_type": a.media_type,
        "size": a.size,
        "sha256": a.sha256,
        "uploaded_by": a.uploaded_by,
        "uploaded_on": a.uploaded_on.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "note": a.note,
        "content": base64.b64encode(a.content).decode("ascii")
        if with_content and a.content is not None
        else None,
    }


def _pick(cls: type[_Dataclass], record: dict[str, Any], **overrides: Any) -> _Dataclass:
    names = {f.name for f in fields(cls)}
    values = {k: v for k, v in record.items() if k in names}
    values.update(overrides)
    return cls(**values)


def organisation_from_dict(record: dict[str, Any]) -> Organisation:
    """One organisation from the format (valid already: see :func:`validate_document`)."""
    return _pick(Organisation, record)


def agreement_from_dict(record: dict[str, Any]) -> Agreement:
    """One agreement from the format (valid already)."""
    return _pick(
        Agreement,
        record,
        purpose=record.get("purpose") or "",
        start_date=_date(record.get("start_date")),
        review_date=_date(record.get("review_date")),
        end_date=_date(record.get("end_date")),
        parties=[_pick(Party, p, signed_on=_date(p.get("signed_on"))) for p in record["parties"]],
        data_categories=list(record.get("data_categories", [])),
    )


def flow_from_dict(record: dict[str, Any]) -> Flow:
    """One flow from the format (valid already)."""
    transfer = record.get("international_transfer")
    return _pick(
        Flow,
        record,
        purpose=record.get("purpose") or "",
        start_date=_date(record.get("start_date")),
        end_date=_date(record.get("end_date")),
        international_transfer=Transfer(**transfer) if transfer else None,
    )


def parse_document(
    doc: Any, known_organisations: Iterable[str] = (), known_agreements: Iterable[str] = ()
) -> Registry:
    """Validate ``doc`` and return its registry; raises :class:`InvalidDocument` listing every problem."""
    problems = validate_document(doc, known_organisations, known_agreements)
    if problems:
        raise InvalidDocument(problems)
    organisations = [organisation_from_dict(o) for o in doc["organisations"]]
    agreements = [agreement_from_dict(a) for a in doc["agreements"]]
    flows = [flow_from_dict(f) for f in doc["flows"]]
    registry = Registry.of(organisations, agreements, flows)
    registry.attachments = {
        a["key"]: [attachment_from_dict(att) for att in a["attachments"]]
        for a in doc["agreements"]
        if a.get("attachments")
    }
    return registry


def load_document(
    text: str | bytes, known_organisations: Iterable[str] = (), known_agreements: Iterable[str] = ()
) -> Registry:
    """Parse JSON text into a registry; bad JSON is reported like any other problem."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidDocument(
            [
                Problem(
                    "document", "", f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
                )
            ]
        ) from exc
    return parse_document(doc, known_organisations, known_agreements)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def organisation_to_dict(o: Organisation) -> dict[str, Any]:
    """One organisation in the format."""
    return {f.name: getattr(o, f.name) for f in fields(Organisation)}


def agreement_to_dict(a: Agreement) -> dict[str, Any]:
    """One agreement in the format."""
    out = {f.name: getattr(a, f.name) for f in fields(Agreement)}
    for name in ("start_date", "review_date", "end_date"):
        out[name] = _iso(out[name])
    out["parties"] = [
        {
            "organisation": p.organisation,
            "role": p.role,
            "signed_on": _iso(p.signed_on),
            "signed_by": p.signed_by,
            "signatory_role": p.signatory_role,
        }
        for p in a.parties
    ]
    out["data_categories"] = list(a.data_categories)
    return out


def flow_to_dict(f: Flow) -> dict[str, Any]:
    """One flow in the format."""
    out = {fl.name: getattr(f, fl.name) for fl in fields(Flow)}
    out["start_date"], out["end_date"] = _iso(f.start_date), _iso(f.end_date)
    out["international_transfer"] = (
        {"country": f.international_transfer.country, "safeguard": f.international_transfer.safeguard}
        if f.international_transfer
        else None
    )
    for name in ("data_subjects", "data_categories", "schedule1", "schedule8", "legislation"):
        out[name] = list(out[name])
    return out


#: What the header of an export made without the attachments' contents says.
WITHOUT_ATTACHMENTS_NOTE = (
    "Exported without the contents of the signed copies (attachments): this file cannot restore them."
)


def to_document(
    registry: Registry, exported_at: datetime | None = None, *, attachments: bool = True
) -> dict[str, Any]:
    """The whole registry as an ``isa-registry/1`` document, records in key order.

    Each agreement carries its signed copies from ``registry.attachments``; without
    ``attachments`` their content is null and the document's ``note`` says it cannot restore them.
    """
    at = (exported_at or datetime.now(UTC)).astimezone(UTC)
    doc: dict[str, Any] = {"format": FORMAT, "exported_at": at.strftime("%Y-%m-%dT%H:%M:%SZ")}
    if not attachments:
        doc["note"] = WITHOUT_ATTACHMENTS_NOTE
    agreements = []
    for k in sorted(registry.agreements):
        record = agreement_to_dict(registry.agreements[k])
        record["attachments"] = [attachment_to_dict(a, attachments) for a in registry.attachments.get(k, [])]
        agreements.append(record)
    doc.update(
        organisations=[
            organisation_to_dict(registry.organisations[k]) for k in sorted(registry.organisations)
        ],
        agreements=agreements,
        flows=[flow_to_dict(registry.flows[k]) for k in sorted(registry.flows)],
    )
    return doc


def dump_document(doc: dict[str, Any]) -> str:
    """JSON text of a document: indented, UTF-8 kept readable, stable key order within records."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
