"""The record of processing activities (UK GDPR Art 30): the page, its downloads and the import
template. Every signed-in user, auditors (viewers) included, may use them."""

from __future__ import annotations

import io
from datetime import date

from flask import Blueprint, abort, make_response, render_template, request, send_file, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from ..core import ropa
from ..core.spreadsheet import write_template
from ..store.queries import per_revision
from . import visible
from .as_of import parse_as_of_boxes

bp = Blueprint("ropa", __name__)

_MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}


def _own_organisation() -> str | None:
    """A partner's organisation, whose record alone it may have; None for everyone else."""
    scope = visible.scope()
    return None if scope is None else scope.organisation or ""


def _record(as_of: date) -> ropa.Ropa:
    """The record as of ``as_of``, for the ``controller`` in the URL or the whole partnership, from
    the registry the process keeps (:func:`~isa_registry.store.queries.checked_registry`). A
    partner has only its own organisation's record (404 for another's)."""
    controller = request.args.get("controller", "").strip() or None
    own = _own_organisation()
    if own is not None:
        if controller not in (None, own):
            abort(404)
        controller = own
    try:
        return ropa.build_ropa(visible.checked(as_of).live, as_of, controller)
    except ropa.UnknownController:
        abort(404)


def _controllers(as_of: date) -> list[dict[str, object]]:
    """Each controller's line on the page, worked out once per registry revision and date."""
    checked = visible.checked(as_of)
    own = _own_organisation()

    def lines() -> list[dict[str, object]]:
        day = as_of.isoformat()
        return [
            {
                "key": r.organisation.key,
                "name": r.organisation.name,
                "activities": len(r.activities),
                "sent": r.flows_sent,
                "received": r.flows_received,
                "xlsx": url_for("ropa.download_xlsx", controller=r.organisation.key, as_of=day),
                "csv": url_for("ropa.download_csv", controller=r.organisation.key, as_of=day),
            }
            for r in ropa.build_ropa(checked.live, as_of).records
            if own is None or r.organisation.key == own
        ]

    return per_revision(checked.revision, "ropa-controllers", (as_of, request.script_root), lines)


@bp.get("/ropa")
@login_required
def index() -> Response:
    """Each controller with its processing activities and download links."""
    return _page()


def _page() -> Response:
    """The page for the date asked (the boxes, or ``as_of`` in a link); when that is not a date,
    the page as of today with the GOV.UK error summary and the boxes as typed, answered with 400."""
    as_of, parts, date_error = parse_as_of_boxes(request.args, date.today())
    day = as_of.isoformat()
    controllers = _controllers(as_of)
    body = render_template(
        "ropa/index.html",
        as_of=as_of,
        date_parts=parts,
        date_error=date_error,
        controllers=controllers,
        activities=sum(c["activities"] for c in controllers),
        partnership_xlsx=None
        if _own_organisation() is not None
        else url_for("ropa.download_xlsx", as_of=day),
        partnership_csv=None if _own_organisation() is not None else url_for("ropa.download_csv", as_of=day),
    )
    return make_response(body, 400 if date_error else 200)


def _download(fmt: str) -> Response:
    as_of, _, date_error = parse_as_of_boxes(request.args, date.today())
    if date_error:
        return _page()
    return ropa_file(_record(as_of), fmt, as_of)


def ropa_file(record: ropa.Ropa, fmt: str, as_of: date) -> Response:
    """The record as a download (``xlsx`` or ``csv``), named for its controller and date; the pages
    and the API send the same file."""
    stream = ropa.generate_xlsx(record) if fmt == "xlsx" else ropa.generate_csv(record)
    who = record.records[0].organisation.key if not record.partnership else "partnership"
    return send_file(
        stream,
        mimetype=_MIMETYPES[fmt],
        as_attachment=True,
        download_name=f"ropa-{who}-{as_of.isoformat()}.{fmt}",
    )


@bp.get("/ropa.xlsx")
@login_required
def download_xlsx() -> Response:
    """The record as a workbook: ``controller`` (a key) for one, else the partnership."""
    return _download("xlsx")


@bp.get("/ropa.csv")
@login_required
def download_csv() -> Response:
    """The record as CSV: ``controller`` (a key) for one, else the partnership."""
    return _download("csv")


@bp.get("/ropa/import-template.<any(xlsx, csv):fmt>")
@login_required
def import_template(fmt: str) -> Response:
    """The blank ISA-log template that ``flask import-registry`` reads."""
    stream = io.BytesIO()
    write_template(stream, fmt)
    stream.seek(0)
    return send_file(
        stream, mimetype=_MIMETYPES[fmt], as_attachment=True, download_name=f"isa-log-template.{fmt}"
    )
