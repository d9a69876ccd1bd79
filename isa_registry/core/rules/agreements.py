"""Rules about agreements: their dates, reviews, signatures and use.

An agreement is the partners' evidence that their sharing is lawful, fair and limited to what they
agreed (UK GDPR Art 5(2), 24, 26); the ICO Data Sharing Code of Practice (DPA 2018 s121) says it
should be reviewed regularly and kept up to date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

from ..domain import Agreement, Finding, Flow, Party, Registry
from ..law import CRIMINAL_CATEGORIES, SPECIAL_CATEGORIES
from ..scope import AGREEMENT_IN_FORCE_STATUSES, review_due
from ._common import (
    FLOWS,
    PARTIES,
    a_day,
    agreement_label,
    days_until,
    depends,
    finding,
    flows_in_scope,
    is_live,
    listing,
    plural,
)

__all__ = [
    "agreement_dpia_missing",
    "agreement_expired",
    "agreement_no_review_date",
    "agreement_processor_no_contract",
    "agreement_review_due",
    "agreement_review_overdue",
    "agreement_unsigned",
    "agreement_unused",
]

_CODE_OF_PRACTICE = "UK GDPR Art 5(2), 24; ICO Data Sharing Code of Practice (DPA 2018 s121)"


def _agreements(registry: Registry) -> Iterator[Agreement]:
    for key in sorted(registry.agreements):
        yield registry.agreements[key]


def _active_with_parties(
    registry: Registry, test: Callable[[Party], bool]
) -> Iterator[tuple[Agreement, list[str], str]]:
    """Each active agreement with parties that ``test`` picks: the agreement, those parties'
    organisation keys (in the agreement's order) and their names as one listing."""
    for agreement in _agreements(registry):
        if agreement.status != "active":
            continue
        keys = [p.organisation for p in agreement.parties if test(p)]
        if keys:
            yield agreement, keys, listing(registry.organisation_name(key) for key in keys)


def _processor_without_contract(party: Party) -> bool:
    return party.role == "processor" and not (party.contract_reference or "").strip()


def _agreement_finding(code: str, agreement: Agreement, problem: str, remedy: str, reference: str) -> Finding:
    return finding(
        code, "agreement", agreement.key, f"{agreement_label(agreement)} {problem}", remedy, reference
    )


@depends(FLOWS)
def agreement_expired(registry: Registry, as_of: date) -> Iterator[Finding]:
    """An agreement past its end date is not treated as live, and an ended one covers no sharing.

    Fires when an ``active`` agreement's end date is before the as-of date, or when an ``expired``
    or ``terminated`` agreement still covers flows of personal data that are ``active`` (planned
    flows are not yet sharing; ``FLOW_AGREEMENT_NOT_IN_FORCE`` reports them). UK GDPR Art 5(2),
    24, 26.
    """
    # The active in-scope flows under each agreement, each list in flow key order, found in one pass.
    active_flows: dict[str | None, list[Flow]] = {}
    for f in flows_in_scope(registry, as_of):
        if f.status == "active":
            active_flows.setdefault(f.agreement, []).append(f)
    for agreement in _agreements(registry):
        if agreement.status == "active" and agreement.end_date is not None and agreement.end_date < as_of:
            yield _agreement_finding(
                "AGREEMENT_EXPIRED",
                agreement,
                f"ended on {a_day(agreement.end_date)} but is still marked active.",
                f"Renew {agreement.key} and record its new end date, or mark it expired and stop the flows "
                "it covers.",
                "UK GDPR Art 5(2), 24, 26",
            )
        elif agreement.status in ("expired", "terminated"):
            flows = [f.key for f in active_flows.get(agreement.key, ())]
            if not flows:
                continue
            yield _agreement_finding(
                "AGREEMENT_EXPIRED",
                agreement,
                f"is {agreement.status} but still covers {len(flows)} active "
                f"{plural(len(flows), 'flow', 'flows')} ({listing(flows)}).",
                f"Stop {plural(len(flows), 'that flow', 'those flows')} or move "
                f"{plural(len(flows), 'it', 'them')} to an agreement in force, or renew {agreement.key}.",
                "UK GDPR Art 5(2), 24, 26",
            )


@depends()
def agreement_review_overdue(registry: Registry, as_of: date) -> Iterator[Finding]:
    """An agreement in force is reviewed by its review date.

    Fires for ``active`` and ``under_review`` agreements whose review date is before the as-of date
    (on the review date itself the review is due, not overdue). UK GDPR Art 5(2), 24(1) (measures
    reviewed and updated where necessary); ICO Data Sharing Code of Practice.
    """
    for agreement in _agreements(registry):
        if agreement.status not in ("active", "under_review"):
            continue
        if agreement.review_date is None or agreement.review_date >= as_of:
            continue
        yield _agreement_finding(
            "AGREEMENT_REVIEW_OVERDUE",
            agreement,
            f"was due for review on {a_day(agreement.review_date)}.",
            f"Review {agreement.key} with its parties and record the next review date.",
            _CODE_OF_PRACTICE,
        )


@depends()
def agreement_review_due(registry: Registry, as_of: date) -> Iterator[Finding]:
    """An agreement's review coming up in the next 90 days is flagged in time.

    Fires only for ``active`` and ``under_review`` agreements (the spec's second round: a draft is
    not yet reviewed, an expired or terminated one no longer is) whose review date is on or after
    the as-of date and no more than 90 days after it (both ends inclusive), as
    :func:`isa_registry.core.scope.review_due` defines it for the rules and the dashboard alike.
    UK GDPR Art 24(1).
    """
    for agreement in _agreements(registry):
        if not review_due(agreement, as_of) or agreement.review_date is None:
            continue
        yield _agreement_finding(
            "AGREEMENT_REVIEW_DUE",
            agreement,
            f"is due for review on {a_day(agreement.review_date)}{days_until(agreement.review_date, as_of)}.",
            f"Arrange the review of {agreement.key} with its parties.",
            _CODE_OF_PRACTICE,
        )


@depends(PARTIES)
def agreement_unsigned(registry: Registry, as_of: date) -> Iterator[Finding]:
    """Every party to an active agreement has signed it.

    An organisation that has not signed is not shown to have accepted its terms. UK GDPR Art 5(2),
    24, 26(1) (joint controllers determine their responsibilities by arrangement).
    """
    for agreement, unsigned, names in _active_with_parties(registry, lambda p: p.signed_on is None):
        yield _agreement_finding(
            "AGREEMENT_UNSIGNED",
            agreement,
            f"is active but {names} {plural(len(unsigned), 'has', 'have')} not signed it.",
            f"Get {agreement.key} signed by {names} and record the date, or remove "
            f"{plural(len(unsigned), 'that party', 'those parties')}.",
            "UK GDPR Art 5(2), 24, 26(1)",
        )


@depends()
def agreement_no_review_date(registry: Registry, as_of: date) -> Iterator[Finding]:
    """An active agreement has a review date.

    UK GDPR Art 24(1) (measures reviewed and updated where necessary); the ICO Data Sharing Code
    of Practice expects agreements to be reviewed regularly.
    """
    for agreement in _agreements(registry):
        if agreement.status != "active" or agreement.review_date is not None:
            continue
        yield _agreement_finding(
            "AGREEMENT_NO_REVIEW_DATE",
            agreement,
            "is active but has no review date.",
            f"Agree and record when {agreement.key} will next be reviewed (commonly once a year).",
            _CODE_OF_PRACTICE,
        )


@depends(FLOWS)
def agreement_unused(registry: Registry, as_of: date) -> Iterator[Finding]:
    """An active agreement covers some live sharing, or is retired.

    Counts flows that are active or planned and have not ended, anonymised ones included. An
    agreement that covers nothing is either out of date or its flows are missing from the registry
    (UK GDPR Art 30(1): the record of processing must be complete).
    """
    used = {f.agreement for f in registry.flows.values() if f.agreement and is_live(f, as_of)}
    for agreement in _agreements(registry):
        if agreement.status != "active" or agreement.key in used:
            continue
        yield _agreement_finding(
            "AGREEMENT_UNUSED",
            agreement,
            "is active but no current flow is recorded under it.",
            f"Record the flows {agreement.key} covers, or mark it expired or terminated if the sharing has "
            "stopped.",
            "UK GDPR Art 30(1)",
        )


@depends(FLOWS)
def agreement_dpia_missing(registry: Registry, as_of: date) -> Iterator[Finding]:
    """An agreement that covers high-risk sharing about children records its DPIA.

    UK GDPR Art 35(1): a data protection impact assessment is required before processing likely to
    result in a high risk; Art 35(3)(b): processing on a large scale of special category or criminal
    offence data is one such case; Art 35(4): the ICO's published list of processing likely to
    result in high risk includes data matching (combining data sets from different sources) and
    processing where a breach could put someone's physical health or safety at risk, and the ICO's
    guidance adopts the European guidelines' criteria (WP248), under which processing that meets
    two of them, such as sensitive data and vulnerable data subjects (children), is likely to need
    a DPIA: safeguarding sharing of such data about children meets both. The spec does not ask
    for "large scale" (Art 35(3)(b)), and neither does this rule: the European criteria make the
    scale one factor among several, and a partnership's routine sharing is rarely small.
    Fires for an ``active`` or ``under_review`` agreement with no ``dpia_reference`` that covers
    an in-scope flow (:func:`isa_registry.core.scope.flow_in_scope`) of special category or
    criminal offence data whose data subjects include ``children``. A transfer abroad needs a
    transfer risk assessment as well, which is the transfer's, not this rule's.
    """
    sensitive = SPECIAL_CATEGORIES | CRIMINAL_CATEGORIES
    risky: dict[str, list[str]] = {}
    for flow in flows_in_scope(registry, as_of):
        if flow.agreement is None or "children" not in flow.data_subjects:
            continue
        if any(c in sensitive for c in flow.data_categories):
            risky.setdefault(flow.agreement, []).append(flow.key)
    for agreement in _agreements(registry):
        if agreement.status not in AGREEMENT_IN_FORCE_STATUSES or (agreement.dpia_reference or "").strip():
            continue
        flows = risky.get(agreement.key)
        if not flows:
            continue
        yield _agreement_finding(
            "AGREEMENT_DPIA_MISSING",
            agreement,
            f"covers special category or criminal offence data about children ({listing(flows)}) but no "
            "data protection impact assessment is recorded.",
            f"Carry out a DPIA for the sharing under {agreement.key} (or find the one done) and record its "
            "reference.",
            "UK GDPR Art 35(1), (3)(b), (4); ICO list of processing likely to result in high risk",
        )


@depends(PARTIES)
def agreement_processor_no_contract(registry: Registry, as_of: date) -> Iterator[Finding]:
    """A processor party is bound by a processing contract.

    UK GDPR Art 28(3): processing by a processor is governed by a contract (or other legal act)
    that binds it to the controller and sets out the subject matter, duration, nature and purpose of
    the processing, the data and the data subjects, with the terms Art 28(3)(a)-(h) require. An
    information-sharing agreement between controllers is not that contract. Fires for each
    ``active`` agreement with a ``processor`` party that has no ``contract_reference``.
    """
    for agreement, missing, names in _active_with_parties(registry, _processor_without_contract):
        yield _agreement_finding(
            "AGREEMENT_PROCESSOR_NO_CONTRACT",
            agreement,
            f"has {names} as {plural(len(missing), 'a processor', 'processors')} but no processing contract "
            "is recorded for "
            f"{plural(len(missing), 'it', 'them')}.",
            f"Record the reference of the Article 28 contract with {names}, or put one in place; if "
            f"{plural(len(missing), 'it decides', 'they decide')} why and how the data is used, record "
            f"{plural(len(missing), 'it', 'them')} as a controller instead.",
            "UK GDPR Art 28(3)",
        )
