"""Database models: typed SQLAlchemy 2 declarative classes.

The database enforces what it can of ``shared/spec/registry-format.md``: unique keys, foreign keys,
enumerations (as CHECK constraints, the same on SQLite and PostgreSQL), and a flow's source differing
from its recipient. Lists (data categories, subjects, Schedule 1 paragraphs, legislation) are JSON
arrays: they are read whole with their record and never joined on.

Every registry record carries ``version_id`` for optimistic locking: an UPDATE that finds another
version raises ``StaleDataError`` rather than overwrite someone else's change.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship
from sqlalchemy.types import TypeEngine

from ..core import domain, records
from ..core.vocabulary import DECISION
from .db import Model

__all__ = [
    "Agreement",
    "AgreementParty",
    "ApiToken",
    "Attachment",
    "AuditEntry",
    "AuditHead",
    "DpoReview",
    "FindingAction",
    "FindingDecision",
    "Flow",
    "Organisation",
    "RateLimitCounter",
    "SentNotice",
    "SignInThrottle",
    "User",
]

#: A partner is an account of one partner organisation: it reads only what its organisation is a
#: party to and signs for its organisation (:mod:`isa_registry.store.visibility`).
ROLES = ("viewer", "editor", "admin", "partner")


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _enum(values: tuple[str, ...], name: str) -> Enum:
    """A string column limited to ``values`` by a named CHECK constraint."""
    return Enum(*values, name=name, native_enum=False, create_constraint=True, length=max(map(len, values)))


class _Record:
    """Columns every registry record has: its key, archiving, version and timestamps."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    version_id: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow, onupdate=_utcnow)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, object]:
        return {"version_id_col": cls.__table__.c.version_id}  # type: ignore[attr-defined]


class Organisation(_Record, Model):
    """A partner organisation."""

    __tablename__ = "organisation"

    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(_enum(domain.ORGANISATION_KINDS, "organisation_kind"))
    public_authority: Mapped[bool] = mapped_column(Boolean)
    ico_registration: Mapped[str | None] = mapped_column(String(50))
    dpo_contact: Mapped[str | None] = mapped_column(String(300))
    appropriate_policy_document: Mapped[str | None] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(
        _enum(domain.ORGANISATION_STATUSES, "organisation_status"), default="active"
    )
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    address: Mapped[str | None] = mapped_column(Text)
    telephone: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(300))
    representative: Mapped[str | None] = mapped_column(Text)

    successor: Mapped[Organisation | None] = relationship(remote_side="Organisation.id")


class Agreement(_Record, Model):
    """An information-sharing, data-sharing or data-processing agreement."""

    __tablename__ = "agreement"

    title: Mapped[str] = mapped_column(String(500))
    purpose: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(_enum(domain.AGREEMENT_STATUSES, "agreement_status"))
    version: Mapped[str | None] = mapped_column(String(50))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    start_date: Mapped[date | None] = mapped_column(Date)
    review_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    data_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    document_url: Mapped[str | None] = mapped_column(String(1000))
    dpia_reference: Mapped[str | None] = mapped_column(String(300))
    publish: Mapped[bool] = mapped_column(Boolean, default=False)

    owner: Mapped[Organisation | None] = relationship()
    parties: Mapped[list[AgreementParty]] = relationship(
        back_populates="agreement",
        cascade="all, delete-orphan",
        order_by="AgreementParty.position",
    )


class AgreementParty(Model):
    """An organisation's place in an agreement, and its sign-off."""

    __tablename__ = "agreement_party"
    __table_args__ = (UniqueConstraint("agreement_id", "organisation_id", name="party"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    role: Mapped[str] = mapped_column(_enum(domain.PARTY_ROLES, "party_role"), default="controller")
    signed_on: Mapped[date | None] = mapped_column(Date)
    contract_reference: Mapped[str | None] = mapped_column(String(300))
    signed_by: Mapped[str | None] = mapped_column(String(300))
    signatory_role: Mapped[str | None] = mapped_column(String(300))

    agreement: Mapped[Agreement] = relationship(back_populates="parties")
    organisation: Mapped[Organisation] = relationship()


class Attachment(Model):
    """A signed copy of an agreement, as uploaded. Rows are only ever added: a new upload
    supersedes the older copies, which stay listed; nothing updates or deletes a row."""

    __tablename__ = "agreement_attachment"
    __table_args__ = (UniqueConstraint("agreement_id", "sha256", name="attachment_file"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(320))
    uploaded_on: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    note: Mapped[str | None] = mapped_column(Text)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Flow(_Record, Model):
    """One sharing of personal data from one organisation to another."""

    __tablename__ = "flow"
    __table_args__ = (
        CheckConstraint("source_id <> recipient_id", name="source_is_not_recipient"),
        CheckConstraint(
            "transfer_safeguard IS NULL OR transfer_country IS NOT NULL",
            name="safeguard_needs_country",
        ),
    )

    name: Mapped[str] = mapped_column(String(500))
    source_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    purpose: Mapped[str] = mapped_column(Text, default="")
    programme: Mapped[str | None] = mapped_column(String(300))
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreement.id"), index=True)
    status: Mapped[str] = mapped_column(_enum(domain.FLOW_STATUSES, "flow_status"), default="active")
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    identifiability: Mapped[str] = mapped_column(_enum(domain.IDENTIFIABILITY, "identifiability"))
    regime: Mapped[str] = mapped_column(_enum(domain.REGIMES, "regime"), default="uk_gdpr")
    data_subjects: Mapped[list[str]] = mapped_column(JSON, default=list)
    data_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    article6: Mapped[str | None] = mapped_column(_enum(domain.ARTICLE6_CODES, "article6"))
    recognised_interest: Mapped[str | None] = mapped_column(String(100))
    article9: Mapped[str | None] = mapped_column(_enum(domain.ARTICLE9_CODES, "article9"))
    schedule1: Mapped[list[str]] = mapped_column(JSON, default=list)
    official_authority: Mapped[bool] = mapped_column(Boolean, default=False)
    law_enforcement_basis: Mapped[str | None] = mapped_column(
        _enum(domain.LAW_ENFORCEMENT_BASES, "law_enforcement_basis")
    )
    schedule8: Mapped[list[str]] = mapped_column(JSON, default=list)
    legislation: Mapped[list[str]] = mapped_column(JSON, default=list)
    retention: Mapped[str | None] = mapped_column(Text)
    transfer_country: Mapped[str | None] = mapped_column(String(100))
    transfer_safeguard: Mapped[str | None] = mapped_column(
        _enum(domain.TRANSFER_SAFEGUARDS, "transfer_safeguard")
    )
    frequency: Mapped[str | None] = mapped_column(String(200))
    method: Mapped[str | None] = mapped_column(String(200))
    security_measures: Mapped[str | None] = mapped_column(Text)
    storage_location: Mapped[str | None] = mapped_column(Text)
    automated_decision_making: Mapped[bool | None] = mapped_column(Boolean)
    lia_reference: Mapped[str | None] = mapped_column(String(1000))
    consent_record: Mapped[str | None] = mapped_column(String(1000))

    source: Mapped[Organisation] = relationship(foreign_keys=[source_id])
    recipient: Mapped[Organisation] = relationship(foreign_keys=[recipient_id])
    agreement: Mapped[Agreement | None] = relationship()


def _column_type(f: records.Field, name: str) -> TypeEngine[Any] | type[TypeEngine[Any]]:
    """The column type of a plain declared field (or a list, held as a JSON array) stored as ``name``."""
    if f.kind == records.CHOICE:
        return _enum(f.choices, name)
    if f.kind in (records.CHOICES, records.LIST):
        return JSON
    if f.kind == records.BOOL:
        return Boolean
    if f.kind == records.DATE:
        return Date
    return String(f.max_length) if f.max_length else Text


def _declare_columns(model: type, declared: tuple[records.Field, ...]) -> None:
    """Give ``model`` a column, built from the declaration, for each plain field it does not spell out.

    So a new optional field needs a declaration and a migration, not a line here as well; the
    columns spelled out above are held to the declarations by ``tests/test_records.py``.
    """
    for name in records.plain_fields(declared):
        if name not in model.__table__.c:  # type: ignore[attr-defined]
            f = records.by_name(declared)[name]
            setattr(model, name, mapped_column(_column_type(f, name), nullable=f.nullable))
    # A nested record is stored in its parent's row, a column per field named with its prefix; every
    # one may be null, for the record itself is optional (a recipient's basis not recorded has a null
    # ``recipient_basis_regime``).
    for nested in declared:
        if nested.kind != records.RECORD:
            continue
        for f in nested.fields:
            name = nested.prefix + f.name
            if name not in model.__table__.c:  # type: ignore[attr-defined]
                setattr(model, name, mapped_column(_column_type(f, name), nullable=True))


_declare_columns(Organisation, records.ORGANISATION)
_declare_columns(Agreement, records.AGREEMENT)
_declare_columns(AgreementParty, records.PARTY)
_declare_columns(Flow, records.FLOW)


class User(Model):
    """Someone who signs in: a viewer (auditor), an editor (business unit), an admin, or a partner
    (an account of one partner organisation)."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(_enum(ROLES, "user_role"), default="viewer")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    #: Stored in the session at sign-in and compared on every request; raising it (sign-out,
    #: deactivation, a new role or password) ends every session the account has.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: The single sign-on identity that signs in as this account: the provider's issuer and its
    #: subject identifier, ``"<issuer> <sub>"`` (None until the account first signs in that way).
    oidc_subject: Mapped[str | None] = mapped_column(String(600), unique=True, default=None)
    #: The organisation the account belongs to: a partner's sees and signs for it alone; a data
    #: protection officer's (``is_dpo``) reviews the agreements it owns.
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True, default=None
    )
    #: The account is its organisation's data protection officer.
    is_dpo: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    organisation: Mapped[Organisation | None] = relationship()

    # Flask-Login's user protocol.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def can_edit(self) -> bool:
        return self.role in ("editor", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_partner(self) -> bool:
        return self.role == "partner"


class SignInThrottle(Model):
    """Failed sign-ins in a row for one account (the email as typed, known or not) or one client
    address, shared by every worker; both are kept as SHA-256 digests, so a password typed into the
    email box is not stored. A row is forgotten once it has been quiet for a while."""

    __tablename__ = "sign_in_throttle"

    kind: Mapped[str] = mapped_column(_enum(("account", "address"), "throttle_kind"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_failure: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    failures: Mapped[int] = mapped_column(Integer)
    delayed_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApiToken(Model):
    """A personal API token: only the SHA-256 of the token is kept, never the token itself."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()


class RateLimitCounter(Model):
    """One fixed-window request counter of the API's rate limit, shared by every worker and host."""

    __tablename__ = "rate_limit_counter"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    #: When the window ends, in seconds since the epoch.
    expires_at: Mapped[float] = mapped_column(Float)


class AuditEntry(Model):
    """One change to the registry. Append-only; each entry's hash covers the previous one's."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(50))
    subject_type: Mapped[str] = mapped_column(String(50))
    subject_key: Mapped[str] = mapped_column(String(100), index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Model):
    """The single row that serialises appends to the audit chain and holds the registry revision."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64), default="0" * 64)


class DpoReview(Model):
    """A data protection officer's review of an agreement before it is activated (``DPO_REVIEW``):
    approved, or returned with comments. Never changed; the latest counts."""

    __tablename__ = "dpo_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_key: Mapped[str] = mapped_column(String(100), index=True)
    outcome: Mapped[str] = mapped_column(_enum(("approved", "returned"), "dpo_review_outcome"))
    comments: Mapped[str] = mapped_column(Text, default="")
    #: The reviewer's e-mail, kept as text like the audit log's actor.
    reviewer: Mapped[str] = mapped_column(String(320))
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    #: The audit entry that recorded it: a later change to the agreement's terms asks for a new review.
    audit_seq: Mapped[int] = mapped_column(Integer)


class FindingDecision(Model):
    """A decision taken on a finding (``decisions[]`` in the format). Never deleted; withdrawing
    one sets ``withdrawn_on``. Identified by its finding and the day it was taken."""

    __tablename__ = "finding_decision"
    __table_args__ = (UniqueConstraint("subject_type", "subject_key", "code", "decided_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(50))
    subject_key: Mapped[str] = mapped_column(String(100), index=True)
    code: Mapped[str] = mapped_column(String(100))
    decision: Mapped[str] = mapped_column(_enum(DECISION.codes, "finding_decision_kind"))
    reason: Mapped[str] = mapped_column(Text)
    #: An e-mail kept as text: whoever decided may have no account in this database.
    decided_by: Mapped[str] = mapped_column(String(320))
    decided_on: Mapped[date] = mapped_column(Date)
    review_by: Mapped[date | None] = mapped_column(Date)
    message: Mapped[str] = mapped_column(Text)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)


class FindingAction(Model):
    """Who is to deal with an open finding, and by when; the latest assigned counts."""

    __tablename__ = "finding_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(50))
    subject_key: Mapped[str] = mapped_column(String(100), index=True)
    code: Mapped[str] = mapped_column(String(100))
    #: An account's e-mail or a team's mailbox.
    owner: Mapped[str] = mapped_column(String(320), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    assigned_by: Mapped[str] = mapped_column(String(320))
    assigned_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)


class SentNotice(Model):
    """One reminder or digest e-mailed to one person (the sent-log of ``send-reminders``): what,
    to whom, when, and the notice's identity (:attr:`isa_registry.core.reminders.Notice.identity`).
    A notice is sent to a person once: the pair is unique, and a send that failed leaves no row,
    so the next run tries again."""

    __tablename__ = "sent_notice"
    __table_args__ = (UniqueConstraint("identity", "recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    identity: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(50))
    subject_key: Mapped[str] = mapped_column(String(100))
    recipient: Mapped[str] = mapped_column(String(320))
    #: The e-mail's subject line.
    subject: Mapped[str] = mapped_column(String(500))
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow, index=True)
