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
import operator
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar, cast

from . import dates, records
from .decisions import SUBJECT_TYPES, Decision, decision_problems
from .domain import Agreement, Attachment, Basis, Flow, Organisation, Party, Registry, Transfer
from .law import SCHEDULE1, SCHEDULE1_NOT_CONDITIONS, SCHEDULE8
from .records import KEY_PATTERN

if TYPE_CHECKING:
    import jsonschema
    from _typeshed import DataclassInstance

_Dataclass = TypeVar("_Dataclass", bound="DataclassInstance")

FORMAT = "isa-registry/1"

__all__ = [
    "FORMAT",
    "MAX_DEPTH",
    "WITHOUT_ATTACHMENTS_NOTE",
    "ImportLimits",
    "InvalidDocument",
    "Problem",
    "agreement_from_dict",
    "agreement_to_dict",
    "attachment_from_dict",
    "attachment_to_dict",
    "basis_from_dict",
    "basis_to_dict",
    "decision_from_dict",
    "decision_to_dict",
    "decisions_of",
    "dump_document",
    "fields_of",
    "flow_from_dict",
    "flow_to_dict",
    "load_document",
    "load_json",
    "organisation_from_dict",
    "organisation_to_dict",
    "parse_document",
    "plain_dict",
    "read_limited",
    "schedule_problems",
    "schema",
    "size_words",
    "to_document",
    "validate_document",
]

DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
_KEY_RE = re.compile(KEY_PATTERN)

#: The deepest nesting of arrays and objects a document may have (a party of an agreement is at
#: depth 5); anything deeper is refused before it is validated.
MAX_DEPTH = 20


@dataclass(frozen=True)
class ImportLimits:
    """How big a file an import reads: its size, what its zip members unpack to (an ``.xlsx`` is a
    zip file), how much smaller than that a member may be compressed (``ratio``), and how many rows
    a spreadsheet may have. The defaults are the configuration's (``IMPORT_MAX_*``)."""

    file_bytes: int = 50 * 1024 * 1024
    uncompressed_bytes: int = 200 * 1024 * 1024
    ratio: int = 100
    rows: int = 100_000

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ImportLimits:
        """The limits an application's configuration sets (``IMPORT_MAX_FILE_BYTES``...)."""
        default = cls()
        return cls(
            file_bytes=int(config.get("IMPORT_MAX_FILE_BYTES", default.file_bytes)),
            uncompressed_bytes=int(config.get("IMPORT_MAX_UNCOMPRESSED_BYTES", default.uncompressed_bytes)),
            ratio=int(config.get("IMPORT_MAX_COMPRESSION_RATIO", default.ratio)),
            rows=int(config.get("IMPORT_MAX_ROWS", default.rows)),
        )


def read_limited(source: str | Path | IO[bytes], name: str, limit: int) -> bytes:
    """The bytes of a file (a path, or a binary stream), refused with :class:`InvalidDocument`
    when there are more than ``limit`` of them; no more than ``limit + 1`` bytes are read.
    ``OSError`` (a missing file) passes through."""
    if isinstance(source, str | Path):
        with open(source, "rb") as fh:
            return read_limited(fh, name, limit)
    data = source.read(limit + 1)
    if len(data) > limit:
        raise InvalidDocument(
            [Problem(name, "", f"is larger than {size_words(limit)}, the most an import reads")]
        )
    return data


def size_words(size: int) -> str:
    """A number of bytes as people read it: ``52 MB``, ``900 KB``.

    >>> size_words(50 * 1024 * 1024), size_words(1536), size_words(1000)
    ('50 MB', '2 KB', '1,000 bytes')
    """
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            return f"{round(size / scale):,} {unit}"
    return f"{size:,} bytes"


#: Text that is more than spaces.
NOT_BLANK = r"\S"


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


def _decision_schema() -> dict[str, Any]:
    """A decision on a finding (``decisions[]``, the spec's second round)."""
    from .rules import CODES
    from .vocabulary import DECISION

    day = {"type": "string", "pattern": DATE_PATTERN, "format": "date"}
    text = {"type": "string", "minLength": 1}
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "subject_type",
            "subject_key",
            "code",
            "decision",
            "reason",
            "decided_by",
            "decided_on",
            "message",
        ],
        "properties": {
            "subject_type": _enum(SUBJECT_TYPES),
            "subject_key": {"type": "string", "pattern": KEY_PATTERN},
            "code": _enum(CODES),
            "decision": _enum(DECISION.codes),
            "reason": {**text, "pattern": NOT_BLANK},
            "decided_by": {**text, "maxLength": 320, "pattern": NOT_BLANK},
            "decided_on": day,
            "review_by": _nullable(day),
            "message": text,
            "withdrawn_on": _nullable(day),
        },
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
            "decisions": _list(_decision_schema()),
        },
    }


@functools.cache
def schema() -> dict[str, Any]:
    """The JSON Schema of the format, built once."""
    return build_schema()


@functools.cache
def _validator() -> jsonschema.Draft202012Validator:
    import jsonschema  # a large import: only when a document is checked

    return jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker())


@functools.cache
def _fast_validator() -> Any:
    """A compiled validator that only says whether a document is valid, built once.

    It must never accept what :func:`_validator` rejects: the ``date`` format is checked with
    jsonschema's own check, and when it rejects a document (or is stricter than jsonschema on some
    corner), :func:`_validator` decides and words every problem.
    """
    import fastjsonschema
    from jsonschema._format import is_date as _jsonschema_is_date

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
    import fastjsonschema

    try:
        _fast_validator()(doc)
    except fastjsonschema.JsonSchemaException:
        return False
    except Exception:  # noqa: BLE001 - anything unexpected: let jsonschema decide.
        return False
    return True


_SINGULAR = {
    "organisations": "organisation",
    "agreements": "agreement",
    "flows": "flow",
    "decisions": "decision",
}
#: The sections of records with keys (decisions have none: they are identified by their finding).
_KEYED = ("organisations", "agreements", "flows")


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
        record = doc[section][index]
        if section == "decisions":
            key = "{} {} {}".format(record["code"], record["subject_type"], record["subject_key"])
        else:
            key = record.get("key")
    except (AttributeError, IndexError, KeyError, TypeError):
        key = None
    where = f"{section}[{index}]"
    # Only a key that is a key is echoed back: a control character in it must not reach the message.
    if isinstance(key, str) and all(_KEY_RE.match(part) for part in key.split(" ")):
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
    if isinstance(error.instance, str) and len(error.instance) > 80:
        # The value is quoted in the message: a long one is cut short (a 5 MB address stays out).
        message = message.replace(repr(error.instance), repr(error.instance[:60]) + "...")
    if error.validator == "additionalProperties":
        extra = sorted(set(cast(Mapping[str, Any], error.instance)) - set(schema.get("properties", {})))
        message = "unknown field(s): " + ", ".join(n if n.isprintable() else repr(n) for n in extra)
    elif error.validator == "maxLength":
        limit = int(schema["maxLength"])
        message = f"is {len(cast(str, error.instance)):,} characters long: at most {limit:,} are allowed"
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
    elif error.validator == "pattern" and schema.get("pattern") == NOT_BLANK:
        message = "is blank: write it out"
    elif error.validator == "enum" and path[-1:] == ["code"]:
        message = f"{error.instance!r} is not a finding code"
    elif error.validator == "anyOf":
        # Nullable fields: report the non-null alternative's complaint, which says what is wanted.
        wanted = [e for e in error.context or [] if e.schema != {"type": "null"}]
        if wanted:
            return _schema_problem(doc, wanted[0])
    return Problem(record, field, message)


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def validate_document(
    doc: Any,
    known_organisations: Iterable[str] = (),
    known_agreements: Iterable[str] = (),
    known_flows: Iterable[str] = (),
) -> list[Problem]:
    """Every problem with ``doc``: schema violations first, then the format's cross-record rules.

    ``known_organisations``, ``known_agreements`` and ``known_flows`` are keys already in the
    registry that the document is imported into: a document may refer to them without repeating
    them (a decision may be about a record the document does not hold).
    """
    # A document the schema accepts nests no deeper than the schema does (every object and array
    # of it is closed: tests/test_import_limits.py), so only one it refuses is measured.
    if isinstance(doc, dict) and _quickly_valid(doc):
        problems: list[Problem] = []
    elif _depth(doc) > MAX_DEPTH:
        return [Problem("document", "", f"is nested more than {MAX_DEPTH} levels deep")]
    else:
        problems = list({_schema_problem(doc, e) for e in _validator().iter_errors(doc)})
    if isinstance(doc, dict):
        problems = sorted({*problems, *_value_problems(doc)}, key=lambda p: (p.record, p.field, p.message))
    if problems or not isinstance(doc, dict):
        return problems or [Problem("document", "", "is not a JSON object")]
    return _cross_record_problems(doc, set(known_organisations), set(known_agreements), set(known_flows))


def _depth(doc: Any) -> int:
    """How deeply arrays and objects nest in ``doc`` (a string or number is 0), found without
    recursion, and given up on past :data:`MAX_DEPTH`."""
    deepest = 0
    stack = [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


_SECTIONS = {
    "organisations": records.ORGANISATION,
    "agreements": records.AGREEMENT,
    "flows": records.FLOW,
}
_TEXTS = (records.TEXT, records.LONG_TEXT)

#: What no text may hold (:func:`records.text_problem` says which and words it): a control
#: character (a multi-line text may hold a tab, a line feed or a carriage return) or half of a
#: surrogate pair. One search tells that a text is fine; only a text it finds is looked at again.
_BAD_TEXT = re.compile(r"[\x00-\x1f\ud800-\udfff]")
_BAD_LONG_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


@dataclass(frozen=True)
class _Checks:
    """What :func:`_value_problems` looks at in a record of ``declared`` fields, by kind: its
    texts (each with the search that finds a bad one), its lists of texts, its dates, its nested
    records and its lists of them."""

    texts: tuple[tuple[str, records.Field, re.Pattern[str]], ...]
    lists: tuple[tuple[str, records.Field], ...]
    dates: tuple[str, ...]
    nested: tuple[tuple[str, _Checks], ...]
    nested_lists: tuple[tuple[str, _Checks], ...]

    @classmethod
    def of(cls, declared: tuple[records.Field, ...]) -> _Checks:
        # The schema checks lengths: a text's problem here is only what it holds.
        unlimited = {f.name: replace(f, max_length=None) for f in declared}
        return cls(
            texts=tuple(
                (f.name, unlimited[f.name], _BAD_LONG_TEXT if f.kind == records.LONG_TEXT else _BAD_TEXT)
                for f in declared
                if f.kind in _TEXTS
            ),
            lists=tuple((f.name, unlimited[f.name]) for f in declared if f.kind == records.LIST),
            dates=tuple(f.name for f in declared if f.kind == records.DATE),
            nested=tuple((f.name, cls.of(f.fields)) for f in declared if f.kind == records.RECORD),
            nested_lists=tuple((f.name, cls.of(f.fields)) for f in declared if f.kind == records.RECORDS),
        )


@functools.cache
def _section_checks() -> dict[str, _Checks]:
    return {section: _Checks.of(declared) for section, declared in _SECTIONS.items()}


def _value_problems(doc: dict[str, Any]) -> list[Problem]:
    """What the schema does not say about the values: a text holding a control character or half a
    surrogate pair (:func:`records.text_problem`; lengths are the schema's), or a date outside
    1900 to 2200. Each record is looked at only as far as it has the right shape."""
    found: list[tuple[str, int, str, str]] = []  # section, index, field, message

    def check(section: str, index: int, prefix: str, checks: _Checks, record: Any) -> None:
        if not isinstance(record, dict):
            return
        get = record.get
        for name, f, bad in checks.texts:
            value = get(name)
            if isinstance(value, str) and bad.search(value):
                problem = records.text_problem(f, value)
                if problem:
                    found.append((section, index, prefix + name, problem))
        for name, f in checks.lists:
            value = get(name)
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, str) and _BAD_TEXT.search(item):
                        problem = records.text_problem(f, item)
                        if problem:
                            found.append((section, index, f"{prefix}{name}.{i}", problem))
        for name in checks.dates:
            value = get(name)
            if isinstance(value, str):
                try:
                    day = date.fromisoformat(value)
                except ValueError:
                    continue  # the schema says so
                if not dates.in_range(day):
                    found.append((section, index, prefix + name, f"{value} is not {dates.RANGE_WORDS}"))
        for name, nested in checks.nested:
            value = get(name)
            if value is not None:
                check(section, index, f"{prefix}{name}.", nested, value)
        for name, nested in checks.nested_lists:
            value = get(name)
            if isinstance(value, list):
                for i, item in enumerate(value):
                    check(section, index, f"{prefix}{name}.{i}.", nested, item)

    for section, checks in _section_checks().items():
        items = doc.get(section)
        if isinstance(items, list):
            for i, record in enumerate(items):
                check(section, i, "", checks, record)
    # Only a record with a problem is labelled (a label is looked up from the document).
    return [Problem(_record_label(doc, section, i), field, message) for section, i, field, message in found]


def _cross_record_problems(
    doc: dict[str, Any], known_organisations: set[str], known_agreements: set[str], known_flows: set[str]
) -> list[Problem]:
    problems: list[Problem] = []

    def label(section: str, i: int) -> str:
        return _record_label(doc, section, i)

    keys: dict[str, set[str]] = {}
    for section in _KEYED:
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
        problems.extend(schedule_problems(where, f))
        if f.get("recipient_basis"):
            problems.extend(schedule_problems(where, f["recipient_basis"], prefix="recipient_basis."))
    known = {
        "organisation": orgs,
        "agreement": agreements,
        "flow": keys["flows"] | known_flows,
    }
    problems.extend(_decisions_problems(doc, known))
    return problems


def _decisions_problems(doc: dict[str, Any], known: dict[str, set[str]]) -> list[Problem]:
    """Each decision's problems (known record and code, reason, review-by date), and repeats."""
    problems: list[Problem] = []
    seen: set[tuple[str, str, str, date]] = set()
    for i, record in enumerate(doc.get("decisions", [])):
        where = _record_label(doc, "decisions", i)
        try:
            decision = decision_from_dict(record)
        except ValueError as exc:
            problems.append(Problem(where, "decided_on", str(exc)))
            continue
        for field, message in decision_problems(decision, lambda t, k: k in known.get(t, ())):
            problems.append(Problem(where, field, message))
        if decision.identity in seen:
            problems.append(
                Problem(where, "decided_on", "the document holds another decision on this finding that day")
            )
        seen.add(decision.identity)
    return problems


#: The conditions of DPA 2018 Schedule 1 (Parts 1 to 3; paragraph 5 is Part 2's requirement for an
#: appropriate policy document, not a condition) and of Schedule 8, as in force.
_SCHEDULE_CONDITIONS: dict[str, tuple[frozenset[str], str]] = {
    "schedule1": (
        frozenset(SCHEDULE1) - SCHEDULE1_NOT_CONDITIONS,
        "DPA 2018 Schedule 1 (its conditions are paragraphs 1 to 4 and 6 to 37)",
    ),
    "schedule8": (frozenset(SCHEDULE8), "DPA 2018 Schedule 8 (its conditions are paragraphs 1 to 9)"),
}


def schedule_problems(where: str, record: Mapping[str, Any], prefix: str = "") -> list[Problem]:
    """The Schedule 1 and Schedule 8 entries of ``record`` that are not conditions as in force.

    The format's rule (``registry-format.md``, "Second round additions"): any other value breaks it
    and the import writes nothing. ``prefix`` locates a nested basis (``"recipient_basis."``).

    >>> schedule_problems("flow 'F1'", {"schedule1": ["2", "99"]})[0].field
    'schedule1.1'
    """
    problems = []
    for name, (conditions, schedule) in _SCHEDULE_CONDITIONS.items():
        for j, value in enumerate(record.get(name) or ()):
            if value not in conditions:
                problems.append(
                    Problem(
                        where,
                        f"{prefix}{name}.{j}",
                        f"paragraph '{value}' is not a condition of {schedule}",
                    )
                )
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
    return _pick(
        Attachment,
        record,
        uploaded_on=datetime.strptime(record["uploaded_on"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC),
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


@functools.cache
def _field_names(cls: type[DataclassInstance]) -> frozenset[str]:
    return frozenset(f.name for f in fields(cls))


@functools.cache
def _getter(cls: type[DataclassInstance]) -> Callable[[Any], dict[str, Any]]:
    """A function giving every field of a ``cls`` by name, in the fields' order."""
    names = tuple(f.name for f in fields(cls))
    values = operator.attrgetter(*names)
    return lambda record: dict(zip(names, values(record), strict=True))


#: The fields the format holds as ISO dates, by the class they are read into (from the declarations).
_DATE_FIELDS: dict[type, tuple[str, ...]] = {
    cls: tuple(f.name for f in declared if f.kind == records.DATE)
    for cls, declared in ((Agreement, records.AGREEMENT), (Party, records.PARTY), (Flow, records.FLOW))
}


def _pick(cls: type[_Dataclass], record: dict[str, Any], **overrides: Any) -> _Dataclass:
    """A ``cls`` from the format's object: its fields as they are, its dates read, and the
    ``overrides`` for what the format holds otherwise."""
    names = _field_names(cls)
    values = {k: v for k, v in record.items() if k in names}
    values.update((name, _date(record.get(name))) for name in _DATE_FIELDS.get(cls, ()))
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
        parties=[_pick(Party, p) for p in record["parties"]],
        data_categories=list(record.get("data_categories", [])),
    )


_BASIS_LISTS = records.list_fields(records.BASIS)


def basis_from_dict(record: dict[str, Any] | None) -> Basis | None:
    """A recipient's basis from the format (valid already); None when not recorded."""
    if record is None:
        return None
    return _pick(Basis, record, **{name: list(record.get(name) or []) for name in _BASIS_LISTS})


def flow_from_dict(record: dict[str, Any]) -> Flow:
    """One flow from the format (valid already)."""
    transfer = record.get("international_transfer")
    return _pick(
        Flow,
        record,
        purpose=record.get("purpose") or "",
        international_transfer=Transfer(**transfer) if transfer else None,
        recipient_basis=basis_from_dict(record.get("recipient_basis")),
    )


def decision_from_dict(record: dict[str, Any]) -> Decision:
    """One decision from the format (valid already)."""
    decided_on = _date(record["decided_on"])
    assert decided_on is not None  # required by the schema
    return _pick(
        Decision,
        record,
        decided_on=decided_on,
        review_by=_date(record.get("review_by")),
        withdrawn_on=_date(record.get("withdrawn_on")),
    )


def decisions_of(doc: dict[str, Any]) -> list[Decision]:
    """The decisions of a document (valid already: see :func:`validate_document`)."""
    return [decision_from_dict(d) for d in doc.get("decisions", [])]


def parse_document(
    doc: Any,
    known_organisations: Iterable[str] = (),
    known_agreements: Iterable[str] = (),
    known_flows: Iterable[str] = (),
) -> Registry:
    """Validate ``doc`` and return its registry; raises :class:`InvalidDocument` listing every problem.

    The document's decisions are validated with it; :func:`decisions_of` gives them.
    """
    problems = validate_document(doc, known_organisations, known_agreements, known_flows)
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
    """Parse JSON text (or bytes in UTF-8, -16 or -32) into a registry; bad JSON is reported like
    any other problem."""
    return parse_document(load_json(text), known_organisations, known_agreements)


def load_json(text: str | bytes) -> Any:
    """The JSON value in ``text``; raises :class:`InvalidDocument` when it is not JSON, not text in
    a Unicode encoding, or nested too deeply to read.

    >>> load_json(b'{"format": "isa-registry/1"}')
    {'format': 'isa-registry/1'}
    >>> load_json("[" * 100_000)
    Traceback (most recent call last):
    ...
    isa_registry.core.exchange.InvalidDocument: 1 problem(s); nothing was imported:
      - document: is nested too deeply to read (at most 20 levels)
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        message = f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
    except UnicodeDecodeError:
        message = "is not text in UTF-8 (or UTF-16 with a byte-order mark): save it as UTF-8"
    except RecursionError:
        message = f"is nested too deeply to read (at most {MAX_DEPTH} levels)"
    raise InvalidDocument([Problem("document", "", message)])


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def organisation_to_dict(o: Organisation) -> dict[str, Any]:
    """One organisation in the format."""
    return _getter(Organisation)(o)


def agreement_to_dict(a: Agreement) -> dict[str, Any]:
    """One agreement in the format."""
    out = _getter(Agreement)(a)
    for name in ("start_date", "review_date", "end_date"):
        out[name] = _iso(out[name])
    out["parties"] = [
        {
            "organisation": p.organisation,
            "role": p.role,
            "signed_on": _iso(p.signed_on),
            "contract_reference": p.contract_reference,
            "signed_by": p.signed_by,
            "signatory_role": p.signatory_role,
            "signed_by_account": p.signed_by_account,
            "recorded_by": p.recorded_by,
            "signed_at": p.signed_at,
        }
        for p in a.parties
    ]
    out["data_categories"] = list(a.data_categories)
    return out


def basis_to_dict(b: Basis | None) -> dict[str, Any] | None:
    """A recipient's basis in the format: every field, or None when not recorded."""
    if b is None:
        return None
    out = _getter(Basis)(b)
    for name in _BASIS_LISTS:
        out[name] = list(out[name])
    return out


def flow_to_dict(f: Flow) -> dict[str, Any]:
    """One flow in the format."""
    out = _getter(Flow)(f)
    out["start_date"], out["end_date"] = _iso(f.start_date), _iso(f.end_date)
    out["international_transfer"] = (
        {"country": f.international_transfer.country, "safeguard": f.international_transfer.safeguard}
        if f.international_transfer
        else None
    )
    for name in ("data_subjects", "data_categories", "schedule1", "schedule8", "legislation"):
        out[name] = list(out[name])
    out["recipient_basis"] = basis_to_dict(f.recipient_basis)
    return out


def fields_of(record: DataclassInstance) -> dict[str, Any]:
    """Every field of a record by name, in the fields' order, the values as they are (a flat
    record's row names its columns as its fields)."""
    return _getter(type(record))(record)


def plain_dict(record: DataclassInstance) -> dict[str, Any]:
    """Every field of a record whose fields are text and dates, by name in the fields' order, its
    dates as ISO text: a decision in the format, an action in its audit entry."""
    return {
        name: _iso(value) if isinstance(value, date) else value for name, value in fields_of(record).items()
    }


def decision_to_dict(d: Decision) -> dict[str, Any]:
    """One decision in the format."""
    return plain_dict(d)


#: What the header of an export made without the attachments' contents says.
WITHOUT_ATTACHMENTS_NOTE = (
    "Exported without the contents of the signed copies (attachments): this file cannot restore them."
)


def to_document(
    registry: Registry,
    exported_at: datetime | None = None,
    decisions: Iterable[Decision] = (),
    *,
    attachments: bool = True,
) -> dict[str, Any]:
    """The whole registry as an ``isa-registry/1`` document, records in key order, then the
    decisions on findings by finding and date.

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
        decisions=[decision_to_dict(d) for d in sorted(decisions, key=lambda d: d.identity)],
    )
    return doc


def dump_document(doc: dict[str, Any]) -> str:
    """JSON text of a document: indented, UTF-8 kept readable, stable key order within records."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
