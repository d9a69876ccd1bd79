"""The registry as plain Python objects.

These dataclasses are what the pure core (rules, graph, ROPA, exchange format) works on. They mirror
the ``isa-registry/1`` exchange format (``shared/spec/registry-format.md``) field for field, keyed by
the stable keys people use; database ids never appear here. Nothing in this module imports Flask or
the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from . import vocabulary
from .law.gdpr import ARTICLE6, ARTICLE9

__all__ = [
    "AGREEMENT_STATUSES",
    "ARTICLE6_CODES",
    "ARTICLE9_CODES",
    "BASIS_FIELDS",
    "FLOW_STATUSES",
    "IDENTIFIABILITY",
    "LAW_ENFORCEMENT_BASES",
    "ORGANISATION_KINDS",
    "ORGANISATION_STATUSES",
    "PARTY_ROLES",
    "REGIMES",
    "SEVERITIES",
    "TRANSFER_SAFEGUARDS",
    "Agreement",
    "Attachment",
    "Basis",
    "BasisOf",
    "Finding",
    "Flow",
    "Organisation",
    "Party",
    "Registry",
    "Transfer",
]

# The codes of each enumeration, in the format's order; their wordings are in :mod:`.vocabulary`,
# and the law's in :mod:`.law`.
ORGANISATION_KINDS = vocabulary.ORGANISATION_KIND.codes
ORGANISATION_STATUSES = vocabulary.ORGANISATION_STATUS.codes
AGREEMENT_STATUSES = vocabulary.AGREEMENT_STATUS.codes
PARTY_ROLES = vocabulary.PARTY_ROLE.codes
FLOW_STATUSES = vocabulary.FLOW_STATUS.codes
IDENTIFIABILITY = vocabulary.IDENTIFIABILITY.codes
REGIMES = vocabulary.REGIME.codes
ARTICLE6_CODES = tuple(ARTICLE6)
ARTICLE9_CODES = tuple(ARTICLE9)
LAW_ENFORCEMENT_BASES = vocabulary.LAW_ENFORCEMENT_BASIS.codes
TRANSFER_SAFEGUARDS = vocabulary.TRANSFER_SAFEGUARD.codes


@dataclass(slots=True)
class Organisation:
    """A partner that discloses or receives personal data."""

    key: str
    name: str
    kind: str
    public_authority: bool
    ico_registration: str | None = None
    dpo_contact: str | None = None
    appropriate_policy_document: str | None = None
    status: str = "active"
    successor: str | None = None
    # Extensions to isa-registry/1 (optional in the format): the controller's contact details that
    # an Article 30(1)(a) record names, and archiving.
    address: str | None = None
    telephone: str | None = None
    email: str | None = None
    representative: str | None = None
    ods_code: str | None = None
    archived: bool = False


@dataclass(slots=True)
class Party:
    """An organisation's place in an agreement."""

    organisation: str
    role: str = "controller"
    signed_on: date | None = None
    #: For a processor: the Art 28(3) contract that binds it (second round of the format).
    contract_reference: str | None = None
    # Extensions to isa-registry/1: who signed for the party, and in what capacity (a job title).
    signed_by: str | None = None
    signatory_role: str | None = None
    #: The e-mail of the account of the party's own organisation that signed in the registry.
    signed_by_account: str | None = None
    #: The e-mail of the editor who recorded a signature made on paper.
    recorded_by: str | None = None
    #: When it was signed in the registry or recorded, in UTC (``2026-05-01T09:30:00Z``).
    signed_at: str | None = None


@dataclass(slots=True)
class Agreement:
    """An information-sharing, data-sharing or data-processing agreement."""

    key: str
    title: str
    status: str
    purpose: str = ""
    version: str | None = None
    owner: str | None = None
    start_date: date | None = None
    review_date: date | None = None
    end_date: date | None = None
    parties: list[Party] = field(default_factory=list)
    data_categories: list[str] = field(default_factory=list)
    document_url: str | None = None
    dpia_reference: str | None = None
    publish: bool = False
    archived: bool = False

    def party_keys(self) -> set[str]:
        """The keys of the organisations that are parties."""
        return {p.organisation for p in self.parties}


@dataclass(frozen=True)
class Attachment:
    """A signed copy of an agreement: a file as uploaded, never changed once stored.

    ``content`` is None when the file was read from an export made without attachments.
    """

    name: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_on: datetime
    note: str | None = None
    content: bytes | None = None


@dataclass(slots=True)
class Transfer:
    """A transfer of personal data outside the UK (UK GDPR Chapter V)."""

    country: str
    safeguard: str | None = None


@dataclass(slots=True)
class Basis:
    """A lawful basis for processing what a flow carries, with the conditions it needs.

    A flow records two: the disclosing organisation's, in the flow's own fields (read as one by
    :attr:`Flow.basis`), and the recipient's own for what it receives (:attr:`Flow.recipient_basis`,
    None while not recorded). The recipient is the controller of what it receives, so it needs a
    basis of its own (UK GDPR Art 6(1)); a processor acts under the controller's (Art 28-29).
    """

    regime: str = "uk_gdpr"
    article6: str | None = None
    recognised_interest: str | None = None
    article9: str | None = None
    schedule1: list[str] = field(default_factory=list)
    official_authority: bool = False
    law_enforcement_basis: str | None = None
    schedule8: list[str] = field(default_factory=list)
    legislation: list[str] = field(default_factory=list)


#: The names of a basis's fields, in the format's order.
BASIS_FIELDS: tuple[str, ...] = tuple(Basis.__dataclass_fields__)


@dataclass(slots=True)
class Flow:
    """One sharing of personal data from one organisation to another."""

    key: str
    name: str
    source: str
    recipient: str
    identifiability: str
    purpose: str = ""
    programme: str | None = None
    agreement: str | None = None
    status: str = "active"
    start_date: date | None = None
    end_date: date | None = None
    regime: str = "uk_gdpr"
    data_subjects: list[str] = field(default_factory=list)
    data_categories: list[str] = field(default_factory=list)
    article6: str | None = None
    recognised_interest: str | None = None
    article9: str | None = None
    schedule1: list[str] = field(default_factory=list)
    official_authority: bool = False
    law_enforcement_basis: str | None = None
    schedule8: list[str] = field(default_factory=list)
    legislation: list[str] = field(default_factory=list)
    retention: str | None = None
    international_transfer: Transfer | None = None
    frequency: str | None = None
    method: str | None = None
    recipient_basis: Basis | None = None
    # Extensions to isa-registry/1 (optional in the format): what an Article 30 record asks for
    # that the core format does not hold, and archiving.
    security_measures: str | None = None
    storage_location: str | None = None
    automated_decision_making: bool | None = None
    lia_reference: str | None = None
    consent_record: str | None = None
    archived: bool = False

    @property
    def basis(self) -> Basis:
        """The disclosing organisation's basis, read from the flow's own fields (a copy: changing it
        leaves the flow as it was)."""
        copied: dict[str, Any] = {}
        for name in BASIS_FIELDS:
            value = getattr(self, name)
            copied[name] = list(value) if isinstance(value, list) else value
        return Basis(**copied)


#: A basis as the rules and the record of processing read it: the recipient's :class:`Basis`, or a
#: :class:`Flow` itself for the disclosing organisation's, whose fields have the same names (read in
#: place, so a pass over every flow copies nothing; :attr:`Flow.basis` gives a copy).
BasisOf = Basis | Flow


@dataclass
class Registry:
    """A whole registry: every organisation, agreement and flow, each keyed by its key."""

    organisations: dict[str, Organisation] = field(default_factory=dict)
    agreements: dict[str, Agreement] = field(default_factory=dict)
    flows: dict[str, Flow] = field(default_factory=dict)
    #: Each agreement's signed copies, oldest first. Only the exchange format fills this (an
    #: import, an export): the registry loaded for pages and rules leaves it empty, so no process
    #: keeps files in memory.
    attachments: dict[str, list[Attachment]] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        organisations: list[Organisation] = (),  # type: ignore[assignment]
        agreements: list[Agreement] = (),  # type: ignore[assignment]
        flows: list[Flow] = (),  # type: ignore[assignment]
    ) -> Registry:
        """Build a registry from lists of records."""
        return cls(
            organisations={o.key: o for o in organisations},
            agreements={a.key: a for a in agreements},
            flows={f.key: f for f in flows},
        )

    def organisation_name(self, key: str | None) -> str:
        """The organisation's name, or its key when it is not in the registry."""
        if key is None:
            return ""
        org = self.organisations.get(key)
        return org.name if org else key


SEVERITIES = ("error", "warning", "info")


class Finding(NamedTuple):
    """One problem with one record, found by a rule (``shared/spec/findings.md``).

    A named tuple rather than a frozen dataclass: as immutable, and made about three times faster
    (a frozen dataclass sets each field through ``object.__setattr__``), which counts when a check
    of a large registry makes tens of thousands of findings.
    """

    code: str
    severity: str
    subject_type: str
    subject_key: str
    message: str
    remedy: str
    reference: str

    def as_dict(self) -> dict[str, str]:
        """The finding as the JSON object the ``check`` command prints: its fields, in order."""
        return self._asdict()
