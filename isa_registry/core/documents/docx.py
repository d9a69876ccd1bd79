"""Writing a :class:`.model.Document` as a Word file.

python-docx (with lxml) takes longer to import than the rest of a command's start-up, and only the
Word downloads need it, so the writer in :mod:`._word` is imported when a Word file is written.
"""

from __future__ import annotations

from typing import IO

from .model import Document

__all__ = ["write_docx"]


def write_docx(document: Document, stream: IO[bytes]) -> None:
    """Write ``document`` to ``stream`` as a .docx file (see :mod:`._word`)."""
    from ._word import write_docx as write

    write(document, stream)
