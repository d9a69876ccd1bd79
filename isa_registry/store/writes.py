"""Reading a record to edit it, and writing it: create, update, archive and restore any record type,
and the agreement lifecycle's sign-offs and status changes.

Every write takes a database session and the actor's email (never the Flask request), checks what
it is given (:mod:`~isa_registry.store.validation`), and then either commits the record together
with its audit entry or rolls back and raises one of the errors in
:mod:`~isa_registry.store.errors`. One save is one transaction: nothing is half-written. Records
are archived, never deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..core.domain import Agreement, Flow, Organisation
from . import audit, validation
from .db import Session, committed
from .errors import ArchiveBlocked, InvalidRecord, NotFound, ServiceError, StaleRecord
from .lifecycle import dpo_review_error, status_error
from .models import AuditEntry, AuditHead, DpoReview
from .record_types import AGREEMENT, FLOW, ORGANISATION, RECORD_TYPES, RecordType

__all__ = [
    "archive",
    "archive_blockers",
    "create",
    "create_agreement",
    "create_flow",
    "create_organisation",
    "dpo_approved",
    "dpo_reviews",
    "duplicate_key",
    "get",
    "get_agreement",
    "get_flow",
    "get_organisation",
    "restore",
    "review_agreement",
    "set_agreement_status",
    "sign_agreement",
    "update",
    "update_agreement",
    "update_flow",
    "update_organisation",
    "version_of",
]

T = TypeVar("T")
R = TypeVar("R", Organisation, Agreement, Flow)


# --- Rows, versions and transactions -----------------------------------------------------------


def _row(session: Session, rt: RecordType[Any], key: str, *options: Any) -> Any:
    row = session.scalars(select(rt.model).where(rt.model.key == key).options(*options)).one_or_none()
    if row is None:
        raise NotFound(rt.subject_type, key)
    return row


def _key_taken(session: Session, rt: RecordType[Any], key: str) -> bool:
    return bool(session.scalar(select(func.count()).select_from(rt.model).where(rt.model.key == key)))


def _stale(session: Session, rt: RecordType[Any], key: str) -> StaleRecord:
    """The StaleRecord for a lost race, with the record as it is saved now (read fresh)."""
    row = session.scalars(
        select(rt.model)
        .where(rt.model.key == key)
        .options(*rt.load)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if row is None:
        return StaleRecord(rt.subject_type, key, None, None)
    return StaleRecord(rt.subject_type, key, rt.to_dict(rt.from_row(session, row)), row.version_id)


def _transaction(session: Session, rt: RecordType[Any], key: str, work: Callable[[], T]) -> T:
    """Run ``work`` and commit, or roll back everything and raise; a lost race is a StaleRecord."""
    try:
        result = work()
        session.commit()
    except StaleDataError:
        session.rollback()
        raise _stale(session, rt, key) from None
    except ServiceError:
        session.rollback()
        raise
    except IntegrityError as exc:
        session.rollback()
        # A record with the same key was saved between our check and our insert.
        if _key_taken(session, rt, key):
            raise InvalidRecord({"key": rt.duplicate(key)}) from exc
        raise
    except BaseException:
        session.rollback()
        raise
    return result


def check_version(row: Any, version_id: int | None, rt: RecordType[Any], current: dict[str, Any]) -> None:
    """Refuse a save from a form read at another version than the row's."""
    if version_id is not None and row.version_id != version_id:
        raise StaleRecord(rt.subject_type, row.key, current, row.version_id)


def _touch(row: Any) -> None:
    """Mark the row changed so that its UPDATE checks and bumps ``version_id``.

    Needed for agreements, whose parties live in another table: a change to a party alone would
    otherwise leave the agreement's version where it was.
    """
    row.updated_at = datetime.now(UTC)


def _save(session: Session, rt: RecordType[R], row: Any, record: R) -> None:
    rt.write(session, row, record)
    _touch(row)
    session.flush()


def _edit(
    session: Session,
    actor: str,
    rt: RecordType[R],
    key: str,
    version_id: int | None,
    action: str,
    change: Callable[[R], R],
) -> R:
    """Save ``change(saved record)`` as one audited ``action``, unless it changes nothing."""

    def work() -> R:
        row = _row(session, rt, key, *rt.load)
        before = rt.from_row(session, row)
        old = rt.to_dict(before)
        check_version(row, version_id, rt, old)
        record = change(before)
        new = rt.to_dict(record)
        if old == new:
            return record
        _save(session, rt, row, record)
        audit.append(session, actor, [audit.Change(action, rt.subject_type, key, old, new)])
        return record

    return _transaction(session, rt, key, work)


# --- Reading a record to edit it ---------------------------------------------------------------


def get(session: Session, rt: RecordType[R], key: str) -> tuple[R, int]:
    """The record and its version; raises NotFound."""
    row = _row(session, rt, key, *rt.load)
    return rt.from_row(session, row), row.version_id


def version_of(session: Session, subject_type: str, key: str) -> int | None:
    """The record's current version (one statement), or None when there is no such record."""
    model = RECORD_TYPES[subject_type].model
    return session.scalar(select(model.version_id).where(model.key == key))


def duplicate_key(session: Session, subject_type: str, key: str | None) -> str | None:
    """The message for a key that another record of the type already has, or None."""
    rt = RECORD_TYPES[subject_type]
    if key and _key_taken(session, rt, key):
        return rt.duplicate(key)
    return None


# --- Creating and editing ----------------------------------------------------------------------


def create(session: Session, actor: str, rt: RecordType[R], record: R) -> R:
    """Create a record; raises InvalidRecord (a duplicate key, a reference to nothing...)."""

    def work() -> R:
        new = replace(record, archived=False)
        errors = validation.record_errors(rt, new, validation.known(session), None)
        if rt.known_keys is None and "key" not in errors and _key_taken(session, rt, new.key):
            errors["key"] = rt.duplicate(new.key)
        if errors:
            raise InvalidRecord(errors)
        row = rt.model(key=new.key)
        session.add(row)
        rt.write(session, row, new)
        session.flush()
        audit.append(
            session, actor, [audit.Change("create", rt.subject_type, new.key, None, rt.to_dict(new))]
        )
        return new

    return _transaction(session, rt, record.key, work)


def update(session: Session, actor: str, rt: RecordType[R], key: str, record: R, version_id: int | None) -> R:
    """Save changes to a record read at ``version_id``; raises InvalidRecord or StaleRecord.

    The key never changes, nor whether the record is archived; an agreement's parties that stay
    keep their sign-offs (:attr:`RecordType.edited`)."""

    def change(before: R) -> R:
        edited = rt.edited(record, before, key)
        errors = validation.record_errors(rt, edited, validation.known(session), before)
        if errors:
            raise InvalidRecord(errors)
        return edited

    return _edit(session, actor, rt, key, version_id, "update", change)


def create_organisation(session: Session, actor: str, o: Organisation) -> Organisation:
    """Create an organisation; raises InvalidRecord."""
    return create(session, actor, ORGANISATION, o)


def create_agreement(session: Session, actor: str, a: Agreement) -> Agreement:
    """Create an agreement as draft or under review; raises InvalidRecord."""
    return create(session, actor, AGREEMENT, a)


def create_flow(session: Session, actor: str, f: Flow) -> Flow:
    """Create a flow; raises InvalidRecord (a duplicate key, source == recipient, end before start...)."""
    return create(session, actor, FLOW, f)


def update_organisation(
    session: Session, actor: str, key: str, o: Organisation, version_id: int | None
) -> Organisation:
    """Save changes to an organisation read at ``version_id``; raises InvalidRecord or StaleRecord."""
    return update(session, actor, ORGANISATION, key, o, version_id)


def update_agreement(
    session: Session, actor: str, key: str, a: Agreement, version_id: int | None
) -> Agreement:
    """Save changes to an agreement read at ``version_id``; parties that stay keep their sign-offs."""
    return update(session, actor, AGREEMENT, key, a, version_id)


def update_flow(session: Session, actor: str, key: str, f: Flow, version_id: int | None) -> Flow:
    """Save changes to a flow read at ``version_id``; raises InvalidRecord or StaleRecord."""
    return update(session, actor, FLOW, key, f, version_id)


def get_organisation(session: Session, key: str) -> tuple[Organisation, int]:
    """The organisation and its version."""
    return get(session, ORGANISATION, key)


def get_agreement(session: Session, key: str) -> tuple[Agreement, int]:
    """The agreement, parties included, and its version."""
    return get(session, AGREEMENT, key)


def get_flow(session: Session, key: str) -> tuple[Flow, int]:
    """The flow and its version."""
    return get(session, FLOW, key)


# --- The agreement lifecycle (see :mod:`~isa_registry.store.lifecycle`) -------------------------


def signed_at(moment: datetime | None = None) -> str:
    """A moment as a sign-off records it: UTC, to the second (``2026-05-01T09:30:00Z``)."""
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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
    *,
    as_partner_of: str | None = None,
    now: datetime | None = None,
) -> Agreement:
    """Record one party's sign-off: who signed, in what capacity, on what date, and when.

    Signed by the party itself (``as_partner_of``: the actor is an account of that organisation,
    which may sign for it alone), the sign-off keeps the signing account; otherwise it is an
    editor recording a signature made on paper, and keeps the editor as ``recorded_by``. Signing
    never changes the agreement's status. Raises NotFound when the organisation is not a party,
    InvalidRecord (a partner signing for another organisation too), or StaleRecord.
    """
    today = today or date.today()
    if as_partner_of is not None and as_partner_of != organisation:
        raise InvalidRecord(
            {
                "organisation": (
                    f"An account of {as_partner_of} can sign agreement {key} only for {as_partner_of}"
                )
            }
        )
    when = signed_at(now)

    def change(before: Agreement) -> Agreement:
        if organisation not in before.party_keys():
            raise NotFound("party", f"{organisation} to agreement {key}")
        errors = validation.sign_off_errors(before, signed_by, signatory_role, signed_on, today)
        if errors:
            raise InvalidRecord(errors)
        parties = [
            replace(
                p,
                signed_by=signed_by.strip(),
                signatory_role=signatory_role.strip(),
                signed_on=signed_on,
                signed_by_account=actor if as_partner_of is not None else None,
                recorded_by=None if as_partner_of is not None else actor,
                signed_at=when,
            )
            if p.organisation == organisation
            else p
            for p in before.parties
        ]
        return replace(before, parties=parties)

    return _edit(session, actor, AGREEMENT, key, version_id, "sign", change)


def set_agreement_status(
    session: Session,
    actor: str,
    key: str,
    status: str,
    version_id: int | None,
    *,
    dpo_review: bool = False,
) -> Agreement:
    """Move an agreement through its lifecycle (:data:`~isa_registry.store.lifecycle.TRANSITIONS`).

    Activation is refused, naming the parties, unless every party has signed, and, with
    ``dpo_review`` (the ``DPO_REVIEW`` setting), unless its owner's DPO has approved it since its
    terms last changed (:func:`dpo_approved`). Raises InvalidRecord (with the reason under
    ``status``) or StaleRecord.
    """

    def change(before: Agreement) -> Agreement:
        if before.archived:
            raise InvalidRecord(
                {"status": f"Agreement {key} is archived: restore it before changing its status"}
            )
        record = replace(before, status=status)
        problem = status_error(record, before, validation.known(session).organisation_names)
        if problem is None and dpo_review:
            problem = dpo_review_error(record, before, dpo_approved(session, key))
        if problem:
            raise InvalidRecord({"status": problem})
        return record

    return _edit(session, actor, AGREEMENT, key, version_id, "status", change)


# --- DPO review (see :mod:`~isa_registry.store.lifecycle`) --------------------------------------


def dpo_reviews(session: Session, key: str) -> list[DpoReview]:
    """The DPO reviews of an agreement, the latest first."""
    return list(
        session.scalars(
            select(DpoReview).where(DpoReview.agreement_key == key).order_by(DpoReview.audit_seq.desc())
        )
    )


def dpo_approved(session: Session, key: str) -> bool:
    """Whether the agreement's latest DPO review approved it and its terms have not been edited
    since (a sign-off or a status change needs no new review)."""
    latest = session.scalars(
        select(DpoReview).where(DpoReview.agreement_key == key).order_by(DpoReview.audit_seq.desc()).limit(1)
    ).one_or_none()
    if latest is None or latest.outcome != "approved":
        return False
    edited = session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.subject_type == AGREEMENT.subject_type,
            AuditEntry.subject_key == key,
            AuditEntry.action == "update",
            AuditEntry.seq > latest.audit_seq,
        )
    )
    return not edited


#: What a DPO may decide, and the audit action of each.
DPO_OUTCOMES = {"approved": "dpo_approve", "returned": "dpo_return"}


def review_agreement(
    session: Session, actor: str, key: str, owner_of_reviewer: str | None, outcome: str, comments: str
) -> DpoReview:
    """Record a DPO's review of an agreement: approved, or returned with comments (required then).

    ``owner_of_reviewer`` is the organisation the reviewing DPO belongs to: only the owning
    organisation's DPO may review. Audited as ``dpo_approve`` or ``dpo_return`` on a
    ``dpo_review`` keyed by the agreement. Raises NotFound or InvalidRecord.
    """
    agreement, _ = get(session, AGREEMENT, key)
    comments = comments.strip()
    errors: dict[str, str] = {}
    if outcome not in DPO_OUTCOMES:
        errors["outcome"] = "Select whether you approve the agreement or return it"
    if outcome == "returned" and not comments:
        errors["comments"] = (
            f"Enter your comments: say what must change before agreement {key} can be approved"
        )
    if agreement.owner is None or owner_of_reviewer != agreement.owner:
        errors["outcome"] = (
            f"Only the data protection officer of the organisation that owns agreement {key} can review it"
        )
    if agreement.status in ("expired", "terminated") or agreement.archived:
        state = "archived" if agreement.archived else agreement.status
        errors["outcome"] = f"Agreement {key} is {state}: it cannot be reviewed"
    if errors:
        raise InvalidRecord(errors)
    after = {"agreement": key, "outcome": outcome, "comments": comments, "reviewer": actor}
    with committed(session):
        audit.append(session, actor, [audit.Change(DPO_OUTCOMES[outcome], "dpo_review", key, None, after)])
        seq = session.scalar(select(AuditHead.seq))
        review = DpoReview(
            agreement_key=key, outcome=outcome, comments=comments, reviewer=actor, audit_seq=seq
        )
        session.add(review)
    return review


# --- Archiving ---------------------------------------------------------------------------------


def archive_blockers(session: Session, subject_type: str, key: str) -> list[str]:
    """Why the record cannot be archived now (empty when it can), one sentence per reason.

    An agreement cannot be archived while flows that are not archived cite it. An organisation
    cannot be archived while it is the source or recipient of a live (planned or active) flow that
    is not archived, or a party to an active agreement that is not archived. A flow can always be.
    """
    rt = RECORD_TYPES[subject_type]
    return rt.blockers(session, _row(session, rt, key))


def _set_archived(
    session: Session, actor: str, subject_type: str, key: str, archived: bool, version_id: int | None
) -> None:
    rt = RECORD_TYPES[subject_type]

    def work() -> None:
        if archived:
            reasons = archive_blockers(session, subject_type, key)
            if reasons:
                raise ArchiveBlocked(subject_type, key, reasons)
        row = _row(session, rt, key, *rt.load)
        before = rt.from_row(session, row)
        check_version(row, version_id, rt, rt.to_dict(before))
        if row.archived == archived:
            return
        row.archived = archived
        _touch(row)
        session.flush()
        action = "archive" if archived else "restore"
        after = replace(before, archived=archived)
        audit.append(
            session, actor, [audit.Change(action, subject_type, key, rt.to_dict(before), rt.to_dict(after))]
        )

    _transaction(session, rt, key, work)


def archive(session: Session, actor: str, subject_type: str, key: str, version_id: int | None = None) -> None:
    """Archive a record (hide it from lists and checks; never delete); raises ArchiveBlocked."""
    _set_archived(session, actor, subject_type, key, True, version_id)


def restore(session: Session, actor: str, subject_type: str, key: str, version_id: int | None = None) -> None:
    """Bring an archived record back."""
    _set_archived(session, actor, subject_type, key, False, version_id)
