"""What each server process keeps between requests, and when it is dropped.

Every value kept is keyed by the database and the registry revision it was worked out from (the
revision number and the audit chain's head hash, :func:`~isa_registry.store.queries.registry_revision`),
so a change to the registry never serves a stale value: the next request reads the new revision
and misses. Old values are dropped when newer ones push them out. On a miss after a change, a
value kept for the revision before may be brought up to date instead of worked out again
(:func:`~isa_registry.store.queries.per_revision` with ``update``, from what
:attr:`~isa_registry.store.queries.CheckedRegistry.since` says changed): the findings page's
selection and groups, its filter choices; the checked registry itself keeps the findings, reviews
and indexes of the records a change cannot touch (:func:`~isa_registry.store.queries.checked_registry`).

==========================  =====================================  ===========  ======================
What                        Key                                    Bound        Dropped
==========================  =====================================  ===========  ======================
:data:`REGISTRIES`: the     database URL, revision number, head    4            least recently used
registry and the rules'     hash, as-of date                                    first; :func:`clear`
findings on a date
(:func:`~.queries.checked_registry`)
:data:`DERIVED`: what a     database URL, revision number, head    256          least recently used
page works out from the     hash, name, the page's own key                      first; :func:`clear`
registry: filter choices,
counts, groupings
(:func:`~.queries.per_revision`)
==========================  =====================================  ===========  ======================

Kept elsewhere, and not cleared by :func:`clear`:

- the data map's pictures and page content, on disk under ``MAP_CACHE_DIR`` and shared by the
  processes (:mod:`isa_registry.web.map`): keyed by a digest of the revision, filters, date,
  format, script root, cluster threshold and table page (clamped to the pages there are); only
  filters naming what the registry holds and dates from 1900 to 2200 are kept. Storing a render
  deletes every file of an older revision, then the files used least recently until the folder
  is within ``MAP_CACHE_MAX_MB``. Tests give each app its own folder.
- values worked out from the code alone, never stale: the exchange format's JSON Schema and its
  validators (:mod:`isa_registry.core.exchange`) and the tags' opening markup
  (:mod:`isa_registry.web`), each a ``functools.cache``.
- how the registries kept were come by, :data:`~isa_registry.store.queries.LOADS` (a count for the
  tests and the logs, never read to decide anything).
- inside one run of the rules only, the flows in scope (:func:`isa_registry.core.rules._common.run_memo`):
  dropped when the run ends, so nothing of it outlives a request.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from datetime import date
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

if TYPE_CHECKING:
    from .queries import CheckedRegistry

__all__ = ["DERIVED", "REGISTRIES", "Kept", "clear"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Kept(Generic[K, V]):
    """At most ``size`` values, the least recently used dropped first; safe to share between the
    threads of a process. Callers must treat a value they get as read-only."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    @overload
    def get(self, key: K) -> V | None: ...
    @overload
    def get(self, key: K, default: V) -> V: ...
    def get(self, key: K, default: V | None = None) -> V | None:
        """The value kept for ``key`` (now the most recently used), or ``default``."""
        with self._lock:
            if key not in self._values:
                return default
            self._values.move_to_end(key)
            return self._values[key]

    def put(self, key: K, value: V) -> None:
        """Keep ``value`` for ``key``, dropping the least recently used beyond :attr:`size`."""
        with self._lock:
            self._values[key] = value
            while len(self._values) > self.size:
                self._values.popitem(last=False)

    def newest_first(self) -> list[tuple[K, V]]:
        """Every key and value kept, the most recently used first."""
        with self._lock:
            return list(reversed(self._values.items()))

    def clear(self) -> None:
        """Drop every value."""
        with self._lock:
            self._values.clear()


#: The checked registries, by (database URL, revision number, head hash, as-of date).
REGISTRIES: Kept[tuple[str, int, str, date], CheckedRegistry] = Kept(size=4)
#: What the pages derive from a registry, by (database URL, revision number, head hash, name, key).
DERIVED: Kept[tuple[Hashable, ...], Any] = Kept(size=256)


def clear() -> None:
    """Drop everything this process keeps between requests (the tests do after each test; a
    test that rewrites tables behind the audit log does at once)."""
    REGISTRIES.clear()
    DERIVED.clear()
