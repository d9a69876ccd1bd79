"""What falls due, and whom to tell: the rules of the reminders, as one pure function.

``flask send-reminders`` runs daily; the "My tasks" page shows the same dates. Both ask
:func:`standing` what is due on a date; the command then asks :func:`unsent` which of those notices
are still to be sent, given the sent-log (the (identity, recipient) pairs already sent).

What is due on ``as_of`` (every window inclusive at both ends):

- an agreement that can be in force (active or under review, not archived) whose review date is
  within 90 days: ``review-90``; within 30: ``review-30``; within 7, or today: ``review-7``; only
  the nearest threshold crossed is due, so a first run sends one notice, not three. After the
  review date: ``review-overdue``;
- an agreement that can be in force whose end date is within 30 days: ``end-30``;
- a party to an agreement still being drafted or in force that has not signed, 14 days after the
  agreement was created: ``unsigned`` (one per party);
- an open finding's action due within 7 days: ``action-due``; past its due date: ``action-overdue``
  (to the action's owner);
- a decision that still holds and whose review-by date is within 14 days: ``decision-lapse``
  (to whoever decided).

Whom an agreement's notice goes to: the owning organisation's DPO contact, and each signatory
whose ``signed_by`` is the e-mail of an account of this service (a name typed from a paper
signature has no address; an address that is no account's is not one the service was given to
write to). A party that has not signed is told through its own organisation's DPO contact.

Each notice has a stable identity, ``(kind, subject type, subject key, detail, date)``: the same
notice is never sent twice to one person, and a new review date starts a new round of notices.

Messages carry record keys, titles, dates and links only: never a purpose, a data category or a
finding's message, which may say something about a child or a family.

>>> from isa_registry.core.domain import Agreement, Organisation, Registry
>>> org = Organisation("dudley", "Dudley", "local_authority", True, dpo_contact="dpo@dudley.example")
>>> isa = Agreement("ISA-1", "MASH", "active", owner="dudley", review_date=date(2027, 3, 1))
>>> reg = Registry.of([org], [isa], [])
>>> due = standing(reg, date(2027, 1, 30))
>>> [n.kind for n in unsent(due, sent=set())]
['review-30']
>>> unsent(due, sent={("review-30|agreement|ISA-1||2027-03-01", "dpo@dudley.example")})
[]
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from .decisions import DECIDED, Action, Decision, Reviewed, review
from .domain import Agreement, Finding, Registry
from .scope import AGREEMENT_IN_FORCE_STATUSES

__all__ = [
    "ACTION_NOTICE_DAYS",
    "DECISION_NOTICE_DAYS",
    "END_NOTICE_DAYS",
    "REVIEW_THRESHOLDS",
    "SIGNING_STATUSES",
    "UNSIGNED_AFTER_DAYS",
    "Change",
    "Digest",
    "Notice",
    "action_due_soon",
    "digest",
    "digest_identity",
    "email_in",
    "standing",
    "unsent",
]

#: The review notices, the furthest first: a notice when the review date comes within each.
REVIEW_THRESHOLDS = (90, 30, 7)
#: How long before its end date an agreement's end is told.
END_NOTICE_DAYS = 30
#: How long after an agreement was created a party that has not signed is told.
UNSIGNED_AFTER_DAYS = 14
#: How long before its due date an action is told to its owner.
ACTION_NOTICE_DAYS = 7
#: How long before its review-by date a decision's lapse is told to whoever decided.
DECISION_NOTICE_DAYS = 14
#: The statuses of an agreement whose parties are expected to sign.
SIGNING_STATUSES = frozenset({"draft", *AGREEMENT_IN_FORCE_STATUSES})

_EMAIL = re.compile(r"[^@\s<>(),;:\"']+@[^@\s<>(),;:\"']+\.[^@\s<>(),;:\"'.]+")
_RECORD_PATHS = {"organisation": "organisations", "agreement": "agreements", "flow": "flows"}


def email_in(text: str | None) -> str | None:
    """The first e-mail address in ``text``, in lower case; None when there is none.

    >>> email_in("Jane Smith <Jane.Smith@Dudley.gov.uk>"), email_in("Jane Smith")
    ('jane.smith@dudley.gov.uk', None)
    """
    found = _EMAIL.search(text or "")
    return found.group(0).lower() if found else None


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _in_days(days: int) -> str:
    if days == 0:
        return "today"
    if days > 0:
        return f"in {days} day{'s' if days != 1 else ''}"
    return f"{-days} day{'s' if days != -1 else ''} ago"


@dataclass(frozen=True)
class Notice:
    """One thing that falls due, and whom to tell."""

    kind: str
    subject_type: str
    subject_key: str
    #: The record's title (an agreement's) or name (an organisation's, a flow's).
    title: str
    #: The date the notice is about: the review, end, due or review-by date; an agreement's
    #: creation for a party that has not signed.
    on: date
    #: Days from the date checked to ``on`` (negative once it has passed).
    days: int
    recipients: tuple[str, ...]
    #: What else identifies it: the party's organisation key, or the finding's code.
    detail: str = ""
    #: How messages name ``detail``: the party's organisation's name (else ``detail`` itself).
    detail_label: str = ""

    @property
    def _detail(self) -> str:
        return self.detail_label or self.detail

    @property
    def identity(self) -> str:
        """``kind|subject type|subject key|detail|date``: what the sent-log records it by."""
        return "|".join((self.kind, self.subject_type, self.subject_key, self.detail, self.on.isoformat()))

    @property
    def path(self) -> str:
        """Where the notice's record is, under the service's address: the finding's page for an
        action or a decision, else the record's page."""
        record = f"/{_RECORD_PATHS[self.subject_type]}/{self.subject_key}"
        if self.kind.startswith(("action", "decision")):
            return f"/findings/{self.subject_type}/{self.subject_key}/{self.detail}"
        return record

    @property
    def record(self) -> str:
        """``agreement ISA-001 (MASH information sharing)``."""
        return f"{self.subject_type} {self.subject_key} ({self.title})"

    @property
    def headline(self) -> str:
        """The e-mail's subject line, and the task's heading."""
        kind, key = self.kind, self.subject_key
        if kind.startswith("review-") and kind != "review-overdue":
            return f"Review of {key} due {_in_days(self.days)}"
        return {
            "review-overdue": f"Review of {key} is overdue",
            "end-30": f"{key} ends {_in_days(self.days)}",
            "unsigned": f"{key} is waiting for {self._detail} to sign",
            "action-due": f"Action on {key} due {_in_days(self.days)}",
            "action-overdue": f"Action on {key} is overdue",
            "decision-lapse": f"Decision on {key} lapses {_in_days(self.days)}",
        }[kind]

    @property
    def sentence(self) -> str:
        """What is due, in one sentence, with the record's key, title and date."""
        on = _long_date(self.on)
        record = self.record
        if self.kind == "review-overdue":
            return f"The review of {record} was due on {on} ({_in_days(self.days)})."
        if self.kind.startswith("review-"):
            return f"The review of {record} is due on {on} ({_in_days(self.days)})."
        if self.kind == "end-30":
            return f"{record[0].upper()}{record[1:]} ends on {on} ({_in_days(self.days)})."
        if self.kind == "unsigned":
            return (
                f"{self._detail} has not signed {record}, created on {on}. "
                "Record the signature, or ask the party to sign."
            )
        if self.kind == "action-due":
            return f"The action on finding {self.detail} on {record} is due on {on} ({_in_days(self.days)})."
        if self.kind == "action-overdue":
            return f"The action on finding {self.detail} on {record} was due on {on} ({_in_days(self.days)})."
        return (
            f"Your decision on finding {self.detail} on {record} is to be reviewed by {on} "
            f"({_in_days(self.days)}); after that the finding is open again."
        )

    def text(self, base_url: str) -> str:
        """The plain-text body of the e-mail."""
        return f"{self.sentence}\n\n{base_url}{self.path}\n"

    def html(self, base_url: str) -> str:
        """The HTML body of the e-mail."""
        link = html.escape(base_url + self.path)
        return (
            f"<p>{html.escape(self.sentence)}</p>\n"
            f'<p><a href="{link}">{html.escape(self.subject_type.capitalize())} '
            f"{html.escape(self.subject_key)}</a></p>\n"
        )


def _unique(addresses: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(a for a in addresses if a))


def _agreement_recipients(
    registry: Registry, agreement: Agreement, accounts: Collection[str]
) -> tuple[str, ...]:
    owner = registry.organisations.get(agreement.owner or "")
    signatories = (email_in(p.signed_by) for p in agreement.parties if p.signed_on is not None)
    return _unique(
        [email_in(owner.dpo_contact) if owner else None, *(s for s in signatories if s in accounts)]
    )


def _agreement_notices(
    registry: Registry,
    agreement: Agreement,
    as_of: date,
    created: date | None,
    accounts: Collection[str],
    unsigned_after: int,
) -> list[Notice]:
    if agreement.archived:
        return []
    found = []
    recipients = _agreement_recipients(registry, agreement, accounts)

    def notice(kind: str, on: date, who: tuple[str, ...] = recipients, detail: str = "") -> Notice:
        return Notice(kind, "agreement", agreement.key, agreement.title, on, (on - as_of).days, who, detail)

    in_force = agreement.status in AGREEMENT_IN_FORCE_STATUSES
    if in_force and agreement.review_date is not None:
        left = (agreement.review_date - as_of).days
        if left < 0:
            found.append(notice("review-overdue", agreement.review_date))
        else:
            crossed = [t for t in REVIEW_THRESHOLDS if left <= t]
            if crossed:
                found.append(notice(f"review-{crossed[-1]}", agreement.review_date))
    if (
        in_force
        and agreement.end_date is not None
        and 0 <= (agreement.end_date - as_of).days <= END_NOTICE_DAYS
    ):
        found.append(notice("end-30", agreement.end_date))
    if (
        agreement.status in SIGNING_STATUSES
        and created is not None
        and (as_of - created).days >= unsigned_after
    ):
        owner = registry.organisations.get(agreement.owner or "")
        for p in agreement.parties:
            if p.signed_on is not None:
                continue
            party = registry.organisations.get(p.organisation)
            who = _unique(
                [
                    email_in(owner.dpo_contact) if owner else None,
                    email_in(party.dpo_contact) if party else None,
                ]
            )
            found.append(
                replace(
                    notice("unsigned", created, who, p.organisation), detail_label=party.name if party else ""
                )
            )
    return found


def _title(registry: Registry, subject_type: str, key: str) -> str:
    if subject_type == "agreement" and key in registry.agreements:
        return registry.agreements[key].title
    if subject_type == "flow" and key in registry.flows:
        return registry.flows[key].name
    if subject_type == "organisation" and key in registry.organisations:
        return registry.organisations[key].name
    return key


def action_due_soon(action: Action, as_of: date) -> bool:
    """Whether an action not yet late is due within :data:`ACTION_NOTICE_DAYS` of ``as_of``.

    >>> a = Action("flow", "F1", "FLOW_NO_RETENTION", "o@x.example", date(2027, 1, 8),
    ...            "e@x.example", date(2027, 1, 1))
    >>> action_due_soon(a, date(2027, 1, 1)), action_due_soon(a, date(2026, 12, 31))
    (True, False)
    """
    return 0 <= (action.due_on - as_of).days <= ACTION_NOTICE_DAYS


def _finding_notices(registry: Registry, reviewed: Iterable[Reviewed], as_of: date) -> list[Notice]:
    found = []
    for r in reviewed:
        f = r.finding
        title = _title(registry, f.subject_type, f.subject_key)
        if r.is_open and r.action is not None:
            a = r.action
            kind = (
                "action-overdue" if a.overdue(as_of) else "action-due" if action_due_soon(a, as_of) else None
            )
            if kind:
                days = (a.due_on - as_of).days
                found.append(
                    Notice(kind, f.subject_type, f.subject_key, title, a.due_on, days, (a.owner,), f.code)
                )
        d = r.decision
        if r.state == DECIDED and d is not None and d.review_by is not None:
            days = (d.review_by - as_of).days
            if 0 <= days <= DECISION_NOTICE_DAYS:
                who = _unique([email_in(d.decided_by)])
                found.append(
                    Notice(
                        "decision-lapse", f.subject_type, f.subject_key, title, d.review_by, days, who, f.code
                    )
                )
    return found


def standing(
    registry: Registry,
    as_of: date,
    *,
    findings: Iterable[Finding] = (),
    decisions: Iterable[Decision] = (),
    actions: Iterable[Action] = (),
    created: Mapping[str, date] | None = None,
    accounts: Collection[str] = (),
    unsigned_after: int = UNSIGNED_AFTER_DAYS,
) -> list[Notice]:
    """Every notice due on ``as_of``, whether sent or not, the soonest first.

    ``findings`` are the rules' findings on ``as_of``, with the ``decisions`` and ``actions`` taken
    on them; ``created`` is the day each agreement was created, by key; ``accounts`` are the
    e-mails of the service's active accounts (a signatory is told only through an account);
    ``unsigned_after`` is how many days after creation a party that has not signed is told (the
    "My tasks" page shows it from the first day).
    """
    created = created or {}
    found: list[Notice] = []
    for agreement in registry.agreements.values():
        found += _agreement_notices(
            registry, agreement, as_of, created.get(agreement.key), accounts, unsigned_after
        )
    found += _finding_notices(registry, review(findings, decisions, as_of, actions), as_of)
    return sorted(found, key=lambda n: (n.on, n.subject_type, n.subject_key, n.kind, n.detail))


def unsent(notices: Iterable[Notice], sent: Collection[tuple[str, str]]) -> list[Notice]:
    """The notices to send: each of ``notices`` (:func:`standing`'s) to the recipients it has not
    been sent to (``sent`` holds the (identity, recipient) pairs of the sent-log); a notice with
    nobody left to tell, or nobody to tell at all, is left out."""
    out = []
    for n in notices:
        left = tuple(r for r in n.recipients if (n.identity, r) not in sent)
        if left:
            out.append(replace(n, recipients=left))
    return out


def digest_identity(as_of: date) -> str:
    """The weekly digest's identity: the ISO week of ``as_of`` (one digest a week).

    >>> digest_identity(date(2026, 11, 23)), digest_identity(date(2026, 11, 29))
    ('digest|2026-W48', 'digest|2026-W48')
    """
    year, week, _ = as_of.isocalendar()
    return f"digest|{year}-W{week:02d}"


@dataclass(frozen=True)
class Change:
    """One audit entry, as the digest lists it: no before or after, which may hold a purpose."""

    at: str
    actor: str
    action: str
    subject_type: str
    subject_key: str


@dataclass(frozen=True)
class Digest:
    """The weekly digest for the business unit: what changed, what falls due, open errors."""

    as_of: date
    since: str
    changes: tuple[Change, ...]
    due: tuple[Notice, ...]
    #: Each open (or lapsed) error finding: (subject type, subject key, title, code).
    errors: tuple[tuple[str, str, str, str], ...]
    #: How many findings are open, decided and lapsed.
    states: Mapping[str, int]

    @property
    def headline(self) -> str:
        return f"Weekly digest, {_long_date(self.as_of)}: {len(self.due)} due, {len(self.errors)} open errors"

    def _sections(self, base_url: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
        changes: list[tuple[str, str | None]] = [
            (f"{c.at}: {c.action} {c.subject_type} {c.subject_key} by {c.actor}", None) for c in self.changes
        ]
        due: list[tuple[str, str | None]] = [(n.sentence, base_url + n.path) for n in self.due]
        errors: list[tuple[str, str | None]] = [
            (f"{code} on {t} {key} ({title})", f"{base_url}/findings/{t}/{key}/{code}")
            for t, key, title, code in self.errors
        ]
        states = ", ".join(f"{count} {state}" for state, count in self.states.items())
        return [
            (f"What changed since {self.since} ({len(changes)})", changes or [("Nothing changed.", None)]),
            (f"What falls due ({len(due)})", due or [("Nothing falls due.", None)]),
            (f"Open errors ({len(errors)}); findings: {states}", errors or [("No open errors.", None)]),
        ]

    def text(self, base_url: str) -> str:
        """The plain-text body."""
        lines = []
        for heading, items in self._sections(base_url):
            lines += [heading, "-" * len(heading)]
            lines += [f"- {words}" + (f"\n  {link}" if link else "") for words, link in items]
            lines.append("")
        return "\n".join(lines)

    def html(self, base_url: str) -> str:
        """The HTML body."""
        parts = []
        for heading, items in self._sections(base_url):
            parts.append(f"<h2>{html.escape(heading)}</h2>\n<ul>")
            for words, link in items:
                shown = html.escape(words)
                parts.append(
                    f'<li><a href="{html.escape(link)}">{shown}</a></li>' if link else f"<li>{shown}</li>"
                )
            parts.append("</ul>")
        return "\n".join(parts) + "\n"


def digest(
    as_of: date,
    since: str,
    changes: Iterable[Change],
    due: Iterable[Notice],
    reviewed: Iterable[Reviewed],
    registry: Registry,
) -> Digest:
    """The digest of ``as_of`` from the audit entries since the last one, the notices due and the
    findings with where they stand."""
    reviewed = list(reviewed)
    states: dict[str, int] = {"open": 0, "decided": 0, "lapsed": 0}
    for r in reviewed:
        states[r.state] = states.get(r.state, 0) + 1
    errors = tuple(
        (
            r.finding.subject_type,
            r.finding.subject_key,
            _title(registry, r.finding.subject_type, r.finding.subject_key),
            r.finding.code,
        )
        for r in reviewed
        if r.is_open and r.finding.severity == "error"
    )
    return Digest(as_of, since, tuple(changes), tuple(due), errors, states)
