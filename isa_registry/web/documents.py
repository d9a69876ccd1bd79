"""Documents made from the registry, for every signed-in user: the agreement document (Word and
PDF) and the agreement's signed copies; editors upload a signed copy. The generators are pure
(:mod:`isa_registry.core.documents`): these views find the records, call them with a stream, and
wrap the stream in ``send_file``."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import IO, Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response
from wtforms import TextAreaField

from ..core.documents.agreement import agreement_document
from ..core.documents.docx import write_docx
from ..core.documents.html import write_html, write_pdf
from ..core.documents.markdown import write_markdown
from ..core.documents.model import Document
from ..core.documents.privacy import privacy_notice
from ..store.attachments import (
    DEFAULT_MAX_BYTES,
    PDF,
    AttachmentRefused,
    add_attachment,
    attachment_content,
    version_and_attachments,
)
from ..store.db import db
from ..store.documents import sign_offs_recorded
from ..store.errors import NotFound
from ..store.queries import checked_registry
from ._records import actor
from .as_of import as_of_or_400
from .auth import editor_required
from .extensions import csrf

bp = Blueprint("documents", __name__)

#: Each download format: its writer and media type.
FORMATS: dict[str, tuple[Callable[[Document, IO[bytes]], None], str]] = {
    "docx": (write_docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "pdf": (write_pdf, "application/pdf"),
    "html": (write_html, "text/html"),
    "md": (write_markdown, "text/markdown"),
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


class AttachmentForm(FlaskForm):
    """A signed copy to upload, and a note."""

    file = FileField("Signed copy (PDF)")
    note = TextAreaField("Note (optional)")


def max_bytes() -> int:
    """The largest signed copy accepted (``ATTACHMENT_MAX_BYTES``, 20 MiB unless configured)."""
    return int(current_app.config.get("ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def page_context(key: str, upload_error: str | None = None) -> dict[str, Any]:
    """What the agreement's page shows of its documents (the signed copies and the upload form), and
    the agreement's version for its forms, read in the same statement."""
    limit = max_bytes()
    version_id, attachments = version_and_attachments(db.session, key)
    return {
        "version_id": version_id,
        "attachments": attachments,
        "upload_error": upload_error,
        "upload_limit": f"{limit / (1024 * 1024):.0f} MB" if limit >= 1024 * 1024 else f"{limit} bytes",
    }


def _refuse(key: str, message: str, status: int) -> tuple[str, int]:
    from .agreements import _show

    return _show(
        key, errors=[{"text": message, "href": "#attachment-file"}], status=status, upload_error=message
    )


@bp.post("/agreements/<key>/attachments")
@csrf.exempt  # checked below, once the larger request limit of this route is set
@editor_required
def upload(key: str) -> Response | tuple[str, int]:
    """Store an uploaded signed copy of the agreement; anything but a PDF within the limit is refused."""
    limit = max_bytes()
    # Room for the file and the form's other fields; the file's own limit is checked exactly below.
    request.max_content_length = limit + 64 * 1024
    try:
        # The form may have been read already under the app's own limit (the control-character
        # check reads every form first), so this route's limit is checked against the length too.
        if (request.content_length or 0) > request.max_content_length:
            raise RequestEntityTooLarge()
        form = AttachmentForm()
        valid = form.validate()
    except RequestEntityTooLarge:
        return _refuse(
            key, f"The selected file must be smaller than {page_context(key)['upload_limit']}", 413
        )
    token = getattr(form, "csrf_token", None)
    if not valid and token is not None and token.errors:
        abort(400, description="The form has expired or did not come from this service: try again")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _refuse(key, "Select the signed copy of the agreement (a PDF)", 400)
    data = upload.stream.read(limit + 1)
    try:
        stored = add_attachment(db.session, actor(), key, upload.filename, data, form.note.data, limit)
    except NotFound:
        abort(404)
    except AttachmentRefused as exc:
        return _refuse(key, str(exc), 400)
    flash(f"Signed copy {stored.name} stored for agreement {key}", "success")
    return redirect(url_for("agreements.show", key=key, _anchor="documents"))


@bp.get("/agreements/<key>/attachments/<int:attachment_id>")
def download(key: str, attachment_id: int) -> Response:
    """One signed copy, as uploaded."""
    found = attachment_content(db.session, key, attachment_id)
    if found is None:
        abort(404)
    name, content = found
    return send_file(io.BytesIO(content), mimetype=PDF, as_attachment=True, download_name=name)


def _notice(key: str, as_of: date) -> Document:
    registry = checked_registry(as_of).live
    if key not in registry.organisations:
        abort(404)
    return privacy_notice(registry, key, as_of)


@bp.get("/organisations/<key>/privacy-notice", endpoint="privacy_notice")
def privacy_notice_view(key: str) -> str:
    """The sharing sections of the organisation's privacy notice, from the flows live today (or
    ``as_of``)."""
    as_of = as_of_or_400(request.args)
    return render_template(
        "documents/privacy_notice.html", document=_notice(key, as_of), key=key, as_of=as_of.isoformat()
    )


@bp.get("/organisations/<key>/privacy-notice.<any(html, md, docx):fmt>")
def privacy_notice_download(key: str, fmt: str) -> Response:
    """The privacy-notice sections as HTML, Markdown or Word."""
    as_of = as_of_or_400(request.args)
    return send_document(_notice(key, as_of), fmt, f"privacy-notice-{key}-{as_of.isoformat()}.{fmt}")
