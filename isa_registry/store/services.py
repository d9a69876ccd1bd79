"""The record services in one namespace, for the pages and the tests: ``services.create_flow(...)``.

Nothing is defined here. Each concern has its module:

* :mod:`~isa_registry.store.errors`: the typed errors and the differences a conflict shows;
* :mod:`~isa_registry.store.record_types`: organisation, agreement and flow, each described once;
* :mod:`~isa_registry.store.validation`: the checks;
* :mod:`~isa_registry.store.lifecycle`: the agreement lifecycle's rules;
* :mod:`~isa_registry.store.writes`: reading a record to edit it, and every write;
* :mod:`~isa_registry.store.lists`: the lists and their pages;
* :mod:`~isa_registry.store.choices`: pick-lists;
* :mod:`~isa_registry.store.history`: a record's audited changes.
"""

from __future__ import annotations

from .choices import agreement_choices, organisation_choices, organisation_name, programmes
from .errors import (
    ArchiveBlocked,
    Difference,
    InvalidRecord,
    NotFound,
    ServiceError,
    StaleRecord,
    differences,
)
from .history import HistoryEntry, changed_fields, history
from .lifecycle import INITIAL_STATUSES, TRANSITIONS, unsigned_parties
from .lists import (
    PER_PAGE,
    ListParams,
    Page,
    list_agreements,
    list_flows,
    list_flows_by_severity,
    list_organisations,
    slice_page,
)
from .record_types import AGREEMENT, FLOW, ORGANISATION, RECORD_TYPES, RecordType
from .writes import (
    archive,
    archive_blockers,
    create,
    create_agreement,
    create_flow,
    create_organisation,
    dpo_approved,
    dpo_reviews,
    duplicate_key,
    get,
    get_agreement,
    get_flow,
    get_organisation,
    restore,
    review_agreement,
    set_agreement_status,
    sign_agreement,
    update,
    update_agreement,
    update_flow,
    update_organisation,
    version_of,
)

__all__ = [
    "AGREEMENT",
    "FLOW",
    "INITIAL_STATUSES",
    "ORGANISATION",
    "PER_PAGE",
    "RECORD_TYPES",
    "TRANSITIONS",
    "ArchiveBlocked",
    "Difference",
    "HistoryEntry",
    "InvalidRecord",
    "ListParams",
    "NotFound",
    "Page",
    "RecordType",
    "ServiceError",
    "StaleRecord",
    "agreement_choices",
    "archive",
    "archive_blockers",
    "changed_fields",
    "create",
    "create_agreement",
    "create_flow",
    "create_organisation",
    "differences",
    "dpo_approved",
    "dpo_reviews",
    "duplicate_key",
    "get",
    "get_agreement",
    "get_flow",
    "get_organisation",
    "history",
    "list_agreements",
    "list_flows",
    "list_flows_by_severity",
    "list_organisations",
    "organisation_choices",
    "organisation_name",
    "programmes",
    "restore",
    "review_agreement",
    "set_agreement_status",
    "sign_agreement",
    "slice_page",
    "unsigned_parties",
    "update",
    "update_agreement",
    "update_flow",
    "update_organisation",
    "version_of",
]
