"""Holding off Python's cycle collector while a block makes many objects that hold no cycles.

Loading the app (a few thousand classes, functions and mapper objects), checking and writing an
imported document, and building or writing a ROPA each make hundreds of thousands of objects that
live until the block ends. Every full collection the allocations set off walks all of them, and all
else the process holds, and frees nothing; reference counting frees what it always frees. The
collector runs as usual once the block is left. There is one collector per process, so a block
turns it back on only if it was on before.

>>> import gc
>>> with collector_paused():
...     gc.isenabled()
False
>>> gc.isenabled()
True
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector held off while the block runs (see the module's docstring)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
