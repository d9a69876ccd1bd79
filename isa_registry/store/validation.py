"""The checks a record passes before it is written, each message naming the form field it is about.

:func:`record_errors` runs them for any record type: the key (new records only), the type's own
field checks, then the exchange format's checks as a backstop. Sign-offs and archiving have checks
of their own (:func:`sign_off_errors`, the ``*_blockers``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select

from ..core import domain, exchange, records
from ..core.domain import Agreement, Basis, Flow, Organisation
from ..core.scope import LIVE_FLOW_STATUSES
from .db import Session
from .lifecycle import status_error
from .models import Agreement as AgreementModel
from .models import AgreementParty
from .models import Flow as FlowModel
from .models import Organisation as OrganisationModel

if TYPE_CHECKING:
    from .record_types import RecordType

__all__ = [
    "REVIEW_BEFORE_START_MESSAGE",
    "Known",
    "agreement_blockers",
    "agreement_fields",
    "check_text",
    "flow_fields",
    "known",
    "organisation_blockers",
    "organisation_fields",
    "record_errors",
    "sign_off_errors",
]

Errors = dict[str, str]

#: An agreement reviewed before it starts is a slip in one of the two dates.
REVIEW_BEFORE_START_MESSAGE = "Review date must be the same as or after the start date"

_KEY = re.compile(records.KEY_PATTERN)

#: A legislation.gov.uk identifier: type/year/number, then any sub-division (no spaces).
_LEGISLATION_ID = re.compile(records.LEGISLATION_ID_PATTERN)


@dataclass(frozen=True)
class Known:
    """Keys in the registry and whether each is archived."""

    organisations: dict[str, bool]
    agreements: dict[str, bool]
    #: The organisations' names, for messages a person reads.
    organisation_names: dict[str, str] = field(default_factory=dict)


def known(session: Session) -> Known:
    """The organisations and agreements a record may refer to (flows are too many to load)."""
    o, a = OrganisationModel.__table__, AgreementModel.__table__
    rows = session.execute(select(o.c.key, o.c.archived, o.c.name)).all()
    return Known(
        organisations={key: archived for key, archived, _ in rows},
        agreements=dict(session.execute(select(a.c.key, a.c.archived)).all()),  # type: ignore[arg-type]
        organisation_names={key: name for key, _, name in rows},
    )


def record_errors(rt: RecordType[Any], record: Any, known: Known, before: Any | None) -> Errors:
    """What is wrong with ``record`` (``before`` is how it is saved; None when it is new)."""
    errors: Errors = {}
    if before is None:
        taken = rt.known_keys is not None and record.key in rt.known_keys(known)
        _check_key(errors, rt, record.key, taken)
    rt.check_fields(errors, record, known, before)
    _schema_problems(errors, rt.section, rt.to_dict(record), known)
    return errors


# --- The checks every type uses ----------------------------------------------------------------


def _check_key(errors: Errors, rt: RecordType[Any], key: str, taken: bool) -> None:
    if not key:
        errors["key"] = f"Enter a key for the {rt.subject_type}"
    elif not _KEY.match(key):
        errors["key"] = records.KEY_MESSAGE
    elif taken:
        errors["key"] = rt.duplicate(key)


@functools.cache
def limit(fields: tuple[records.Field, ...], name: str) -> int:
    """The most characters the declaration of ``name`` among ``fields`` allows."""
    most = records.by_name(fields)[name].max_length
    assert most is not None, name
    return most


def check_text(errors: Errors, name: str, label: str, value: str | None, limit: int, required: bool) -> None:
    """A text must be given when ``required`` and be at most ``limit`` characters."""
    if required and not (value or "").strip():
        errors[name] = f"Enter {label}"
    elif value and len(value) > limit:
        errors[name] = f"{label[0].upper()}{label[1:]} must be {limit} characters or fewer"


def _check_choice(errors: Errors, name: str, label: str, value: str | None, allowed: Sequence[str]) -> None:
    if value is not None and value not in allowed:
        errors[name] = f"Select a valid {label}"


def _check_dates(errors: Errors, start: date | None, end: date | None) -> None:
    if start and end and end < start:
        errors["end_date"] = records.END_BEFORE_START_MESSAGE


def _check_reference(
    errors: Errors,
    name: str,
    label: str,
    key: str | None,
    known: dict[str, bool],
    kind: str,
    unchanged: bool,
) -> None:
    """A reference must name an existing record that is not archived (an old one may stay)."""
    if key is None:
        return
    if key not in known:
        errors[name] = f"{label}: there is no {kind} with key {key}"
    elif known[key] and not unchanged:
        errors[name] = f"{label}: {kind} {key} is archived; choose a current {kind}"


def _schema_problems(errors: Errors, section: str, record: dict[str, Any], known: Known) -> None:
    """The exchange format's own checks, as a backstop behind the friendlier ones above."""
    if errors:
        return
    doc: dict[str, Any] = {"format": exchange.FORMAT, "organisations": [], "agreements": [], "flows": []}
    doc[section] = [record]
    for problem in exchange.validate_document(doc, known.organisations, known.agreements):
        name = problem.field.replace(".", "-") or "key"
        errors.setdefault(name, f"{problem.field or 'Record'}: {problem.message}")


def known_categories() -> dict[str, Any]:
    """The data categories by code (the law catalogue is read when first needed)."""
    from ..core.law import CATEGORIES

    return CATEGORIES


# --- Each type's fields ------------------------------------------------------------------------


def organisation_fields(errors: Errors, o: Organisation, known: Known, before: Organisation | None) -> None:
    """An organisation's own checks."""
    check_text(
        errors, "name", "the organisation's name", o.name, limit(records.ORGANISATION, "name"), required=True
    )
    _check_choice(errors, "kind", "kind of organisation", o.kind, domain.ORGANISATION_KINDS)
    if o.kind is None:
        errors["kind"] = "Select the kind of organisation"
    if not isinstance(o.public_authority, bool):
        errors["public_authority"] = "Select whether the organisation is a public authority"
    _check_choice(errors, "status", "status", o.status, domain.ORGANISATION_STATUSES)
    check_text(
        errors,
        "ico_registration",
        "the ICO registration number",
        o.ico_registration,
        limit(records.ORGANISATION, "ico_registration"),
        False,
    )
    check_text(
        errors,
        "dpo_contact",
        "the DPO contact",
        o.dpo_contact,
        limit(records.ORGANISATION, "dpo_contact"),
        False,
    )
    check_text(
        errors,
        "appropriate_policy_document",
        "the policy document link",
        o.appropriate_policy_document,
        limit(records.ORGANISATION, "appropriate_policy_document"),
        False,
    )
    check_text(
        errors,
        "telephone",
        "the telephone number",
        o.telephone,
        limit(records.ORGANISATION, "telephone"),
        False,
    )
    check_text(errors, "email", "the email address", o.email, limit(records.ORGANISATION, "email"), False)
    if o.successor is not None and o.successor == o.key:
        errors["successor"] = "Successor: an organisation cannot succeed itself"
    else:
        _check_reference(
            errors,
            "successor",
            "Successor",
            o.successor,
            known.organisations,
            "organisation",
            unchanged=before is not None and before.successor == o.successor,
        )


def agreement_fields(errors: Errors, a: Agreement, known: Known, before: Agreement | None) -> None:
    """An agreement's own checks, its parties and its status included."""
    check_text(
        errors, "title", "the agreement's title", a.title, limit(records.AGREEMENT, "title"), required=True
    )
    check_text(errors, "version", "the version", a.version, limit(records.AGREEMENT, "version"), False)
    check_text(
        errors,
        "document_url",
        "the document link",
        a.document_url,
        limit(records.AGREEMENT, "document_url"),
        False,
    )
    check_text(
        errors,
        "dpia_reference",
        "the DPIA reference",
        a.dpia_reference,
        limit(records.AGREEMENT, "dpia_reference"),
        False,
    )
    _check_reference(
        errors,
        "owner",
        "Owner",
        a.owner,
        known.organisations,
        "organisation",
        unchanged=before is not None and before.owner == a.owner,
    )
    _check_dates(errors, a.start_date, a.end_date)
    if a.start_date and a.review_date and a.review_date < a.start_date:
        errors["review_date"] = REVIEW_BEFORE_START_MESSAGE
    for code in a.data_categories:
        if code not in known_categories():
            errors["data_categories"] = f"Data categories: {code} is not a known category"
    previous = before.party_keys() if before else set()
    seen: set[str] = set()
    for i, p in enumerate(a.parties):
        name = f"parties-{i}-organisation"
        if p.organisation in seen:
            errors[name] = f"Party {i + 1}: {p.organisation} is listed more than once"
        seen.add(p.organisation)
        _check_reference(
            errors,
            name,
            f"Party {i + 1}",
            p.organisation,
            known.organisations,
            "organisation",
            unchanged=p.organisation in previous,
        )
        _check_choice(errors, f"parties-{i}-role", f"role for party {i + 1}", p.role, domain.PARTY_ROLES)
        check_text(
            errors,
            f"parties-{i}-contract_reference",
            f"the contract reference for party {i + 1}",
            p.contract_reference,
            limit(records.PARTY, "contract_reference"),
            required=False,
        )
    problem = status_error(a, before, known.organisation_names)
    if problem:
        errors["status"] = problem


def flow_fields(errors: Errors, f: Flow, known: Known, before: Flow | None) -> None:
    """A flow's own checks: who sends and receives, under what agreement, and the law it relies on."""
    check_text(errors, "name", "the flow's name", f.name, limit(records.FLOW, "name"), required=True)
    orgs = known.organisations
    for name, label in (("source", "Source"), ("recipient", "Recipient")):
        value = getattr(f, name)
        if not value:
            errors[name] = f"Select the {label.lower()} organisation"
        else:
            _check_reference(
                errors,
                name,
                label,
                value,
                orgs,
                "organisation",
                unchanged=before is not None and getattr(before, name) == value,
            )
    if f.source and f.source == f.recipient and "recipient" not in errors:
        errors["recipient"] = "Recipient must be a different organisation from the source"
    _check_reference(
        errors,
        "agreement",
        "Agreement",
        f.agreement,
        known.agreements,
        "agreement",
        unchanged=before is not None and before.agreement == f.agreement,
    )
    check_text(errors, "programme", "the programme", f.programme, limit(records.FLOW, "programme"), False)
    _check_choice(errors, "status", "status", f.status, domain.FLOW_STATUSES)
    if f.identifiability is None:
        errors["identifiability"] = "Select whether the data is identifiable, pseudonymised or anonymised"
    _check_choice(errors, "identifiability", "identifiability", f.identifiability, domain.IDENTIFIABILITY)
    _check_choice(errors, "regime", "regime", f.regime, domain.REGIMES)
    _check_dates(errors, f.start_date, f.end_date)
    unknown = [c for c in f.data_categories if c not in known_categories()]
    if unknown:
        errors["data_categories"] = f"Data categories: {', '.join(unknown)} is not a known category"
    _check_choice(errors, "article6", "Art 6(1) lawful basis", f.article6, domain.ARTICLE6_CODES)
    _check_choice(errors, "article9", "Art 9(2) condition", f.article9, domain.ARTICLE9_CODES)
    _check_choice(
        errors,
        "law_enforcement_basis",
        "law enforcement basis",
        f.law_enforcement_basis,
        domain.LAW_ENFORCEMENT_BASES,
    )
    _schedule_fields(errors, f.basis, before.basis if before else None)
    recipient = f.recipient_basis
    if recipient is not None:
        prefix = "recipient_basis-"
        for name, label, allowed in (
            ("regime", "regime", domain.REGIMES),
            ("article6", "Art 6(1) lawful basis", domain.ARTICLE6_CODES),
            ("article9", "Art 9(2) condition", domain.ARTICLE9_CODES),
            ("law_enforcement_basis", "law enforcement basis", domain.LAW_ENFORCEMENT_BASES),
        ):
            _check_choice(
                errors, prefix + name, f"{label} for the recipient", getattr(recipient, name), allowed
            )
        _schedule_fields(
            errors, recipient, before.recipient_basis if before else None, prefix, "The recipient's basis, "
        )
    for identifier in f.legislation:
        if not _LEGISLATION_ID.match(identifier):
            errors["legislation_other"] = (
                f"Other provision '{identifier}' is not a legislation.gov.uk identifier, "
                "for example ukpga/1989/41/section/47"
            )
    transfer = f.international_transfer
    if transfer is not None:
        if not transfer.country.strip():
            errors["international_transfer-country"] = "Enter the country the data is transferred to"
        _check_choice(
            errors,
            "international_transfer-safeguard",
            "transfer safeguard",
            transfer.safeguard,
            domain.TRANSFER_SAFEGUARDS,
        )


def _schedule_fields(
    errors: Errors, basis: Basis, before: Basis | None, prefix: str = "", whose: str = ""
) -> None:
    """A basis's Schedule 1 and Schedule 8 paragraphs must be conditions as in force; a value that
    was saved before and is unchanged is kept (an edit of something else does not fail on it).

    ``prefix`` names the fields of a nested basis (``recipient_basis-``), ``whose`` starts the
    messages about it."""
    from ..core.law import SCHEDULE1, SCHEDULE1_NOT_CONDITIONS, SCHEDULE8

    if any(p in SCHEDULE1_NOT_CONDITIONS for p in basis.schedule1):
        errors[prefix + "schedule1"] = (
            f"{whose}Schedule 1: paragraph 5 is not a condition (it requires a policy document for "
            "Part 2); choose the Part 2 condition relied on"
        )
    elif any(p not in SCHEDULE1 for p in basis.schedule1) and basis.schedule1 != (
        before.schedule1 if before else None
    ):
        bad = [p for p in basis.schedule1 if p not in SCHEDULE1]
        errors[prefix + "schedule1"] = (
            f"{whose}Schedule 1: there is no paragraph {', '.join(bad)} of DPA 2018 Schedule 1"
        )
    if any(p not in SCHEDULE8 for p in basis.schedule8) and basis.schedule8 != (
        before.schedule8 if before else None
    ):
        bad = [p for p in basis.schedule8 if p not in SCHEDULE8]
        errors[prefix + "schedule8"] = (
            f"{whose}Schedule 8: there is no paragraph {', '.join(bad)} of DPA 2018 Schedule 8"
        )


# --- Sign-offs ---------------------------------------------------------------------------------


def sign_off_errors(
    a: Agreement, signed_by: str, signatory_role: str, signed_on: date | None, today: date
) -> Errors:
    """What is wrong with a party's sign-off of ``a`` (empty when nothing is)."""
    errors: Errors = {}
    check_text(
        errors,
        "signed_by",
        "the name of the person who signed",
        signed_by,
        limit(records.PARTY, "signed_by"),
        required=True,
    )
    check_text(
        errors,
        "signatory_role",
        "the signatory's role",
        signatory_role,
        limit(records.PARTY, "signatory_role"),
        required=True,
    )
    if signed_on is None:
        errors["signed_on"] = "Enter the date the party signed"
    elif signed_on > today:
        errors["signed_on"] = "Date signed must be today or in the past"
    if a.archived:
        errors["signed_by"] = f"Agreement {a.key} is archived and cannot be signed"
    elif a.status in ("expired", "terminated"):
        errors["signed_by"] = f"Agreement {a.key} is {a.status} and cannot be signed"
    return errors


# --- Archiving ---------------------------------------------------------------------------------


def agreement_blockers(session: Session, row: AgreementModel) -> list[str]:
    """An agreement cannot be archived while flows that are not archived cite it."""
    f = FlowModel.__table__
    flows = session.scalars(
        select(f.c.key).where(f.c.agreement_id == row.id, f.c.archived.is_(False)).order_by(f.c.key)
    ).all()
    if flows:
        return [
            f"Flows still cite this agreement: {', '.join(flows)}. Move them to another agreement "
            "or archive them first."
        ]
    return []


def organisation_blockers(session: Session, row: OrganisationModel) -> list[str]:
    """An organisation cannot be archived while it is the source or recipient of a live (planned or
    active) flow that is not archived, or a party to an active agreement that is not archived."""
    f, a, p = FlowModel.__table__, AgreementModel.__table__, AgreementParty.__table__
    flows = session.scalars(
        select(f.c.key)
        .where(
            or_(f.c.source_id == row.id, f.c.recipient_id == row.id),
            f.c.archived.is_(False),
            f.c.status.in_(LIVE_FLOW_STATUSES),
        )
        .order_by(f.c.key)
    ).all()
    agreements = session.scalars(
        select(a.c.key)
        .join(p, p.c.agreement_id == a.c.id)
        .where(p.c.organisation_id == row.id, a.c.archived.is_(False), a.c.status == "active")
        .order_by(a.c.key)
    ).all()
    reasons = []
    if flows:
        reasons.append(
            f"It is the source or recipient of live flows: {', '.join(flows)}. Cease, move or "
            "archive them first."
        )
    if agreements:
        reasons.append(
            f"It is a party to active agreements: {', '.join(agreements)}. Remove it from them, "
            "or end or archive them first."
        )
    return reasons
