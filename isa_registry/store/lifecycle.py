"""The agreement lifecycle: which statuses an agreement may move between, and what signing needs.

Decided here, documented for the pages and the tests:

* an agreement is created as ``draft`` or ``under_review``, never straight into ``active``;
* each party's sign-off (who signed, in what capacity, on what date) is recorded on its own;
* an agreement becomes ``active`` only when it has at least one party and every party has signed;
  signing does **not** activate it on its own, even when the last party signs: bringing an
  agreement into force is a separate, audited decision of its owner (its start date may be later);
* the allowed status changes are in :data:`TRANSITIONS`; ``terminated`` is final;
* with ``DPO_REVIEW`` switched on, an agreement becomes ``active`` only once the data protection
  officer of the organisation that owns it has approved it, and not since returned it or seen its
  terms edited (:func:`dpo_review_error`). A party's sign-off or a status change needs no new
  review. Returning an agreement records the comments and leaves its status as it is.

These are the rules only: :mod:`~isa_registry.store.validation` checks a sign-off, and
:mod:`~isa_registry.store.writes` records sign-offs and status changes.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..core import domain
from ..core.domain import Agreement
from ..core.vocabulary import AGREEMENT_STATUS

__all__ = ["INITIAL_STATUSES", "TRANSITIONS", "dpo_review_error", "status_error", "unsigned_parties"]

#: The status changes an agreement may make (``terminated`` is final).
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"under_review", "active", "terminated"}),
    "under_review": frozenset({"draft", "active", "terminated"}),
    "active": frozenset({"under_review", "expired", "terminated"}),
    "expired": frozenset({"under_review", "terminated"}),
    "terminated": frozenset(),
}
#: The statuses a new agreement may have.
INITIAL_STATUSES = ("draft", "under_review")

_STATUS_WORDS = AGREEMENT_STATUS.labels("phrase")


def unsigned_parties(a: Agreement) -> list[str]:
    """The keys of the parties that have not signed."""
    return [p.organisation for p in a.parties if p.signed_on is None]


def status_error(
    a: Agreement, before: Agreement | None, names: Mapping[str, str] | None = None
) -> str | None:
    """Why the agreement may not have its status (``before`` is how it is saved), or None; the
    parties that have not signed are named by ``names`` (organisation key -> name) where given."""
    if a.status not in domain.AGREEMENT_STATUSES:
        return "Select a valid status"
    if before is None:
        if a.status not in INITIAL_STATUSES:
            return (
                "Status: a new agreement starts as draft or under review; record each party's "
                "sign-off, then activate it"
            )
        return None
    if a.status != before.status and a.status not in TRANSITIONS[before.status]:
        allowed = ", ".join(_STATUS_WORDS[s] for s in sorted(TRANSITIONS[before.status])) or "nothing"
        return (
            f"Status: a {_STATUS_WORDS[before.status]} agreement cannot become {_STATUS_WORDS[a.status]} "
            f"(it can become {allowed})"
        )
    if a.status == "active" and before.status != "active":
        if not a.parties:
            return "Status: an agreement cannot be activated until it has parties and every party has signed"
        missing = unsigned_parties(a)
        if missing:
            return (
                "Status: an agreement becomes active only when every party has signed; "
                f"not yet signed: {', '.join((names or {}).get(k, k) for k in missing)}"
            )
    return None


def dpo_review_error(a: Agreement, before: Agreement, approved: bool) -> str | None:
    """Why, under DPO review, the agreement may not become active yet (``approved``: its owner's
    DPO approved it and its terms have not been edited since), or None."""
    if a.status != "active" or before.status == "active" or approved:
        return None
    if a.owner is None:
        return (
            "Status: an agreement needs its owner's data protection officer to approve it before it is "
            "activated; record which organisation owns it first"
        )
    return (
        "Status: the data protection officer of the organisation that owns this agreement has not "
        "approved it (or its terms have changed since): ask them to review it, then activate it"
    )
