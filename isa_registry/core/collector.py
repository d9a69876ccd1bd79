"""Holding off Python's cyclic garbage collector while a step makes many objects and no cycles.

A loaded registry is millions of objects. A step that makes tens or hundreds of thousands more
(each finding's review, the record of processing, its workbook) sets off collections as it goes,
and every so often a full one, which walks every object of the registry again: 0.3 s on the
benchmark's L registry, for nothing, since such a step makes no reference cycles and reference
counting frees whatever it drops. :func:`paused` holds the collector off for the step; a collection
may run as usual once it is left.

>>> import gc
>>> with paused():
...     gc.isenabled()
False
>>> gc.isenabled()
True
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused"]


@contextmanager
def paused() -> Iterator[None]:
    """Hold off the cyclic garbage collector inside the block (it stays off if it was off)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
