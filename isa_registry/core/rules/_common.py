"""What every rule shares: the codes and their severities, the scope of a flow, and wording.

Scope (``shared/spec/findings.md``, defined in :mod:`isa_registry.core.scope`): the lawful-basis and
agreement rules look at *flows of personal data on the as-of date*: ``identifiable`` or
``pseudonymised`` flows whose status is ``active`` or ``planned`` and whose end date, if any, is not
before the as-of date. A planned flow whose start date is still in the future is in scope: the spec
puts planned flows in scope, and problems are best fixed before sharing starts. A ``ceased`` flow,
or one whose end date has passed, gets no finding at all except ``FLOW_END_DATE_PASSED``, which
tells when a flow still marked live has in fact ended. An ``anonymised`` flow is outside the UK GDPR
(Recital 26) and gets only the one rule that is about the record itself, not the law:
``FLOW_ORGANISATION_DISSOLVED``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, TypeVar

from ..domain import Agreement, BasisOf, Finding, Flow, Organisation, Registry
from ..law import (
    CRIMINAL_CATEGORIES,
    SCHEDULE1,
    SCHEDULE1_NOT_CONDITIONS,
    SCHEDULE8,
    SPECIAL_CATEGORIES,
    category_phrase,
)
from ..scope import agreement_in_force as agreement_in_force
from ..scope import flow_current, flow_in_scope
from ..vocabulary import FREQUENCY, OCCASIONAL_FREQUENCIES

#: Every code the engine can report, with its severity. The first block is the spec's contract
#: (``shared/spec/findings.md``); the second holds the codes this project added, each documented
#: on its rule.
CODES: dict[str, str] = {
    "FLOW_NO_AGREEMENT": "error",
    "FLOW_AGREEMENT_NOT_IN_FORCE": "error",
    "FLOW_PARTY_NOT_IN_AGREEMENT": "error",
    "FLOW_CATEGORY_NOT_AGREED": "warning",
    "FLOW_NO_LAWFUL_BASIS": "error",
    "FLOW_PUBLIC_AUTHORITY_LEGITIMATE_INTERESTS": "error",
    "FLOW_PUBLIC_AUTHORITY_CONSENT": "warning",
    "FLOW_RECOGNISED_INTEREST_MISSING": "error",
    "FLOW_NO_LEGISLATION": "warning",
    "FLOW_SPECIAL_NO_CONDITION": "error",
    "FLOW_SCHEDULE1_MISSING": "error",
    "FLOW_CRIMINAL_NO_CONDITION": "error",
    "FLOW_APD_MISSING": "warning",
    "FLOW_NO_RETENTION": "warning",
    "FLOW_TRANSFER_NO_SAFEGUARD": "error",
    "FLOW_ORGANISATION_DISSOLVED": "error",
    "FLOW_LEGISLATION_REPEALED": "warning",
    "FLOW_LEGISLATION_UNKNOWN": "info",
    "AGREEMENT_EXPIRED": "error",
    "AGREEMENT_REVIEW_OVERDUE": "warning",
    "AGREEMENT_REVIEW_DUE": "info",
    "AGREEMENT_UNSIGNED": "warning",
    "AGREEMENT_NO_REVIEW_DATE": "warning",
    "AGREEMENT_UNUSED": "info",
    "ORGANISATION_DISSOLVED_IN_AGREEMENT": "error",
    # The spec's second round.
    "FLOW_HEALTH_CONDITION_NOT_PROFESSIONAL": "warning",
    "FLOW_TRANSFER_NOT_ADEQUATE": "error",
    "FLOW_TRANSFER_ADEQUACY_PARTIAL": "warning",
    "FLOW_TRANSFER_DEROGATION_REPEATED": "warning",
    "AGREEMENT_DPIA_MISSING": "warning",
    "AGREEMENT_PROCESSOR_NO_CONTRACT": "warning",
    "FLOW_GATEWAY_NOT_FOR_SOURCE": "warning",
    # Added by this project.
    "FLOW_RECOGNISED_INTEREST_UNKNOWN": "error",
    "FLOW_RECOGNISED_INTEREST_NOT_IN_FORCE": "error",
    "FLOW_SCHEDULE1_UNKNOWN": "warning",
    "FLOW_SCHEDULE8_UNKNOWN": "warning",
    "FLOW_PUBLIC_AUTHORITY_EXPLICIT_CONSENT": "warning",
    "FLOW_LAW_ENFORCEMENT_NOT_COMPETENT": "warning",
    "FLOW_LAW_ENFORCEMENT_APD_MISSING": "warning",
    "FLOW_END_DATE_PASSED": "info",
    "ORGANISATION_NO_DPO": "info",
    # The spec's second round.
    "FLOW_RECIPIENT_BASIS_MISSING": "info",
    "FLOW_RECIPIENT_BASIS_INVALID": "error",
}

#: The organisation kinds that are competent authorities for DPA 2018 Part 3 (s30(1)(a), Sch 7):
#: chief officers of police, the probation service, youth offending teams, the courts and
#: government departments. A council is one only for its own law enforcement functions (s30(1)(b)).
COMPETENT_AUTHORITY_KINDS = frozenset({"police", "probation", "youth_justice", "courts", "government"})


# --- What each rule reads ----------------------------------------------------------------------
#
# A finding is about one record, its subject; the rule that makes it may read other records too.
# Each rule states, next to its definition (:func:`depends`), which records it reads besides its
# subject's own, so that after a change only the findings that can depend on the changed records
# are worked out again (:func:`isa_registry.core.rules.rerun`). A record is named by its key, so a
# reference to a record that is not in the registry (archived, or never there) counts too: the
# record appearing changes what the rule says. A test edits the benchmark's registry at random and
# compares the incremental findings with a full run's (``tests/test_rules_incremental.py``).

#: A flow's rule reads the agreement the flow names (its parties included).
AGREEMENT = "agreement"
#: A flow's rule reads the organisations at its two ends (every flow finding names them).
ENDS = "ends"
#: A flow's or organisation's rule reads the organisations that took over from it (or from the
#: flow's ends), following each successor in turn.
SUCCESSORS = "successors"
#: An agreement's rule reads the organisations that are its parties.
PARTIES = "parties"
#: An agreement's rule reads the flows that name it.
FLOWS = "flows"
#: An organisation's rule reads the agreements it is a party to.
AGREEMENTS = "agreements"

#: What a rule about each subject type may read besides its subject.
READABLE: dict[str, frozenset[str]] = {
    "flow": frozenset({AGREEMENT, ENDS, SUCCESSORS}),
    "agreement": frozenset({PARTIES, FLOWS}),
    "organisation": frozenset({AGREEMENTS, SUCCESSORS}),
}


@dataclass(frozen=True)
class Depends:
    """What the findings of one code are about (``subject``) and what else they read."""

    subject: str
    reads: frozenset[str]


#: Each code's :class:`Depends`, filled in by :func:`depends` as the rules are defined.
DEPENDS: dict[str, Depends] = {}

F = TypeVar("F", bound=Callable[..., Any])


def depends(*reads: str) -> Callable[[F], F]:
    """Declare what the rule below reads besides its subject: ``@depends(ENDS, AGREEMENT)``.

    The rule's code is its name in capitals, and its subject type the code's first word.
    """

    def declare(rule: F) -> F:
        code = rule.__name__.upper()
        subject = code.split("_", 1)[0].lower()
        if code not in CODES or subject not in READABLE:
            raise ValueError(f"{rule.__name__} is not named after a finding code")
        unknown = set(reads) - READABLE[subject]
        if unknown:
            raise ValueError(f"{rule.__name__}: a {subject} rule cannot read {sorted(unknown)}")
        DEPENDS[code] = Depends(subject, frozenset(reads))
        return rule

    return declare


def finding(
    code: str, subject_type: str, subject_key: str, message: str, remedy: str, reference: str
) -> Finding:
    """A finding of ``code``, with the severity the code carries."""
    return Finding(
        code=code,
        severity=CODES[code],
        subject_type=subject_type,
        subject_key=subject_key,
        message=message,
        remedy=remedy,
        reference=reference,
    )


# --- Scope -------------------------------------------------------------------------------------


#: The rules' names for :func:`~isa_registry.core.scope.flow_current` and
#: :func:`~isa_registry.core.scope.flow_in_scope`.
is_live = flow_current
in_scope = flow_in_scope


@dataclass
class _Run:
    """What the rules of one run share: the registry they check and what was worked out from it."""

    registry: Registry
    #: The flows of each kind of scope (``"all"``, ``"scope"``, a regime), by as-of date.
    flows: dict[tuple[str, date | None], tuple[Flow, ...]] = field(default_factory=dict)
    #: The dicts handed out by :func:`run_cache`, by name.
    caches: dict[str, dict[Any, Any]] = field(default_factory=dict)


#: While :func:`run_memo` is open (one :func:`isa_registry.core.rules.run_rules` call), what every rule
#: would otherwise work out again from the registry of the run. Outside it, nothing is kept, so a rule
#: called on its own (or on another registry) always sees the registry as it is now.
_MEMO: ContextVar[_Run | None] = ContextVar("isa_registry_rules_memo", default=None)


@contextmanager
def run_memo(registry: Registry) -> Iterator[None]:
    """Share the scope worked out for ``registry`` between the rules run inside this block.

    The registry must not change while the block is open; the memo is dropped when it closes.
    """
    token = _MEMO.set(_Run(registry))
    try:
        yield
    finally:
        _MEMO.reset(token)


def _memoised(
    kind: str, registry: Registry, as_of: date | None, compute: Callable[[], tuple[Flow, ...]]
) -> tuple[Flow, ...]:
    run = _MEMO.get()
    if run is None or run.registry is not registry:
        return compute()
    found = run.flows.get((kind, as_of))
    if found is None:
        found = run.flows[(kind, as_of)] = compute()
    return found


def run_cache(name: str) -> dict[Any, Any]:
    """A dict for ``name`` shared by the rules of one :func:`run_memo` block (a fresh one outside it).

    Only for values that depend on nothing but their key and the law catalogues, or on the run's
    registry (:func:`agreement_sets`), which does not change while the run is open.
    """
    run = _MEMO.get()
    if run is None:
        return {}
    return run.caches.setdefault(name, {})


def agreement_sets(registry: Registry) -> dict[str, tuple[set[str], set[str]]]:
    """Each agreement's parties' keys and data categories, as sets, by the agreement's key: worked
    out once a run (the rules on every flow ask for its agreement's), afresh outside a run."""
    kept = run_cache("agreement_sets")
    if len(kept) != len(registry.agreements):
        kept.update((k, (a.party_keys(), set(a.data_categories))) for k, a in registry.agreements.items())
    return kept


def flows_by_key(registry: Registry) -> tuple[Flow, ...]:
    """Every flow of the registry, in key order."""
    flows = registry.flows
    return _memoised("all", registry, None, lambda: tuple(flows[key] for key in sorted(flows)))


def flows_in_scope(registry: Registry, as_of: date) -> Iterator[Flow]:
    """The flows of personal data live on ``as_of``, in key order."""
    return iter(
        _memoised(
            "scope",
            registry,
            as_of,
            lambda: tuple(f for f in flows_by_key(registry) if in_scope(f, as_of)),
        )
    )


def _regime_flows(registry: Registry, as_of: date, regime: str) -> Iterator[Flow]:
    return iter(
        _memoised(
            regime,
            registry,
            as_of,
            lambda: tuple(f for f in flows_in_scope(registry, as_of) if f.regime == regime),
        )
    )


def gdpr_flows(registry: Registry, as_of: date) -> Iterator[Flow]:
    """The in-scope flows processed under the UK GDPR (not DPA 2018 Part 3)."""
    return _regime_flows(registry, as_of, "uk_gdpr")


def law_enforcement_flows(registry: Registry, as_of: date) -> Iterator[Flow]:
    """The in-scope flows processed under DPA 2018 Part 3 (law enforcement)."""
    return _regime_flows(registry, as_of, "law_enforcement")


#: The parts of a flow a rule may need to be non-empty for it to fire at all: the rule then reads
#: only the in-scope flows that have it (:func:`flows_having`), worked out once a run.
_HAVING: dict[str, Callable[[Flow], object]] = {
    # What :func:`special_categories` and :func:`criminal_categories` find, asked as whether they
    # would find any: a set's test in C, where building their tuples costs a lookup per flow.
    "special": lambda f: not SPECIAL_CATEGORIES.isdisjoint(f.data_categories),
    "criminal": lambda f: not CRIMINAL_CATEGORIES.isdisjoint(f.data_categories),
    "article9": lambda f: f.article9,
    "schedule1": lambda f: f.schedule1,
    "legislation": lambda f: f.legislation,
}


def flows_having(registry: Registry, as_of: date, part: str, regime: str | None = None) -> Iterator[Flow]:
    """The flows of :func:`flows_in_scope` (those of ``regime`` only, when given) whose ``part``
    (a key of :data:`_HAVING`: ``special`` or ``criminal`` category data, an ``article9``
    condition, ``schedule1`` paragraphs, ``legislation``) is not empty, in key order."""
    has = _HAVING[part]

    def having() -> tuple[Flow, ...]:
        among = _regime_flows(registry, as_of, regime) if regime else flows_in_scope(registry, as_of)
        return tuple(f for f in among if has(f))

    return iter(_memoised(f"{part}:{regime}", registry, as_of, having))


# --- Data categories and conditions ------------------------------------------------------------


@lru_cache(maxsize=4096)
def _sensitive(categories: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The special category and the criminal offence data codes among ``categories``."""
    return (
        tuple(c for c in categories if c in SPECIAL_CATEGORIES),
        tuple(c for c in categories if c in CRIMINAL_CATEGORIES),
    )


def special_categories(flow: Flow) -> tuple[str, ...]:
    """The flow's special category data codes (UK GDPR Art 9(1)), in its order."""
    return _sensitive(tuple(flow.data_categories))[0]


def criminal_categories(flow: Flow) -> tuple[str, ...]:
    """The flow's criminal offence data codes (UK GDPR Art 10), in its order."""
    return _sensitive(tuple(flow.data_categories))[1]


@lru_cache(maxsize=4096)
def paragraph(value: str) -> str:
    """A schedule paragraph as the catalogues key it: ``"para 18"`` and ``" 18 "`` give ``"18"``.

    Kept per text (a registry names a few dozen), as every rule on a basis asks again.

    >>> paragraph("Para. 18 ")
    '18'
    """
    text = value.strip().lower()
    for prefix in ("paragraph", "para.", "para", "p."):
        if text.startswith(prefix):
            text = text[len(prefix) :].strip()
            break
    return text


@lru_cache(maxsize=4096)
def _conditions(entries: tuple[str, ...], schedule: int) -> tuple[str, ...]:
    """The paragraphs of ``entries`` that are conditions of Schedule 1 (Parts 1 to 3) or of
    Schedule 8, once each in the order named: a function of the text and the catalogues alone."""
    found = dict.fromkeys(paragraph(p) for p in entries)
    if schedule == 1:
        return tuple(p for p in found if p in SCHEDULE1 and p not in SCHEDULE1_NOT_CONDITIONS)
    return tuple(p for p in found if p in SCHEDULE8)


def _unknown(entries: list[str], schedule: int) -> list[str]:
    """The entries of ``entries`` that are not conditions of the schedule, as named."""
    if not entries:
        return []
    known = _conditions(tuple(entries), schedule)
    return [p for p in entries if paragraph(p) not in known]


def schedule1_conditions(basis: BasisOf) -> list[str]:
    """The Schedule 1 paragraphs the basis relies on that are conditions (Parts 1 to 3).

    Paragraph 5 is Part 2's general requirement for an appropriate policy document, not a
    condition, so it never counts.
    """
    return list(_conditions(tuple(basis.schedule1), 1)) if basis.schedule1 else []


def schedule1_unknown(basis: BasisOf) -> list[str]:
    """The basis's Schedule 1 entries that are not conditions of Parts 1 to 3."""
    return _unknown(basis.schedule1, 1)


def schedule8_conditions(basis: BasisOf) -> list[str]:
    """The Schedule 8 paragraphs the basis relies on that are in the catalogue."""
    return list(_conditions(tuple(basis.schedule8), 8)) if basis.schedule8 else []


def schedule8_unknown(basis: BasisOf) -> list[str]:
    """The basis's Schedule 8 entries that are not Schedule 8 conditions."""
    return _unknown(basis.schedule8, 8)


# --- Frequency ---------------------------------------------------------------------------------


def _words(occasional: bool) -> str:
    words = [
        re.escape(" ".join(word.replace("-", " ").split()))
        for term in FREQUENCY
        if (term.code in OCCASIONAL_FREQUENCIES) == occasional
        for word in (term.code, *term.synonyms)
    ]
    return "|".join(sorted(words, key=len, reverse=True))


#: A recorded frequency that names a regular interval anywhere in it ("weekly, by secure email",
#: "twice a month"): the suggested values' regular codes and synonyms, and the units of time.
_REGULAR = re.compile(
    rf"\b(?:{_words(False)}|hourly|nightly|fortnightly|termly|routinely|regularly|regular|routine"
    r"|every|each|twice|(?:a|per|each|every) (?:day|week|fortnight|month|quarter|term|year))\b"
)
#: One that names only an occasional one: the suggested occasional values and their synonyms.
_OCCASIONAL = re.compile(
    rf"\b(?:{_words(True)}|on request|when required|if required|case by case|exceptional)\b"
)


def frequency_regularity(frequency: str | None) -> str | None:
    """``"regular"``, ``"occasional"``, or None when no frequency is recorded.

    A frequency naming a regular interval is regular even if it adds an occasional one ("weekly,
    and ad hoc when urgent"); one that names only an occasional one is occasional; anything else
    recorded is regular, as the spec reads FLOW_TRANSFER_DEROGATION_REPEATED ("anything recorded but
    ad hoc, occasional, one-off").

    >>> [frequency_regularity(f) for f in ("Daily", "as and when needed", "once a month", None, " ")]
    ['regular', 'occasional', 'regular', None, None]
    """
    text = " ".join((frequency or "").lower().replace("-", " ").split())
    if not text:
        return None
    if _REGULAR.search(text):
        return "regular"
    if _OCCASIONAL.search(text):
        return "occasional"
    return "regular"


# --- Wording -----------------------------------------------------------------------------------


def flow_label(registry: Registry, flow: Flow) -> str:
    """``West Midlands Police → Dudley MBC (FLOW-012 'MASH referrals')``."""
    source = registry.organisation_name(flow.source)
    recipient = registry.organisation_name(flow.recipient)
    return f"{source} → {recipient} ({flow.key} '{flow.name}')"


def flow_finding(
    code: str, registry: Registry, flow: Flow, problem: str, remedy: str, reference: str
) -> Finding:
    """A finding about ``flow``, its message opening with the flow's label (:func:`flow_label`)."""
    return finding(code, "flow", flow.key, f"{flow_label(registry, flow)}: {problem}", remedy, reference)


def agreement_label(agreement: Agreement) -> str:
    """``DSPP-ISA-014 'MASH information sharing'``."""
    return f"{agreement.key} '{agreement.title}'"


def organisation_label(organisation: Organisation) -> str:
    """The organisation's name (its key is in the finding's subject)."""
    return organisation.name


#: How a finding names a data category inside its sentence (``health data``).
category_label = category_phrase


def a_day(day: date) -> str:
    """``23 November 2026``."""
    return f"{day.day} {day:%B %Y}"


#: Wording that changes with the date checked and nothing else, as :func:`days_until` writes it:
#: `` (today)``, `` (in 1 day)``, `` (in 53 days)``. A finding's message puts every such phrase in
#: this form, so that what is left once it is taken out (:func:`without_as_of_wording`) changes
#: only when a record changes: a decision on the finding compares messages that way.
AS_OF_WORDING = re.compile(r" \((?:today|in [1-9][0-9]* days?)\)")


def days_until(day: date, as_of: date) -> str:
    """`` (today)`` or `` (in 53 days)``: how far ``day`` is from ``as_of``, in brackets.

    >>> days_until(date(2026, 12, 1), date(2026, 11, 30))
    ' (in 1 day)'
    """
    days = (day - as_of).days
    return " (today)" if days == 0 else f" (in {days} {plural(days, 'day', 'days')})"


def without_as_of_wording(message: str) -> str:
    """``message`` less the wording that changes only with the date checked (:data:`AS_OF_WORDING`).

    >>> without_as_of_wording("is due for review on 23 November 2026 (in 53 days).")
    'is due for review on 23 November 2026.'
    """
    return AS_OF_WORDING.sub("", message)


def listing(items: Iterable[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    words = list(items)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def clauses(items: Iterable[str]) -> str:
    """Clauses that may hold commas of their own, ending with a full stop: ``a.``, ``a; and b.``,
    ``a; b; and c.`` (how a rule that finds several things about one record names them all).

    >>> clauses(["its source has gone", "its recipient, Acme, has too."])
    'its source has gone; and its recipient, Acme, has too.'
    """
    parts = [item.removesuffix(".") for item in items]
    if len(parts) <= 1:
        return "".join(parts) + "."
    return "; ".join(parts[:-1]) + "; and " + parts[-1] + "."


def plural(count: int, one: str, many: str) -> str:
    """``one`` when ``count`` is 1, else ``many``."""
    return one if count == 1 else many


def successor_of(registry: Registry, organisation: Organisation) -> Organisation | None:
    """The live body that took over a dissolved organisation, following a chain of successors."""
    seen = {organisation.key}
    current = organisation
    while current.successor and current.successor not in seen:
        nxt = registry.organisations.get(current.successor)
        if nxt is None:
            return None
        if nxt.status != "dissolved":
            return nxt
        seen.add(nxt.key)
        current = nxt
    return None
