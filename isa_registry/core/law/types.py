"""Value types for the law catalogues.

Plain frozen dataclasses, no behaviour beyond what the data needs. Every catalogue entry cites its
source (``reference``) and links to the text on legislation.gov.uk (``url``), so that a finding,
a ROPA line or a form hint can always show the provision behind it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..vocabulary import LEGISLATION_STATUS

__all__ = [
    "DATA_CATEGORY_KINDS",
    "LEGISLATION_STATUSES",
    "Bodies",
    "DataCategory",
    "Legislation",
    "Provision",
    "ScheduleCondition",
]

#: The kinds a data category can be (UK GDPR Art 9(1) special category, Art 10 criminal offence
#: data, or ordinary personal data).
DATA_CATEGORY_KINDS = ("ordinary", "special", "criminal")

#: The statuses a catalogued piece of legislation can have on the catalogue date (2026-11-23).
#: ``in_force``: applies in England; ``repealed``: no longer law; ``not_in_england``: still law
#: somewhere (usually Wales) but not in England; ``superseded``: repealed and replaced by a named
#: successor provision.
LEGISLATION_STATUSES = LEGISLATION_STATUS.codes


@dataclass(frozen=True)
class Provision:
    """One lawful basis, condition or rule.

    ``summary`` is one plain-English sentence a non-lawyer understands; ``reference`` is a short
    citation such as ``"UK GDPR Art 6(1)(e)"``; ``url`` is the text on legislation.gov.uk.
    """

    code: str
    title: str
    summary: str
    reference: str
    url: str


@dataclass(frozen=True)
class ScheduleCondition(Provision):
    """A condition in DPA 2018 Schedule 1 (``part`` 1 to 3) or Schedule 8 (``part`` 0).

    ``needs_apd`` says whether the controller must have an appropriate policy document in place
    when it relies on the condition (DPA 2018 Sch 1 paras 1(1)(b), 5, 35(1)(c) and Part 4; for
    Schedule 8, DPA 2018 s35(5)(c) and s42).
    """

    part: int
    needs_apd: bool


@dataclass(frozen=True)
class DataCategory:
    """A category of personal data a flow or agreement can carry (``kind`` is in
    :data:`DATA_CATEGORY_KINDS`)."""

    code: str
    label: str
    kind: str
    description: str


@dataclass(frozen=True)
class Bodies:
    """On whom a provision places its duty or power to disclose, by organisation kind.

    ``kinds``: every organisation of these kinds is one of the bodies the provision names.
    ``some_kinds``: the provision names some organisations of these kinds and not others (a
    maintained school but not an academy, an NHS trust but not a GP practice), so the kind alone
    cannot decide; a provision that binds a role any kind may hold (a regulated activity provider)
    has every kind here and no ``kinds``. ``any_person``: the power falls on any person (then the
    kinds are empty).
    ``serves``: the kinds of body whose enquiry or request the provision sets up (the local
    authority's enquiry under Children Act 1989 s47): a disclosure to one of them names the
    provision for its purpose, whoever discloses. ``provision``: the subsection that says so
    (``"s11(1)"``); ``note`` explains the choice.
    """

    kinds: frozenset[str] = frozenset()
    some_kinds: frozenset[str] = frozenset()
    any_person: bool = False
    serves: frozenset[str] = frozenset()
    provision: str = ""
    note: str = ""

    def may_include(self, kind: str) -> bool:
        """Whether an organisation of ``kind`` may be one of the bodies (``other`` always may:
        the kind says nothing about the body)."""
        return self.any_person or kind in self.kinds or kind in self.some_kinds or kind == "other"


@dataclass(frozen=True)
class Legislation:
    """An Act, statutory instrument, or a section/schedule/part/regulation of one.

    ``id`` is the legislation.gov.uk identifier (``ukpga/1989/41/section/47``). ``replaced_by``
    holds catalogue ids (or plain citations where the replacement is not catalogued) of what
    replaced a repealed, superseded or not-in-England provision; ``note`` says when and by what,
    and flags anything uncertain. ``bodies`` records on whom the provision places its duty or
    power to disclose, where it names them (None where the catalogue does not record it).
    """

    id: str
    title: str
    citation: str
    url: str
    status: str
    replaced_by: tuple[str, ...] = ()
    note: str = ""
    bodies: Bodies | None = None

    @property
    def current(self) -> bool:
        """True if the provision is in force in England."""
        return self.status == "in_force"
