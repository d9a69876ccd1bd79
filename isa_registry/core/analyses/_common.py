"""What both analyses share: the query's checks, a flow's line in an answer, an organisation reached.

A flow counts by :func:`isa_registry.core.scope.flow_shares_personal_data_on`; a ``planned`` flow of
personal data whose end date has not passed (:func:`planned_on`) is listed apart and counts for
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from ..domain import Flow, Registry
from ..graph.selection import CATEGORY_GROUPS
from ..law import (
    CATEGORIES,
    CRIMINAL_CATEGORIES,
    SPECIAL_CATEGORIES,
    category_label,
    describe_annex1,
    describe_article6,
    describe_article9,
    describe_schedule1,
    schedule8_label,
)
from ..scope import flow_in_scope
from ..vocabulary import DATA_SUBJECT, IDENTIFIABILITY, LAW_ENFORCEMENT_BASIS

__all__ = [
    "CATEGORY_GROUP_LABELS",
    "MAX_PATHS",
    "AnalysisError",
    "FlowLine",
    "Reached",
    "UnknownCategory",
    "UnknownOrganisation",
    "UnknownSubjects",
    "category_codes",
    "category_query_label",
    "check_organisation",
    "check_subjects",
    "fields_as_json",
    "flow_line",
    "planned_on",
    "reached",
    "subject_codes",
    "subject_label",
]

#: The words of the category groups a query may ask for instead of one category.
CATEGORY_GROUP_LABELS = {
    "special": "Any special category data (UK GDPR Art 9)",
    "criminal": "Any criminal offence data (UK GDPR Art 10)",
}


def fields_as_json(record: Any) -> dict[str, Any]:
    """A part of an answer as JSON: each field of the dataclass ``record`` under its name, tuples as
    lists.

    >>> fields_as_json(Reached("a", "A", None, 1, (), 0, None))["relation"]
    []
    """
    return {
        f.name: list(value) if isinstance(value := getattr(record, f.name), tuple) else value
        for f in fields(record)
    }


class AnalysisError(ValueError):
    """What was asked cannot be answered; ``str()`` of it says why, naming what was given."""


class UnknownOrganisation(AnalysisError):
    """No organisation in the registry has the key given."""


class UnknownCategory(AnalysisError):
    """The category is neither a data category code nor ``special`` or ``criminal``."""


class UnknownSubjects(AnalysisError):
    """The kind of person is not one the registry knows."""


def check_organisation(registry: Registry, key: str) -> None:
    """Raise :class:`UnknownOrganisation` unless ``key`` is an organisation's key in ``registry``."""
    if key not in registry.organisations:
        raise UnknownOrganisation(f"There is no organisation with the key '{key}'.")


def category_codes(category: str) -> frozenset[str]:
    """The data category codes ``category`` stands for: itself, or every code of its group.

    Examples
    --------
    >>> sorted(category_codes("criminal"))
    ['criminal_offence']
    >>> category_codes("health")
    frozenset({'health'})
    >>> category_codes("gossip")
    Traceback (most recent call last):
    ...
    isa_registry.core.analyses._common.UnknownCategory: There is no data category 'gossip'.
    """
    if category in CATEGORY_GROUPS:
        return CATEGORY_GROUPS[category]
    if category in CATEGORIES:
        return frozenset({category})
    raise UnknownCategory(f"There is no data category '{category}'.")


def category_query_label(category: str) -> str:
    """What a person reads for the category asked about.

    >>> category_query_label("special"), category_query_label("health")
    ('Any special category data (UK GDPR Art 9)', 'Health (physical and mental)')
    """
    return CATEGORY_GROUP_LABELS.get(category) or category_label(category)


def subject_codes(registry: Registry) -> list[str]:
    """The kinds of person a query may ask about: the vocabulary's, then others the flows record.

    >>> victims = Flow("F1", "x", "a", "b", "identifiable", data_subjects=["victims"])
    >>> subject_codes(Registry.of(flows=[victims]))
    ['children', 'parents_carers', 'household_members', 'professionals', 'victims']
    """
    known = list(DATA_SUBJECT.codes)
    recorded = {s for f in registry.flows.values() for s in f.data_subjects}
    return known + sorted(recorded - set(known))


def subject_label(code: str) -> str:
    """The kind of person in words: the vocabulary's label, else the code as the flows record it.

    >>> subject_label("parents_carers"), subject_label("victims")
    ('Parents and carers', 'victims')
    """
    return DATA_SUBJECT[code].label if code in DATA_SUBJECT else code


def check_subjects(registry: Registry, subjects: str) -> None:
    """Raise :class:`UnknownSubjects` unless ``subjects`` is a kind of person the registry knows."""
    known = subject_codes(registry)
    if subjects not in known:
        raise UnknownSubjects(f"There is no kind of person '{subjects}': use one of {', '.join(known)}.")


def planned_on(flow: Flow, as_of: date) -> bool:
    """Whether the flow is ``planned``, of personal data, and its end date has not passed on ``as_of``:
    listed apart from the flows that count, so that sharing about to start is not missed."""
    return flow.status == "planned" and flow_in_scope(flow, as_of)


def _basis(flow: Flow) -> str:
    """The lawful basis in words: DPA 2018 s35(2) under Part 3, else UK GDPR Art 6(1)."""
    if flow.regime == "law_enforcement":
        basis = flow.law_enforcement_basis
        if basis is None or basis not in LAW_ENFORCEMENT_BASIS:
            return "Not recorded"
        return LAW_ENFORCEMENT_BASIS[basis].label
    if not flow.article6:
        return "Not recorded"
    words = describe_article6(flow.article6)
    if flow.article6 == "ea" and flow.recognised_interest:
        words += f" ({describe_annex1(flow.recognised_interest)})"
    return words


def _conditions(flow: Flow) -> str:
    """The conditions for special category and criminal offence data, in words; empty for none."""
    if flow.regime == "law_enforcement":
        return "; ".join(schedule8_label(p) for p in flow.schedule8)
    parts = [describe_article9(flow.article9)] if flow.article9 else []
    parts += [describe_schedule1(p) for p in flow.schedule1]
    return "; ".join(parts)


@dataclass(frozen=True)
class FlowLine:
    """One flow in an answer: who sends what to whom, on what basis, kept how long.

    ``matched`` holds the flow's categories the query asked about (all of them for a breach);
    ``special`` and ``criminal`` its special category and criminal offence data; ``depth`` the hop
    at which the data travels along it from the organisation asked about (1: its own flows).
    """

    key: str
    name: str
    source: str
    source_name: str
    recipient: str
    recipient_name: str
    status: str
    identifiability: str
    regime: str
    basis: str
    conditions: str
    retention: str | None
    agreement: str | None
    agreement_title: str | None
    data_subjects: tuple[str, ...]
    categories: tuple[str, ...]
    matched: tuple[str, ...]
    special: tuple[str, ...]
    criminal: tuple[str, ...]
    start_date: date | None
    end_date: date | None
    recipient_dpo_contact: str | None
    depth: int | None = None

    @property
    def identifiability_label(self) -> str:
        """``Identifiable`` or ``Pseudonymised``."""
        return IDENTIFIABILITY[self.identifiability].label if self.identifiability in IDENTIFIABILITY else ""

    @property
    def subject_labels(self) -> list[str]:
        """The kinds of person, in words."""
        return [subject_label(s) for s in self.data_subjects]

    @property
    def category_labels(self) -> list[str]:
        """The flow's data categories, in words."""
        return [category_label(c) for c in self.categories]

    @property
    def matched_labels(self) -> list[str]:
        """The categories asked about, in words."""
        return [category_label(c) for c in self.matched]

    def as_dict(self) -> dict[str, Any]:
        """The line as JSON: codes, with the words a person reads beside them."""
        return {
            "key": self.key,
            "name": self.name,
            "source": self.source,
            "source_name": self.source_name,
            "recipient": self.recipient,
            "recipient_name": self.recipient_name,
            "status": self.status,
            "identifiability": self.identifiability,
            "regime": self.regime,
            "basis": self.basis,
            "conditions": self.conditions or None,
            "retention": self.retention,
            "agreement": self.agreement,
            "agreement_title": self.agreement_title,
            "data_subjects": list(self.data_subjects),
            "data_categories": list(self.categories),
            "matched_categories": list(self.matched),
            "special_categories": list(self.special),
            "criminal_categories": list(self.criminal),
            "start_date": self.start_date.isoformat() if self.start_date else None,
            "end_date": self.end_date.isoformat() if self.end_date else None,
            "recipient_dpo_contact": self.recipient_dpo_contact,
            "depth": self.depth,
        }


def flow_line(
    registry: Registry, flow: Flow, matched: frozenset[str] | None = None, depth: int | None = None
) -> FlowLine:
    """The answer's line for ``flow``; ``matched`` the category codes asked about (None: all)."""
    categories = tuple(flow.data_categories)
    agreement = registry.agreements.get(flow.agreement) if flow.agreement else None
    recipient = registry.organisations.get(flow.recipient)
    return FlowLine(
        key=flow.key,
        name=flow.name,
        source=flow.source,
        source_name=registry.organisation_name(flow.source),
        recipient=flow.recipient,
        recipient_name=registry.organisation_name(flow.recipient),
        status=flow.status,
        identifiability=flow.identifiability,
        regime=flow.regime,
        basis=_basis(flow),
        conditions=_conditions(flow),
        retention=flow.retention,
        agreement=flow.agreement,
        agreement_title=agreement.title if agreement else None,
        data_subjects=tuple(flow.data_subjects),
        categories=categories,
        matched=tuple(c for c in categories if matched is None or c in matched),
        special=tuple(c for c in categories if c in SPECIAL_CATEGORIES),
        criminal=tuple(c for c in categories if c in CRIMINAL_CATEGORIES),
        start_date=flow.start_date,
        end_date=flow.end_date,
        recipient_dpo_contact=recipient.dpo_contact if recipient else None,
        depth=depth,
    )


@dataclass(frozen=True)
class Reached:
    """An organisation in an answer: how many hops from the organisation asked about the data
    reaches it (``depth``), the ways it gets there (``paths``, each a list of flow keys, at most
    :data:`MAX_PATHS` of the ``path_count`` shortest), and whom to ask about it (``dpo_contact``).

    ``relation`` says how a breach answer found it: ``source``, ``recipient`` or both.
    """

    key: str
    name: str
    kind: str | None
    depth: int
    paths: tuple[tuple[str, ...], ...]
    path_count: int
    dpo_contact: str | None
    relation: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The organisation as JSON."""
        found: dict[str, Any] = {
            "key": self.key,
            "name": self.name,
            "depth": self.depth,
            "paths": [list(p) for p in self.paths],
            "path_count": self.path_count,
            "dpo_contact": self.dpo_contact,
        }
        if self.relation:
            found["relation"] = list(self.relation)
        return found


#: The most paths listed for one organisation; ``path_count`` says how many shortest ones there are.
MAX_PATHS = 20


def reached(
    registry: Registry,
    key: str,
    depth: int,
    paths: list[tuple[str, ...]],
    path_count: int,
    relation: tuple[str, ...] = (),
) -> Reached:
    """The :class:`Reached` for organisation ``key``."""
    org = registry.organisations.get(key)
    return Reached(
        key=key,
        name=registry.organisation_name(key),
        kind=org.kind if org else None,
        depth=depth,
        paths=tuple(paths[:MAX_PATHS]),
        path_count=path_count,
        dpo_contact=org.dpo_contact if org else None,
        relation=relation,
    )
