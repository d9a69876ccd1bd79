"""Organisations, agreements and flows through the API: list, get, create, update (JSON merge
patch), archive and restore, in the ``isa-registry/1`` shape.

A record goes through the importer's checks (:func:`~isa_registry.core.exchange.validate_document`
on a one-record document: types, unknown fields, real dates, references) and then the forms'
(:mod:`~isa_registry.store.validation`, run by the generic writes), so it is refused with the
same messages as the importer and the forms. Every record answer carries an ``ETag`` (the record's
version); an update, archive or restore must send it back in ``If-Match``.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import request
from werkzeug.wrappers import Response

from ...core import exchange
from ...store import services, validation
from ...store.db import db
from ...store.services import (
    AGREEMENT,
    FLOW,
    LISTINGS,
    ORGANISATION,
    ArchiveBlocked,
    InvalidRecord,
    ListParams,
    NotFound,
    RecordType,
    StaleRecord,
)
from .base import ApiError, bp, caller, checked, json_body, json_response, requires, scope

__all__ = ["FILTERS", "MAX_PER_PAGE", "PER_PAGE", "SORTS", "TYPES"]

PER_PAGE = 50
MAX_PER_PAGE = 500

#: Each path's record type.
TYPES: dict[str, RecordType[Any]] = {rt.section: rt for rt in (ORGANISATION, AGREEMENT, FLOW)}

#: The filters of each list, as on the list pages.
FILTERS: dict[str, tuple[str, ...]] = {
    section: tuple(listing.filters) for section, listing in LISTINGS.items()
}
#: The columns each list sorts by (the first is the default); ties are broken by key.
SORTS: dict[str, tuple[str, ...]] = {section: tuple(listing.sorts) for section, listing in LISTINGS.items()}
_LISTS = {
    "organisations": services.list_organisations,
    "agreements": services.list_agreements,
}


# --- Reading the query and the body ------------------------------------------------------------


def _whole(name: str, default: int, lowest: int, highest: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = lowest - 1
    if value < lowest or (highest is not None and value > highest):
        limit = f"from {lowest} to {highest}" if highest is not None else f"{lowest} or more"
        raise ApiError(
            400,
            f"{name} must be a whole number {limit}",
            [{"field": name, "message": f"{name} must be a whole number {limit}"}],
        )
    return value


def _params(section: str) -> ListParams:
    sort = request.args.get("sort", "")
    if sort and sort not in SORTS[section]:
        message = f"sort must be one of {', '.join(SORTS[section])}"
        raise ApiError(400, message, [{"field": "sort", "message": message}])
    direction = request.args.get("dir", "asc")
    if direction not in ("asc", "desc"):
        raise ApiError(
            400, "dir must be asc or desc", [{"field": "dir", "message": "dir must be asc or desc"}]
        )
    return ListParams(
        q=(request.args.get("q") or "").strip(),
        filters={
            name: (request.args.get(name) or "").strip()
            for name in FILTERS[section]
            if (request.args.get(name) or "").strip()
        },
        sort=sort or SORTS[section][0],
        dir=direction,
        page=_whole("page", 1, 1),
        per_page=_whole("per_page", PER_PAGE, 1, MAX_PER_PAGE),
        include_archived=request.args.get("include_archived") in ("1", "yes", "on", "true"),
        visible_to=scope(),
    )


def _problems_as_errors(problems: list[exchange.Problem]) -> list[dict[str, str]]:
    return [{"field": p.field, "message": p.message} for p in problems]


def _invalid(rt: RecordType[Any], errors: dict[str, str]) -> ApiError:
    listed = [{"field": name.replace("-", "."), "message": message} for name, message in errors.items()]
    return ApiError(422, f"The {rt.subject_type} was not saved: " + "; ".join(errors.values()), listed)


def _parse(rt: RecordType[Any], record: Any) -> Any:
    """The domain record of a JSON record, through the importer's checks; 422 naming each field."""
    if not isinstance(record, dict):
        raise ApiError(
            422,
            f"The body must be a JSON object: one {rt.subject_type}",
            [{"field": "", "message": "is not a JSON object"}],
        )
    known = validation.known(db.session)
    doc: dict[str, Any] = {"format": exchange.FORMAT, "organisations": [], "agreements": [], "flows": []}
    doc[rt.section] = [record]
    try:
        registry = exchange.parse_document(doc, known.organisations, known.agreements)
    except exchange.InvalidDocument as exc:
        raise ApiError(
            422,
            f"The {rt.subject_type} was not saved: " + "; ".join(str(p.message) for p in exc.problems),
            _problems_as_errors(exc.problems),
        ) from exc
    return rt.records(registry)[record["key"]]


def _record(rt: RecordType[Any], key: str) -> tuple[Any, int]:
    try:
        return services.get(db.session, rt, key)
    except NotFound:
        raise ApiError(404, f"There is no {rt.subject_type} with key {key}") from None


def _etag(version: int) -> str:
    return f'"{version}"'


def _record_response(rt: RecordType[Any], record: Any, version: int, status: int = 200) -> Response:
    headers = {"ETag": _etag(version)}
    if status == 201:
        headers["Location"] = f"{request.script_root}{bp.url_prefix}/{rt.section}/{record.key}"
    return json_response(rt.to_dict(record), status, headers)


def _if_match(rt: RecordType[Any], key: str) -> int | None:
    """The version the caller read, from ``If-Match``: 428 without one, 412 with one that is not
    the record's version now (with the record as it is now). ``*`` matches any version."""
    record, version = _record(rt, key)
    tags = request.if_match
    if not tags:
        raise ApiError(
            428,
            f"Send the {rt.subject_type}'s ETag in an If-Match header, so that nobody's change is "
            "overwritten",
        )
    if tags.star_tag:
        return version
    if not tags.contains(str(version)):
        raise _stale(rt, key, rt.to_dict(record), version)
    return version


def _stale(rt: RecordType[Any], key: str, current: dict[str, Any] | None, version: int | None) -> ApiError:
    return ApiError(
        412,
        f"{rt.subject_type.capitalize()} {key} was changed by someone else since you read it: "
        "nothing was saved. The record as it is now is in 'current', its ETag in the ETag header",
        headers={"ETag": _etag(version)} if version is not None else {},
        current=current,
    )


# --- Views -------------------------------------------------------------------------------------


def _link_header(page: services.Page) -> str:
    def url(number: int) -> str:
        args = request.args.to_dict(flat=False)
        args["page"] = [str(number)]
        args["per_page"] = [str(page.per_page)]
        return f"{request.base_url}?{urlencode(args, doseq=True)}"

    links = [(url(1), "first"), (url(page.pages), "last")]
    if page.has_prev:
        links.append((url(page.page - 1), "prev"))
    if page.has_next:
        links.append((url(page.page + 1), "next"))
    return ", ".join(f'<{href}>; rel="{rel}"' for href, rel in links)


def _flow_page(params: ListParams) -> services.Page:
    return services.list_flows_by_severity(db.session, params, lambda: checked(date.today()).findings)


def list_records(section: str) -> Response:
    rt = TYPES[section]
    params = _params(section)
    held = rt.records(checked(date.today()).full)  # reads the revision the list then keys its count by
    page = _flow_page(params) if section == "flows" else _LISTS[section](db.session, params)
    items = []
    for row in page.items:
        record = held.get(row["key"])
        if record is None:  # saved since the registry was last brought up to date
            record, _ = services.get(db.session, rt, row["key"])
        items.append(rt.to_dict(record))
    body = {"items": items, "page": page.page, "per_page": page.per_page, "total": page.total}
    return json_response(body, headers={"Link": _link_header(page)})


def get_record(section: str, key: str) -> Response:
    rt = TYPES[section]
    if scope() is not None and key not in rt.records(checked(date.today()).full):
        raise ApiError(404, f"There is no {rt.subject_type} with key {key}")
    record, version = _record(rt, key)
    return _record_response(rt, record, version)


def create_record(section: str) -> Response:
    rt = TYPES[section]
    record = _parse(rt, json_body())
    try:
        saved = services.create(db.session, caller().actor, rt, record)
    except InvalidRecord as exc:
        raise _invalid(rt, exc.errors) from exc
    _, version = services.get(db.session, rt, saved.key)
    return _record_response(rt, saved, version, 201)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: ``patch`` merged into ``target`` (null removes a member; a non-object replaces)."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = merge_patch(merged.get(name), value)
    return merged


def update_record(section: str, key: str) -> Response:
    rt = TYPES[section]
    patch = json_body()
    if not isinstance(patch, dict):
        raise ApiError(
            422,
            "The body must be a JSON object: the fields to change",
            [{"field": "", "message": "is not a JSON object"}],
        )
    version = _if_match(rt, key)
    current, _ = _record(rt, key)
    saved_dict = rt.to_dict(current)
    merged = merge_patch(saved_dict, patch)
    errors = []
    if merged.get("key") != key:
        errors.append({"field": "key", "message": f"The key cannot be changed (it is {key})"})
    if merged.get("archived", False) != saved_dict.get("archived", False):
        errors.append(
            {
                "field": "archived",
                "message": f"Archive or restore the {rt.subject_type} with its archive and restore addresses",
            }
        )
    if errors:
        raise ApiError(
            422, f"The {rt.subject_type} was not saved: " + "; ".join(e["message"] for e in errors), errors
        )
    record = _parse(rt, merged)
    try:
        services.update(db.session, caller().actor, rt, key, record, version)
    except InvalidRecord as exc:
        raise _invalid(rt, exc.errors) from exc
    except StaleRecord as stale:
        raise _stale(rt, key, stale.current, stale.version_id) from stale
    saved, new_version = _record(rt, key)
    return _record_response(rt, saved, new_version)


def _set_archived(section: str, key: str, archived: bool) -> Response:
    rt = TYPES[section]
    version = _if_match(rt, key)
    change = services.archive if archived else services.restore
    try:
        change(db.session, caller().actor, rt.subject_type, key, version)
    except ArchiveBlocked as blocked:
        raise ApiError(409, str(blocked), [{"field": "", "message": r} for r in blocked.reasons]) from blocked
    except StaleRecord as stale:
        raise _stale(rt, key, stale.current, stale.version_id) from stale
    saved, new_version = _record(rt, key)
    return _record_response(rt, saved, new_version)


def archive_record(section: str, key: str) -> Response:
    return _set_archived(section, key, True)


def restore_record(section: str, key: str) -> Response:
    return _set_archived(section, key, False)


def _bind(view: Any, section: str, name: str, doc: str) -> Any:
    """``view`` for the records of ``section``, as an endpoint named ``{section}_{name}``."""

    def endpoint(**kwargs: Any) -> Response:
        result: Response = view(section=section, **kwargs)
        return result

    endpoint.__name__ = f"{section}_{name}"
    endpoint.__doc__ = doc
    return endpoint


#: Each record type's operations: (path after the section, name, method, role or None, view, summary).
OPERATIONS: tuple[tuple[str, str, str, str | None, Any, str], ...] = (
    ("", "list", "GET", None, list_records, "List {section}"),
    ("", "create", "POST", "editor", create_record, "Create {a}"),
    ("/<key>", "get", "GET", None, get_record, "Get {a}"),
    ("/<key>", "update", "PATCH", "editor", update_record, "Change {a} (JSON merge patch)"),
    ("/<key>/archive", "archive", "POST", "editor", archive_record, "Archive {a}"),
    ("/<key>/restore", "restore", "POST", "editor", restore_record, "Restore an archived {kind}"),
)


def _register() -> None:
    """One set of routes per record type, each with its own endpoint (``api.flows_list``...)."""
    for section, rt in TYPES.items():
        for path, name, method, role, view, summary in OPERATIONS:
            doc = summary.format(section=section, a=rt.label.lower(), kind=rt.subject_type)
            endpoint = _bind(view, section, name, doc + ".")
            if role:
                endpoint = requires(role)(endpoint)
            bp.add_url_rule(f"/{section}{path}", f"{section}_{name}", endpoint, methods=[method])


_register()
