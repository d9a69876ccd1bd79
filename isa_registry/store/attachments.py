"""The signed copies of agreements: checked, stored in the database, listed and read; never
changed or deleted.

Files live in the database (``agreement_attachment``) so that a PostgreSQL backup carries them and
every app server sees the same ones. An upload is refused unless it parses as a PDF and is at most
:data:`DEFAULT_MAX_BYTES` (``ATTACHMENT_MAX_BYTES``); each stored file is an audit entry with its
SHA-256. A new upload supersedes the older copies, which stay listed; the same file twice for one
agreement is refused.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, fields
from datetime import UTC, datetime

from sqlalchemy import select

from ..core.domain import Attachment
from ..core.exchange import attachment_to_dict, fields_of
from . import audit
from .db import Session, committed
from .errors import NotFound, ServiceError
from .models import Agreement as AgreementModel
from .models import Attachment as AttachmentModel

__all__ = [
    "DEFAULT_MAX_BYTES",
    "PDF",
    "AttachmentRefused",
    "StoredAttachment",
    "add_attachment",
    "attachment_content",
    "import_changes",
    "list_attachments",
    "load_attachments",
    "pdf_problem",
    "version_and_attachments",
]

#: The largest signed copy accepted, unless ``ATTACHMENT_MAX_BYTES`` says otherwise: 20 MiB.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
PDF = "application/pdf"


#: The fields of an :class:`Attachment`, in their order: its row names its columns so.
_FIELDS = tuple(f.name for f in fields(Attachment))


class AttachmentRefused(ServiceError):
    """The file was not stored; the message says why, naming the agreement."""


@dataclass(frozen=True)
class StoredAttachment:
    """A signed copy as a page lists it (without its content)."""

    id: int
    name: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_on: datetime
    note: str | None
    current: bool


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n} bytes"


def pdf_problem(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> str | None:
    """Why ``data`` cannot be stored as a signed copy, or None: it must be a PDF that parses."""
    if not data:
        return "The selected file is empty"
    if len(data) > max_bytes:
        return f"The selected file must be smaller than {_megabytes(max_bytes)}"
    if not data[:1024].lstrip().startswith(b"%PDF-"):
        return "The selected file must be a PDF"
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if len(reader.pages) < 1:
            return "The selected file must be a PDF with at least one page"
    except (PyPdfError, ValueError, KeyError, TypeError, OSError):
        return "The selected file must be a PDF: it could not be read as one"
    return None


def _agreement_id(session: Session, key: str) -> int:
    found = session.scalar(select(AgreementModel.id).where(AgreementModel.key == key))
    if found is None:
        raise NotFound("agreement", key)
    return found


def _clean_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip() or "signed-copy.pdf"
    return base[:300]


def add_attachment(
    session: Session,
    actor: str,
    key: str,
    name: str,
    data: bytes,
    note: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Attachment:
    """Check and store a signed copy of agreement ``key``, with its audit entry, and commit.

    Raises :class:`NotFound` for an unknown agreement and :class:`AttachmentRefused` for a file
    that is not a PDF, too large or already stored; nothing is written then.
    """
    agreement_id = _agreement_id(session, key)
    problem = pdf_problem(data, max_bytes)
    if problem:
        raise AttachmentRefused(f"{problem}. Nothing was stored for agreement {key}.")
    sha256 = hashlib.sha256(data).hexdigest()
    t = AttachmentModel.__table__
    if session.scalar(select(t.c.id).where(t.c.agreement_id == agreement_id, t.c.sha256 == sha256)):
        raise AttachmentRefused(f"This file is already stored for agreement {key}. Nothing was stored.")
    attachment = Attachment(
        name=_clean_name(name),
        media_type=PDF,
        size=len(data),
        sha256=sha256,
        uploaded_by=actor,
        uploaded_on=datetime.now(UTC).replace(microsecond=0),
        note=(note or "").strip() or None,
        content=data,
    )
    with committed(session):
        _insert(session, agreement_id, attachment)
        audit.append(session, actor, [_change(key, attachment)])
    return attachment


def _insert(session: Session, agreement_id: int, a: Attachment) -> None:
    assert a.content is not None
    session.add(AttachmentModel(agreement_id=agreement_id, **fields_of(a)))
    session.flush()


def _change(key: str, a: Attachment) -> audit.Change:
    """The audit entry of a stored file: everything but the content, which its SHA-256 stands for."""
    after = {"agreement": key, **attachment_to_dict(a, with_content=False)}
    after.pop("content")
    return audit.Change("upload", "attachment", key, None, after)


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def version_and_attachments(session: Session, key: str) -> tuple[int | None, list[StoredAttachment]]:
    """Agreement ``key``'s version and its signed copies, newest first (the newest is the current
    one), in one statement: the agreement's page reads both."""
    t = AttachmentModel.__table__
    a = AgreementModel.__table__
    rows = session.execute(
        select(
            a.c.version_id, t.c.id, t.c.name, t.c.size, t.c.sha256, t.c.uploaded_by, t.c.uploaded_on, t.c.note
        )
        .select_from(a.outerjoin(t, a.c.id == t.c.agreement_id))
        .where(a.c.key == key)
        .order_by(t.c.uploaded_on.desc(), t.c.id.desc())
    ).all()
    version = rows[0].version_id if rows else None
    files = [r for r in rows if r.id is not None]
    return version, [
        StoredAttachment(r.id, r.name, r.size, r.sha256, r.uploaded_by, _utc(r.uploaded_on), r.note, i == 0)
        for i, r in enumerate(files)
    ]


def list_attachments(session: Session, key: str) -> list[StoredAttachment]:
    """Agreement ``key``'s signed copies, newest first; the newest is the current one."""
    return version_and_attachments(session, key)[1]


def attachment_content(session: Session, key: str, attachment_id: int) -> tuple[str, bytes] | None:
    """The name and content of one signed copy of agreement ``key``, or None."""
    t = AttachmentModel.__table__
    a = AgreementModel.__table__
    row = session.execute(
        select(t.c.name, t.c.content)
        .join(a, a.c.id == t.c.agreement_id)
        .where(a.c.key == key, t.c.id == attachment_id)
    ).first()
    return (row.name, bytes(row.content)) if row else None


def load_attachments(session: Session, with_content: bool = True) -> dict[str, list[Attachment]]:
    """Every agreement's signed copies, oldest first, for an export."""
    t = AttachmentModel.__table__
    a = AgreementModel.__table__
    columns = [t.c[name] for name in _FIELDS if with_content or name != "content"]
    out: dict[str, list[Attachment]] = {}
    rows = session.execute(
        select(a.c.key.label("agreement"), *columns)
        .join(a, a.c.id == t.c.agreement_id)
        .order_by(a.c.key, t.c.uploaded_on, t.c.id)
    )
    for r in rows.mappings():
        stored = dict(r)
        agreement = stored.pop("agreement")
        stored["uploaded_on"] = _utc(stored["uploaded_on"])
        if with_content:
            stored["content"] = bytes(stored["content"])
        out.setdefault(agreement, []).append(Attachment(**stored))
    return out


def import_changes(
    session: Session, incoming: dict[str, list[Attachment]], agreement_ids: dict[str, int]
) -> tuple[list[audit.Change], int, int]:
    """Store the signed copies of an import not stored yet (matched by agreement and SHA-256).

    Returns the audit changes, how many were stored and how many could not be (exported without
    their content). Works in the caller's transaction.
    """
    t = AttachmentModel.__table__
    stored = {(r.agreement_id, r.sha256) for r in session.execute(select(t.c.agreement_id, t.c.sha256))}
    changes: list[audit.Change] = []
    added = missing = 0
    for key, files in sorted(incoming.items()):
        for a in files:
            if (agreement_ids[key], a.sha256) in stored:
                continue
            if a.content is None:
                missing += 1
                continue
            _insert(session, agreement_ids[key], a)
            stored.add((agreement_ids[key], a.sha256))
            changes.append(_change(key, a))
            added += 1
    return changes, added, missing
