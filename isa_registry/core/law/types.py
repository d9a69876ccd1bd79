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
class Legislation:
    """An Act, statutory instrument, or a section/schedule/part/regulation of one.

    ``id`` is the legislation.gov.uk identifier (``ukpga/1989/41/section/47``). ``replaced_by``
    holds catalogue ids (or plain citations where the replacement is not catalogued) of what
    replaced a repealed, superseded or not-in-England provision; ``note`` says when and by what,
    and flags anything uncertain.
    """

    id: str
    title: str
    citation: str
    url: str
    status: str
    replaced_by: tuple[str, ...] = ()
    note: str = ""

    @property
    def current(self) -> bool:
        """True if the provision is in force in England."""
        return self.status == "in_force"
