"""Running Graphviz, and making its SVG safe to place inside a page.

:func:`run_dot` is the one place the ``dot`` program runs: a fixed argument list, the source on
standard input, and a time limit; given :class:`DotSlots`, it waits for one of a few slots shared
by every process on the host, so that a burst of requests cannot start a ``dot`` each.
:func:`inline_svg` parses what it drew with defusedxml and refuses anything that could run script.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from html import escape as html_escape
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

log = logging.getLogger(__name__)


class RenderError(RuntimeError):
    """Graphviz could not draw the map."""


class DotNotFound(RenderError):
    """The ``dot`` program is not installed (or not where configured)."""


class DotBusy(RenderError):
    """Every slot for running ``dot`` stayed taken for as long as the caller would wait."""


@dataclass(frozen=True)
class DotSlots:
    """At most ``count`` ``dot`` programs at once, across every process on the host.

    Each slot is a file in ``directory`` held with an exclusive ``flock`` while ``dot`` runs; the
    kernel lets go of it when the process holding it ends, however it ends. A caller waits up to
    ``wait`` seconds for a free slot, then gives up with :class:`DotBusy`.

    Examples
    --------
    >>> import tempfile
    >>> slots = DotSlots(Path(tempfile.mkdtemp()), count=1, wait=0)
    >>> with slots.hold():
    ...     with slots.hold():
    ...         pass
    Traceback (most recent call last):
    ...
    isa_registry.core.graph.render.DotBusy: The map is busy: other maps are being drawn.
    """

    directory: Path
    count: int = 2
    wait: float = 5.0

    def _take(self) -> int | None:
        """An open slot file held by this process, or None when every slot is taken."""
        self.directory.mkdir(parents=True, exist_ok=True)
        for number in range(self.count):
            fd = os.open(self.directory / f"slot-{number}", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            return fd
        return None

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Hold a slot for the duration of the ``with`` block; :class:`DotBusy` if none came free.

        If the slots' folder cannot be written, the block runs without a slot (and says so in the
        log): a misconfigured folder costs the bound, not the map.
        """
        deadline = time.monotonic() + self.wait
        try:
            fd = self._take()
        except OSError as exc:
            log.warning("dot runs without a slot: %s cannot be used (%s)", self.directory, exc)
            yield
            return
        while fd is None:
            if time.monotonic() >= deadline:
                raise DotBusy("The map is busy: other maps are being drawn.")
            time.sleep(0.05)
            fd = self._take()
        try:
            yield
        finally:
            os.close(fd)  # closing the file lets go of its lock


def run_dot(
    source: str, fmt: str, dot: str = "dot", timeout: float = 60.0, slots: DotSlots | None = None
) -> bytes:
    """Render DOT ``source`` as ``fmt`` (``svg``, ``png`` or ``pdf``): the one place dot runs.

    With ``slots``, dot runs only once one of them is free (:meth:`DotSlots.hold`).

    Raises
    ------
    DotNotFound
        ``dot`` cannot be run.
    DotBusy
        Every slot stayed taken for as long as ``slots`` say to wait.
    RenderError
        dot failed, or took longer than ``timeout`` seconds.
    """
    if fmt not in ("svg", "png", "pdf"):
        raise ValueError(f"dot does not render {fmt!r} here")
    with slots.hold() if slots is not None else nullcontext():
        return _run(source, fmt, dot, timeout)


def _run(source: str, fmt: str, dot: str, timeout: float) -> bytes:
    try:
        done = subprocess.run(  # noqa: S603 - a fixed argument list, no shell; the source goes on stdin
            [dot, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True, timeout=timeout, check=False
        )
    except FileNotFoundError as exc:
        raise DotNotFound(f"Graphviz's dot program was not found at {dot!r}.") from exc
    except PermissionError as exc:
        raise DotNotFound(f"Graphviz's dot program at {dot!r} cannot be run.") from exc
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"Graphviz took longer than {timeout:g} seconds to draw the map.") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RenderError("Graphviz could not draw the map" + (f": {message[0]}" if message else "."))
    return done.stdout


_SVG_START = re.compile(r"<svg\b[^>]*>", re.S)
_SIZE_ATTR = re.compile(r'\s(width|height)="([\d.]+)pt"')
_FORBIDDEN_TAGS = frozenset(
    {"script", "foreignObject", "iframe", "object", "embed", "handler", "animate", "set"}
)
#: CSS pixels per point of the drawing on a page: the smallest text Graphviz writes (edge labels,
#: 10 pt) is then 11 CSS px at the default zoom, a margin above the 10 px the page promises. A
#: drawing wider than its box scrolls inside it (the page's CSS) rather than being shrunk out of
#: legibility.
PAGE_PX_PER_PT = 1.1
_VIEW_BOX = re.compile(r'\sviewBox="[\d.\-]+ [\d.\-]+ ([\d.]+) ([\d.]+)"')


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def inline_svg(svg: bytes, label: str) -> str:
    r"""dot's SVG made ready to place inside an HTML page.

    Drops the XML prolog and DOCTYPE, sizes the picture in CSS pixels at :data:`PAGE_PX_PER_PT`
    (never scaled to fit: its text stays legible), and labels it for assistive technology. As a
    second line of defence behind :func:`~.dot.dot_string`, the SVG is parsed and refused
    (:class:`RenderError`) if it holds anything that could run script: a ``script`` or
    ``foreignObject`` element, an ``on…`` attribute, or a ``javascript:`` or ``data:`` link.

    Examples
    --------
    >>> print(inline_svg(b'<?xml version="1.0"?>\n<svg width="90pt" height="20pt"><g/></svg>', 'A "map"'))
    <svg class="app-map__svg" role="group" aria-label="A &quot;map&quot;" width="99" height="22"><g/></svg>
    >>> inline_svg(b'<svg><script>alert(1)</script></svg>', "A map")
    Traceback (most recent call last):
    ...
    isa_registry.core.graph.render.RenderError: The picture holds an element that is not allowed.
    """
    text = svg.decode("utf-8")
    start = _SVG_START.search(text)
    if start is None:
        raise RenderError("Graphviz did not produce an SVG picture.")
    text = text[start.start() :]
    try:
        root = SafeET.fromstring(text)
    except (SafeET.ParseError, DefusedXmlException) as exc:
        raise RenderError("Graphviz produced a picture that is not well-formed.") from exc
    for element in root.iter():
        if _local(element.tag) in _FORBIDDEN_TAGS:
            raise RenderError("The picture holds an element that is not allowed.")
        for name, value in element.attrib.items():
            local = _local(name).lower()
            if local.startswith("on"):
                raise RenderError("The picture holds an attribute that is not allowed.")
            if local == "href" and value.strip().lower().startswith(("javascript:", "data:", "vbscript:")):
                raise RenderError("The picture holds a link that is not allowed.")
    tag = start.group(0)
    # Sized from the viewBox where there is one (Graphviz rounds the width and height), so the
    # scale is exactly PAGE_PX_PER_PT.
    view_box = _VIEW_BOX.search(tag)
    exact = dict(zip(("width", "height"), view_box.groups(), strict=True)) if view_box else {}

    def size(match: re.Match[str]) -> str:
        points = float(exact.get(match.group(1), match.group(2)))
        return f' {match.group(1)}="{round(points * PAGE_PX_PER_PT, 2):g}"'

    new_tag = _SIZE_ATTR.sub(size, tag)
    extra = f' class="app-map__svg" role="group" aria-label="{html_escape(label, quote=True)}"'
    new_tag = new_tag[:4] + extra + new_tag[4:]
    return new_tag + text[len(tag) :]
