"""The three kinds of registry record (organisation, agreement, flow), each described once.

A :class:`RecordType` says what the generic reads and writes need to know of a kind of record: its
table and how a row becomes a domain record, how the record is checked and copied onto its row,
what an edit keeps of the saved record, what blocks archiving it, and how people name it. Code
that works on any record looks its type up in :data:`RECORD_TYPES` by subject type (the word the
audit log and the findings use) instead of testing the word itself.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import selectinload

from ..core import exchange
from ..core.domain import Agreement, Flow, Organisation, Party, Registry
from . import validation
from .db import Session
from .models import Agreement as AgreementModel
from .models import Flow as FlowModel
from .models import Organisation as OrganisationModel
from .persist import agreement_ids, org_ids
from .queries import org_keys
from .rows import (
    agreement_from_row,
    flow_from_row,
    organisation_from_row,
    party_from_row,
    set_agreement,
    set_flow,
    set_organisation,
)

__all__ = ["AGREEMENT", "FLOW", "ORGANISATION", "RECORD_TYPES", "RecordType"]

R = TypeVar("R", Organisation, Agreement, Flow)


@dataclass(frozen=True)
class RecordType(Generic[R]):
    """What the generic reads and writes need to know of one kind of record."""

    #: The word the audit log, the findings and the messages use: "organisation".
    subject_type: str
    #: How a sentence about one such record starts: "An organisation".
    label: str
    #: The exchange document's section, the registry's mapping and the pages' path: "organisations".
    section: str
    model: type[Any]
    #: Loader options that read a row whole (an agreement's parties).
    load: tuple[Any, ...]
    #: The domain record of a row (reads the keys its references need).
    from_row: Callable[[Session, Any], R]
    to_dict: Callable[[R], dict[str, Any]]
    #: The type's own checks (:func:`~isa_registry.store.validation.record_errors` runs them).
    check_fields: Callable[[dict[str, str], R, validation.Known, R | None], None]
    #: The keys a new record's key must not clash with; None when there are too many to load, and
    #: a new key is looked up in SQL after the other checks.
    known_keys: Callable[[validation.Known], Mapping[str, bool]] | None
    #: Copy the record onto its row (new or existing).
    write: Callable[[Session, Any, R], None]
    #: The record to save from an edit (``submitted``) of the saved one (``before``).
    edited: Callable[[R, R, str], R]
    #: Why the row cannot be archived now, one sentence per reason.
    blockers: Callable[[Session, Any], list[str]]
    #: What a confirmation page calls the record: its name or title.
    title: Callable[[R], str]
    #: The record as the findings page names it, with the registry to name what it refers to.
    describe: Callable[[R, Registry], str]
    #: The organisations, agreements and programmes a finding about the record is also about.
    organisations: Callable[[R], Collection[str]]
    agreements: Callable[[R], Collection[str]]
    programmes: Callable[[R], Collection[str]]

    def duplicate(self, key: str) -> str:
        """The message for a key another record of the type already has."""
        return f"{self.label} with key {key} already exists"

    def records(self, registry: Registry) -> Mapping[str, R]:
        """The registry's records of this type, by key."""
        records: Mapping[str, R] = getattr(registry, self.section)
        return records


def _mapping(row: Any) -> dict[str, Any]:
    """An ORM object's column values keyed by column name, for the ``queries`` converters."""
    return {c.name: getattr(row, c.key) for c in row.__table__.columns}


def _organisation(session: Session, row: OrganisationModel) -> Organisation:
    return organisation_from_row(_mapping(row), org_keys(session))  # type: ignore[arg-type]


def _agreement(session: Session, row: AgreementModel) -> Agreement:
    keys = org_keys(session)
    parties = [party_from_row(_mapping(p), keys) for p in row.parties]  # type: ignore[arg-type]
    return agreement_from_row(_mapping(row), keys, parties)  # type: ignore[arg-type]


def _flow(session: Session, row: FlowModel) -> Flow:
    keys = org_keys(session)
    agreement_keys = {i: k for k, i in agreement_ids(session).items()}
    return flow_from_row(_mapping(row), keys, agreement_keys)  # type: ignore[arg-type]


def _kept(submitted: R, before: R, key: str) -> R:
    """An edit never changes the key, nor whether the record is archived."""
    return replace(submitted, key=key, archived=before.archived)


def _kept_sign_offs(submitted: Agreement, before: Agreement, key: str) -> Agreement:
    """Parties are matched by organisation: a party that stays keeps its sign-off (only the
    sign-off form records one); a new party starts unsigned."""
    signed = {p.organisation: p for p in before.parties}
    parties = [
        replace(signed[p.organisation], role=p.role, contract_reference=p.contract_reference)
        if p.organisation in signed
        else Party(p.organisation, p.role, contract_reference=p.contract_reference)
        for p in submitted.parties
    ]
    return replace(submitted, key=key, archived=before.archived, parties=parties)


def _flow_label(f: Flow, registry: Registry) -> str:
    return f"{f.name} ({registry.organisation_name(f.source)} to {registry.organisation_name(f.recipient)})"


def _none(record: Any) -> Collection[str]:
    return ()


ORGANISATION: RecordType[Organisation] = RecordType(
    subject_type="organisation",
    label="An organisation",
    section="organisations",
    model=OrganisationModel,
    load=(),
    from_row=_organisation,
    to_dict=exchange.organisation_to_dict,
    check_fields=validation.organisation_fields,
    known_keys=lambda known: known.organisations,
    write=lambda session, row, o: set_organisation(row, o, org_ids(session)),
    edited=_kept,
    blockers=validation.organisation_blockers,
    title=lambda o: o.name,
    describe=lambda o, registry: o.name,
    organisations=lambda o: (o.key,),
    agreements=_none,
    programmes=_none,
)

AGREEMENT: RecordType[Agreement] = RecordType(
    subject_type="agreement",
    label="An agreement",
    section="agreements",
    model=AgreementModel,
    load=(selectinload(AgreementModel.parties),),
    from_row=_agreement,
    to_dict=exchange.agreement_to_dict,
    check_fields=validation.agreement_fields,
    known_keys=lambda known: known.agreements,
    write=lambda session, row, a: set_agreement(row, a, org_ids(session)),
    edited=_kept_sign_offs,
    blockers=validation.agreement_blockers,
    title=lambda a: a.title,
    describe=lambda a, registry: a.title,
    organisations=lambda a: {*a.party_keys(), *([a.owner] if a.owner else [])},
    agreements=lambda a: (a.key,),
    programmes=_none,
)

FLOW: RecordType[Flow] = RecordType(
    subject_type="flow",
    label="A flow",
    section="flows",
    model=FlowModel,
    load=(),
    from_row=_flow,
    to_dict=exchange.flow_to_dict,
    check_fields=validation.flow_fields,
    known_keys=None,
    write=lambda session, row, f: set_flow(row, f, org_ids(session), agreement_ids(session)),
    edited=_kept,
    blockers=lambda session, row: [],
    title=lambda f: f.name,
    describe=_flow_label,
    organisations=lambda f: (f.source, f.recipient),
    agreements=lambda f: (f.agreement,) if f.agreement else (),
    programmes=lambda f: (f.programme,) if f.programme else (),
)

#: Every record type, by subject type.
RECORD_TYPES: dict[str, RecordType[Any]] = {rt.subject_type: rt for rt in (ORGANISATION, AGREEMENT, FLOW)}
