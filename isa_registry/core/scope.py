"""Which records count on a date, how serious a set of findings is, and when a review is due.

Each meaning is defined once here and used by every part that needs it. Archived records are no
longer part of the registry, so none of them is ever live, in scope, in force or due for review.

Flows have three meanings of "live on a date", because three questions are asked:

- :func:`flow_current`: the record still says the flow goes on (``active`` or ``planned``, end date
  not passed). The rules ask it of every flow, anonymised ones too (``AGREEMENT_UNUSED``,
  ``FLOW_ORGANISATION_DISSOLVED``, ``FLOW_END_DATE_PASSED``).
- :func:`flow_in_scope`: a current flow of personal data, the spec's scope
  (``shared/spec/findings.md``); the rules about the law and the record of processing (ROPA) look
  at these flows only. A planned flow whose start date is still to come is in scope: problems are
  best fixed before sharing starts.
- :func:`flow_live_on`: the flow shares data on that day as history tells it, so a map of a past
  date shows a flow since ceased and leaves out an active one not yet started.

One more, stricter, answers "who holds personal data on that day" (who receives it, what a breach
touches): :func:`flow_shares_personal_data_on`, an ``active`` flow of personal data within its dates.

Without a date, :data:`LIVE_FLOW_STATUSES` says which flows may still share data: an organisation
cannot be archived while it is a party to one of them.

Examples
--------
>>> from datetime import date
>>> from isa_registry.core.domain import Flow
>>> ended = Flow("F1", "x", "a", "b", "identifiable", status="ceased", end_date=date(2026, 1, 31))
>>> flow_current(ended, date(2026, 1, 1)), flow_live_on(ended, date(2026, 1, 1))
(False, True)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from .domain import FLOW_STATUSES, SEVERITIES, Agreement, Flow

__all__ = [
    "AGREEMENT_IN_FORCE_STATUSES",
    "LIVE_FLOW_STATUSES",
    "PERSONAL_DATA",
    "REVIEW_NOTICE_DAYS",
    "SEVERITY_RANK",
    "agreement_in_force",
    "flow_current",
    "flow_in_scope",
    "flow_live_on",
    "flow_shares_on",
    "flow_shares_personal_data_on",
    "review_due",
    "review_overdue",
    "worst",
]

#: The statuses of a flow that may still share data (every status but ``ceased``), in the order of
#: :data:`~isa_registry.core.domain.FLOW_STATUSES`.
LIVE_FLOW_STATUSES: tuple[str, ...] = tuple(s for s in FLOW_STATUSES if s != "ceased")
#: Identifiable and pseudonymised data are personal data; anonymous information is not (UK GDPR
#: Recital 26).
PERSONAL_DATA = frozenset({"identifiable", "pseudonymised"})
#: The statuses of an agreement that can be in force: ``active``, and ``under_review`` (an
#: agreement being reviewed still governs the sharing it covers).
AGREEMENT_IN_FORCE_STATUSES = frozenset({"active", "under_review"})
#: How far ahead a review is due, in days (the spec's "next 90 days" of ``AGREEMENT_REVIEW_DUE``).
REVIEW_NOTICE_DAYS = 90
#: Each severity's rank, the most serious first (0).
SEVERITY_RANK: dict[str, int] = {severity: rank for rank, severity in enumerate(SEVERITIES)}


def flow_current(flow: Flow, as_of: date) -> bool:
    """Whether the record says the flow goes on: ``active`` or ``planned``, not ended before ``as_of``.

    Its start date does not matter: a flow recorded as active is checked as active, and a planned
    one before it starts. The rules use this for what is about the record, whatever the data.

    Examples
    --------
    >>> from isa_registry.core.domain import Flow
    >>> f = Flow("F1", "x", "a", "b", "anonymised", end_date=date(2026, 1, 31))
    >>> flow_current(f, date(2026, 1, 31)), flow_current(f, date(2026, 2, 1))
    (True, False)
    """
    return (
        flow.status in LIVE_FLOW_STATUSES
        and (flow.end_date is None or flow.end_date >= as_of)
        and not flow.archived
    )


def flow_in_scope(flow: Flow, as_of: date) -> bool:
    """Whether the flow is current on ``as_of`` and carries personal data (the spec's scope).

    The rules about the law and the record of processing activities look at these flows only.

    Examples
    --------
    >>> from isa_registry.core.domain import Flow
    >>> planned = Flow("F1", "x", "a", "b", "pseudonymised", status="planned", start_date=date(2027, 1, 1))
    >>> flow_in_scope(planned, date(2026, 1, 1))
    True
    >>> flow_in_scope(Flow("F2", "x", "a", "b", "anonymised"), date(2026, 1, 1))
    False
    """
    return flow.identifiability in PERSONAL_DATA and flow_current(flow, as_of)


def flow_live_on(flow: Flow, as_of: date) -> bool:
    """Whether the flow shares data on ``as_of``, as the data map draws it.

    An ``active`` flow is live from its start date (if any) until its end date (if any). A
    ``planned`` flow is live until its end date, whatever its start date, as the rules treat it:
    problems are best seen before sharing starts. A ``ceased`` flow was live between its start and
    end dates, so a map of a past date still shows it; without an end date it is never live.

    Examples
    --------
    >>> from isa_registry.core.domain import Flow
    >>> f = Flow("F1", "x", "a", "b", "identifiable", start_date=date(2026, 3, 1))
    >>> flow_live_on(f, date(2026, 2, 28)), flow_live_on(f, date(2026, 3, 1))
    (False, True)
    """
    if flow.archived or (flow.end_date is not None and as_of > flow.end_date):
        return False
    started = flow.start_date is None or flow.start_date <= as_of
    if flow.status == "planned":
        return True
    if flow.status == "ceased":
        return flow.end_date is not None and started
    return started


def flow_shares_on(flow: Flow, as_of: date) -> bool:
    """Whether the flow shares data on ``as_of``, whatever the data: it is ``active``, not archived,
    and ``as_of`` is within its start and end dates (both inclusive; a missing date sets no limit).

    What a privacy notice describes: a ``planned`` flow has not started, a ``ceased`` one has
    stopped. Anonymised flows count here (the notice says they are not personal data).

    Examples
    --------
    >>> from isa_registry.core.domain import Flow
    >>> f = Flow("F1", "x", "a", "b", "anonymised", start_date=date(2026, 3, 1))
    >>> flow_shares_on(f, date(2026, 2, 28)), flow_shares_on(f, date(2026, 3, 1))
    (False, True)
    """
    return (
        flow.status == "active"
        and not flow.archived
        and (flow.start_date is None or flow.start_date <= as_of)
        and (flow.end_date is None or as_of <= flow.end_date)
    )


def flow_shares_personal_data_on(flow: Flow, as_of: date) -> bool:
    """Whether the flow shares personal data on ``as_of``: it is ``active``, ``as_of`` is within its
    start and end dates (both inclusive; a missing date sets no limit) and its data is identifiable
    or pseudonymised, not ``anonymised``.

    This is what counts when asking who holds someone's data on a date (a subject access or erasure
    request, a breach): a ``planned`` flow has not shared anything yet, a ``ceased`` one shares no
    more, and anonymous information is not personal data (UK GDPR Recital 26). Pseudonymised data
    still is, so it counts.

    Examples
    --------
    >>> from isa_registry.core.domain import Flow
    >>> march = {"start_date": date(2026, 3, 1), "end_date": date(2026, 3, 31)}
    >>> f = Flow("F1", "x", "a", "b", "pseudonymised", **march)
    >>> days = (date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 1))
    >>> [flow_shares_personal_data_on(f, day) for day in days]
    [False, True, True, False]
    >>> planned = Flow("F2", "x", "a", "b", "identifiable", status="planned")
    >>> flow_shares_personal_data_on(planned, date(2026, 3, 1))
    False
    """
    return flow_shares_on(flow, as_of) and flow.identifiability in PERSONAL_DATA


def agreement_in_force(agreement: Agreement, as_of: date) -> bool:
    """Whether the agreement is active or under review and ``as_of`` is within its dates.

    Both boundaries are inclusive: an agreement is in force on its start date and on its end date.
    The rules use it to tell whether a flow's agreement covers it.

    Examples
    --------
    >>> from isa_registry.core.domain import Agreement
    >>> a = Agreement("A1", "x", status="active", start_date=date(2026, 1, 1), end_date=date(2026, 12, 31))
    >>> [agreement_in_force(a, day) for day in (date(2025, 12, 31), date(2026, 1, 1), date(2027, 1, 1))]
    [False, True, False]
    """
    if agreement.status not in AGREEMENT_IN_FORCE_STATUSES or agreement.archived:
        return False
    if agreement.start_date is not None and as_of < agreement.start_date:
        return False
    return agreement.end_date is None or as_of <= agreement.end_date


def review_overdue(agreement: Agreement, as_of: date) -> bool:
    """Whether an agreement that can be in force was due for review before ``as_of``.

    On the review date itself the review is due, not overdue. ``AGREEMENT_REVIEW_OVERDUE`` fires
    for these agreements and the dashboard lists them.

    Examples
    --------
    >>> from isa_registry.core.domain import Agreement
    >>> a = Agreement("A1", "x", status="under_review", review_date=date(2026, 6, 1))
    >>> review_overdue(a, date(2026, 6, 1)), review_overdue(a, date(2026, 6, 2))
    (False, True)
    """
    return (
        agreement.status in AGREEMENT_IN_FORCE_STATUSES
        and not agreement.archived
        and agreement.review_date is not None
        and agreement.review_date < as_of
    )


def review_due(agreement: Agreement, as_of: date, notice_days: int = REVIEW_NOTICE_DAYS) -> bool:
    """Whether an agreement that can be in force is due for review within ``notice_days`` of ``as_of``.

    Both ends are inclusive (due today, and due in exactly ``notice_days`` days).
    ``AGREEMENT_REVIEW_DUE`` fires for these agreements and the dashboard lists them.

    Examples
    --------
    >>> from isa_registry.core.domain import Agreement
    >>> a = Agreement("A1", "x", status="active", review_date=date(2026, 6, 1))
    >>> days = (date(2026, 3, 2), date(2026, 3, 3), date(2026, 6, 1), date(2026, 6, 2))
    >>> [review_due(a, day) for day in days]
    [False, True, True, False]
    """
    return (
        agreement.status in AGREEMENT_IN_FORCE_STATUSES
        and not agreement.archived
        and agreement.review_date is not None
        and as_of <= agreement.review_date <= as_of + timedelta(days=notice_days)
    )


def worst(severities: Iterable[str | None]) -> str | None:
    """The most serious of ``severities``, None for none (a None among them counts for nothing).

    The findings pages group records by their worst finding and the map colours an edge by it.

    Examples
    --------
    >>> worst(["info", "error", None, "warning"]), worst([None]), worst([])
    ('error', None, None)
    """
    ranked = [s for s in severities if s is not None]
    return min(ranked, key=SEVERITY_RANK.__getitem__) if ranked else None
