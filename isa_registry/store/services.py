"""The write side of the record pages, and the few reads those pages need.

Every write takes a database session and the actor's email (never the Flask request), checks what
it is given, and then either commits the record together with its audit entry or rolls back and
raises one of:

* :class:`InvalidRecord`: bad input; ``errors`` maps each form field name to a message naming it;
* :class:`StaleRecord`: someone saved the record since the caller read it (the version the caller
  holds differs, or SQLAlchemy's optimistic lock raised ``StaleDataError``); carries the record as
  it is now, so that the caller can show the difference and nothing is overwritten;
* :class:`ArchiveBlocked`: live records still depend on the one being archived; lists them;
* :class:`NotFound`: no record has that key.

One save is one transaction: nothing is half-written. Records are archived, never deleted.

Agreement lifecycle (decided here, documented for the pages and the tests):

* an agreement is created as ``draft`` or ``under_review``, never straight into ``active``;
* each party's sign-off (who signed, in what capacity, on what date) is recorded on its own;
* an agreement becomes ``active`` only when it has at least one party and every party has signed;
  signing does **not** activate it on its own, even when the last party signs: bringing an
  agreement into force is a separate, audited decision of its owner (its start date may be later);
* the allowed status changes are in :data:`TRANSITIONS`; ``terminated`` is final.

The read side (lists with search, filters, sorting and pages; a record's history) issues a bounded
number of statements whatever the registry's size, doing its filtering in SQL.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import String, cast, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from ..core import domain, exchange
from ..core.domain import Agreement, Flow, Organisation, Party
from ..core.scope import LIVE_FLOW_STATUSES
from . import audit
from .models import Agreement as AgreementModel
from .models import AgreementParty, AuditEntry
from .models import Flow as FlowModel
from .models import Organisation as OrganisationModel
from .persist import agreement_ids, org_ids, set_agreement, set_flow, set_organisation
from .queries import (
    agreement_from_row,
    flow_from_row,
    org_keys,
    organisation_from_row,
    party_from_row,
    per_revision,
    registry_revision,
)

__all__ = [
    "INITIAL_STATUSES",
    "PER_PAGE",
    "TRANSITIONS",
    "ArchiveBlocked",
    "Difference",
    "HistoryEntry",
    "InvalidRecord",
    "ListParams",
    "NotFound",
    "Page",
    "ServiceError",
    "StaleRecord",
    "archive",
    "archive_blockers",
    "create_agreement",
    "create_flow",
    "create_organisation",
    "differences",
    "get_agreement",
    "get_flow",
    "get_organisation",
    "history",
    "list_agreements",
    "list_flows",
    "list_organisations",
    "restore",
    "set_agreement_status",
    "sign_agreement",
    "slice_page",
    "update_agreement",
    "update_flow",
    "update_organisation",
]

# --- Errors ------------------------------------------------------------------------------------

_ARTICLES = {"organisation": "An organisation", "agreement": "An agreement", "flow": "A flow"}


class ServiceError(Exception):
    """Something the caller asked for was not done; nothing was written."""


class NotFound(ServiceError):
    """No record of that type has that key."""

    def __init__(self, subject_type: str, key: str):
        self.subject_type, self.key = subject_type, key
        super().__init__(f"There is no {subject_type} with key {key}")


class InvalidRecord(ServiceError):
    """Bad input: ``errors`` maps form field names to messages that name the field."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(errors.values()))


class StaleRecord(ServiceError):
    """The record changed since the caller read it: ``current`` is how it is now."""

    def __init__(self, subject_type: str, key: str, current: dict[str, Any] | None, version_id: int | None):
        self.subject_type, self.key = subject_type, key
        self.current, self.version_id = current, version_id
        super().__init__(f"{subject_type.capitalize()} {key} was changed by someone else after you opened it")


class ArchiveBlocked(ServiceError):
    """Live records depend on the record: ``reasons`` says which, one plain sentence each."""

    def __init__(self, subject_type: str, key: str, reasons: list[str]):
        self.subject_type, self.key, self.reasons = subject_type, key, reasons
        super().__init__(f"{subject_type.capitalize()} {key} cannot be archived: " + " ".join(reasons))


# --- Differences (for conflicts and history) ----------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """One field whose value differs: what the editor submitted and what is saved now."""

    field: str
    theirs: Any
    current: Any


def differences(theirs: dict[str, Any], current: dict[str, Any]) -> list[Difference]:
    """The fields of two exchange dicts that differ, in the current record's field order."""
    names = list(current) + [k for k in theirs if k not in current]
    return [Difference(n, theirs.get(n), current.get(n)) for n in names if theirs.get(n) != current.get(n)]


# --- Conversions -------------------------------------------------------------------------------


def _mapping(row: Any) -> dict[str, Any]:
    """An ORM object's column values keyed by column name, for the ``queries`` converters."""
    return {c.name: getattr(row, c.key) for c in row.__table__.columns}


def _org_domain(row: OrganisationModel, keys: dict[int, str]) -> Organisation:
    return organisation_from_row(_mapping(row), keys)  # type: ignore[arg-type]


def _agreement_domain(row: AgreementModel, keys: dict[int, str]) -> Agreement:
    parties = [party_from_row(_mapping(p), keys) for p in row.parties]  # type: ignore[arg-type]
    return agreement_from_row(_mapping(row), keys, parties)  # type: ignore[arg-type]


def _flow_domain(row: FlowModel, keys: dict[int, str], agreement_keys: dict[int, str]) -> Flow:
    return flow_from_row(_mapping(row), keys, agreement_keys)  # type: ignore[arg-type]


def _agreement_keys(session: Session) -> dict[int, str]:
    return {i: k for k, i in agreement_ids(session).items()}


# --- Transactions and versions -----------------------------------------------------------------

T = TypeVar("T")


def _now() -> datetime:
    return datetime.now(UTC)


def _row(session: Session, model: Any, subject_type: str, key: str, *options: Any) -> Any:
    row = session.scalars(select(model).where(model.key == key).options(*options)).one_or_none()
    if row is None:
        raise NotFound(subject_type, key)
    return row


def _current_dict(session: Session, subject_type: str, key: str) -> tuple[dict[str, Any] | None, int | None]:
    """The record as it is saved now (read fresh), and its version."""
    keys = org_keys(session)
    if subject_type == "organisation":
        row = session.scalars(
            select(OrganisationModel)
            .where(OrganisationModel.key == key)
            .execution_options(populate_existing=True)
        ).one_or_none()
        return (
            (exchange.organisation_to_dict(_org_domain(row, keys)), row.version_id) if row else (None, None)
        )
    if subject_type == "agreement":
        row = session.scalars(
            select(AgreementModel)
            .where(AgreementModel.key == key)
            .options(selectinload(AgreementModel.parties))
            .execution_options(populate_existing=True)
        ).one_or_none()
        return (
            (exchange.agreement_to_dict(_agreement_domain(row, keys)), row.version_id)
            if row
            else (None, None)
        )
    row = session.scalars(
        select(FlowModel).where(FlowModel.key == key).execution_options(populate_existing=True)
    ).one_or_none()
    if row is None:
        return None, None
    return exchange.flow_to_dict(_flow_domain(row, keys, _agreement_keys(session))), row.version_id


def _stale(session: Session, subject_type: str, key: str) -> StaleRecord:
    current, version = _current_dict(session, subject_type, key)
    return StaleRecord(subject_type, key, current, version)


def _write(session: Session, subject_type: str, key: str, work: Callable[[], T]) -> T:
    """Run ``work`` and commit, or roll back everything and raise; a lost race is a StaleRecord."""
    try:
        result = work()
        session.commit()
    except StaleDataError:
        session.rollback()
        raise _stale(session, subject_type, key) from None
    except ServiceError:
        session.rollback()
        raise
    except IntegrityError as exc:
        session.rollback()
        # A record with the same key was saved between our check and our insert.
        model = {"organisation": OrganisationModel, "agreement": AgreementModel, "flow": FlowModel}[
            subject_type
        ]
        if session.scalar(select(func.count()).select_from(model).where(model.key == key)):
            raise InvalidRecord({"key": _duplicate(subject_type, key)}) from exc
        raise
    except BaseException:
        session.rollback()
        raise
    return result


def _check_version(row: Any, version_id: int | None, subject_type: str, current: dict[str, Any]) -> None:
    if version_id is not None and row.version_id != version_id:
        raise StaleRecord(subject_type, row.key, current, row.version_id)


def _touch(row: Any) -> None:
    """Mark the row changed so that its UPDATE checks and bumps ``version_id``.

    Needed for agreements, whose parties live in another table: a change to a party alone would
    otherwise leave the agreement's version where it was.
    """
    row.updated_at = _now()


# --- Validation --------------------------------------------------------------------------------

_KEY = re.compile(exchange.KEY_PATTERN)


def _duplicate(subject_type: str, key: str) -> str:
    return f"{_ARTICLES[subject_type]} with key {key} already exists"


def _check_key(errors: dict[str, str], subject_type: str, key: str, taken: bool) -> None:
    if not key:
        errors["key"] = f"Enter a key for the {subject_type}"
    elif not _KEY.match(key):
        errors["key"] = (
            "Key must be letters, digits, full stops, underscores or hyphens, start with a letter "
            "or digit and be at most 100 characters"
        )
    elif taken:
        errors["key"] = _duplicate(subject_type, key)


def _check_text(
    errors: dict[str, str], name: str, label: str, value: str | None, limit: int, required: bool
) -> None:
    if required and not (value or "").strip():
        errors[name] = f"Enter {label}"
    elif value and len(value) > limit:
        errors[name] = f"{label[0].upper()}{label[1:]} must be {limit} characters or fewer"


def _check_choice(
    errors: dict[str, str], name: str, label: str, value: str | None, allowed: Sequence[str]
) -> None:
    if value is not None and value not in allowed:
        errors[name] = f"Select a valid {label}"


def _check_dates(errors: dict[str, str], start: date | None, end: date | None) -> None:
    if start and end and end < start:
        errors["end_date"] = "End date must be the same as or after the start date"


@dataclass(frozen=True)
class _Known:
    """Keys in the registry and whether each is archived."""

    organisations: dict[str, bool]
    agreements: dict[str, bool]


def _known(session: Session) -> _Known:
    o, a = OrganisationModel.__table__, AgreementModel.__table__
    return _Known(
        organisations=dict(session.execute(select(o.c.key, o.c.archived)).all()),  # type: ignore[arg-type]
        agreements=dict(session.execute(select(a.c.key, a.c.archived)).all()),  # type: ignore[arg-type]
    )


def _check_reference(
    errors: dict[str, str],
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


def _schema_problems(errors: dict[str, str], section: str, record: dict[str, Any], known: _Known) -> None:
    """The exchange format's own checks, as a backstop behind the friendlier ones above."""
    if errors:
        return
    doc = {"format": exchange.FORMAT, "organisations": [], "agreements": [], "flows": []}
    doc[section] = [record]
    for problem in exchange.validate_document(doc, known.organisations, known.agreements):
        name = problem.field.replace(".", "-") or "key"
        errors.setdefault(name, f"{problem.field or 'Record'}: {problem.message}")


def _organisation_errors(o: Organisation, known: _Known, before: Organisation | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if before is None:
        _check_key(errors, "organisation", o.key, o.key in known.organisations)
    _check_text(errors, "name", "the organisation's name", o.name, 300, required=True)
    _check_choice(errors, "kind", "kind of organisation", o.kind, domain.ORGANISATION_KINDS)
    if o.kind is None:
        errors["kind"] = "Select the kind of organisation"
    if not isinstance(o.public_authority, bool):
        errors["public_authority"] = "Select whether the organisation is a public authority"
    _check_choice(errors, "status", "status", o.status, domain.ORGANISATION_STATUSES)
    _check_text(errors, "ico_registration", "the ICO registration number", o.ico_registration, 50, False)
    _check_text(errors, "dpo_contact", "the DPO contact", o.dpo_contact, 300, False)
    _check_text(
        errors,
        "appropriate_policy_document",
        "the policy document link",
        o.appropriate_policy_document,
        1000,
        False,
    )
    _check_text(errors, "telephone", "the telephone number", o.telephone, 100, False)
    _check_text(errors, "email", "the email address", o.email, 300, False)
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
    _schema_problems(errors, "organisations", exchange.organisation_to_dict(o), known)
    return errors


#: The status changes an agreement may make (``terminated`` is final).
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"under_review", "active", "terminated"}),
    "under_review": frozenset({"draft", "active", "terminated"}),
    "active": frozenset({"under_review", "expired", "terminated"}),
    "expired": frozenset({"under_review", "terminated"}),
    "terminated": frozenset(),
}
#: The statuses a new agreement may have.
INITIAL_STATUSES = ("draft", "under_review")

_STATUS_WORDS = {
    "draft": "draft",
    "under_review": "under review",
    "active": "active",
    "expired": "expired",
    "terminated": "terminated",
}


def unsigned_parties(a: Agreement) -> list[str]:
    """The keys of the parties that have not signed."""
    return [p.organisation for p in a.parties if p.signed_on is None]


def _status_error(a: Agreement, before: Agreement | None) -> str | None:
    """Why the agreement may not have its status, or None."""
    if a.status not in domain.AGREEMENT_STATUSES:
        return "Select a valid status"
    if before is None:
        if a.status not in INITIAL_STATUSES:
            return (
                "Status: a new agreement starts as draft or under review; record each party's "
                "sign-off, then activate it"
            )
        return None
    if a.status != before.status and a.status not in TRANSITIONS[before.status]:
        allowed = ", ".join(_STATUS_WORDS[s] for s in sorted(TRANSITIONS[before.status])) or "nothing"
        return (
            f"Status: a {_STATUS_WORDS[before.status]} agreement cannot become {_STATUS_WORDS[a.status]} "
            f"(it can become {allowed})"
        )
    if a.status == "active" and before.status != "active":
        if not a.parties:
            return "Status: an agreement cannot be activated until it has parties and every party has signed"
        missing = unsigned_parties(a)
        if missing:
            return (
                "Status: an agreement becomes active only when every party has signed; "
                f"not yet signed: {', '.join(missing)}"
            )
    return None


def _agreement_errors(a: Agreement, known: _Known, before: Agreement | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if before is None:
        _check_key(errors, "agreement", a.key, a.key in known.agreements)
    _check_text(errors, "title", "the agreement's title", a.title, 500, required=True)
    _check_text(errors, "version", "the version", a.version, 50, False)
    _check_text(errors, "document_url", "the document link", a.document_url, 1000, False)
    _check_text(errors, "dpia_reference", "the DPIA reference", a.dpia_reference, 300, False)
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
    for code in a.data_categories:
        if code not in _categories():
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
    problem = _status_error(a, before)
    if problem:
        errors["status"] = problem
    _schema_problems(errors, "agreements", exchange.agreement_to_dict(a), known)
    return errors


def _categories() -> dict[str, Any]:
    from ..core.law import CATEGORIES

    return CATEGORIES


def _flow_errors(f: Flow, known: _Known, before: Flow | None) -> dict[str, str]:
    from ..core.law import SCHEDULE1, SCHEDULE1_NOT_CONDITIONS, SCHEDULE8

    errors: dict[str, str] = {}
    if before is None:
        _check_key(errors, "flow", f.key, False)
    _check_text(errors, "name", "the flow's name", f.name, 500, required=True)
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
    _check_text(errors, "programme", "the programme", f.programme, 300, False)
    _check_choice(errors, "status", "status", f.status, domain.FLOW_STATUSES)
    if f.identifiability is None:
        errors["identifiability"] = "Select whether the data is identifiable, pseudonymised or anonymised"
    _check_choice(errors, "identifiability", "identifiability", f.identifiability, domain.IDENTIFIABILITY)
    _check_choice(errors, "regime", "regime", f.regime, domain.REGIMES)
    _check_dates(errors, f.start_date, f.end_date)
    unknown = [c for c in f.data_categories if c not in _categories()]
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
    if any(p in SCHEDULE1_NOT_CONDITIONS for p in f.schedule1):
        errors["schedule1"] = (
            "Schedule 1: paragraph 5 is not a condition (it requires a policy document for Part 2); "
            "choose the Part 2 condition relied on"
        )
    elif any(p not in SCHEDULE1 for p in f.schedule1) and f.schedule1 != (
        before.schedule1 if before else None
    ):
        bad = [p for p in f.schedule1 if p not in SCHEDULE1]
        errors["schedule1"] = f"Schedule 1: there is no paragraph {', '.join(bad)} of DPA 2018 Schedule 1"
    if any(p not in SCHEDULE8 for p in f.schedule8) and f.schedule8 != (before.schedule8 if before else None):
        bad = [p for p in f.schedule8 if p not in SCHEDULE8]
        errors["schedule8"] = f"Schedule 8: there is no paragraph {', '.join(bad)} of DPA 2018 Schedule 8"
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
    _schema_problems(errors, "flows", exchange.flow_to_dict(f), known)
    return errors


#: A legislation.gov.uk identifier: type/year/number, then any sub-division (no spaces).
_LEGISLATION_ID = re.compile(r"^[a-z]{2,10}/[A-Za-z0-9]+(/[A-Za-z0-9._-]+)*$")


# --- Organisations -----------------------------------------------------------------------------


def _org_row(session: Session, key: str) -> OrganisationModel:
    return _row(session, OrganisationModel, "organisation", key)


def get_organisation(session: Session, key: str) -> tuple[Organisation, int]:
    """The organisation and its version."""
    row = _org_row(session, key)
    return _org_domain(row, org_keys(session)), row.version_id


def create_organisation(session: Session, actor: str, o: Organisation) -> Organisation:
    """Create an organisation; raises InvalidRecord."""

    def work() -> Organisation:
        record = replace(o, archived=False)
        errors = _organisation_errors(record, _known(session), None)
        if errors:
            raise InvalidRecord(errors)
        row = OrganisationModel(key=record.key)
        session.add(row)
        set_organisation(row, record, org_ids(session))
        session.flush()
        audit.append(
            session,
            actor,
            [audit.Change("create", "organisation", record.key, None, exchange.organisation_to_dict(record))],
        )
        return record

    return _write(session, "organisation", o.key, work)


def update_organisation(
    session: Session, actor: str, key: str, o: Organisation, version_id: int | None
) -> Organisation:
    """Save changes to an organisation read at ``version_id``; raises InvalidRecord or StaleRecord."""

    def work() -> Organisation:
        row = _org_row(session, key)
        before = _org_domain(row, org_keys(session))
        _check_version(row, version_id, "organisation", exchange.organisation_to_dict(before))
        record = replace(o, key=key, archived=before.archived)
        errors = _organisation_errors(record, _known(session), before)
        if errors:
            raise InvalidRecord(errors)
        old, new = exchange.organisation_to_dict(before), exchange.organisation_to_dict(record)
        if old == new:
            return record
        set_organisation(row, record, org_ids(session))
        _touch(row)
        session.flush()
        audit.append(session, actor, [audit.Change("update", "organisation", key, old, new)])
        return record

    return _write(session, "organisation", key, work)


# --- Agreements --------------------------------------------------------------------------------


def _agreement_row(session: Session, key: str) -> AgreementModel:
    return _row(session, AgreementModel, "agreement", key, selectinload(AgreementModel.parties))


def get_agreement(session: Session, key: str) -> tuple[Agreement, int]:
    """The agreement, parties included, and its version."""
    row = _agreement_row(session, key)
    return _agreement_domain(row, org_keys(session)), row.version_id


def create_agreement(session: Session, actor: str, a: Agreement) -> Agreement:
    """Create an agreement as draft or under review; raises InvalidRecord."""

    def work() -> Agreement:
        record = replace(a, archived=False)
        errors = _agreement_errors(record, _known(session), None)
        if errors:
            raise InvalidRecord(errors)
        row = AgreementModel(key=record.key)
        session.add(row)
        set_agreement(row, record, org_ids(session))
        session.flush()
        audit.append(
            session,
            actor,
            [audit.Change("create", "agreement", record.key, None, exchange.agreement_to_dict(record))],
        )
        return record

    return _write(session, "agreement", a.key, work)


def _sync_parties(row: AgreementModel, parties: list[Party], ids: dict[str, int]) -> None:
    """Make the rows match ``parties``, updating kept parties in place (so no unique clash)."""
    existing = {p.organisation_id: p for p in row.parties}
    rows = []
    for i, p in enumerate(parties):
        party = existing.get(ids[p.organisation]) or AgreementParty(organisation_id=ids[p.organisation])
        party.position, party.role = i, p.role
        party.signed_on, party.signed_by, party.signatory_role = p.signed_on, p.signed_by, p.signatory_role
        rows.append(party)
    row.parties = rows


def _save_agreement(session: Session, row: AgreementModel, record: Agreement) -> None:
    ids = org_ids(session)
    for name in (
        "title status version start_date review_date end_date document_url dpia_reference archived"
    ).split():
        setattr(row, name, getattr(record, name))
    row.purpose = record.purpose or ""
    row.data_categories = list(record.data_categories)
    row.owner_id = ids[record.owner] if record.owner else None
    _sync_parties(row, record.parties, ids)
    _touch(row)
    session.flush()


def update_agreement(
    session: Session, actor: str, key: str, a: Agreement, version_id: int | None
) -> Agreement:
    """Save changes to an agreement read at ``version_id``.

    Parties are matched by organisation: a party that stays keeps its sign-off (only the sign-off
    form records one); a new party starts unsigned. Raises InvalidRecord or StaleRecord.
    """

    def work() -> Agreement:
        row = _agreement_row(session, key)
        before = _agreement_domain(row, org_keys(session))
        _check_version(row, version_id, "agreement", exchange.agreement_to_dict(before))
        signed = {p.organisation: p for p in before.parties}
        parties = [
            replace(signed[p.organisation], role=p.role)
            if p.organisation in signed
            else Party(p.organisation, p.role)
            for p in a.parties
        ]
        record = replace(a, key=key, archived=before.archived, parties=parties)
        errors = _agreement_errors(record, _known(session), before)
        if errors:
            raise InvalidRecord(errors)
        old, new = exchange.agreement_to_dict(before), exchange.agreement_to_dict(record)
        if old == new:
            return record
        _save_agreement(session, row, record)
        audit.append(session, actor, [audit.Change("update", "agreement", key, old, new)])
        return record

    return _write(session, "agreement", key, work)


def sign_agreement(
    session: Session,
    actor: str,
    key: str,
    organisation: str,
    signed_by: str,
    signatory_role: str,
    signed_on: date | None,
    version_id: int | None,
    today: date | None = None,
) -> Agreement:
    """Record one party's sign-off: who signed, in what capacity, on what date.

    Signing never changes the agreement's status (see the module docstring). Raises NotFound when
    the organisation is not a party, InvalidRecord, or StaleRecord.
    """
    today = today or date.today()

    def work() -> Agreement:
        row = _agreement_row(session, key)
        before = _agreement_domain(row, org_keys(session))
        _check_version(row, version_id, "agreement", exchange.agreement_to_dict(before))
        if organisation not in before.party_keys():
            raise NotFound("party", f"{organisation} to agreement {key}")
        errors: dict[str, str] = {}
        _check_text(errors, "signed_by", "the name of the person who signed", signed_by, 300, required=True)
        _check_text(errors, "signatory_role", "the signatory's role", signatory_role, 300, required=True)
        if signed_on is None:
            errors["signed_on"] = "Enter the date the party signed"
        elif signed_on > today:
            errors["signed_on"] = "Date signed must be today or in the past"
        if before.archived:
            errors["signed_by"] = f"Agreement {key} is archived and cannot be signed"
        elif before.status in ("expired", "terminated"):
            errors["signed_by"] = f"Agreement {key} is {before.status} and cannot be signed"
        if errors:
            raise InvalidRecord(errors)
        parties = [
            replace(
                p, signed_by=signed_by.strip(), signatory_role=signatory_role.strip(), signed_on=signed_on
            )
            if p.organisation == organisation
            else p
            for p in before.parties
        ]
        record = replace(before, parties=parties)
        old, new = exchange.agreement_to_dict(before), exchange.agreement_to_dict(record)
        if old == new:
            return record
        _save_agreement(session, row, record)
        audit.append(session, actor, [audit.Change("sign", "agreement", key, old, new)])
        return record

    return _write(session, "agreement", key, work)


def set_agreement_status(
    session: Session, actor: str, key: str, status: str, version_id: int | None
) -> Agreement:
    """Move an agreement through its lifecycle (:data:`TRANSITIONS`).

    Activation is refused, naming the parties, unless every party has signed. Raises InvalidRecord
    (with the reason under ``status``) or StaleRecord.
    """

    def work() -> Agreement:
        row = _agreement_row(session, key)
        before = _agreement_domain(row, org_keys(session))
        _check_version(row, version_id, "agreement", exchange.agreement_to_dict(before))
        if before.archived:
            raise InvalidRecord(
                {"status": f"Agreement {key} is archived: restore it before changing its status"}
            )
        record = replace(before, status=status)
        problem = _status_error(record, before)
        if problem:
            raise InvalidRecord({"status": problem})
        if status == before.status:
            return record
        _save_agreement(session, row, record)
        audit.append(
            session,
            actor,
            [
                audit.Change(
                    "status",
                    "agreement",
                    key,
                    exchange.agreement_to_dict(before),
                    exchange.agreement_to_dict(record),
                )
            ],
        )
        return record

    return _write(session, "agreement", key, work)


# --- Flows -------------------------------------------------------------------------------------


def _flow_row(session: Session, key: str) -> FlowModel:
    return _row(session, FlowModel, "flow", key)


def get_flow(session: Session, key: str) -> tuple[Flow, int]:
    """The flow and its version."""
    row = _flow_row(session, key)
    return _flow_domain(row, org_keys(session), _agreement_keys(session)), row.version_id


def _flow_key_taken(session: Session, key: str) -> bool:
    return bool(session.scalar(select(func.count()).select_from(FlowModel).where(FlowModel.key == key)))


def create_flow(session: Session, actor: str, f: Flow) -> Flow:
    """Create a flow; raises InvalidRecord (a duplicate key, source == recipient, end before start...)."""

    def work() -> Flow:
        record = replace(f, archived=False)
        errors = _flow_errors(record, _known(session), None)
        if "key" not in errors and _flow_key_taken(session, record.key):
            errors["key"] = _duplicate("flow", record.key)
        if errors:
            raise InvalidRecord(errors)
        row = FlowModel(key=record.key)
        session.add(row)
        set_flow(row, record, org_ids(session), agreement_ids(session))
        session.flush()
        audit.append(
            session, actor, [audit.Change("create", "flow", record.key, None, exchange.flow_to_dict(record))]
        )
        return record

    return _write(session, "flow", f.key, work)


def update_flow(session: Session, actor: str, key: str, f: Flow, version_id: int | None) -> Flow:
    """Save changes to a flow read at ``version_id``; raises InvalidRecord or StaleRecord."""

    def work() -> Flow:
        row = _flow_row(session, key)
        before = _flow_domain(row, org_keys(session), _agreement_keys(session))
        _check_version(row, version_id, "flow", exchange.flow_to_dict(before))
        record = replace(f, key=key, archived=before.archived)
        errors = _flow_errors(record, _known(session), before)
        if errors:
            raise InvalidRecord(errors)
        old, new = exchange.flow_to_dict(before), exchange.flow_to_dict(record)
        if old == new:
            return record
        set_flow(row, record, org_ids(session), agreement_ids(session))
        _touch(row)
        session.flush()
        audit.append(session, actor, [audit.Change("update", "flow", key, old, new)])
        return record

    return _write(session, "flow", key, work)


# --- Archiving ---------------------------------------------------------------------------------

_MODELS = {"organisation": OrganisationModel, "agreement": AgreementModel, "flow": FlowModel}


def archive_blockers(session: Session, subject_type: str, key: str) -> list[str]:
    """Why the record cannot be archived now (empty when it can), one sentence per reason.

    An agreement cannot be archived while flows that are not archived cite it. An organisation
    cannot be archived while it is the source or recipient of a live (planned or active) flow that
    is not archived, or a party to an active agreement that is not archived. A flow can always be.
    """
    f, a, p = FlowModel.__table__, AgreementModel.__table__, AgreementParty.__table__
    if subject_type == "agreement":
        row = _row(session, AgreementModel, "agreement", key)
        flows = session.scalars(
            select(f.c.key).where(f.c.agreement_id == row.id, f.c.archived.is_(False)).order_by(f.c.key)
        ).all()
        if flows:
            return [
                f"Flows still cite this agreement: {', '.join(flows)}. Move them to another agreement "
                "or archive them first."
            ]
        return []
    if subject_type == "organisation":
        row = _row(session, OrganisationModel, "organisation", key)
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
    _row(session, FlowModel, "flow", key)
    return []


def _set_archived(
    session: Session, actor: str, subject_type: str, key: str, archived: bool, version_id: int | None
) -> None:
    def work() -> None:
        if archived:
            reasons = archive_blockers(session, subject_type, key)
            if reasons:
                raise ArchiveBlocked(subject_type, key, reasons)
        keys = org_keys(session)
        if subject_type == "organisation":
            row = _org_row(session, key)
            to_dict: Callable[[Any], dict[str, Any]] = exchange.organisation_to_dict
            before: Any = _org_domain(row, keys)
        elif subject_type == "agreement":
            row = _agreement_row(session, key)
            to_dict, before = exchange.agreement_to_dict, _agreement_domain(row, keys)
        else:
            row = _flow_row(session, key)
            to_dict, before = exchange.flow_to_dict, _flow_domain(row, keys, _agreement_keys(session))
        _check_version(row, version_id, subject_type, to_dict(before))
        if row.archived == archived:
            return
        row.archived = archived
        _touch(row)
        session.flush()
        audit.append(
            session,
            actor,
            [
                audit.Change(
                    "archive" if archived else "restore",
                    subject_type,
                    key,
                    to_dict(before),
                    to_dict(replace(before, archived=archived)),
                )
            ],
        )

    _write(session, subject_type, key, work)


def archive(session: Session, actor: str, subject_type: str, key: str, version_id: int | None = None) -> None:
    """Archive a record (hide it from lists and checks; never delete); raises ArchiveBlocked."""
    _set_archived(session, actor, subject_type, key, True, version_id)


def restore(session: Session, actor: str, subject_type: str, key: str, version_id: int | None = None) -> None:
    """Bring an archived record back."""
    _set_archived(session, actor, subject_type, key, False, version_id)


# --- Lists -------------------------------------------------------------------------------------

PER_PAGE = 50


@dataclass
class ListParams:
    """What a list page asks for: search text, filters, sort column and direction, page."""

    q: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    sort: str = ""
    dir: str = "asc"
    page: int = 1
    include_archived: bool = False


@dataclass
class Page:
    """One page of a list: the rows (plain dicts, or what a list held in memory holds) and where
    it is in the whole."""

    items: list[Any]
    total: int
    page: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first(self) -> int:
        return 0 if not self.total else (self.page - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.per_page)

    # What the shared pagination macro reads (the Flask-SQLAlchemy Pagination interface).
    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def iter_pages(
        self, left_edge: int = 1, left_current: int = 2, right_current: int = 3, right_edge: int = 1
    ) -> Iterator[int | None]:
        """Page numbers to link, with None where a run of numbers is left out."""
        last = 0
        for number in range(1, self.pages + 1):
            if (
                number <= left_edge
                or self.page - left_current <= number < self.page + right_current
                or number > self.pages - right_edge
            ):
                if last + 1 != number:
                    yield None
                yield number
                last = number


def slice_page(items: Sequence[Any], page: int, per_page: int) -> Page:
    """Page ``page`` (kept between the first and the last) of a list held in memory: findings
    grouped by record, a map's connections."""
    pages = max(1, math.ceil(len(items) / per_page))
    page = min(max(page, 1), pages)
    return Page(
        items=list(items[(page - 1) * per_page : page * per_page]),
        total=len(items),
        page=page,
        per_page=per_page,
    )


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def _search(q: str, *columns: Any) -> Any:
    pattern = _like(q.strip())
    return or_(*(func.lower(c).like(pattern, escape="\\") for c in columns))


def _paginate(session: Session, stmt: Any, order: list[Any], params: ListParams, kind: str) -> Page:
    """One page of ``stmt`` in ``order``. The number of matching records is counted once per
    registry revision for each search (:func:`~isa_registry.store.queries.per_revision`): counting
    20,000 joined rows costs more than fetching a page of them. The search is the text, the
    filters (a severity filter stands for the findings on today's date, hence the date), and
    whether archived records are included."""
    revision = registry_revision(session)
    search = (params.q.strip(), tuple(sorted(params.filters.items())), params.include_archived, date.today())
    total = per_revision(
        revision,
        f"{kind}-count",
        search,
        lambda: session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0,
        session,
    )
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(max(1, params.page), pages)
    rows = (
        session.execute(stmt.order_by(*order).limit(PER_PAGE).offset((page - 1) * PER_PAGE)).mappings().all()
    )
    return Page(items=[dict(r) for r in rows], total=total, page=page)


def _order(columns: dict[str, Any], params: ListParams, default: str, tiebreak: Any) -> list[Any]:
    column = columns.get(params.sort, columns[default])
    direction = column.desc() if params.dir == "desc" else column.asc()
    return [direction.nulls_last() if params.dir != "desc" else direction.nulls_first(), tiebreak.asc()]


def list_organisations(session: Session, params: ListParams) -> Page:
    """Organisations matching ``params``: q over key and name; filters kind, status, public_authority."""
    o = OrganisationModel.__table__
    stmt = select(o.c.key, o.c.name, o.c.kind, o.c.public_authority, o.c.status, o.c.archived)
    if params.q.strip():
        stmt = stmt.where(_search(params.q, o.c.key, o.c.name))
    if params.filters.get("kind"):
        stmt = stmt.where(o.c.kind == params.filters["kind"])
    if params.filters.get("status"):
        stmt = stmt.where(o.c.status == params.filters["status"])
    if params.filters.get("public_authority") in ("yes", "no"):
        stmt = stmt.where(o.c.public_authority.is_(params.filters["public_authority"] == "yes"))
    if not params.include_archived:
        stmt = stmt.where(o.c.archived.is_(False))
    columns = {
        "key": o.c.key,
        "name": o.c.name,
        "kind": o.c.kind,
        "public_authority": o.c.public_authority,
        "status": o.c.status,
    }
    return _paginate(session, stmt, _order(columns, params, "name", o.c.key), params, "organisations")


def list_agreements(session: Session, params: ListParams) -> Page:
    """Agreements matching ``params``: q over key and title; filters status, owner, party."""
    a, o, p = AgreementModel.__table__, OrganisationModel.__table__.alias("owner"), AgreementParty.__table__
    party_org = OrganisationModel.__table__.alias("party_org")
    parties = (
        select(func.count()).select_from(p).where(p.c.agreement_id == a.c.id).correlate(a).scalar_subquery()
    )
    unsigned = (
        select(func.count())
        .select_from(p)
        .where(p.c.agreement_id == a.c.id, p.c.signed_on.is_(None))
        .correlate(a)
        .scalar_subquery()
    )
    stmt = select(
        a.c.key,
        a.c.title,
        a.c.status,
        a.c.start_date,
        a.c.review_date,
        a.c.end_date,
        a.c.archived,
        o.c.key.label("owner"),
        o.c.name.label("owner_name"),
        parties.label("parties"),
        unsigned.label("unsigned"),
    ).select_from(a.outerjoin(o, o.c.id == a.c.owner_id))
    if params.q.strip():
        stmt = stmt.where(_search(params.q, a.c.key, a.c.title))
    if params.filters.get("status"):
        stmt = stmt.where(a.c.status == params.filters["status"])
    if params.filters.get("owner"):
        stmt = stmt.where(o.c.key == params.filters["owner"])
    if params.filters.get("party"):
        stmt = stmt.where(
            exists(
                select(p.c.id)
                .join(party_org, party_org.c.id == p.c.organisation_id)
                .where(p.c.agreement_id == a.c.id, party_org.c.key == params.filters["party"])
            )
        )
    if not params.include_archived:
        stmt = stmt.where(a.c.archived.is_(False))
    columns = {
        "key": a.c.key,
        "title": a.c.title,
        "status": a.c.status,
        "owner": o.c.name,
        "start_date": a.c.start_date,
        "review_date": a.c.review_date,
        "end_date": a.c.end_date,
    }
    return _paginate(session, stmt, _order(columns, params, "key", a.c.key), params, "agreements")


#: The organisations table as a flow's source and as its recipient, for :func:`list_flows` (made
#: once: an alias builds its columns again each time it is made).
_SOURCES = OrganisationModel.__table__.alias("src")
_RECIPIENTS = OrganisationModel.__table__.alias("dst")


def list_flows(
    session: Session, params: ListParams, keys: set[str] | None = None, exclude: set[str] | None = None
) -> Page:
    """Flows matching ``params``: q over key and name; filters source, recipient, agreement,
    programme, status and category. ``keys`` keeps only those flows and ``exclude`` leaves those
    out (the view's severity filter, which needs the rules)."""
    f, a, src, dst = FlowModel.__table__, AgreementModel.__table__, _SOURCES, _RECIPIENTS
    stmt = select(
        f.c.key,
        f.c.name,
        f.c.status,
        f.c.programme,
        f.c.identifiability,
        f.c.start_date,
        f.c.archived,
        src.c.key.label("source"),
        src.c.name.label("source_name"),
        dst.c.key.label("recipient"),
        dst.c.name.label("recipient_name"),
        a.c.key.label("agreement"),
    ).select_from(
        f.join(src, src.c.id == f.c.source_id)
        .join(dst, dst.c.id == f.c.recipient_id)
        .outerjoin(a, a.c.id == f.c.agreement_id)
    )
    flt = params.filters
    if params.q.strip():
        stmt = stmt.where(_search(params.q, f.c.key, f.c.name))
    if flt.get("source"):
        stmt = stmt.where(src.c.key == flt["source"])
    if flt.get("recipient"):
        stmt = stmt.where(dst.c.key == flt["recipient"])
    if flt.get("agreement") == "none":
        stmt = stmt.where(f.c.agreement_id.is_(None))
    elif flt.get("agreement"):
        stmt = stmt.where(a.c.key == flt["agreement"])
    if flt.get("programme"):
        stmt = stmt.where(f.c.programme == flt["programme"])
    if flt.get("status"):
        stmt = stmt.where(f.c.status == flt["status"])
    if flt.get("category") and flt["category"] in _categories():
        # Category codes are plain identifiers, so the quoted code matches exactly one JSON element.
        stmt = stmt.where(cast(f.c.data_categories, String).like(f'%"{flt["category"]}"%'))
    if keys is not None:
        stmt = stmt.where(f.c.key.in_(sorted(keys)) if keys else f.c.key.is_(None))
    if exclude:
        stmt = stmt.where(f.c.key.not_in(sorted(exclude)))
    if not params.include_archived:
        stmt = stmt.where(f.c.archived.is_(False))
    columns = {
        "key": f.c.key,
        "name": f.c.name,
        "source": src.c.name,
        "recipient": dst.c.name,
        "agreement": a.c.key,
        "programme": f.c.programme,
        "status": f.c.status,
        "start_date": f.c.start_date,
    }
    return _paginate(session, stmt, _order(columns, params, "key", f.c.key), params, "flows")


def version_of(session: Session, subject_type: str, key: str) -> int | None:
    """The record's current version (one statement), or None when there is no such record."""
    model = _MODELS[subject_type]
    return session.scalar(select(model.version_id).where(model.key == key))


def duplicate_key(session: Session, subject_type: str, key: str | None) -> str | None:
    """The message for a key that another record of the type already has, or None."""
    model = _MODELS[subject_type]
    if key and session.scalar(select(func.count()).select_from(model).where(model.key == key)):
        return _duplicate(subject_type, key)
    return None


def organisation_name(session: Session, key: str) -> str:
    """The organisation's name (one statement), or its key when there is none."""
    return session.scalar(select(OrganisationModel.name).where(OrganisationModel.key == key)) or key


def programmes(session: Session) -> list[str]:
    """The programmes that flows name, for the flows list's filter."""
    f = FlowModel.__table__
    return list(
        session.scalars(
            select(f.c.programme).where(f.c.programme.is_not(None)).distinct().order_by(f.c.programme)
        )
    )


def organisation_choices(session: Session, keep: Sequence[str | None] = ()) -> list[tuple[str, str]]:
    """(key, name) of every organisation that is not archived, plus any in ``keep``, by name."""
    o = OrganisationModel.__table__
    wanted = [k for k in keep if k]
    rows = session.execute(
        select(o.c.key, o.c.name)
        .where(or_(o.c.archived.is_(False), o.c.key.in_(wanted)))
        .order_by(o.c.name, o.c.key)
    ).all()
    return [(k, n) for k, n in rows]


def agreement_choices(session: Session, keep: Sequence[str | None] = ()) -> list[tuple[str, str]]:
    """(key, title) of every agreement that is not archived, plus any in ``keep``, by key."""
    a = AgreementModel.__table__
    wanted = [k for k in keep if k]
    rows = session.execute(
        select(a.c.key, a.c.title).where(or_(a.c.archived.is_(False), a.c.key.in_(wanted))).order_by(a.c.key)
    ).all()
    return [(k, t) for k, t in rows]


# --- History -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    """One audited change to a record, with the fields it changed."""

    seq: int
    at: datetime
    actor: str
    action: str
    changed: list[str]


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    """The top-level fields whose values differ between two exchange dicts."""
    if before is None or after is None:
        return []
    return [d.field for d in differences(after, before)]


def history(session: Session, subject_type: str, key: str, limit: int = 100) -> list[HistoryEntry]:
    """The record's audit entries, newest first (one statement)."""
    rows = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.subject_type == subject_type, AuditEntry.subject_key == key)
        .order_by(AuditEntry.seq.desc())
        .limit(limit)
    )
    return [HistoryEntry(r.seq, r.at, r.actor, r.action, changed_fields(r.before, r.after)) for r in rows]
