"""Writing a :class:`.model.Document` as a Word file with python-docx (imported through :mod:`.docx`).

Headings use Word's Heading styles (so they show in the navigation pane and a screen reader's list
of headings), each table's first row is marked as a header row that repeats on every page, and
links are real hyperlinks. DRAFT is in the header of every page of a draft, and the footer of every
page carries the reference, version, status, date and content hash.
"""

from __future__ import annotations

from typing import IO

from docx import Document as new_docx
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph as DocxParagraph

from .model import Bullets, Document, Link, Paragraph, Section, Table, Text, plain

__all__ = ["write_docx"]


def write_docx(document: Document, stream: IO[bytes]) -> None:
    """Write ``document`` to ``stream`` as a .docx file."""
    doc = new_docx()
    doc.core_properties.title = document.title
    doc.core_properties.subject = document.caption
    doc.core_properties.language = document.language
    doc.core_properties.identifier = document.content_hash
    _page_marks(doc, document)
    if document.caption:
        doc.add_paragraph(document.caption, style="Subtitle")
    doc.add_heading(document.title, level=1)
    if document.details:
        rows = tuple(((label,), (value,)) for label, value in document.details)
        _table(
            doc,
            Table(
                "About this document", ("", ""), (*rows, (("Content hash",), (document.content_hash,))), True
            ),
        )
    for section in document.sections:
        _section(doc, section, 2)
    doc.save(stream)


def _page_marks(doc: DocxDocument, document: Document) -> None:
    section = doc.sections[0]
    footer = section.footer.paragraphs[0]
    footer.text = f"{document.footer}. Content hash {document.content_hash}."
    if document.draft:
        header = section.header.paragraphs[0]
        run = header.add_run("DRAFT: not signed or not in force")
        run.bold = True
        run.font.size = Pt(14)


def _section(doc: DocxDocument, section: Section, level: int) -> None:
    wide = any(isinstance(b, Table) and b.wide for b in section.blocks)
    if wide:
        _orientation(doc, landscape=True)
    doc.add_heading(section.title, level=level)
    for block in section.blocks:
        if isinstance(block, Paragraph):
            _runs(doc.add_paragraph(), block.text)
        elif isinstance(block, Bullets):
            for item in block.items:
                _runs(doc.add_paragraph(style="List Bullet"), item)
        else:
            _table(doc, block)
    if wide:
        _orientation(doc, landscape=False)
    for sub in section.subsections:
        _section(doc, sub, min(level + 1, 9))


def _orientation(doc: DocxDocument, landscape: bool) -> None:
    current = doc.sections[-1]
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    width, height = current.page_width, current.page_height
    if width is None or height is None:
        return
    if landscape != (width > height):
        section.page_width, section.page_height = height, width
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT


def _table(doc: DocxDocument, table: Table) -> None:
    doc.add_paragraph(table.caption, style="Caption")
    with_header = any(table.header)
    out = doc.add_table(rows=len(table.rows) + (1 if with_header else 0), cols=len(table.header))
    out.style = "Table Grid"
    if with_header:
        header = out.rows[0]
        _repeat_header(header._tr)
        for cell, heading in zip(header.cells, table.header, strict=True):
            run = cell.paragraphs[0].add_run(heading)
            run.bold = True
    offset = 1 if with_header else 0
    for i, row in enumerate(table.rows):
        for j, (cell, text) in enumerate(zip(out.rows[i + offset].cells, row, strict=True)):
            _runs(cell.paragraphs[0], text, bold=table.row_headers and j == 0)
    if table.wide:
        for row in out.rows:
            for cell in row.cells:
                for p in cell.paragraphs:
                    for run in p.runs:
                        run.font.size = Pt(7)


def _repeat_header(tr: object) -> None:
    tr_pr = tr.get_or_add_trPr()  # type: ignore[attr-defined]
    mark = OxmlElement("w:tblHeader")
    mark.set(qn("w:val"), "true")
    tr_pr.append(mark)


def _runs(paragraph: DocxParagraph, text: Text, bold: bool = False) -> None:
    for piece in text:
        if isinstance(piece, Link):
            _hyperlink(paragraph, piece)
        else:
            run = paragraph.add_run(piece)
            run.bold = bold or None
    if not text:
        paragraph.add_run(plain(text))


def _hyperlink(paragraph: DocxParagraph, link: Link) -> None:
    rel = paragraph.part.relate_to(link.url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    element = OxmlElement("w:hyperlink")
    element.set(qn("r:id"), rel)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    style = OxmlElement("w:rStyle")
    style.set(qn("w:val"), "Hyperlink")
    props.append(style)
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    props.append(underline)
    run.append(props)
    text = OxmlElement("w:t")
    text.text = link.text
    text.set(qn("xml:space"), "preserve")
    run.append(text)
    element.append(run)
    paragraph._p.append(element)
