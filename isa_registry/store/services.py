"""The record services in one namespace, for the pages and the tests: ``services.create_flow(...)``.

Nothing is defined here: each concern's module says what it offers (its ``__all__``), and this
namespace is all of them. The concerns:

* :mod:`~isa_registry.store.errors`: the typed errors and the differences a conflict shows;
* :mod:`~isa_registry.store.record_types`: organisation, agreement and flow, each described once;
* :mod:`~isa_registry.store.validation`: the checks;
* :mod:`~isa_registry.store.lifecycle`: the agreement lifecycle's rules;
* :mod:`~isa_registry.store.writes`: reading a record to edit it, and every write;
* :mod:`~isa_registry.store.lists`: the lists and their pages;
* :mod:`~isa_registry.store.choices`: pick-lists;
* :mod:`~isa_registry.store.history`: a record's audited changes.
"""

# ruff: noqa: F403 - the namespace is each module's public names, as its __all__ lists them.
from __future__ import annotations

from . import choices as _choices
from . import errors as _errors
from . import history as _history
from . import lifecycle as _lifecycle
from . import lists as _lists
from . import record_types as _record_types
from . import writes as _writes
from .choices import *
from .errors import *
from .history import *
from .lifecycle import *
from .lists import *
from .lists import list_flows_by_severity
from .record_types import *
from .writes import *

__all__ = [
    *_choices.__all__,
    *_errors.__all__,
    *_history.__all__,
    *_lifecycle.__all__,
    *_lists.__all__,
    "list_flows_by_severity",
    *_record_types.__all__,
    *_writes.__all__,
]
