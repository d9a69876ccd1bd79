"""The record of processing activities (UK GDPR Article 30(1)), in the shape of the ICO's template.

Pure code: :func:`build_ropa` turns a :class:`~isa_registry.core.domain.Registry` into one
:class:`ControllerRecord` per controller, each holding rows of the 30 columns of the ICO's
controller documentation template (:data:`COLUMNS`); :func:`write_xlsx` and :func:`write_csv` write
those records to a binary stream, and :func:`generate_xlsx` / :func:`generate_csv` return one. Only
the thin adapters in :mod:`isa_registry.web.ropa` and :mod:`isa_registry.cli.ropa` touch Flask.

What is in the record
---------------------
* **Which flows.** Flows of personal data on the as-of date: status ``active`` or ``planned``, not
  archived, and no end date before the as-of date. ``anonymised`` flows are left out: anonymous
  information is not personal data (UK GDPR Recital 26), so it has no place in an Article 30
  record. ``pseudonymised`` flows stay in: pseudonymised data is still personal data.
* **Whose record.** A controller is an organisation that sends or receives such a flow. A flow
  belongs to the record of its source and of its recipient, except where that organisation is a
  ``processor`` party to the flow's agreement: a processor acts on the controller's behalf, so the
  flow appears in the controller's record (as a recipient, with the contract link) and not as an
  activity of the processor's own.
* **Activities.** One row per processing activity: the controller's flows grouped by programme
  and purpose (the flow's purpose, or its agreement's when the flow has none).
* **Never invented.** What the registry does not hold is left empty: whether a DPIA is required and
  its progress, breaches, and adherence to the retention policy are always empty. A flow records
  two bases (``shared/spec/registry-format.md``): the *disclosing* organisation's, in the flow's own
  fields, and the recipient's own for what it receives (``recipient_basis``). Each controller's rows
  show its own: the discloser's for what it sends, the recipient's for what it receives, and when
  the recipient's is not recorded they say so (:data:`RECIPIENT_BASIS_NOT_RECORDED`) rather than
  repeat the discloser's. The rights and the policy document follow the controller's own bases.
  Retention is "how long the recipient keeps it", so it appears in the recipient's record only.

Spreadsheet safety
------------------
Every text cell of every export goes through :func:`neutralise`: text that a spreadsheet would run
as a formula (starting ``=``, ``+``, ``-``, ``@``, a tab or a carriage return; OWASP "CSV
Injection") gets a leading single quote, and a character that XML 1.0 cannot hold (a control
character, half a surrogate pair) is replaced by U+FFFD, so that the workbook always opens. The
xlsx is also written with ``write_string`` and XlsxWriter's string-to-formula conversion turned
off, so nothing in it is a formula even before a user saves it again as CSV.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from operator import attrgetter
from typing import IO, TYPE_CHECKING, Any, TypeVar

from . import records
from .collector import collector_paused
from .domain import Agreement, BasisOf, Flow, Organisation, Registry, Transfer
from .law import (
    CATEGORIES,
    CRIMINAL_CATEGORIES,
    SCHEDULE1,
    SPECIAL_CATEGORIES,
    describe_annex1,
    describe_article6,
    describe_article9,
    describe_schedule1,
    describe_schedule8,
    lookup_legislation,
)
from .scope import flow_in_scope
from .vocabulary import (
    DATA_SUBJECT,
    LAW_ENFORCEMENT_BASIS,
    LEGISLATION_STATUS,
    ORGANISATION_KIND,
    TRANSFER_SAFEGUARD,
)

if TYPE_CHECKING:
    import xlsxwriter

__all__ = [
    "COLUMNS",
    "CSV_CONTROLLER_COLUMN",
    "RECIPIENT_BASIS_NOT_RECORDED",
    "Activity",
    "ControllerRecord",
    "Ropa",
    "UnknownController",
    "build_ropa",
    "controller_keys",
    "find_controller",
    "flow_in_scope",
    "generate_csv",
    "generate_xlsx",
    "neutralise",
    "rights_available",
    "write_csv",
    "write_xlsx",
    "xml_safe",
]

#: The columns of the ICO's controller documentation template, in its order and with its titles.
COLUMNS: tuple[str, ...] = (
    "Business function",
    "Purpose of processing",
    "Name and contact details of joint controller (if applicable)",
    "Categories of individuals",
    "Categories of personal data",
    "Categories of recipients",
    "Link to contract with processor",
    "Names of third countries or international organisations that personal data are transferred to "
    "(if applicable)",
    "Safeguards for exceptional transfers of personal data to third countries or international "
    "organisations (if applicable)",
    "Retention schedule (if possible)",
    "General description of technical and organisational security measures (if possible)",
    "Article 6 lawful basis for processing personal data",
    "Article 9 condition for processing special category data",
    "Legitimate interests for the processing (if applicable)",
    "Link to record of legitimate interests assessment (if applicable)",
    "Rights available to individuals",
    "Existence of automated decision-making, including profiling (if applicable)",
    "The source of the personal data (if applicable)",
    "Link to record of consent",
    "Location of personal data",
    "Data Protection Impact Assessment required?",
    "Data Protection Impact Assessment progress",
    "Link to Data Protection Impact Assessment",
    "Has a personal data breach occurred?",
    "Link to record of personal data breach",
    "Data Protection Act 2018 Schedule 1 condition for processing",
    "GDPR Article 6 lawful basis for processing",
    "Link to retention and erasure policy document",
    "Is personal data retained and erased in accordance with the policy document?",
    "Reasons for not adhering to policy document (if applicable)",
)

#: The first column of a whole-partnership CSV, naming the controller of each row.
CSV_CONTROLLER_COLUMN = "Controller"

_KIND_LABELS = ORGANISATION_KIND.labels("phrase")
_SUBJECT_LABELS = DATA_SUBJECT.labels("ropa_label")
_SAFEGUARD_LABELS = TRANSFER_SAFEGUARD.labels("ropa_label")
_LEGISLATION_STATUS = LEGISLATION_STATUS.labels("phrase")
_LAW_ENFORCEMENT_BASES = LAW_ENFORCEMENT_BASIS.labels("ropa_label")


class UnknownController(LookupError):
    """The organisation asked for is not in the registry."""

    def __init__(self, reference: str):
        self.reference = reference
        super().__init__(f"No organisation has the key or name '{reference}'.")


@dataclass(frozen=True)
class Activity:
    """One processing activity of a controller: one row of :data:`COLUMNS`."""

    programme: str
    purpose: str
    flows: tuple[str, ...]
    cells: tuple[str, ...]

    def as_dict(self) -> dict[str, str]:
        """The row keyed by column title."""
        return dict(zip(COLUMNS, self.cells, strict=True))


@dataclass
class ControllerRecord:
    """One controller's record: its contact details and its processing activities."""

    organisation: Organisation
    activities: list[Activity] = field(default_factory=list)
    flows_sent: int = 0
    flows_received: int = 0
    next_review: date | None = None


@dataclass
class Ropa:
    """The record for the whole partnership (``partnership``) or for one controller."""

    as_of: date
    records: list[ControllerRecord]
    partnership: bool = True


# --- Which flows, whose record ------------------------------------------------------------------


_K = TypeVar("_K", bound=Hashable)


class _Memo(dict[_K, str]):
    """Each key's ``wording(key)``, worked out the first time it is asked for."""

    def __init__(self, wording: Callable[[_K], str]):
        super().__init__()
        self.wording = wording

    def __missing__(self, key: _K) -> str:
        value = self[key] = self.wording(key)
        return value


class _Lookups:
    """What building a record asks again and again, each answered once per build (nothing changes
    during one): which parties of an agreement are its processors and its joint controllers; the
    wording of organisations, legislation, data subjects, lawful bases and conditions; and the rights
    column for each set of bases."""

    def __init__(self, registry: Registry):
        self.registry = registry
        self._processors: dict[str | None, frozenset[str]] = {}
        self._joint: dict[str, tuple[frozenset[str], list[tuple[str, str]]]] = {}
        self.names = _Memo(registry.organisation_name)
        self.labels: _Memo[str] = _Memo(lambda key: _org_label(registry, key))
        self.legislation = _Memo(_legislation_label)
        self.subjects = _Memo(_subject_label)
        self.schedule1 = _Memo(describe_schedule1)
        self.article6 = _Memo(describe_article6)
        self.article9 = _Memo(describe_article9)
        self.annex1 = _Memo(describe_annex1)
        self.rights = _Memo(_rights)

    def basis(self, basis: BasisOf) -> str | None:
        """A lawful basis in words with its letter: the DPA 2018 s35(2) basis under Part 3, else the
        UK GDPR Art 6(1) basis (with the recognised legitimate interest under (ea)); ``None`` when
        none is recorded."""
        if basis.regime == "law_enforcement":
            return _LAW_ENFORCEMENT_BASES.get(basis.law_enforcement_basis or "")
        code = basis.article6
        if not code:
            return None
        if code == "ea" and basis.recognised_interest:
            return f"{self.article6[code]} ({self.annex1[basis.recognised_interest]})"
        return self.article6[code]

    def joint_controllers(self, agreement: Agreement, org: str) -> list[str]:
        """The contact details of ``org``'s fellow joint controllers under ``agreement`` (UK GDPR Art
        26), or none when ``org`` is not a joint controller party to it."""
        known = self._joint.get(agreement.key)
        if known is None:
            organisations = self.registry.organisations
            contacts = [
                (
                    p.organisation,
                    _contact(organisations[p.organisation])
                    if p.organisation in organisations
                    else p.organisation,
                )
                for p in agreement.parties
                if p.role == "joint_controller"
            ]
            known = self._joint[agreement.key] = (frozenset(party for party, _ in contacts), contacts)
        parties, contacts = known
        if org not in parties:
            return []
        return [contact for party, contact in contacts if party != org]

    def is_processor(self, flow: Flow, org: str) -> bool:
        """Whether ``org`` is a processor party to the flow's agreement (its first entry as a party
        counts); never when the flow has no agreement."""
        processors = self._processors.get(flow.agreement)
        if processors is None:
            agreement = self.registry.agreements.get(flow.agreement) if flow.agreement else None
            roles: dict[str, str] = {}
            for p in agreement.parties if agreement is not None else ():
                roles.setdefault(p.organisation, p.role)  # an organisation's first entry counts
            processors = frozenset(o for o, role in roles.items() if role == "processor")
            self._processors[flow.agreement] = processors
        return org in processors


_FLOW_KEY = attrgetter("key")


def _flows_by_controller(lookups: _Lookups, as_of: date) -> dict[str, list[Flow]]:
    """Each organisation's flows on ``as_of`` in key order, for every organisation that sends or
    receives a flow in scope (:func:`flow_in_scope`) as a controller, that is, not as a processor
    party to the flow's agreement; found in one pass over the flows."""
    by_org: dict[str, list[Flow]] = {}
    is_processor = lookups.is_processor
    # In key order, so that each organisation's flows come out in key order.
    for f in sorted(lookups.registry.flows.values(), key=_FLOW_KEY):
        if not flow_in_scope(f, as_of):
            continue
        source, recipient = f.source, f.recipient
        if not is_processor(f, source):
            by_org.setdefault(source, []).append(f)
        if recipient != source and not is_processor(f, recipient):
            by_org.setdefault(recipient, []).append(f)
    return by_org


def _sorted_controllers(registry: Registry, by_controller: dict[str, list[Flow]]) -> list[str]:
    """The keys of :func:`_flows_by_controller` that are organisations of the registry, by name."""
    keys = (k for k in by_controller if k in registry.organisations)
    return sorted(keys, key=lambda k: (registry.organisations[k].name.casefold(), k))


def controller_keys(registry: Registry, as_of: date) -> list[str]:
    """The organisations that send or receive personal data as controllers on ``as_of``, by name."""
    return _sorted_controllers(registry, _flows_by_controller(_Lookups(registry), as_of))


def find_controller(registry: Registry, reference: str) -> str:
    """The key of the organisation whose key is ``reference``, or whose name is (ignoring case).

    Raises :class:`UnknownController` when none or more than one matches.
    """
    if reference in registry.organisations:
        return reference
    wanted = " ".join(reference.split()).casefold()
    matches = [
        o.key for o in registry.organisations.values() if " ".join(o.name.split()).casefold() == wanted
    ]
    if len(matches) != 1:
        raise UnknownController(reference)
    return matches[0]


# --- Wording ------------------------------------------------------------------------------------


def _distinct_keys(items: Iterable[str | None]) -> dict[str, None]:
    # Built by dict.fromkeys over map and filter rather than a Python loop: a partnership's record
    # calls this some 80,000 times.
    seen = dict.fromkeys(map(str.strip, filter(None, items)))
    seen.pop("", None)
    return seen


def _distinct(items: Iterable[str | None]) -> list[str]:
    """The non-blank items, stripped, each once, in the order first seen."""
    return list(_distinct_keys(items))


def _lines(items: list[str | None] | list[str]) -> str:
    """The non-blank items, stripped, each once, in the order first seen, one to a line."""
    if len(items) == 1:  # a third of all activities have a single flow
        item = items[0]
        return item.strip() if item else ""
    return "\n".join(_distinct_keys(items)) if items else ""


def _org_label(registry: Registry, key: str) -> str:
    org = registry.organisations.get(key)
    if org is None:
        return key
    kind = _KIND_LABELS.get(org.kind, org.kind)
    return f"{org.name} ({kind})"


def _contact(org: Organisation) -> str:
    parts = [org.name, org.address, org.email, org.telephone]
    if org.dpo_contact:
        parts.append(f"DPO: {org.dpo_contact}")
    return "; ".join(p for p in parts if p)


def _subject_label(subject: str) -> str:
    return _SUBJECT_LABELS.get(subject) or subject.replace("_", " ").strip().capitalize()


def _category_label(code: str) -> str:
    category = CATEGORIES.get(code)
    if category is None:
        return code
    if code in SPECIAL_CATEGORIES:
        return f"{category.label} (special category)"
    if code in CRIMINAL_CATEGORIES:
        return f"{category.label} (criminal offence data)"
    return category.label


#: Each catalogued category's label (the catalogue is fixed); an unknown code stands for itself.
_CATEGORY_LABELS = {code: _category_label(code) for code in CATEGORIES}
_SENSITIVE_CATEGORIES = SPECIAL_CATEGORIES | CRIMINAL_CATEGORIES


def _legislation_label(identifier: str) -> str:
    entry = lookup_legislation(identifier)
    if entry is None:
        return identifier
    label = f"{entry.citation} ({entry.title})" if entry.title != entry.citation else entry.citation
    if not entry.current:
        label += f" [{_LEGISLATION_STATUS.get(entry.status, entry.status)}]"
    return label


# UK GDPR Chapter III rights, in the order of the ICO's guide.
_INFORMED = "be informed (Art 13-14)"
_ACCESS = "access (Art 15)"
_RECTIFICATION = "rectification (Art 16)"
_ERASURE = "erasure (Art 17)"
_RESTRICTION = "restriction of processing (Art 18)"
_PORTABILITY = "data portability (Art 20)"
_OBJECT = "object (Art 21(1))"
_WITHDRAW = "withdraw consent at any time (Art 7(3))"
_AUTOMATED = "rights related to automated decision-making"

_NO_ERASURE = "erasure (Art 17(3)(b): not for legal obligation or public task)"
_NO_PORTABILITY = "data portability (Art 20(1): only for consent or contract)"
_NO_OBJECT = "object (Art 21(1): only for public task or legitimate interests)"


def rights_available(article6: str | None, regime: str = "uk_gdpr") -> str:
    """The rights individuals have over processing on ``article6``, and those they do not.

    The lawful basis decides three rights (ICO, *Lawful basis for processing* and its guides to
    individual rights, https://ico.org.uk/for-organisations/uk-gdpr-guidance-and-resources/
    lawful-basis/ and .../individual-rights/individual-rights/):

    * **erasure** does not apply where processing is necessary for a legal obligation (c) or a
      public task (e) (UK GDPR Art 17(3)(b)); it applies under (a), (b), (d), (ea) and (f);
    * **data portability** applies only to processing on consent (a) or a contract (b) (Art
      20(1)(a)), and never to a public task (Art 20(3)); the ICO's legitimate interests guide says
      it does not apply under (f);
    * **the right to object** applies to processing on a public task (e) or legitimate interests
      (f) (Art 21(1)); not under (a), (b), (c) or (d). Under consent the person can instead
      **withdraw consent** at any time (Art 7(3)).

    Art 21(1) names points (e) and (f) only: the Data (Use and Access) Act 2025 s70 inserted (ea)
    into Art 6(1) without amending Art 21, so under (ea) the record lists the right to object as
    one to confirm with the DPO rather than asserting it. The rights to be informed, of access, to
    rectification, to restriction and about automated decisions apply whatever the basis.

    Under DPA 2018 Part 3 (``regime="law_enforcement"``) the rights are those of Part 3 Chapter 3:
    information (s44), access (s45), rectification (s46) and erasure or restriction (s47), each of
    which a competent authority may restrict (s44(4), s45(4)); there is no right to object or to
    data portability.

    Returns an empty string when the basis is not recorded: the rights are not guessed.
    """
    if regime == "law_enforcement":
        return (
            "DPA 2018 Part 3 rights: information (s44), access (s45), rectification (s46), erasure or "
            "restriction (s47); each may be restricted (s44(4), s45(4)). No right to object or to data "
            "portability."
        )
    if article6 not in ("a", "b", "c", "d", "e", "ea", "f"):
        return ""
    available = [_INFORMED, _ACCESS, _RECTIFICATION]
    unavailable: list[str] = []
    if article6 in ("c", "e"):
        unavailable.append(_NO_ERASURE)
    else:
        available.append(_ERASURE)
    available.append(_RESTRICTION)
    if article6 in ("a", "b"):
        available.append(_PORTABILITY)
    else:
        unavailable.append(_NO_PORTABILITY)
    if article6 in ("e", "f"):
        available.append(_OBJECT)
    elif article6 != "ea":
        unavailable.append(_NO_OBJECT)
    if article6 == "a":
        available.append(_WITHDRAW)
    available.append(_AUTOMATED)
    text = "Rights to " + "; ".join(available) + "."
    if unavailable:
        text += " Not available: " + "; ".join(unavailable) + "."
    if article6 == "ea":
        text += " Right to object (Art 21(1)): confirm with the DPO for a recognised legitimate interest."
    return text


# --- Building the record ------------------------------------------------------------------------


#: The lawful basis column's line for a flow received whose recipient's own basis is not recorded.
RECIPIENT_BASIS_NOT_RECORDED = "Not recorded (the recipient's own basis)"

#: The Schedule 1 column's line for criminal offence data processed under the control of official
#: authority (UK GDPR Art 10), which needs no Schedule 1 condition.
_OFFICIAL_AUTHORITY = "Criminal offence data processed under the control of official authority (Art 10)"


def _rights(own_bases: tuple[str, ...]) -> str:
    """The rights column for a controller's own disclosures on ``own_bases`` (each
    ``"regime:article6"``): :func:`rights_available` for each, labelled when there are several."""
    rights = []
    for own in own_bases:
        regime, _, code = own.partition(":")
        text = rights_available(code or None, regime)
        if text and len(own_bases) > 1:
            label = "DPA 2018 Part 3" if regime == "law_enforcement" else describe_article6(code)
            text = f"{label}: {text}"
        rights.append(text)
    return "\n".join(rights)


def _activity(
    lookups: _Lookups, org: Organisation, programme: str, purpose: str, flows: list[Flow]
) -> Activity:
    """One activity's row.

    Made in one pass over the activity's flows, each cell's items gathered in the order of the flows
    (a partnership's record has some 30,000 flow-to-activity pairs, and a pass per cell cost more
    than the rest of the record). Where a cell lists two kinds of item, such as Article 9 conditions
    and then DPA 2018 Schedule 8 conditions, each kind is gathered apart and the first kind comes
    first; every cell then lists each distinct item once, in the order first seen (:func:`_lines`).
    """
    key = org.key
    name_of = lookups.names
    label_of = lookups.labels
    legislation_label = lookups.legislation.__getitem__
    subject_label = lookups.subjects.__getitem__
    schedule1_label = lookups.schedule1
    article9_label = lookups.article9
    annex1_label = lookups.annex1
    basis_of = lookups.basis
    is_processor = lookups.is_processor
    agreement_of = lookups.registry.agreements.get
    category_label = _CATEGORY_LABELS.get  # an unknown code stands for itself

    agreements: dict[str, Agreement] = {}
    flow_lines: list[str] = []
    subjects: list[str] = []
    categories: list[str] = []
    recipients: list[str] = []
    contracts: list[str] = []
    transfers: list[Transfer] = []
    retention: list[str | None] = []
    security: list[str | None] = []
    methods: list[str] = []
    bases: list[str | None] = []
    legislation: list[str] = []
    article9: list[str] = []
    schedule8: list[str] = []
    interests: list[str] = []
    lia: list[str | None] = []
    own_bases: list[str] = []
    decisions: list[bool | None] = []
    sources: list[str] = []
    consents: list[str | None] = []
    storage: list[str | None] = []
    schedule1: list[str] = []
    official: list[str] = []
    sensitive = needs_apd = False

    for f in flows:
        source = f.source
        sent = source == key
        # The controller's own basis: the discloser's (the flow's fields) for what it sends, the
        # recipient's own for what it receives (None while not recorded).
        own: BasisOf | None = f if sent else f.recipient_basis
        agreement = agreement_of(f.agreement) if f.agreement else None
        if agreement is not None:
            agreements.setdefault(agreement.key, agreement)
        counterpart = f.recipient if sent else source
        if sent:
            flow_lines.append(f"{f.key} {f.name} (to {name_of[f.recipient]})")
        else:
            flow_lines.append(f"{f.key} {f.name} (from {name_of[source]})")
        subjects.extend(map(subject_label, f.data_subjects))
        categories.extend(map(category_label, f.data_categories, f.data_categories))
        processor = is_processor(f, counterpart)
        if processor and agreement is not None:
            contract = (
                agreement.document_url
                if agreement.document_url
                else f"agreement {agreement.key} (no document link recorded)"
            )
            contracts.append(f"{name_of[counterpart]}: {contract}")
        if sent:
            recipients.append(label_of[f.recipient] + " - processor" if processor else label_of[f.recipient])
            if f.international_transfer:
                transfers.append(f.international_transfer)
        if f.recipient == key:
            retention.append(f.retention)
            sources.append(label_of[source])
        security.append(f.security_measures)
        if f.method:
            methods.append(f"Shared by {f.method}")
        lia.append(f.lia_reference)
        decisions.append(f.automated_decision_making)
        consents.append(f.consent_record)
        storage.append(f.storage_location)
        if own is None:
            bases.append(RECIPIENT_BASIS_NOT_RECORDED)
            if not sensitive:
                sensitive = not _SENSITIVE_CATEGORIES.isdisjoint(f.data_categories)
            continue
        own_bases.append(f"{own.regime}:{own.article6 or ''}")
        if not needs_apd:
            needs_apd = any(SCHEDULE1[p].needs_apd for p in own.schedule1 if p in SCHEDULE1)
        bases.append(basis_of(own))
        legislation.extend(map(legislation_label, own.legislation))
        if own.article9:
            article9.append(article9_label[own.article9])
        if own.regime == "law_enforcement":
            schedule8.extend(
                f"Sensitive processing under DPA 2018 s35: {describe_schedule8(p)}" for p in own.schedule8
            )
        if own.article6 == "ea" and own.recognised_interest:
            interests.append(annex1_label[own.recognised_interest])
        schedule1.extend(map(schedule1_label.__getitem__, own.schedule1))
        if own.official_authority:
            official.append(_OFFICIAL_AUTHORITY)
        if not sensitive:
            sensitive = bool(
                own.article9
                or own.schedule1
                or own.official_authority
                or not _SENSITIVE_CATEGORIES.isdisjoint(f.data_categories)
            )

    agreement_lines = []
    for a in agreements.values():
        line = f"{a.key} {a.title}" + (f" (version {a.version})" if a.version else "")
        if a.document_url:
            line += f": {a.document_url}"
        agreement_lines.append(line)
    purpose_cell = "\n".join(
        [
            *([purpose] if purpose else []),
            "Flows: " + "; ".join(flow_lines),
            *(["Agreement: " + "; ".join(agreement_lines)] if agreement_lines else []),
        ]
    )

    joint = [contact for a in agreements.values() for contact in lookups.joint_controllers(a, key)]

    safeguards = [
        f"{t.country}: {_SAFEGUARD_LABELS.get(t.safeguard, t.safeguard)}" for t in transfers if t.safeguard
    ]
    named = _distinct(legislation)
    article6_cell = "\n".join([*_distinct(bases), *(["Legislation: " + "; ".join(named)] if named else [])])

    rights = lookups.rights[tuple(_distinct_keys(own_bases))]

    if True in decisions:
        automated = "Yes"
    elif decisions and all(d is False for d in decisions):
        automated = "No"
    else:
        automated = ""

    cells = (
        programme,
        purpose_cell,
        _lines(joint),
        _lines(subjects),
        _lines(categories),
        _lines(recipients),
        _lines(contracts),
        _lines([t.country for t in transfers]),
        _lines(safeguards),
        _lines(retention),
        _lines([*security, *methods]),
        article6_cell,
        _lines(article9 + schedule8),
        _lines(interests),
        _lines(lia),
        rights,
        automated,
        _lines(sources),
        _lines(consents),
        _lines(storage),
        "",  # DPIA required? The registry records DPIA references, not the screening decision.
        "",  # DPIA progress: not recorded.
        _lines([a.dpia_reference for a in agreements.values()]),
        "",  # Breaches are not recorded in the registry.
        "",
        _lines(schedule1 + official),
        _lines(bases) if sensitive else "",
        (org.appropriate_policy_document or "") if needs_apd else "",
        "",  # Adherence to the policy document is not recorded.
        "",
    )
    return Activity(programme=programme, purpose=purpose, flows=tuple(map(_FLOW_KEY, flows)), cells=cells)


def _controller_record(lookups: _Lookups, key: str, flows: list[Flow]) -> ControllerRecord:
    """The controller's record from its flows (:func:`_flows_by_controller`)."""
    registry = lookups.registry
    org = registry.organisations[key]
    # A flow with no purpose of its own or its agreement's is an activity of its own, named by the
    # flow: lumping every purpose-less flow into one row would invent a shared purpose.
    groups: dict[tuple[str, str, str], list[Flow]] = {}
    agreement_of = registry.agreements.get
    sent = 0
    for f in flows:
        purpose = f.purpose.strip()
        if not purpose and f.agreement:
            agreement = agreement_of(f.agreement)
            purpose = agreement.purpose.strip() if agreement else ""
        groups.setdefault(((f.programme or "").strip(), purpose, "" if purpose else f.name), []).append(f)
        sent += f.source == key
    activities = [
        _activity(lookups, org, programme, purpose, members)
        for (programme, purpose, _), members in sorted(
            groups.items(), key=lambda g: tuple(part.casefold() for part in g[0])
        )
    ]
    agreements = map(agreement_of, {f.agreement for f in flows if f.agreement})
    reviews = [a.review_date for a in agreements if a is not None and a.review_date]
    return ControllerRecord(
        organisation=org,
        activities=activities,
        flows_sent=sent,
        flows_received=sum(1 for f in flows if f.recipient == key),
        next_review=min(reviews) if reviews else None,
    )


def build_ropa(
    registry: Registry,
    as_of: date,
    controller: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> Ropa:
    """The record of processing activities on ``as_of``.

    With ``controller`` (a key, or a name matching exactly one organisation), that controller's
    record alone, even if it has no activities; else a record for each organisation that sends or
    receives personal data as a controller. Raises :class:`UnknownController`. ``progress``, if
    given, is called with a line of text saying what is being done (for a command's standard error).
    """
    lookups = _Lookups(registry)
    by_controller = _flows_by_controller(lookups, as_of)
    if controller is not None:
        key = find_controller(registry, controller)
        record = _controller_record(lookups, key, by_controller.get(key, []))
        return Ropa(as_of=as_of, records=[record], partnership=False)
    keys = _sorted_controllers(registry, by_controller)
    if progress is not None:
        progress(f"Building the record for {len(keys)} controllers...")
    with collector_paused():
        records = [_controller_record(lookups, k, by_controller[k]) for k in keys]
    return Ropa(as_of=as_of, records=records, partnership=True)


# --- Writing ------------------------------------------------------------------------------------

#: What a spreadsheet may take as the start of a formula (OWASP CSV Injection), including the
#: full-width forms that some spreadsheet programs also accept.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


#: What XML 1.0 cannot hold: control characters other than tab, line feed and carriage return,
#: surrogates, and U+FFFE and U+FFFF. The forms and imports refuse them; the writers replace them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    r"""``text`` with every character XML 1.0 cannot hold replaced by U+FFFD.

    >>> xml_safe("a\x07b\x1bc") == "a\ufffdb\ufffdc"
    True
    """
    return _NOT_XML.sub("\ufffd", text)


def neutralise(value: Any) -> Any:
    """``value`` made safe for a spreadsheet cell: text that could start a formula gets a leading
    single quote, so ``=HYPERLINK(...)`` is shown as text and never run, and a character XML
    cannot hold is replaced (:func:`xml_safe`). Other values pass through."""
    if isinstance(value, str):
        if _NOT_XML.search(value):
            value = xml_safe(value)
        if value.startswith(_FORMULA_STARTS):
            return "'" + value
    return value


_SUMMARY_SHEET = "Summary"
_SUMMARY_COLUMNS = (
    ("Controller", 40),
    ("Key", 16),
    ("ICO registration", 18),
    ("DPO contact", 30),
    ("Processing activities", 14),
    ("Flows sent", 12),
    ("Flows received", 12),
    ("Next agreement review", 16),
)
#: Column widths (characters) of the 30 columns, in bands of neighbouring columns that hold the same
#: kind of text, as ``(first, last, width)``: the purpose widest, then the lawful bases and rights,
#: narrower for links and yes/no answers. A band is one column range in the file: a partnership's
#: workbook has a thousand sheets, and a width per column took a tenth of the time it takes to write.
_WIDTHS = (
    (0, 0, 22),  # business function
    (1, 1, 50),  # purpose, with the flows and agreements
    (2, 9, 30),  # joint controllers, individuals, data, recipients, processors, transfers, retention
    (10, 15, 40),  # security, Article 6, Article 9, legitimate interests, rights
    (16, 24, 22),  # automated decisions, sources, consent, location, DPIA and breach columns
    (25, 26, 36),  # Schedule 1 conditions and the lawful basis beside them
    (27, 29, 24),  # the policy document and adherence to it
)
_BLOCK_ROWS = ("Controller", "Data Protection Officer", "Representative")
_HEADER_CELLS = tuple(neutralise(title) for title in COLUMNS)
_HEADER_ROW = 9  # zero-based: the title, the as-of date, the ICO number, a gap, the contact block, a gap
#: The numbers the controller is registered under (the ICO's, ...), on the rows after the as-of date.
_IDENTIFIERS = tuple(f for f in records.ORGANISATION if f.identifier)


#: What Excel does not allow in a sheet's name.
_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\\x00-\x1f]+")
#: The longest name Excel gives a sheet.
SHEET_NAME_LIMIT = 31


def sheet_name(name: str, key: str) -> str:
    r"""What Excel can call a sheet for an organisation named ``name``: the characters it refuses
    (``[]:*?/\``) as spaces, no apostrophe at either end, at most 31 characters (whole words where
    it can); its ``key`` when nothing is left (or the name is Excel's reserved "History").

    >>> sheet_name("Dudley Integrated Health and Care NHS Trust", "dihc")
    'Dudley Integrated Health and'
    >>> sheet_name("Police/Fire: [Joint]*", "pf"), sheet_name("''", "odd")
    ('Police Fire Joint', 'odd')
    """
    text = " ".join(_NOT_IN_SHEET_NAMES.sub(" ", name).split())
    if len(text) > SHEET_NAME_LIMIT:
        cut = text[: SHEET_NAME_LIMIT + 1].rfind(" ")
        # Whole words where that keeps most of the name, else the first 31 characters.
        text = text[:cut] if cut >= SHEET_NAME_LIMIT // 2 else text[:SHEET_NAME_LIMIT]
    text = text.strip().strip("'").strip()
    if not text or text.casefold() == "history":
        return key[:SHEET_NAME_LIMIT]
    return text


def _sheet_names(ropa: Ropa) -> list[str]:
    """A worksheet name for each record: the organisation's name (:func:`sheet_name`), made
    unique ignoring case within Excel's 31 characters by a number at its end."""
    taken = {_SUMMARY_SHEET.casefold()} if ropa.partnership else set()
    names = []
    for record in ropa.records:
        base = sheet_name(record.organisation.name, record.organisation.key)
        name, n = base, 1
        while name.casefold() in taken:
            n += 1
            suffix = f" ({n})"
            name = base[: SHEET_NAME_LIMIT - len(suffix)].rstrip() + suffix
        taken.add(name.casefold())
        names.append(name)
    return names


def _quoted(name: str) -> str:
    """A sheet's name as a reference quotes it: an apostrophe doubled."""
    return name.replace("'", "''")


class _Formats:
    def __init__(self, workbook: xlsxwriter.Workbook):
        base = {"font_name": "Arial", "font_size": 10, "valign": "top"}
        self.title = workbook.add_format({**base, "bold": True, "font_size": 14})
        self.label = workbook.add_format({**base, "bold": True})
        self.text = workbook.add_format({**base, "text_wrap": True})
        self.date = workbook.add_format({**base, "num_format": "d mmm yyyy", "align": "left"})
        self.number = workbook.add_format({**base, "align": "right"})
        self.header = workbook.add_format(
            {**base, "bold": True, "text_wrap": True, "bg_color": "#DEE0E2", "border": 1, "valign": "vcenter"}
        )
        self.cell = workbook.add_format({**base, "text_wrap": True, "border": 1, "border_color": "#B1B4B6"})
        self.link = workbook.add_format({**base, "font_color": "#1D70B8", "underline": 1})


def _text(sheet: Any, row: int, col: int, value: str | None, fmt: Any) -> None:
    if value:
        sheet.write_string(row, col, neutralise(value), fmt)
    else:
        # Truly empty, so that "(Blanks)" in the filter finds what the registry does not know.
        sheet.write_blank(row, col, None, fmt)


def _write_controller_sheet(
    workbook: xlsxwriter.Workbook,
    fmt: _Formats,
    name: str,
    record: ControllerRecord,
    as_of: date,
    safe: Callable[[str], str],
) -> None:
    org = record.organisation
    sheet = workbook.add_worksheet(name)
    _text(sheet, 0, 0, f"Record of processing activities (UK GDPR Article 30(1)): {org.name}", fmt.title)
    _text(sheet, 1, 0, "As of", fmt.label)
    sheet.write_datetime(1, 1, as_of, fmt.date)
    for row, declared in enumerate(_IDENTIFIERS, start=2):
        _text(sheet, row, 0, declared.label, fmt.label)
        _text(sheet, row, 1, getattr(org, declared.name), fmt.text)
    for col, title in enumerate(("", "Name", "Address", "Email", "Telephone")):
        _text(sheet, 4, col, title, fmt.header)
    contacts = (
        (org.name, org.address, org.email, org.telephone),
        # The registry holds the DPO's role mailbox, never a person's name (registry format).
        (None, None, org.dpo_contact, None),
        (org.representative, None, None, None),
    )
    for i, (label, values) in enumerate(zip(_BLOCK_ROWS, contacts, strict=True)):
        _text(sheet, 5 + i, 0, label, fmt.header)
        for col, value in enumerate(values, start=1):
            _text(sheet, 5 + i, col, value, fmt.cell)
    sheet.set_row(_HEADER_ROW, 60)
    # The bulk of the workbook: what _text does, with the methods looked up once per sheet.
    write_string, write_blank, cell = sheet.write_string, sheet.write_blank, fmt.cell
    for col, title in enumerate(_HEADER_CELLS):
        write_string(_HEADER_ROW, col, title, fmt.header)
    for r, activity in enumerate(record.activities, start=_HEADER_ROW + 1):
        for col, value in enumerate(activity.cells):
            if value:
                write_string(r, col, safe(value), cell)
            else:
                write_blank(r, col, None, cell)
    for first, last, width in _WIDTHS:
        sheet.set_column(first, last, width)
    last = _HEADER_ROW + max(len(record.activities), 1)
    sheet.autofilter(_HEADER_ROW, 0, last, len(COLUMNS) - 1)
    sheet.freeze_panes(_HEADER_ROW + 1, 1)
    sheet.repeat_rows(_HEADER_ROW)
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)


def _write_summary_sheet(workbook: xlsxwriter.Workbook, fmt: _Formats, ropa: Ropa, names: list[str]) -> None:
    sheet = workbook.add_worksheet(_SUMMARY_SHEET)
    _text(sheet, 0, 0, "Record of processing activities (UK GDPR Article 30(1)): the partnership", fmt.title)
    _text(sheet, 1, 0, "As of", fmt.label)
    sheet.write_datetime(1, 1, ropa.as_of, fmt.date)
    _text(
        sheet,
        2,
        0,
        "One sheet per controller: every organisation that sends or receives personal data.",
        fmt.text,
    )
    header = 4
    for col, (title, width) in enumerate(_SUMMARY_COLUMNS):
        _text(sheet, header, col, title, fmt.header)
        sheet.set_column(col, col, width)
    for r, (record, name) in enumerate(zip(ropa.records, names, strict=True), start=header + 1):
        org = record.organisation
        sheet.write_url(r, 0, f"internal:'{_quoted(name)}'!A1", fmt.link, string=neutralise(org.name))
        _text(sheet, r, 1, org.key, fmt.cell)
        _text(sheet, r, 2, org.ico_registration, fmt.cell)
        _text(sheet, r, 3, org.dpo_contact, fmt.cell)
        sheet.write_number(r, 4, len(record.activities), fmt.number)
        sheet.write_number(r, 5, record.flows_sent, fmt.number)
        sheet.write_number(r, 6, record.flows_received, fmt.number)
        if record.next_review:
            sheet.write_datetime(r, 7, record.next_review, fmt.date)
        else:
            sheet.write_blank(r, 7, None, fmt.date)
    sheet.autofilter(header, 0, header + max(len(ropa.records), 1), len(_SUMMARY_COLUMNS) - 1)
    sheet.freeze_panes(header + 1, 0)


#: How many controller sheets :func:`write_xlsx` writes between two progress reports.
_PROGRESS_EVERY = 100


def write_xlsx(ropa: Ropa, stream: IO[bytes], progress: Callable[[str], None] | None = None) -> None:
    """Write the record as an Excel workbook to ``stream``: for the partnership a summary sheet and
    a sheet per controller, for one controller its sheet alone.

    ``progress``, if given, is called now and then with a line of text saying how far it has got
    (``Writing sheet 100/976...``), for a command's standard error."""
    import xlsxwriter  # only when a workbook is written

    workbook = xlsxwriter.Workbook(
        stream,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    workbook.set_properties(
        {
            "title": "Record of processing activities (UK GDPR Article 30)",
            "subject": f"As of {ropa.as_of.isoformat()}",
        }
    )
    fmt = _Formats(workbook)
    names = _sheet_names(ropa)
    total = len(ropa.records)
    # The same text stands in many cells (a basis, a list of gateways): each made safe once.
    safe = lru_cache(maxsize=None)(neutralise)
    with collector_paused():
        if ropa.partnership:
            _write_summary_sheet(workbook, fmt, ropa, names)
        for n, (record, name) in enumerate(zip(ropa.records, names, strict=True), start=1):
            if progress is not None and (n == 1 or n % _PROGRESS_EVERY == 0):
                progress(f"Writing sheet {n}/{total}...")
            _write_controller_sheet(workbook, fmt, name, record, ropa.as_of, safe)
        if progress is not None:
            progress(f"Writing sheet {total}/{total}; saving the workbook...")
        workbook.close()


def write_csv(ropa: Ropa, stream: IO[bytes]) -> None:
    """Write the record as CSV (UTF-8 with a byte-order mark, so Excel reads it right).

    For one controller, a header row of :data:`COLUMNS` and a row per activity; for the whole
    partnership, the same with a first column :data:`CSV_CONTROLLER_COLUMN` naming the controller.
    The contact details above the table in the workbook are not in the CSV.
    """
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    lead: Callable[[ControllerRecord], list[str]] = (
        (lambda r: [r.organisation.name]) if ropa.partnership else (lambda r: [])
    )
    writer.writerow(
        [neutralise(c) for c in ([CSV_CONTROLLER_COLUMN] if ropa.partnership else []) + list(COLUMNS)]
    )
    for record in ropa.records:
        for activity in record.activities:
            writer.writerow([neutralise(c) for c in [*lead(record), *activity.cells]])
    text.flush()
    text.detach()


def generate_xlsx(ropa: Ropa) -> io.BytesIO:
    """The workbook in a stream, positioned at the start (for ``send_file``)."""
    stream = io.BytesIO()
    write_xlsx(ropa, stream)
    stream.seek(0)
    return stream


def generate_csv(ropa: Ropa) -> io.BytesIO:
    """The CSV in a stream, positioned at the start (for ``send_file``)."""
    stream = io.BytesIO()
    write_csv(ropa, stream)
    stream.seek(0)
    return stream
