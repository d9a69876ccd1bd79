"""Documents made from the registry, for every signed-in user: the agreement document (Word and
PDF) and the agreement's signed copies; editors upload a signed copy. The generators are pure
(:mod:`isa_registry.core.documents`): these views find the records, call them with a stream, and
wrap the stream in ``send_file``."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import IO, Any

from flask import Blueprint, abort, request, send_file
from werkzeug.wrappers import Response

from ..core.documents.agreement import agreement_document
from ..core.documents.docx import write_docx
from ..core.documents.html import write_pdf
from ..core.documents.model import Document
from ..store.db import db
from ..store.documents import sign_offs_recorded
from ..store.queries import checked_registry
from .as_of import as_of_or_400

bp = Blueprint("documents", __name__)

#: Each download format: its writer and media type.
FORMATS: dict[str, tuple[Callable[[Document, IO[bytes]], None], str]] = {
    "docx": (write_docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "pdf": (write_pdf, "application/pdf"),
}


def send_document(document: Document, fmt: str, name: str) -> Response:
    """``document`` written as ``fmt`` and sent as a download named ``name``."""
    writer, mimetype = FORMATS[fmt]
    stream = io.BytesIO()
    writer(document, stream)
    stream.seek(0)
    return send_file(stream, mimetype=mimetype, as_attachment=True, download_name=name)


def agreement_model(key: str, as_of: date, *, signatures: bool = True) -> Document:
    """The document of agreement ``key`` on ``as_of`` (archived ones too); 404 when there is none."""
    checked = checked_registry(as_of)
    if key not in checked.full.agreements:
        abort(404)
    recorded = sign_offs_recorded(db.session, key) if signatures else {}
    return agreement_document(
        checked.full, key, as_of, checked.findings, signatures=signatures, sign_offs_recorded=recorded
    )


@bp.get("/agreements/<key>/document.<any(docx, pdf):fmt>")
def agreement_download(key: str, fmt: str) -> Response:
    """The agreement as a Word or PDF document, produced today (or on ``as_of``)."""
    as_of = as_of_or_400(request.args)
    document = agreement_model(key, as_of)
    return send_document(document, fmt, f"{key}-{as_of.isoformat()}.{fmt}")


def page_context(key: str) -> dict[str, Any]:
    """What the agreement's page shows of its documents."""
    return {}
