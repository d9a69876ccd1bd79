"""The compliance rules: one pure function per rule, each giving the findings it finds.

A rule is ``rule(registry, as_of) -> Iterator[Finding]``; its docstring states the obligation and
the provision it comes from (UK GDPR as amended by the Data (Use and Access) Act 2025, and the Data
Protection Act 2018). :func:`run_rules` runs them all. Nothing here imports Flask or the database,
so the same registry on the same date always gives the same findings.

The codes, their severities and when they fire are the contract in ``shared/spec/findings.md``;
:data:`CODES` lists them with the codes this project added. Scope (which flows each rule looks at)
is described in :mod:`isa_registry.core.rules._common`.

Examples
--------
>>> from datetime import date
>>> from isa_registry.core.domain import Registry
>>> run_rules(Registry(), date(2026, 11, 23))
[]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import date

from ..collector import collector_paused
from ..domain import SEVERITIES, Finding, Registry
from ..scope import SEVERITY_RANK, worst
from ._common import AS_OF_WORDING, CODES, run_memo, without_as_of_wording
from .agreements import (
    agreement_dpia_missing,
    agreement_expired,
    agreement_no_review_date,
    agreement_processor_no_contract,
    agreement_review_due,
    agreement_review_overdue,
    agreement_unsigned,
    agreement_unused,
)
from .flows import (
    flow_agreement_not_in_force,
    flow_apd_missing,
    flow_category_not_agreed,
    flow_criminal_no_condition,
    flow_end_date_passed,
    flow_law_enforcement_apd_missing,
    flow_law_enforcement_not_competent,
    flow_legislation_repealed,
    flow_legislation_unknown,
    flow_no_agreement,
    flow_no_lawful_basis,
    flow_no_legislation,
    flow_no_retention,
    flow_organisation_dissolved,
    flow_party_not_in_agreement,
    flow_public_authority_consent,
    flow_public_authority_explicit_consent,
    flow_public_authority_legitimate_interests,
    flow_recipient_basis_invalid,
    flow_recipient_basis_missing,
    flow_recognised_interest_missing,
    flow_recognised_interest_not_in_force,
    flow_recognised_interest_unknown,
    flow_schedule1_missing,
    flow_schedule1_unknown,
    flow_schedule8_unknown,
    flow_special_no_condition,
    flow_transfer_no_safeguard,
)
from .incremental import recheck, rerun
from .organisations import organisation_dissolved_in_agreement, organisation_no_dpo
from .sources import flow_gateway_not_for_source, flow_health_condition_not_professional
from .transfers import (
    flow_transfer_adequacy_partial,
    flow_transfer_derogation_repeated,
    flow_transfer_not_adequate,
)

__all__ = [
    "AS_OF_WORDING",
    "CODES",
    "RULES",
    "Rule",
    "findings_for",
    "recheck",
    "rerun",
    "run_rules",
    "sort_key",
    "summarise",
    "without_as_of_wording",
    "worst_severity",
]

Rule = Callable[[Registry, date], Iterator[Finding]]

#: Every rule, in the order of ``shared/spec/findings.md`` with the project's own rules beside the
#: spec rule they extend.
RULES: tuple[Rule, ...] = (
    flow_no_agreement,
    flow_agreement_not_in_force,
    flow_party_not_in_agreement,
    flow_category_not_agreed,
    flow_no_lawful_basis,
    flow_public_authority_legitimate_interests,
    flow_public_authority_consent,
    flow_recognised_interest_missing,
    flow_recognised_interest_unknown,
    flow_recognised_interest_not_in_force,
    flow_no_legislation,
    flow_special_no_condition,
    flow_public_authority_explicit_consent,
    flow_schedule1_missing,
    flow_schedule1_unknown,
    flow_health_condition_not_professional,
    flow_criminal_no_condition,
    flow_apd_missing,
    flow_law_enforcement_not_competent,
    flow_schedule8_unknown,
    flow_law_enforcement_apd_missing,
    flow_no_retention,
    flow_transfer_no_safeguard,
    flow_transfer_not_adequate,
    flow_transfer_adequacy_partial,
    flow_transfer_derogation_repeated,
    flow_organisation_dissolved,
    flow_legislation_repealed,
    flow_legislation_unknown,
    flow_gateway_not_for_source,
    flow_end_date_passed,
    flow_recipient_basis_missing,
    flow_recipient_basis_invalid,
    agreement_expired,
    agreement_review_overdue,
    agreement_review_due,
    agreement_unsigned,
    agreement_no_review_date,
    agreement_unused,
    agreement_dpia_missing,
    agreement_processor_no_contract,
    organisation_dissolved_in_agreement,
    organisation_no_dpo,
)


def sort_key(finding: Finding) -> tuple[int, str, str, str, str]:
    """Errors, then warnings, then info; then subject type, subject key, code and message."""
    return (
        SEVERITY_RANK[finding.severity],
        finding.subject_type,
        finding.subject_key,
        finding.code,
        finding.message,
    )


def _without_archived(registry: Registry) -> Registry:
    """The registry less its archived records, which are no longer part of it (the registry itself
    when it has none, as a loaded one never has: no rule reads its attachments)."""
    kinds = (registry.organisations, registry.agreements, registry.flows)
    if not any(r.archived for records in kinds for r in records.values()):
        return registry
    return Registry(
        organisations={k: o for k, o in registry.organisations.items() if not o.archived},
        agreements={k: a for k, a in registry.agreements.items() if not a.archived},
        flows={k: f for k, f in registry.flows.items() if not f.archived},
    )


def run_rules(registry: Registry, as_of: date, rules: Iterable[Rule] = RULES) -> list[Finding]:
    """Every finding of every rule on the registry as of ``as_of``, sorted by :func:`sort_key`.

    Archived records are left out first, as :func:`isa_registry.store.queries.load_registry` does.
    The cycle collector is held off meanwhile (:mod:`isa_registry.core.collector`): a run on a
    large registry makes tens of thousands of findings and strings, none in a cycle, and each full
    collection they would set off walks the whole registry and frees nothing.
    """
    live = _without_archived(registry)
    with collector_paused(), run_memo(live):
        findings = [f for rule in rules for f in rule(live, as_of)]
        return sorted(findings, key=sort_key)


def summarise(findings: Iterable[Finding]) -> dict[str, int]:
    """The number of findings of each severity: ``{"error": 2, "warning": 0, "info": 1}``."""
    counts = Counter(f.severity for f in findings)
    return {severity: counts.get(severity, 0) for severity in SEVERITIES}


def worst_severity(findings: Iterable[Finding]) -> str | None:
    """The most serious severity among the findings, or None when there are none
    (:func:`isa_registry.core.scope.worst`)."""
    return worst(f.severity for f in findings)


def findings_for(findings: Iterable[Finding], subject_type: str, key: str) -> list[Finding]:
    """The findings about one record, in the order given."""
    return [f for f in findings if f.subject_type == subject_type and f.subject_key == key]
