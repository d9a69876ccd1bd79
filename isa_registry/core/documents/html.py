"""Writing a :class:`.model.Document` as HTML, and as a tagged PDF with WeasyPrint.

One Jinja template (``templates/document.html``) makes both: real headings (``h1`` to ``h3``),
tables with a caption and header cells scoped to their column or row, and the language set. The
PDF is PDF/UA-1 (tagged, with its structure and language), the footer of every page carries the
reference, version, status, date and content hash, and a draft says DRAFT at the top of every
page (a margin box of the ``@page`` rule). Wide tables get landscape pages.
"""

from __future__ import annotations

import functools
from typing import IO

import jinja2

from .model import Document

__all__ = ["render_html", "write_html", "write_pdf"]

_CSS = """
@page { size: A4; margin: 2cm 1.8cm 2.2cm;
  @bottom-left { content: "%(footer)s"; font-size: 8pt; color: #333; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; color: #333; }
  %(draft)s }
@page wide { size: A4 landscape; }
section.wide { page: wide; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif;
  font-size: 10pt; line-height: 1.4; color: #0b0c0c; }
h1 { font-size: 20pt; margin: 0 0 12pt; }
h2 { font-size: 14pt; margin: 18pt 0 6pt; }
h3 { font-size: 12pt; margin: 12pt 0 6pt; }
.caption { font-size: 12pt; color: #505a5f; margin: 0; }
.draft { border: 3px solid #d4351c; padding: 4pt 8pt; color: #d4351c; }
table { border-collapse: collapse; width: 100%%; margin: 6pt 0 12pt; }
caption { text-align: left; font-weight: bold; padding-bottom: 4pt; }
th, td { border: 1px solid #b1b4b6; padding: 3pt 4pt; text-align: left; vertical-align: top; }
thead { display: table-header-group; }
table.wide { font-size: 6.5pt; }
a { color: #1d70b8; }
footer { display: none; }
"""

_DRAFT = '@top-center { content: "DRAFT"; font-size: 18pt; font-weight: bold; color: #d4351c; }'


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("isa_registry.core.documents", "templates"),
        autoescape=True,
        trim_blocks=False,
    )


def _css_string(text: str) -> str:
    """``text`` as the inside of a CSS string, safe inside a ``<style>`` element.

    >>> _css_string('say "hi" </style>')
    'say \\\\"hi\\\\" \\\\3C /style\\\\3E '
    """
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return out.replace("<", "\\3C ").replace(">", "\\3E ")


def render_html(document: Document, *, for_print: bool = True) -> str:
    """The document as a whole HTML page; ``for_print`` adds the page rules the PDF uses."""
    footer = _css_string(f"{document.footer}. Content hash {document.content_hash}.")
    css = _CSS % {"footer": footer, "draft": _DRAFT if document.draft else ""} if for_print else ""
    template = _environment().get_template("document.html")
    return template.render(document=document, css=jinja2.utils.markupsafe.Markup(css))


def write_pdf(document: Document, stream: IO[bytes]) -> None:
    """Write ``document`` to ``stream`` as a tagged PDF (PDF/UA-1)."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    HTML(string=render_html(document)).write_pdf(
        stream, pdf_variant="pdf/ua-1", pdf_identifier=document.content_hash.encode(), uncompressed_pdf=False
    )


def write_html(document: Document, stream: IO[bytes]) -> None:
    """Write the document to ``stream`` as a standalone HTML page."""
    stream.write(render_html(document, for_print=False).encode("utf-8"))
