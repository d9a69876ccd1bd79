"""The API's OpenAPI 3.1 document, built from the definitions that check requests: the record
schemas are the ``isa-registry/1`` JSON Schema's (:func:`~isa_registry.core.exchange.schema`, the
one the importer validates with), the operations, filters and sorts are
:mod:`~isa_registry.web.api.records`' tables. ``/api/v1/openapi.json`` serves it to token holders;
``/api/docs`` lists its operations for signed-in users (a page of our own: the CSP allows no
scripts from elsewhere), with the document to download.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from flask import Blueprint, render_template, request
from werkzeug.wrappers import Response

from ...core import exchange
from ...core.domain import SEVERITIES
from ...core.rules import CODES
from ...core.vocabulary import DECISION, FINDING_STATE
from .base import PREFIX, PROBLEM_JSON, bp, json_response
from .records import FILTERS, MAX_PER_PAGE, OPERATIONS, PER_PAGE, SORTS, TYPES

__all__ = ["docs_bp", "document"]

docs_bp = Blueprint("api_docs", __name__)

_NAMES = {"organisations": "Organisation", "agreements": "Agreement", "flows": "Flow"}
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": _ref("Problem")}}}


_ERRORS = {
    "400": "The query or the body could not be read (bad JSON, a bad parameter)",
    "401": "No API token, or one that is unknown, revoked or expired",
    "403": "The token's user does not have the role this needs",
    "404": "No such record",
    "409": "Live records depend on the record (archive)",
    "412": "The If-Match ETag is not the record's: someone else changed it (the record is in `current`)",
    "413": "The body is too large",
    "415": "The body is not JSON",
    "422": "The record is not valid: `errors` names each field, with the importer's and the forms' messages",
    "428": "No If-Match header",
    "429": "Too many requests with this token: wait for `Retry-After` seconds",
}


def _errors(*codes: str) -> dict[str, Any]:
    return {code: _problem(_ERRORS[code]) for code in ("401", "429", *codes)}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def _paging() -> list[dict[str, Any]]:
    return [
        _query("page", "The page, from 1", {"type": "integer", "minimum": 1}),
        _query(
            "per_page",
            f"Items per page ({PER_PAGE} unless given, at most {MAX_PER_PAGE})",
            {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        ),
    ]


_AS_OF = _query(
    "as_of", "The date to check on (YYYY-MM-DD); today when absent", {"type": "string", "format": "date"}
)
_KEY = {
    "name": "key",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"},
}
_IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": True,
    "description": "The record's ETag, as the last GET (or write) answered it",
    "schema": {"type": "string"},
}
_ETAG = {"ETag": {"description": "The record's version", "schema": {"type": "string"}}}


def _patch_schema(record: dict[str, Any]) -> dict[str, Any]:
    """A JSON merge patch of a record: any of its fields; null removes an optional one."""
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            name: {"anyOf": [prop, {"type": "null"}]} for name, prop in record["properties"].items()
        },
    }


def _record_operations(section: str) -> dict[str, dict[str, Any]]:
    name = _NAMES[section]
    rt = TYPES[section]
    one = {
        "description": f"The {rt.subject_type}",
        "headers": _ETAG,
        "content": {"application/json": {"schema": _ref(name)}},
    }
    body = {"required": True, "content": {"application/json": {"schema": _ref(name)}}}
    patch = {
        "required": True,
        "content": {
            "application/merge-patch+json": {"schema": _ref(f"{name}Patch")},
            "application/json": {"schema": _ref(f"{name}Patch")},
        },
    }
    filters = [
        _query(f, f"Only {section} with this {f.replace('_', ' ')}", {"type": "string"})
        for f in FILTERS[section]
    ]
    listing = {
        "parameters": [
            _query("q", "Text to look for in the key and the name or title", {"type": "string"}),
            *filters,
            _query(
                "sort",
                f"The column to sort by ({SORTS[section][0]} by default; ties by key)",
                {"type": "string", "enum": list(SORTS[section])},
            ),
            _query("dir", "asc or desc", {"type": "string", "enum": ["asc", "desc"]}),
            _query(
                "include_archived",
                "true to include archived records",
                {"type": "string", "enum": ["true", "false"]},
            ),
            *_paging(),
        ],
        "responses": {
            "200": {
                "description": (
                    f"A page of {section}; the Link header links the first, last, previous and next pages"
                ),
                "headers": {"Link": {"schema": {"type": "string"}}},
                "content": {"application/json": {"schema": _ref(f"{name}Page")}},
            },
            **_errors("400"),
        },
    }
    operations: dict[str, dict[str, Any]] = {}
    for path, op, method, role, _view, summary in OPERATIONS:
        text = summary.format(section=section, a=rt.label.lower(), kind=rt.subject_type)
        spec: dict[str, Any] = {"operationId": f"{section}_{op}", "summary": text, "tags": [section]}
        if op == "list":
            spec.update(listing)
        elif op == "create":
            spec.update(
                requestBody=body,
                responses={
                    "201": one | {"description": f"The {rt.subject_type}, created"},
                    **_errors("400", "403", "413", "415", "422"),
                },
            )
        elif op == "get":
            spec.update(parameters=[_KEY], responses={"200": one, **_errors("404")})
        elif op == "update":
            spec.update(
                parameters=[_KEY, _IF_MATCH],
                requestBody=patch,
                responses={"200": one, **_errors("400", "403", "404", "412", "413", "415", "422", "428")},
            )
        else:
            spec.update(
                parameters=[_KEY, _IF_MATCH],
                responses={"200": one, **_errors("403", "404", "409", "412", "428")},
            )
        if role:
            spec["description"] = (
                f"Needs an {role} or admin token." if role == "editor" else "Needs an admin token."
            )
        openapi_path = f"{PREFIX}/{section}{path.replace('<key>', '{key}')}"
        operations.setdefault(openapi_path, {})[method.lower()] = spec
    return operations


def _report_operations() -> dict[str, dict[str, Any]]:
    finding_filters = [
        _query("code", "Only findings with this code", {"type": "string", "enum": sorted(CODES)}),
        _query("severity", "Only findings of this severity", {"type": "string", "enum": list(SEVERITIES)}),
        _query(
            "state",
            "Only findings in this state: open (no decision in force), decided (accepted or not "
            "applicable, and still holding) or lapsed (decided, but past its review date or changed since)",
            {"type": "string", "enum": list(FINDING_STATE.codes)},
        ),
        _query("owner", "Only findings whose action is owned by this e-mail address", {"type": "string"}),
        _query(
            "organisation",
            "Only findings about this organisation, its agreements and flows",
            {"type": "string"},
        ),
        _query("agreement", "Only findings about this agreement and its flows", {"type": "string"}),
        _query("programme", "Only findings about flows of this programme", {"type": "string"}),
    ]
    ropa_params = [
        _AS_OF,
        _query(
            "controller", "One controller's record (a key); the partnership's by default", {"type": "string"}
        ),
    ]
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {
        f"{PREFIX}/findings": {
            "get": {
                "operationId": "findings_list",
                "summary": "The rules' findings on a date, filtered as on the findings page",
                "tags": ["findings"],
                "parameters": [_AS_OF, *finding_filters, *_paging()],
                "responses": {
                    "200": {
                        "description": "A page of findings",
                        "content": {"application/json": {"schema": _ref("FindingPage")}},
                    },
                    **_errors("400"),
                },
            }
        },
        f"{PREFIX}/map": {
            "get": {
                "operationId": "map_json",
                "summary": "The data map as node-link JSON, with the map page's filters",
                "tags": ["map"],
                "parameters": [
                    _AS_OF,
                    _query("organisation", "Centre the map on this organisation", {"type": "string"}),
                    _query(
                        "depth",
                        "How many steps from the organisation",
                        {"type": "integer", "minimum": 1, "maximum": 3},
                    ),
                    _query("category", "Only flows of this data category", {"type": "string"}),
                    _query("programme", "Only flows of this programme", {"type": "string"}),
                    _query("agreement", "Only flows under this agreement", {"type": "string"}),
                ],
                "responses": {
                    "200": {
                        "description": "The map's graph",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    **_errors("400"),
                },
            }
        },
        f"{PREFIX}/ropa.xlsx": {
            "get": {
                "operationId": "ropa_xlsx",
                "summary": "The record of processing activities (UK GDPR Art 30) as a workbook",
                "tags": ["ropa"],
                "parameters": ropa_params,
                "responses": {
                    "200": {"description": "The workbook", "content": {_XLSX: binary}},
                    **_errors("400", "404"),
                },
            }
        },
        f"{PREFIX}/ropa.csv": {
            "get": {
                "operationId": "ropa_csv",
                "summary": "The record of processing activities (UK GDPR Art 30) as CSV",
                "tags": ["ropa"],
                "parameters": ropa_params,
                "responses": {
                    "200": {"description": "The CSV", "content": {"text/csv": binary}},
                    **_errors("400", "404"),
                },
            }
        },
        f"{PREFIX}/registry": {
            "get": {
                "operationId": "registry_export",
                "summary": "The whole registry, archived records included, as an isa-registry/1 document",
                "description": "Needs an admin token.",
                "tags": ["registry"],
                "responses": {
                    "200": {
                        "description": "The document",
                        "content": {"application/json": {"schema": _ref("Document")}},
                    },
                    **_errors("403"),
                },
            },
            "post": {
                "operationId": "registry_import",
                "summary": "Import an isa-registry/1 document, all or nothing (as flask import-registry)",
                "description": (
                    "Needs an admin token. Records are matched by key. With dry_run=true nothing is written."
                ),
                "tags": ["registry"],
                "parameters": [
                    _query(
                        "dry_run",
                        "true to check and count without writing",
                        {"type": "string", "enum": ["true", "false"]},
                    )
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("Document")}},
                },
                "responses": {
                    "200": {
                        "description": "What the import did",
                        "content": {"application/json": {"schema": _ref("ImportReport")}},
                    },
                    **_errors("400", "403", "413", "415", "422"),
                },
            },
        },
        f"{PREFIX}/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "tags": ["api"],
                "responses": {
                    "200": {
                        "description": "The OpenAPI document",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    **_errors(),
                },
            }
        },
    }


def _components() -> dict[str, Any]:
    source = exchange.schema()
    schemas: dict[str, Any] = {}
    for section, name in _NAMES.items():
        record = copy.deepcopy(source["properties"][section]["items"])
        schemas[name] = record
        schemas[f"{name}Patch"] = _patch_schema(record)
        schemas[f"{name}Page"] = {
            "type": "object",
            "required": ["items", "page", "per_page", "total"],
            "properties": {
                "items": {"type": "array", "items": _ref(name)},
                "page": {"type": "integer"},
                "per_page": {"type": "integer"},
                "total": {"type": "integer"},
            },
        }
    document = {k: v for k, v in copy.deepcopy(source).items() if k not in ("$schema", "$id")}
    for section, name in _NAMES.items():
        document["properties"][section] = {"type": "array", "items": _ref(name)}
    schemas["Document"] = document
    date_or_null = {"type": ["string", "null"], "format": "date"}
    schemas["Decision"] = {
        "type": "object",
        "description": "The decision in force on a finding (kept when it has lapsed)",
        "required": ["decision", "reason", "decided_by", "decided_on", "review_by"],
        "properties": {
            "decision": {"type": "string", "enum": list(DECISION.codes)},
            "reason": {"type": "string"},
            "decided_by": {"type": "string", "description": "The e-mail address of whoever decided"},
            "decided_on": {"type": "string", "format": "date"},
            "review_by": {**date_or_null, "description": "When the decision lapses; null for none"},
        },
    }
    schemas["Finding"] = {
        "type": "object",
        "required": [
            "code",
            "severity",
            "subject_type",
            "subject_key",
            "message",
            "remedy",
            "reference",
            "state",
            "decision",
        ],
        "properties": {
            "code": {"type": "string"},
            "severity": {"type": "string", "enum": list(SEVERITIES)},
            "subject_type": {"type": "string"},
            "subject_key": {"type": "string"},
            "message": {"type": "string"},
            "remedy": {"type": "string"},
            "reference": {"type": "string"},
            "state": {"type": "string", "enum": list(FINDING_STATE.codes)},
            "decision": {
                "description": (
                    "Null while the finding is open; else the decision in force (kept when lapsed), "
                    "as `check --format json` gives it"
                ),
                "oneOf": [{"type": "null"}, _ref("Decision")],
            },
        },
    }
    schemas["FindingPage"] = {
        "type": "object",
        "required": ["as_of", "summary", "items", "page", "per_page", "total"],
        "properties": {
            "as_of": {"type": "string", "format": "date"},
            "summary": {"type": "object", "additionalProperties": {"type": "integer"}},
            "items": {"type": "array", "items": _ref("Finding")},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
        },
    }
    counts = {"type": "object", "additionalProperties": {"type": "integer"}}
    schemas["ImportReport"] = {
        "type": "object",
        "required": ["dry_run", "created", "updated", "unchanged", "updated_keys", "revision"],
        "properties": {
            "dry_run": {"type": "boolean"},
            "created": counts,
            "updated": counts,
            "unchanged": counts,
            "updated_keys": {"type": "array", "items": {"type": "string"}},
            "revision": {"type": "integer"},
        },
    }
    schemas["Problem"] = {
        "type": "object",
        "description": "RFC 9457 problem details",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["field", "message"],
                    "properties": {
                        "field": {"type": "string"},
                        "message": {"type": "string"},
                        "record": {"type": "string"},
                    },
                },
            },
            "current": {"description": "The record as it is now (412)", "type": ["object", "null"]},
        },
    }
    return {
        "schemas": schemas,
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "description": "A personal API token (isa_...)"}
        },
    }


@functools.cache
def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document, built once per process."""
    paths: dict[str, Any] = {}
    for section in TYPES:
        for path, ops in _record_operations(section).items():
            paths.setdefault(path, {}).update(ops)
    paths.update(_report_operations())
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ISA Registry API",
            "version": "1",
            "description": (
                "The register of information-sharing agreements, in the isa-registry/1 shape. "
                "Authenticate with 'Authorization: Bearer <token>' (create one on Your account). "
                "A token acts with its user's role: viewers read, editors also write, admins also "
                "import and export the whole registry."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": _components(),
    }


@bp.get("/openapi.json")
def openapi_json() -> Response:
    """The OpenAPI document."""
    return json_response(document())


@docs_bp.get("/api/docs")
def index() -> str:
    """The API's operations, for people: what each does, its parameters and answers."""
    operations = []
    for path, ops in document()["paths"].items():
        for method, spec in ops.items():
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": spec.get("summary", ""),
                    "description": spec.get("description", ""),
                    "parameters": spec.get("parameters", []),
                    "responses": sorted(spec.get("responses", {}).items()),
                    "tag": spec.get("tags", [""])[0],
                }
            )
    return render_template("api/docs.html", operations=operations, base=request.host_url.rstrip("/"))


@docs_bp.get("/api/docs/openapi.json")
def download() -> Response:
    """The OpenAPI document, for a signed-in user to download."""
    response = json_response(document())
    response.headers["Content-Disposition"] = 'attachment; filename="isa-registry-openapi.json"'
    return response
