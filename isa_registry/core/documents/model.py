"""A document as plain data: headings, paragraphs, lists and tables, with no layout.

The agreement document and the privacy-notice sections are built as a :class:`Document` from the
registry; :mod:`.docx`, :mod:`.html` (and so the PDF) and :mod:`.markdown` each write the same
model. The content hash is taken over the model, so it does not depend on which file is made.

Examples
--------
>>> doc = Document("Title", sections=(Section("One", (Paragraph(("Hello",)),)),))
>>> content_hash(doc) == content_hash(Document("Title", sections=(Section("One", (Paragraph(("Hello",)),)),)))
True
>>> len(content_hash(doc))
12
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

__all__ = [
    "Block",
    "Bullets",
    "Document",
    "Inline",
    "Link",
    "Paragraph",
    "Section",
    "Table",
    "Text",
    "canonical_json",
    "content_hash",
    "plain",
]


@dataclass(frozen=True)
class Link:
    """Words that link to an address."""

    text: str
    url: str


#: A piece of running text: words, or words with a link.
Inline = str | Link
#: Running text: its pieces in order.
Text = tuple[Inline, ...]


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of running text."""

    text: Text


@dataclass(frozen=True)
class Bullets:
    """A bulleted list, one running text per item."""

    items: tuple[Text, ...]


@dataclass(frozen=True)
class Table:
    """A table with a header row; with ``row_headers`` the first cell of each row heads its row."""

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[Text, ...], ...]
    row_headers: bool = False
    #: A wide table (the schedule of flows) is set on landscape pages.
    wide: bool = False


Block = Paragraph | Bullets | Table


@dataclass(frozen=True)
class Section:
    """A heading, what follows it and its subsections (one heading level down)."""

    title: str
    blocks: tuple[Block, ...] = ()
    subsections: tuple[Section, ...] = ()


@dataclass(frozen=True)
class Document:
    """A whole document.

    ``details`` are the (label, value) pairs printed under the title (reference, version, status,
    date); ``footer`` is printed on every page, with ``DRAFT`` across the top of every page when
    ``draft`` is set.
    """

    title: str
    caption: str = ""
    details: tuple[tuple[str, str], ...] = ()
    sections: tuple[Section, ...] = ()
    footer: str = ""
    draft: bool = False
    language: str = "en-GB"
    #: The short content hash, filled in by :func:`with_hash` (not part of what is hashed).
    content_hash: str = field(default="", compare=False)


def _jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        out = {"type": type(value).__name__}
        out.update(
            {f.name: _jsonable(getattr(value, f.name)) for f in fields(value) if f.name != "content_hash"}
        )
        return out
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    return value


def canonical_json(document: Document) -> str:
    """The model as JSON with sorted keys and no spaces, the hash left out."""
    return json.dumps(_jsonable(document), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(document: Document) -> str:
    """The first 12 hex digits of the SHA-256 of :func:`canonical_json`."""
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()[:12]


def plain(text: Text) -> str:
    """Running text without its links.

    >>> plain(("See ", Link("the Act", "https://www.legislation.gov.uk/ukpga/1989/41"), "."))
    'See the Act.'
    """
    return "".join(p.text if isinstance(p, Link) else p for p in text)
