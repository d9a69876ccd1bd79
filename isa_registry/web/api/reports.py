"""What the API reads of the whole register: findings, the map's node-link JSON, the ROPA, and the
whole registry (export, and the all-or-nothing import, admins only)."""

from __future__ import annotations

from datetime import date

from flask import current_app, request
from werkzeug.wrappers import Response

from ...core import exchange, graph, ropa
from ...core.dates import InvalidDate, parse_as_of
from ...core.domain import SEVERITIES
from ...core.rules import CODES, summarise
from ...core.vocabulary import FINDING_STATE
from ...store import imports
from ...store.db import db
from ...store.queries import registry_revision
from ...store.services import slice_page
from ..findings import Filters, selection_for
from ..map import full_graph
from ..map_query import MapLinks, filters_from_query
from ..ropa import ropa_file
from .base import ApiError, bp, caller, json_body, json_response, requires, scope
from .base import checked as visible_checked
from .records import MAX_PER_PAGE, PER_PAGE, _link_header, _whole


def _as_of() -> date:
    try:
        chosen = parse_as_of(request.args.get("as_of") or "")
    except InvalidDate as exc:
        raise ApiError(400, str(exc), [{"field": "as_of", "message": str(exc)}]) from exc
    return chosen or date.today()


@bp.get("/findings")
def findings() -> Response:
    """The rules' findings as of a date (``as_of``, today by default), filtered as on the findings page.

    Each finding has its ``state`` and ``decision`` as ``check --format json`` gives them
    (:meth:`isa_registry.core.decisions.Reviewed.as_dict`).
    """
    as_of = _as_of()
    filters = Filters.from_args(request.args)
    if filters.severity and filters.severity not in SEVERITIES:
        message = f"severity must be one of {', '.join(SEVERITIES)}"
        raise ApiError(400, message, [{"field": "severity", "message": message}])
    if filters.code and filters.code not in CODES:
        message = f"{filters.code} is not a finding code"
        raise ApiError(400, message, [{"field": "code", "message": message}])
    if filters.state and filters.state not in FINDING_STATE:
        message = f"state must be one of {', '.join(FINDING_STATE.codes)}"
        raise ApiError(400, message, [{"field": "state", "message": message}])
    checked = visible_checked(as_of)
    # By the finding itself (equal, not the same object: the selection is kept apart from the
    # checked registry), as one record can have two findings of one code with two messages.
    reviewed = {r.finding: r for r in checked.reviewed}
    selection = selection_for(checked, filters)
    page = slice_page(selection.shown, _whole("page", 1, 1), _whole("per_page", PER_PAGE, 1, MAX_PER_PAGE))
    body = {
        "as_of": as_of.isoformat(),
        "summary": summarise(selection.shown),
        "items": [reviewed[f].as_dict() for f in page.items],
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
    }
    return json_response(body, headers={"Link": _link_header(page)})


@bp.get("/map")
def data_map() -> Response:
    """The data map as node-link JSON, with the map page's filters (``as_of``, ``organisation``...),
    coloured by the open findings with the decided ones named, as on the page."""
    filters, problems = filters_from_query(request.args)
    if problems:
        raise ApiError(400, " ".join(problems), [{"field": "", "message": p} for p in problems])
    as_of = filters.as_of or date.today()
    checked = visible_checked(as_of)
    problems = graph.filter_problems(checked.live, filters)
    if problems:
        raise ApiError(400, " ".join(problems), [{"field": "", "message": p} for p in problems])
    full, open_findings = full_graph(checked)
    drawn = graph.draw(
        checked.live,
        open_findings,
        filters,
        as_of,
        "json",
        links=MapLinks(root=request.script_root),
        options=graph.DrawOptions.from_settings(current_app.config),
        full=full,
        extra={"revision": checked.revision[0]},
    )
    return Response(drawn.body, mimetype="application/json")


def _ropa(fmt: str) -> Response:
    as_of = _as_of()
    controller = (request.args.get("controller") or "").strip() or None
    own = scope()
    if own is not None:  # a partner's token has its own organisation's record alone
        if controller not in (None, own.organisation):
            raise ApiError(404, f"There is no controller with key {controller}")
        controller = own.organisation or ""
    try:
        record = ropa.build_ropa(visible_checked(as_of).live, as_of, controller)
    except ropa.UnknownController:
        raise ApiError(404, f"There is no controller with key {controller}") from None
    return ropa_file(record, fmt, as_of)


@bp.get("/ropa.xlsx")
def ropa_xlsx() -> Response:
    """The record of processing activities as a workbook (``controller`` for one, ``as_of``)."""
    return _ropa("xlsx")


@bp.get("/ropa.csv")
def ropa_csv() -> Response:
    """The record of processing activities as CSV (``controller`` for one, ``as_of``)."""
    return _ropa("csv")


@bp.get("/registry")
@requires("admin")
def export_registry() -> Response:
    """The whole registry, archived records, decisions and signed copies included, as an
    isa-registry/1 document (as ``flask export-registry`` writes it)."""
    return json_response(imports.export(db.session)[1])


@bp.post("/registry")
@requires("admin")
def import_registry() -> Response:
    """Import an isa-registry/1 document, all or nothing, as ``flask import-registry`` does."""
    doc = json_body()
    dry_run = request.args.get("dry_run") in ("1", "true", "yes")
    held = imports.known(db.session)
    try:
        registry, decisions = imports.parse(doc, held)
    except exchange.InvalidDocument as exc:
        errors = [{"field": p.field, "message": p.message, "record": p.record} for p in exc.problems]
        raise ApiError(422, f"{len(exc.problems)} problem(s); nothing was imported", errors) from exc
    report = imports.apply(db.session, registry, decisions, caller().actor, dry_run)
    body = {
        "dry_run": dry_run,
        "created": dict(report.created),
        "updated": dict(report.updated),
        "unchanged": dict(report.unchanged),
        "updated_keys": report.updated_keys,
        "revision": registry_revision()[0],
    }
    return json_response(body)
