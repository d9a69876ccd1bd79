"""Each enumeration of the registry, declared once: its codes and every wording of each code.

An enumeration is a :class:`Vocabulary` of terms (:class:`Term`), in the order the ``isa-registry/1``
format lists the codes (``docs/spec/registry-format.md``). A term carries the code, the label a
person reads on forms and record pages, and, where a reader needs other words, those too: a short
label and a plural for the map, the words used inside a sentence, the record of processing
activities' wording (which cites the law), a form hint, the other words a spreadsheet may use for
it (matched as :func:`isa_registry.core.spreadsheet.normalise_title` folds them) and the map's
node style. Where two places word one code differently on purpose, both wordings are attributes
of the one term, so that changing a wording is one change here.

The law's own wording (lawful bases, conditions, data categories) is the law catalogue's, in
:mod:`isa_registry.core.law`. Nothing here imports anything else of the registry.

>>> ORGANISATION_KIND["education"].short_label
'School or college'
>>> AGREEMENT_STATUS.labels("phrase")["under_review"]
'under review'
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "AGREEMENT_STATUS",
    "DATA_SUBJECT",
    "DECISION",
    "FINDING_STATE",
    "FLOW_STATUS",
    "FREQUENCY",
    "IDENTIFIABILITY",
    "LAW_ENFORCEMENT_BASIS",
    "LEGISLATION_STATUS",
    "OCCASIONAL_FREQUENCIES",
    "ORGANISATION_KIND",
    "ORGANISATION_STATUS",
    "PARTY_ROLE",
    "REGIME",
    "TRANSFER_SAFEGUARD",
    "VOCABULARIES",
    "Term",
    "Vocabulary",
    "Wording",
]

#: The wordings a term may have besides its code (see :class:`Term`).
Wording = Literal["label", "short_label", "plural", "phrase", "ropa_label", "hint"]


@dataclass(frozen=True)
class Term:
    """One code of an enumeration and its wordings; the optional ones are given where used."""

    code: str
    #: What forms, record pages and lists show: ``"Education (school, college or academy)"``.
    label: str
    #: Where room is short, on the map: ``"School or college"``.
    short_label: str | None = None
    #: A group of them, as the map names a cluster: ``"Schools and colleges"``.
    plural: str | None = None
    #: Inside a sentence or brackets: ``"a draft agreement"``, ``"Dudley Council (local authority)"``.
    phrase: str | None = None
    #: How the record of processing activities words it, usually citing the law.
    ropa_label: str | None = None
    #: A form's hint under the option.
    hint: str | None = None
    #: Other words a spreadsheet may use for the code (the code itself is always accepted).
    synonyms: tuple[str, ...] = ()
    #: The map's node ``(shape, fill colour)``; shapes tell kinds apart without relying on colour.
    style: tuple[str, str] | None = None


@dataclass(frozen=True)
class Vocabulary:
    """An enumeration: its terms in the format's order, looked up by code.

    ``choice_order`` is the order forms offer the codes in where it is not the format's (agreement
    statuses follow the lifecycle).
    """

    name: str
    terms: tuple[Term, ...]
    choice_order: tuple[str, ...] = ()
    _by_code: dict[str, Term] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {t.code: t for t in self.terms})

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes, in the format's order."""
        return tuple(t.code for t in self.terms)

    def __getitem__(self, code: str) -> Term:
        return self._by_code[code]

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __iter__(self) -> Iterator[Term]:
        return iter(self.terms)

    def __len__(self) -> int:
        return len(self.terms)

    def labels(self, wording: Wording = "label") -> dict[str, str]:
        """Code -> the terms' ``wording``, in the format's order."""
        return self._table(wording)

    def choices(self) -> dict[str, str]:
        """Code -> label in the order forms offer them."""
        labels = self.labels()
        return {code: labels[code] for code in self.choice_order or self.codes}

    def synonyms(self) -> dict[str, tuple[str, ...]]:
        """Code -> the other words a spreadsheet may use for it, in the format's order."""
        return {t.code: t.synonyms for t in self.terms}

    def styles(self) -> dict[str, tuple[str, str]]:
        """Code -> the map's ``(shape, fill)``."""
        return self._table("style")

    def _table(self, attribute: str) -> dict[str, Any]:
        """Code -> the terms' ``attribute``. Every term must have it: a missing one fails here, when
        the caller's table is built, not when a page first shows the code."""
        table = {t.code: getattr(t, attribute) for t in self.terms}
        missing = [code for code, value in table.items() if value is None]
        if missing:
            raise LookupError(f"{self.name}: no {attribute} for {', '.join(missing)}")
        return table


ORGANISATION_KIND = Vocabulary(
    "organisation kind",
    (
        Term(
            "local_authority",
            "Local authority",
            short_label="Local authority",
            plural="Local authorities",
            phrase="local authority",
            synonyms=(
                "la",
                "council",
                "local council",
                "borough council",
                "county council",
                "unitary authority",
            ),
            style=("house", "#d2e2f1"),
        ),
        Term(
            "health",
            "Health",
            short_label="Health",
            plural="Health bodies",
            phrase="health",
            synonyms=(
                "nhs",
                "nhs trust",
                "icb",
                "integrated care board",
                "ccg",
                "gp",
                "gp practice",
                "health trust",
            ),
            style=("ellipse", "#d7eede"),
        ),
        Term(
            "police",
            "Police",
            short_label="Police",
            plural="Police forces",
            phrase="police",
            synonyms=("police force", "constabulary"),
            style=("hexagon", "#dcd8ec"),
        ),
        Term(
            "education",
            "Education (school, college or academy)",
            short_label="School or college",
            plural="Schools and colleges",
            phrase="education",
            synonyms=("school", "schools", "academy", "academy trust", "college", "nursery", "early years"),
            style=("box", "#fff2cc"),
        ),
        Term(
            "cafcass",
            "Cafcass",
            short_label="Cafcass",
            plural="Cafcass offices",
            phrase="Cafcass",
            style=("octagon", "#f3d9e6"),
        ),
        Term(
            "probation",
            "Probation",
            short_label="Probation",
            plural="Probation services",
            phrase="probation",
            synonyms=("probation service",),
            style=("doubleoctagon", "#e6dcd2"),
        ),
        Term(
            "youth_justice",
            "Youth justice",
            short_label="Youth justice",
            plural="Youth justice services",
            phrase="youth justice",
            synonyms=("yjs", "yot", "youth offending", "youth offending team", "youth justice service"),
            style=("invtrapezium", "#e6dcd2"),
        ),
        Term(
            "courts",
            "Courts and tribunals",
            short_label="Courts",
            plural="Courts",
            phrase="courts",
            synonyms=("court",),
            style=("trapezium", "#e8e8e8"),
        ),
        Term(
            "government",
            "Government department or agency",
            short_label="Government",
            plural="Government bodies",
            phrase="government",
            synonyms=("central government", "government department"),
            style=("invhouse", "#e8e8e8"),
        ),
        Term(
            "voluntary",
            "Voluntary or community organisation",
            short_label="Voluntary sector",
            plural="Voluntary organisations",
            phrase="voluntary sector",
            synonyms=("voluntary sector", "charity", "vcs", "vcse", "third sector"),
            style=("egg", "#e3f1d4"),
        ),
        Term(
            "research",
            "Research or evaluation body",
            short_label="Research",
            plural="Research bodies",
            phrase="research",
            synonyms=("university", "researcher", "research body", "evaluator"),
            style=("note", "#f4e4d4"),
        ),
        Term(
            "other",
            "Other",
            short_label="Other",
            plural="Other organisations",
            phrase="other",
            style=("box", "#f3f2f1"),
        ),
    ),
)

ORGANISATION_STATUS = Vocabulary(
    "organisation status",
    (
        Term("active", "Active", synonyms=("live", "current")),
        Term("dissolved", "Dissolved", synonyms=("abolished", "closed", "merged", "ceased")),
    ),
)

AGREEMENT_STATUS = Vocabulary(
    "agreement status",
    (
        Term("draft", "Draft", phrase="draft", synonyms=("in draft", "drafting", "proposed")),
        Term("active", "Active", phrase="active", synonyms=("live", "current", "signed", "in force")),
        Term(
            "under_review",
            "Under review",
            phrase="under review",
            synonyms=("in review", "review", "being reviewed", "reviewing"),
        ),
        Term("expired", "Expired", phrase="expired", synonyms=("lapsed", "ended", "out of date")),
        Term(
            "terminated",
            "Terminated",
            phrase="terminated",
            synonyms=("withdrawn", "cancelled", "canceled", "revoked"),
        ),
    ),
    choice_order=("draft", "under_review", "active", "expired", "terminated"),
)

PARTY_ROLE = Vocabulary(
    "party role",
    (
        Term(
            "controller", "Controller", synonyms=("data controller", "controllers", "independent controller")
        ),
        Term(
            "joint_controller",
            "Joint controller",
            synonyms=("joint", "joint controllers", "jc", "joint data controller"),
        ),
        Term("processor", "Processor", synonyms=("data processor", "processors")),
    ),
)

FLOW_STATUS = Vocabulary(
    "flow status",
    (
        Term("planned", "Planned", synonyms=("proposed", "pending", "not started", "future")),
        Term("active", "Active", synonyms=("live", "current", "ongoing", "in place")),
        Term("ceased", "Ceased", synonyms=("stopped", "ended", "closed", "inactive", "discontinued")),
    ),
)

IDENTIFIABILITY = Vocabulary(
    "identifiability",
    (
        Term(
            "identifiable",
            "Identifiable",
            hint="Names or other details that identify people directly.",
            synonyms=("identified", "personal", "personal data", "named", "person identifiable", "full"),
        ),
        Term(
            "pseudonymised",
            "Pseudonymised",
            hint="Identifiers replaced, but the data can be linked back to people: still personal data.",
            synonyms=("pseudonymized", "pseudonymous", "pseudonymised data", "pseudo"),
        ),
        Term(
            "anonymised",
            "Anonymised",
            hint="Nobody can be identified by any means reasonably likely to be used: outside UK GDPR.",
            synonyms=("anonymized", "anonymous", "aggregate", "aggregated", "statistical", "anonymised data"),
        ),
    ),
)

REGIME = Vocabulary(
    "regime",
    (
        Term(
            "uk_gdpr",
            "UK GDPR (general processing)",
            hint="Almost all sharing between safeguarding partners.",
            synonyms=("gdpr", "uk gdpr part 2", "general processing", "dpa 2018 part 2"),
        ),
        Term(
            "law_enforcement",
            "Law enforcement (DPA 2018 Part 3)",
            hint=(
                "Only when a competent authority (such as the police) processes the data for a law "
                "enforcement purpose: preventing, investigating or prosecuting crime."
            ),
            synonyms=("law enforcement processing", "part 3", "dpa 2018 part 3", "le"),
        ),
    ),
)

LAW_ENFORCEMENT_BASIS = Vocabulary(
    "law enforcement basis",
    (
        Term(
            "consent",
            "Consent (DPA 2018 s35(2)(a))",
            ropa_label="DPA 2018 s35(2)(a) consent to processing for a law enforcement purpose",
            synonyms=("s35 2 a", "35 2 a", "section 35 2 a"),
        ),
        Term(
            "task",
            "Necessary for a law enforcement task of a competent authority (DPA 2018 s35(2)(b))",
            ropa_label="DPA 2018 s35(2)(b) necessary for a law enforcement task of a competent authority",
            synonyms=("law enforcement task", "s35 2 b", "35 2 b", "section 35 2 b"),
        ),
    ),
)

TRANSFER_SAFEGUARD = Vocabulary(
    "transfer safeguard",
    (
        Term(
            "adequacy",
            "UK adequacy regulations",
            ropa_label="UK adequacy regulations (UK GDPR Art 45, DPA 2018 s17A)",
            synonyms=("adequacy regulations", "adequacy decision", "uk adequacy", "adequate"),
        ),
        Term(
            "idta",
            "International data transfer agreement (IDTA)",
            ropa_label="International data transfer agreement (IDTA, UK GDPR Art 46)",
            synonyms=("international data transfer agreement",),
        ),
        Term(
            "addendum",
            "International data transfer addendum to the EU standard contractual clauses",
            ropa_label="International data transfer addendum to the EU standard contractual clauses (Art 46)",
            synonyms=(
                "uk addendum",
                "international data transfer addendum",
                "sccs with uk addendum",
                "scc addendum",
            ),
        ),
        Term(
            "bcr",
            "Binding corporate rules",
            ropa_label="Binding corporate rules (UK GDPR Art 47)",
            synonyms=("bcrs", "binding corporate rules"),
        ),
        Term(
            "derogation",
            "A derogation for a specific situation (UK GDPR Art 49)",
            ropa_label="Derogation for a specific situation (UK GDPR Art 49)",
            synonyms=("article 49", "art 49", "exception", "derogations"),
        ),
    ),
)

#: The data subjects forms offer as checkboxes; the format allows others too.
DATA_SUBJECT = Vocabulary(
    "data subject",
    (
        Term("children", "Children", ropa_label="Children", synonyms=("child", "children and young people")),
        Term(
            "parents_carers",
            "Parents and carers",
            ropa_label="Parents and carers",
            synonyms=("parents and carers", "parents"),
        ),
        Term(
            "household_members",
            "Other household members",
            ropa_label="Household members",
            synonyms=("household",),
        ),
        Term("professionals", "Professionals", ropa_label="Professionals"),
    ),
)

#: How often a flow shares data: the values the flow form suggests. The format's ``frequency`` is
#: free text, so a flow may say something else; the codes are what the form stores. The last three
#: are occasional (UK GDPR Art 49 derogations are for occasional transfers); the rest are regular.
FREQUENCY = Vocabulary(
    "frequency",
    (
        Term("real time", "Continuously or in real time", synonyms=("real-time", "continuous", "live")),
        Term("daily", "Daily", synonyms=("every day", "each day")),
        Term("weekly", "Weekly", synonyms=("every week", "each week")),
        Term("monthly", "Monthly", synonyms=("every month", "each month")),
        Term("quarterly", "Quarterly", synonyms=("every quarter", "each quarter", "termly")),
        Term("annually", "Annually", synonyms=("yearly", "every year", "each year", "annual")),
        Term(
            "ad hoc",
            "As needed (ad hoc)",
            synonyms=("adhoc", "ad-hoc", "as needed", "as and when", "when needed", "as required"),
        ),
        Term("occasional", "Occasionally", synonyms=("occasionally", "rarely", "exceptionally")),
        Term("one-off", "Once only (one-off)", synonyms=("one off", "once", "single transfer", "one time")),
    ),
)
#: The :data:`FREQUENCY` codes that are not regular.
OCCASIONAL_FREQUENCIES = frozenset({"ad hoc", "occasional", "one-off"})

#: The status of a provision in the legislation catalogue on its date (2026-11-23).
LEGISLATION_STATUS = Vocabulary(
    "legislation status",
    (
        Term("in_force", "In force", phrase="in force"),
        Term("repealed", "Repealed", phrase="repealed"),
        Term("not_in_england", "Not in force in England", phrase="not in force in England"),
        Term("superseded", "Superseded", phrase="superseded"),
    ),
)

#: What may be decided on a finding (``decisions[].decision`` in the format).
DECISION = Vocabulary(
    "decision",
    (
        Term(
            "accepted",
            "Risk accepted",
            phrase="accepted",
            hint="The risk is known and accepted for a reason, until a review date.",
        ),
        Term(
            "not_applicable",
            "Does not apply here",
            phrase="not applicable",
            hint="The rule does not apply to this record, for a reason a reader can check.",
        ),
    ),
)

#: Where a finding stands given the decisions on it and the date checked.
FINDING_STATE = Vocabulary(
    "finding state",
    (
        Term("open", "Open", phrase="open", hint="No decision is in force: fix it or decide on it."),
        Term("decided", "Decided", phrase="decided", hint="Accepted or shown not to apply."),
        Term(
            "lapsed",
            "Lapsed",
            phrase="lapsed",
            hint="Its decision passed its review date or the finding changed since: open again.",
        ),
    ),
)

#: Every enumeration, by the name of the ``isa-registry/1`` field (or the catalogue's) it gives codes to.
VOCABULARIES: dict[str, Vocabulary] = {
    "kind": ORGANISATION_KIND,
    "organisation_status": ORGANISATION_STATUS,
    "agreement_status": AGREEMENT_STATUS,
    "role": PARTY_ROLE,
    "flow_status": FLOW_STATUS,
    "identifiability": IDENTIFIABILITY,
    "regime": REGIME,
    "law_enforcement_basis": LAW_ENFORCEMENT_BASIS,
    "safeguard": TRANSFER_SAFEGUARD,
    "data_subject": DATA_SUBJECT,
    "frequency": FREQUENCY,
    "legislation_status": LEGISLATION_STATUS,
    "decision": DECISION,
    "finding_state": FINDING_STATE,
}
