"""Writing a :class:`.model.Document` as Markdown, for pasting into a web page or a notice."""

from __future__ import annotations

from typing import IO

from .model import Bullets, Document, Link, Paragraph, Section, Table, Text

__all__ = ["render_markdown", "write_markdown"]


def _text(text: Text) -> str:
    return "".join(f"[{p.text}]({p.url})" if isinstance(p, Link) else p for p in text)


def _section(section: Section, level: int, out: list[str]) -> None:
    out += ["#" * level + " " + section.title, ""]
    for block in section.blocks:
        if isinstance(block, Paragraph):
            out += [_text(block.text), ""]
        elif isinstance(block, Bullets):
            out += [f"- {_text(item)}" for item in block.items] + [""]
        elif isinstance(block, Table):
            out += ["| " + " | ".join(block.header) + " |", "|" + "---|" * len(block.header)]
            out += ["| " + " | ".join(_text(c).replace("|", "\\|") for c in row) + " |" for row in block.rows]
            out.append("")
    for sub in section.subsections:
        _section(sub, min(level + 1, 6), out)


def render_markdown(document: Document) -> str:
    """The document as Markdown."""
    out = [f"# {document.title}", ""]
    if document.caption:
        out += [f"*{document.caption}*", ""]
    out += [f"- {label}: {value}" for label, value in document.details] + [""]
    for section in document.sections:
        _section(section, 2, out)
    out += [f"_{document.footer}. Content hash {document.content_hash}._", ""]
    return "\n".join(out)


def write_markdown(document: Document, stream: IO[bytes]) -> None:
    """Write the document to ``stream`` as UTF-8 Markdown."""
    stream.write(render_markdown(document).encode("utf-8"))
