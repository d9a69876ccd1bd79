"""Decisions on findings: accepted or not applicable, and where each finding stands.

An information governance team works a findings list as auditors work a risk register: each
finding is fixed, accepted with a reason by someone entitled to accept it, or shown not to apply,
and an open one has an owner and a date. This module holds those decisions and actions as plain
objects and works out, for the findings of one date, each one's state:

- ``open``: no decision is in force on it;
- ``decided``: a decision is in force and still holds;
- ``lapsed``: a decision is in force but no longer holds, because the date checked is after its
  ``review_by`` date (on that date itself it still holds), or because the finding's message is not
  the one decided on (the record changed). Wording that changes only with the date checked, such as
  "(in 53 days)", is left out of that comparison (:func:`isa_registry.core.rules.without_as_of_wording`).
  A lapsed finding keeps its decision, so that a reader sees what lapsed.

A decision is identified by its finding (subject type, subject key, code) and its ``decided_on``;
it is never deleted. A withdrawn one (``withdrawn_on`` set) is not in force; of the others, the
latest decided counts.

>>> from datetime import date
>>> f = Finding("ORGANISATION_NO_DPO", "info", "organisation", "acme", "Acme has no DPO.", "", "")
>>> d = Decision("organisation", "acme", "ORGANISATION_NO_DPO", "accepted", "Asked them.",
...              "dpo@example.org", date(2026, 1, 5), date(2026, 3, 1), "Acme has no DPO.")
>>> review([f], [d], date(2026, 3, 1))[0].state
'decided'
>>> review([f], [d], date(2026, 3, 2))[0].state
'lapsed'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from .collector import collector_paused
from .domain import Finding
from .rules import CODES, without_as_of_wording
from .vocabulary import DECISION, FINDING_STATE

__all__ = [
    "DECIDED",
    "LAPSED",
    "OPEN",
    "SUBJECT_TYPES",
    "Action",
    "Decision",
    "FindingId",
    "Reviewed",
    "action_problems",
    "decision_in_force",
    "decision_problems",
    "decisions_in_force",
    "latest_actions",
    "needs_admin",
    "open_and_decided",
    "review",
    "review_again",
    "same_message",
]

OPEN, DECIDED, LAPSED = FINDING_STATE.codes
#: The record types a finding (and so a decision) can be about.
SUBJECT_TYPES = ("organisation", "agreement", "flow")

#: A finding's identity across dates and revisions: (subject type, subject key, code).
FindingId = tuple[str, str, str]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Decision:
    """A decision taken on one finding (``decisions[]`` in ``isa-registry/1``)."""

    subject_type: str
    subject_key: str
    code: str
    decision: str
    reason: str
    #: Who decided: an account's e-mail, kept as text (the account may not exist where it is imported).
    decided_by: str
    decided_on: date
    #: When it lapses; required to accept an error.
    review_by: date | None
    #: The finding's message when decided.
    message: str
    withdrawn_on: date | None = None

    @property
    def finding_id(self) -> FindingId:
        """The finding decided on."""
        return (self.subject_type, self.subject_key, self.code)

    @property
    def identity(self) -> tuple[str, str, str, date]:
        """What identifies the decision: its finding and the day it was taken."""
        return (*self.finding_id, self.decided_on)

    @property
    def label(self) -> str:
        """``Risk accepted`` or ``Does not apply here``."""
        return DECISION[self.decision].label if self.decision in DECISION else self.decision

    def as_dict(self) -> dict[str, Any]:
        """The decision as ``check --format json`` gives it beside a finding."""
        return {
            "decision": self.decision,
            "reason": self.reason,
            "decided_by": self.decided_by,
            "decided_on": self.decided_on.isoformat(),
            "review_by": self.review_by.isoformat() if self.review_by else None,
        }


@dataclass(frozen=True)
class Action:
    """Who is to deal with an open finding, and by when."""

    subject_type: str
    subject_key: str
    code: str
    #: An account's e-mail or a named role mailbox (``information.governance@dudley.gov.uk``).
    owner: str
    due_on: date
    assigned_by: str
    assigned_on: date

    @property
    def finding_id(self) -> FindingId:
        """The finding the action is on."""
        return (self.subject_type, self.subject_key, self.code)

    def overdue(self, as_of: date) -> bool:
        """True when the due date is before ``as_of`` (on the due date itself it is not yet late)."""
        return self.due_on < as_of


@dataclass(frozen=True, slots=True)
class Reviewed:
    """One finding with where it stands on the date checked."""

    finding: Finding
    state: str
    #: The decision in force: None while open; kept when lapsed, so a reader sees what lapsed.
    decision: Decision | None = None
    #: Why a lapsed decision no longer holds, in words; None otherwise.
    lapsed_because: str | None = None
    #: The latest action on the finding, if any.
    action: Action | None = None

    @property
    def id(self) -> FindingId:
        """The finding's identity."""
        return (self.finding.subject_type, self.finding.subject_key, self.finding.code)

    @property
    def is_open(self) -> bool:
        """Open or lapsed: something is still to be done."""
        return self.state != DECIDED

    @property
    def state_label(self) -> str:
        """``Open``, ``Decided`` or ``Lapsed``."""
        return FINDING_STATE[self.state].label

    def as_dict(self) -> dict[str, Any]:
        """The finding as ``check --format json`` prints it, with its decision and state."""
        return {
            **self.finding.as_dict(),
            "state": self.state,
            "decision": self.decision.as_dict() if self.decision else None,
        }


def same_message(decided: str, current: str) -> bool:
    """True when two messages of a finding differ at most in wording that changes with the date.

    >>> same_message("is due for review on 1 May 2027 (in 53 days).",
    ...              "is due for review on 1 May 2027 (today).")
    True
    >>> same_message("has not signed it.", "have not signed it.")
    False
    """
    return decided == current or without_as_of_wording(decided) == without_as_of_wording(current)


def decision_in_force(decisions: Iterable[Decision]) -> Decision | None:
    """Of one finding's decisions, the latest decided that is not withdrawn (None if none is)."""
    standing = [d for d in decisions if d.withdrawn_on is None]
    return max(standing, key=lambda d: d.decided_on) if standing else None


def decisions_in_force(decisions: Iterable[Decision]) -> dict[FindingId, Decision]:
    """The decision in force on each finding that has one (:func:`decision_in_force`), in one pass.

    >>> from dataclasses import replace
    >>> old = Decision("flow", "F1", "FLOW_NO_RETENTION", "accepted", "Drafting.", "dpo@example.org",
    ...                date(2026, 1, 5), None, "No retention.")
    >>> new = replace(old, decided_on=date(2026, 2, 1), reason="Agreed.")
    >>> gone = replace(old, subject_key="F2", withdrawn_on=date(2026, 1, 6))
    >>> {fid: d.reason for fid, d in decisions_in_force([new, old, gone]).items()}
    {('flow', 'F1', 'FLOW_NO_RETENTION'): 'Agreed.'}
    """
    in_force: dict[FindingId, Decision] = {}
    for d in decisions:
        if d.withdrawn_on is not None:
            continue
        fid = (d.subject_type, d.subject_key, d.code)
        kept = in_force.get(fid)
        if kept is None or d.decided_on > kept.decided_on:  # the first of a tie, as max() keeps
            in_force[fid] = d
    return in_force


def _lapse(finding: Finding, decision: Decision, as_of: date) -> str | None:
    if decision.review_by is not None and decision.review_by < as_of:
        return f"its review date, {decision.review_by.day} {decision.review_by:%B %Y}, has passed"
    if not same_message(decision.message, finding.message):
        return "the finding has changed since it was decided"
    return None


def latest_actions(actions: Iterable[Action]) -> dict[FindingId, Action]:
    """The action that counts for each finding: the last assigned (later in the list wins a tie)."""
    latest: dict[FindingId, Action] = {}
    for action in actions:
        kept = latest.get(action.finding_id)
        if kept is None or action.assigned_on >= kept.assigned_on:
            latest[action.finding_id] = action
    return latest


def review(
    findings: Iterable[Finding], decisions: Iterable[Decision], as_of: date, actions: Iterable[Action] = ()
) -> list[Reviewed]:
    """Each finding with its state on ``as_of``, in the order given.

    A dictionary lookup per finding for its decision and its action; the cycle collector is held
    off meanwhile (:func:`isa_registry.core.collector.collector_paused`): a review per finding, tens
    of thousands on a large registry, would otherwise set off a full collection of the registry.
    """
    out: list[Reviewed] = []
    append = out.append
    with collector_paused():
        in_force = decisions_in_force(decisions)
        owners = latest_actions(actions)
        for f in findings:
            fid = (f.subject_type, f.subject_key, f.code)
            decision = in_force.get(fid)
            action = owners.get(fid)
            if decision is None:
                append(Reviewed(f, OPEN, None, None, action))
            else:
                why = _lapse(f, decision, as_of)
                append(Reviewed(f, LAPSED if why else DECIDED, decision, why, action))
    return out


def open_and_decided(reviewed: Iterable[Reviewed]) -> tuple[list[Finding], list[Finding]]:
    """The findings still open (lapsed ones too) and those decided on, each in the order given.

    The map colours its edges and nodes by the open ones and names the decided ones beside them
    (the page and the ``render-map`` command both split the findings here).

    >>> f = Finding("FLOW_NO_RETENTION", "warning", "flow", "F1", "No retention.", "", "")
    >>> g = Finding("FLOW_NO_AGREEMENT", "error", "flow", "F1", "No agreement.", "", "")
    >>> d = Decision("flow", "F1", "FLOW_NO_AGREEMENT", "not_applicable", "Statutory return.",
    ...              "dpo@example.org", date(2026, 1, 5), None, "No agreement.")
    >>> still_open, decided = open_and_decided(review([f, g], [d], date(2026, 3, 1)))
    >>> [x.code for x in still_open], [x.code for x in decided]
    (['FLOW_NO_RETENTION'], ['FLOW_NO_AGREEMENT'])
    """
    listed = list(reviewed)
    return [r.finding for r in listed if r.is_open], [r.finding for r in listed if not r.is_open]


def review_again(
    previous: list[Reviewed],
    findings: list[Finding],
    decisions: Iterable[Decision],
    as_of: date,
    actions: Iterable[Action] = (),
    subjects: Collection[tuple[str, str]] = frozenset(),
) -> list[Reviewed]:
    """:func:`review` of ``findings``, given ``previous``: the review on the same ``as_of`` of
    earlier findings that differ only about the records ``subjects`` (type, key), with decisions
    and actions that differ only on findings about those records.

    The reviews of the findings about every other record are kept; only those about ``subjects``
    are reviewed afresh. Both lists are sorted as the rules sort findings.
    """
    from .rules.incremental import about_subjects, with_inserted, without_subjects

    fresh = review(about_subjects(findings, subjects), decisions, as_of, actions)
    return with_inserted(without_subjects(previous, subjects), fresh)


def needs_admin(decision: str, severity: str) -> bool:
    """True when taking ``decision`` on a finding of ``severity`` needs an admin (the DPO or SIRO).

    Accepting the risk of an error is the one decision an editor may not take.
    """
    return decision == "accepted" and severity == "error"


def decision_problems(
    decision: Decision, is_known_record: Callable[[str, str], bool]
) -> list[tuple[str, str]]:
    """What is wrong with ``decision``, as (field, message) pairs; empty when it may be recorded.

    ``is_known_record(subject_type, subject_key)`` says whether the registry holds the record.
    """
    problems: list[tuple[str, str]] = []
    if decision.subject_type not in SUBJECT_TYPES:
        problems.append(
            (
                "subject_type",
                f"'{decision.subject_type}' is not a record type (organisation, agreement, flow)",
            )
        )
    elif not is_known_record(decision.subject_type, decision.subject_key):
        problems.append(
            (
                "subject_key",
                f"names {decision.subject_type} '{decision.subject_key}', which is neither in the "
                "document nor in the registry",
            )
        )
    if decision.code not in CODES:
        problems.append(("code", f"'{decision.code}' is not a finding code"))
    if decision.decision not in DECISION:
        problems.append(("decision", f"'{decision.decision}' is not a decision (accepted or not_applicable)"))
    if not decision.reason.strip():
        problems.append(("reason", "give the reason for the decision"))
    if not decision.decided_by.strip():
        problems.append(("decided_by", "say who decided (their e-mail)"))
    if decision.decision == "accepted" and CODES.get(decision.code) == "error" and decision.review_by is None:
        problems.append(("review_by", "accepting the risk of an error needs a review-by date"))
    if decision.review_by is not None and decision.review_by < decision.decided_on:
        problems.append(("review_by", "the review-by date is before the day the decision was taken"))
    if decision.withdrawn_on is not None and decision.withdrawn_on < decision.decided_on:
        problems.append(("withdrawn_on", "the decision is withdrawn before it was taken"))
    return problems


def action_problems(action: Action) -> list[tuple[str, str]]:
    """What is wrong with ``action``, as (field, message) pairs."""
    problems: list[tuple[str, str]] = []
    if not _EMAIL.match(action.owner.strip()):
        problems.append(
            ("owner", "give the owner's e-mail address, or a team's mailbox, like name@example.gov.uk")
        )
    if action.code not in CODES:
        problems.append(("code", f"'{action.code}' is not a finding code"))
    return problems
