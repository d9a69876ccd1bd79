"""The ``flask`` commands that make documents from the registry: ``agreement-document``,
``privacy-notice`` and ``attach-document``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import BinaryIO

import click
from flask.cli import with_appcontext

from ..core.documents import agreement as agreement_doc
from ..core.documents.docx import write_docx
from ..core.documents.html import write_html, write_pdf
from ..core.documents.markdown import write_markdown
from ..core.documents.model import Document
from ..core.documents.privacy import privacy_notice
from ..core.rules import run_rules
from ..store.attachments import DEFAULT_MAX_BYTES, AttachmentRefused, add_attachment
from ..store.db import db
from ..store.documents import sign_offs_recorded
from ..store.errors import NotFound
from ..store.queries import load_registry
from .actor import cli_actor
from .as_of import AS_OF

_AS_OF_HELP = "The date the document is produced on (YYYY-MM-DD); today if left out."


def _writer(
    out: str, formats: dict[str, Callable[[Document, BinaryIO], None]]
) -> Callable[[Document, BinaryIO], None]:
    writer = formats.get(Path(out).suffix.lower())
    if writer is None:
        names = " or ".join(formats)
        click.echo(f"Cannot tell the format of {out}: name it {names}.", err=True)
        sys.exit(1)
    return writer


def _document_command(name: str) -> Callable[[Callable[..., None]], click.Command]:
    """The decorators of a command ``NAME KEY OUT [--as-of DATE]`` that runs in the app's context."""

    def make(function: Callable[..., None]) -> click.Command:
        function = with_appcontext(function)
        function = click.option("--as-of", "as_of", type=AS_OF, help=_AS_OF_HELP)(function)
        function = click.argument("out")(function)
        function = click.argument("key")(function)
        return click.command(name)(function)

    return make


def _save(document: Document, out: str, writer: Callable[[Document, BinaryIO], None]) -> None:
    with Path(out).open("wb") as stream:
        writer(document, stream)


@_document_command("agreement-document")
def agreement_document_command(key: str, out: str, as_of: date | None) -> None:
    """Write the document of agreement KEY to OUT (.docx or .pdf), from the registry as it stands.

    An agreement that is not active is marked DRAFT on every page, with the findings on it and on
    its flows in an annex.
    """
    writer = _writer(out, {".docx": write_docx, ".pdf": write_pdf})
    day = as_of or date.today()
    registry = load_registry(db.session)
    if key not in registry.agreements:
        click.echo(f"There is no agreement '{key}' in the registry (archived ones are left out).", err=True)
        sys.exit(1)
    document = agreement_doc.agreement_document(
        registry, key, day, run_rules(registry, day), sign_offs_recorded=sign_offs_recorded(db.session, key)
    )
    _save(document, out, writer)
    draft = " (marked DRAFT)" if document.draft else ""
    click.echo(f"Wrote agreement {key}{draft} to {out}; content hash {document.content_hash}.", err=True)


@click.command("attach-document")
@click.argument("key")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--note", help="A note kept with the file, e.g. where the signed original is.")
@with_appcontext
def attach_document_command(key: str, file: str, note: str | None) -> None:
    """Store FILE (a PDF) as the signed copy of agreement KEY; older copies stay listed.

    The file must parse as a PDF and be at most ATTACHMENT_MAX_BYTES (20 MB unless configured);
    otherwise nothing is stored.
    """
    from flask import current_app

    data = Path(file).read_bytes()
    limit = int(current_app.config.get("ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))
    try:
        stored = add_attachment(db.session, cli_actor(), key, Path(file).name, data, note, limit)
    except NotFound:
        click.echo(f"There is no agreement '{key}' in the registry: {file} was not stored.", err=True)
        sys.exit(1)
    except AttachmentRefused as exc:
        click.echo(f"{file}: {exc}", err=True)
        sys.exit(1)
    click.echo(f"Stored {stored.name} ({stored.size} bytes, SHA-256 {stored.sha256}) for agreement {key}.")


@_document_command("privacy-notice")
def privacy_notice_command(key: str, out: str, as_of: date | None) -> None:
    """Write the sharing sections of organisation KEY's privacy notice to OUT (.html, .md or .docx),
    from the flows that share data on the date."""
    writer = _writer(out, {".html": write_html, ".md": write_markdown, ".docx": write_docx})
    day = as_of or date.today()
    registry = load_registry(db.session)
    if key not in registry.organisations:
        click.echo(
            f"There is no organisation '{key}' in the registry (archived ones are left out).", err=True
        )
        sys.exit(1)
    document = privacy_notice(registry, key, day)
    _save(document, out, writer)
    click.echo(f"Wrote the privacy-notice sections of {key} as of {day.isoformat()} to {out}.", err=True)


commands = [agreement_document_command, attach_document_command, privacy_notice_command]
