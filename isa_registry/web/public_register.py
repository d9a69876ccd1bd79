"""The public register of agreements (opt-in): with ``PUBLIC_REGISTER=1``, anyone may read the
agreements the partnership marks for publication, as a page, CSV and JSON, and each one's document
without signatories' names. Off by default: every address here is then not found (404).

Nothing here shows a finding, a user, a signatory's name or an audit entry: the entries come from
:func:`isa_registry.core.documents.register.register_entries`, which holds none of them.
"""

from __future__ import annotations

import json
import os
from datetime import date

from flask import Blueprint, abort, current_app, render_template, send_file
from werkzeug.wrappers import Response

from ..core.documents.agreement import agreement_document
from ..core.documents.register import is_published, register_csv, register_entries, register_json
from ..store.queries import checked_registry
from .auth import public
from .documents import send_document

bp = Blueprint("register", __name__)


def enabled() -> bool:
    """Whether the partnership publishes its register (``PUBLIC_REGISTER=1``, config or environment)."""
    setting = current_app.config.get("PUBLIC_REGISTER", os.environ.get("PUBLIC_REGISTER", "0"))
    return str(setting).strip().lower() in ("1", "true", "yes", "on")


def _entries() -> list:
    if not enabled():
        abort(404)
    return register_entries(checked_registry(date.today()).live)


@bp.get("/register")
@public
def index() -> str:
    """The published agreements."""
    return render_template("register/index.html", entries=_entries())


@bp.get("/register.csv")
@public
def download_csv() -> Response:
    """The published agreements as CSV."""
    return send_file(
        register_csv(_entries()), mimetype="text/csv", as_attachment=True, download_name="register.csv"
    )


@bp.get("/register.json")
@public
def download_json() -> Response:
    """The published agreements as JSON."""
    body = json.dumps(register_json(_entries()), indent=2, ensure_ascii=False)
    return current_app.response_class(body + "\n", mimetype="application/json")


@bp.get("/register/<key>.pdf")
@public
def document(key: str) -> Response:
    """A published agreement's document, without signatories' names or findings."""
    if not enabled():
        abort(404)
    today = date.today()
    registry = checked_registry(today).live
    agreement = registry.agreements.get(key)
    if agreement is None or not is_published(agreement):
        abort(404)
    return send_document(agreement_document(registry, key, today, public=True), "pdf", f"{key}.pdf")
