"""User accounts and signing in: every write to a ``User`` row, and the sign-in throttle.

Changes to accounts, whether an admin makes them in the pages or someone runs ``create-user`` or
``load-demo --with-demo-users`` (creating an account, changing its role or password, deactivating,
reactivating or unlocking it), are written to the audit log as a ``user`` record keyed by email,
with the account's email, role and whether it is active: never its password hash. The counting of
sign-in attempts and signing out are not audited.

Each function is one transaction: it commits what it changed, or rolls back and raises.

Sessions are revocable: each account has a ``session_generation`` that the web layer stores in the
session at sign-in and compares on every request. Signing out, deactivation, a new role and a new
password raise it, which ends every session the account has, on every device and worker.

Sign-in attempts are throttled here, in the database, so every worker and host sees the same
counts: failures in a row are counted per account (the email as typed, whether an account has it or
not, so the answer never tells which accounts exist) and per client address. After ``free``
failures each further attempt must wait twice as long as the one before (1 s, 2 s, 4 s ...) up to
``max_delay``; an attempt during a delay is not even checked, so a right password then is refused
too. A successful sign-in clears the account's count; a count quiet for ``forget`` is deleted. No
one can lock an account for longer than ``max_delay`` at a time.

Single sign-on (:func:`sign_in_with_provider`) finds the account by the provider's issuer and
subject identifier; failing that, by email, for the first single sign-on of an account an admin
created, which then keeps the subject; failing that, it creates a viewer (or the role the
provider's groups give) when automatic creation is on. Creating an account, linking it to a
provider's identity and changing its role because of its groups are audited, as the work of
``sso``; like a password sign-in, the sign-in itself is not.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import object_session, selectinload

from . import audit
from .db import Session
from .errors import InvalidRecord
from .models import Organisation, SignInThrottle, User
from .passwords import hash_password, needs_rehash, verify_password

__all__ = [
    "EMAIL_TAKEN",
    "NO_ORGANISATION",
    "NO_PASSWORD",
    "SSO_ACTOR",
    "NewAccount",
    "ProviderIdentity",
    "ProviderSignIn",
    "SignIn",
    "Throttle",
    "activate",
    "authenticate",
    "change_role",
    "create_missing",
    "create_user",
    "deactivate",
    "delays",
    "end_sessions",
    "find",
    "list_users",
    "set_organisation",
    "set_password",
    "sign_in_with_provider",
    "snapshot",
]

EMAIL_TAKEN = "An account with this email address already exists"
NO_ORGANISATION = "There is no organisation with the key {key}: check the key on the organisation's page"


def snapshot(user: User) -> dict[str, Any]:
    """What the audit log records of an account: its organisation and whether it is the DPO only
    when it has them."""
    out: dict[str, Any] = {"email": user.email, "role": user.role, "active": user.active}
    if user.organisation_id is not None:
        session = object_session(user)
        out["organisation"] = (
            session.scalar(select(Organisation.key).where(Organisation.id == user.organisation_id))
            if session is not None
            else None
        )
    if user.is_dpo:
        out["dpo"] = True
    return out


def _organisation_id(session: Session, key: str | None) -> int | None:
    """The id of the organisation with this key (None for none); raises InvalidRecord for a key no
    organisation has."""
    if not key:
        return None
    found = session.scalar(select(Organisation.id).where(Organisation.key == key))
    if found is None:
        raise InvalidRecord({"organisation": NO_ORGANISATION.format(key=key)})
    return found


def _audit(session: Session, actor: str, action: str, user: User, before: dict[str, Any] | None) -> None:
    audit.append(session, actor, [audit.Change(action, "user", user.email, before, snapshot(user))])


@dataclass(frozen=True)
class NewAccount:
    """An account as an admin or the command line asks for it: its e-mail, role and password, the
    organisation it belongs to (a key, or None) and whether it is that organisation's DPO."""

    email: str
    role: str
    password: str
    organisation: str | None = None
    dpo: bool = False


def _add_user(session: Session, actor: str, account: NewAccount, organisation_id: int | None) -> User:
    """A new active account with its first password, flushed (a taken e-mail raises
    IntegrityError) and audited as ``create``; not committed."""
    user = User(
        email=account.email,
        role=account.role,
        active=True,
        password_hash=hash_password(account.password),
        organisation_id=organisation_id,
        is_dpo=account.dpo,
    )
    session.add(user)
    session.flush()
    _audit(session, actor, "create", user, None)
    return user


def _change(session: Session, actor: str, action: str, user: User, **values: Any) -> None:
    """Give the account these ``values``, end its sessions (what it may do has changed), audit the
    change and commit."""
    before = snapshot(user)
    for name, value in values.items():
        setattr(user, name, value)
    _end_sessions(user)
    _audit(session, actor, action, user, before)
    session.commit()


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes: they were stored as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _now() -> datetime:
    return datetime.now(UTC)


def list_users(session: Session) -> Sequence[User]:
    """Every account, by email."""
    return session.scalars(select(User).options(selectinload(User.organisation)).order_by(User.email)).all()


def find(session: Session, email: str) -> User | None:
    """The account with this email, or None."""
    return session.execute(select(User).where(User.email == email)).scalar_one_or_none()


def _end_sessions(user: User) -> None:
    # An SQL increment, so two workers ending sessions at once both count.
    user.session_generation = User.session_generation + 1


def end_sessions(session: Session, user: User) -> None:
    """End every session the account has (signing out ends them on every device)."""
    _end_sessions(user)
    session.commit()


# --- What an admin does (audited) --------------------------------------------------------------


def create_user(session: Session, actor: str, account: NewAccount) -> User:
    """Create an active account with a first password, belonging to its organisation (and its DPO
    when ``account.dpo``); raises InvalidRecord when the email is taken or the organisation unknown."""
    if session.scalar(select(User.id).where(User.email == account.email)) is not None:
        raise InvalidRecord({"email": EMAIL_TAKEN})
    organisation_id = _organisation_id(session, account.organisation)
    try:
        user = _add_user(session, actor, account, organisation_id)
    except IntegrityError:
        session.rollback()
        raise InvalidRecord({"email": EMAIL_TAKEN}) from None
    session.commit()
    return user


def change_role(session: Session, actor: str, user: User, role: str) -> bool:
    """Give the account another role and end its sessions; whether it changed."""
    if role == user.role:
        return False
    _change(session, actor, "change_role", user, role=role)
    return True


def set_organisation(session: Session, actor: str, user: User, organisation: str | None, dpo: bool) -> bool:
    """Make the account belong to ``organisation`` (a key, or None for none) and its DPO or not,
    ending its sessions (what it may see changes); whether anything changed. Raises InvalidRecord
    for a key no organisation has."""
    organisation_id = _organisation_id(session, organisation)
    if organisation_id == user.organisation_id and dpo == user.is_dpo:
        return False
    _change(session, actor, "change_organisation", user, organisation_id=organisation_id, is_dpo=dpo)
    return True


def deactivate(session: Session, actor: str, user: User) -> bool:
    """Stop the account signing in and end its sessions (it stays in the audit log); whether it
    was active."""
    if not user.active:
        return False
    _change(session, actor, "deactivate", user, active=False)
    return True


def activate(session: Session, actor: str, user: User, now: datetime | None = None) -> None:
    """Let the account sign in again, and lift any delay after wrong passwords: audited as a
    reactivation when it was inactive, as an unlock when it was only delayed."""
    before = snapshot(user)
    was_delayed = user.email in delays(session, [user.email], now)
    user.active = True
    _forget_account(session, user.email)
    if before["active"] is False:
        _audit(session, actor, "reactivate", user, before)
    elif was_delayed:
        _audit(session, actor, "unlock", user, before)
    session.commit()


# --- The command line (audited as the person who ran it) ----------------------------------------


def set_password(session: Session, actor: str, account: NewAccount) -> bool:
    """Create the account, or give it this role, organisation, DPO flag and password, lift any
    delay and end its sessions; whether it is new. Audited as ``create`` or ``set_password``.
    Raises InvalidRecord for a key no organisation has."""
    organisation_id = _organisation_id(session, account.organisation)
    user = find(session, account.email)
    if user is None:
        _add_user(session, actor, account, organisation_id)
        session.commit()
        return True
    _forget_account(session, account.email)
    _change(
        session,
        actor,
        "set_password",
        user,
        role=account.role,
        password_hash=hash_password(account.password),
        organisation_id=organisation_id,
        is_dpo=account.dpo,
    )
    return False


def create_missing(
    session: Session, actor: str, accounts: Sequence[tuple[str, str, str]]
) -> list[tuple[str, str]]:
    """Create those of the ``(email, role, password)`` accounts that do not exist, in one
    transaction, each audited; the ``(email, role)`` of each one created."""
    created = []
    for email, role, password in accounts:
        if find(session, email) is None:
            _add_user(session, actor, NewAccount(email, role, password), None)
            created.append((email, role))
    session.commit()
    return created


# --- Signing in --------------------------------------------------------------------------------

_dummy_hash: list[str] = []


def _burn_time(password: str) -> None:
    """Verify against a throwaway hash, so an unknown email takes as long as a wrong password."""
    if not _dummy_hash:
        _dummy_hash.append(hash_password("not-a-real-password-for-timing"))
    verify_password(_dummy_hash[0], password)


@dataclass(frozen=True)
class Throttle:
    """How sign-in failures are slowed down: failures in a row allowed without a wait per account
    and per address, the longest wait, and how long a quiet count is kept."""

    account_free: int = 5
    address_free: int = 30
    max_delay: timedelta = timedelta(minutes=15)
    forget: timedelta = timedelta(hours=1)

    def delay(self, kind: str, failures: int) -> timedelta:
        """The wait after ``failures`` in a row: none within the free ones, then 1 s, 2 s, 4 s ..."""
        free = self.account_free if kind == "account" else self.address_free
        if failures < free:
            return timedelta(0)
        seconds = self.max_delay.total_seconds()
        return timedelta(seconds=min(2.0 ** min(failures - free, 64), seconds))


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt: the user, or None; when the attempt came during a delay
    (and was not checked), the seconds to wait; the account's failures in a row (for the log)."""

    user: User | None
    retry_after: int = 0
    failures: int = 0


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def _keys(email: str, address: str) -> list[tuple[str, str]]:
    return [("account", _digest(email)), ("address", _digest(address))]


def _insert(session: Session) -> Any:
    from sqlalchemy.dialects import postgresql, sqlite  # only when an upsert is written

    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _record_failure(session: Session, kind: str, key: str, limits: Throttle, now: datetime) -> int:
    """Count one more failure, in one statement whatever other workers do; the count."""
    table = SignInThrottle.__table__
    stale = table.c.last_failure < now - limits.forget
    statement = _insert(session)(table).values(
        kind=kind, key=key, window_start=now, last_failure=now, failures=1, delayed_until=now
    )
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.kind, table.c.key],
        set_={
            "failures": case((stale, 1), else_=table.c.failures + 1),
            "window_start": case((stale, now), else_=table.c.window_start),
            "last_failure": now,
        },
    )
    session.execute(statement)
    failures: int = session.execute(
        select(table.c.failures).where(table.c.kind == kind, table.c.key == key)
    ).scalar_one()
    session.execute(
        update(table)
        .where(table.c.kind == kind, table.c.key == key)
        .values(delayed_until=now + limits.delay(kind, failures))
    )
    return failures


def _forget_account(session: Session, email: str) -> None:
    session.execute(
        delete(SignInThrottle).where(SignInThrottle.kind == "account", SignInThrottle.key == _digest(email))
    )


def _wait(session: Session, keys: Iterable[tuple[str, str]], now: datetime) -> int:
    """Whole seconds until every one of ``keys`` may try again (0: now)."""
    table = SignInThrottle.__table__
    # A plain SELECT, not the identity map: other workers move these rows between our reads.
    untils = session.execute(
        select(table.c.delayed_until).where(
            or_(*(and_(table.c.kind == kind, table.c.key == key) for kind, key in keys))
        )
    ).scalars()
    longest = max(((_aware(until) - now).total_seconds() for until in untils), default=0.0)
    return -int(-longest // 1) if longest > 0 else 0


def delays(session: Session, emails: Iterable[str], now: datetime | None = None) -> dict[str, datetime]:
    """Email -> until when its sign-in is delayed after wrong passwords, for those delayed now."""
    now = now or _now()
    by_key = {_digest(email): email for email in emails}
    if not by_key:
        return {}
    rows = session.execute(
        select(SignInThrottle.key, SignInThrottle.delayed_until).where(
            SignInThrottle.kind == "account", SignInThrottle.key.in_(list(by_key))
        )
    ).all()
    found = {by_key[key]: _aware(until) for key, until in rows}
    return {email: until for email, until in found.items() if until > now}


def authenticate(
    session: Session,
    email: str,
    password: str,
    address: str,
    limits: Throttle | None = None,
    now: datetime | None = None,
) -> SignIn:
    """The active user with this email and password, or None; counts failures per account and per
    address, and refuses (without checking the password) an attempt that comes during a delay."""
    limits, now = limits or Throttle(), now or _now()
    keys = _keys(email, address)
    wait = _wait(session, keys, now)
    if wait:
        return SignIn(None, retry_after=wait)
    user = find(session, email)
    if user is None or not user.active or not verify_password(user.password_hash, password):
        if user is None or not user.active:
            _burn_time(password)
        session.execute(delete(SignInThrottle).where(SignInThrottle.last_failure < now - limits.forget))
        failures = [_record_failure(session, kind, key, limits, now) for kind, key in keys]
        session.commit()
        return SignIn(None, failures=failures[0])
    _forget_account(session, email)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.commit()
    return SignIn(user)


# --- Single sign-on ----------------------------------------------------------------------------

#: The password hash of an account made by single sign-on: no password matches it.
NO_PASSWORD = "!single-sign-on-only"  # noqa: S105 - not a hash, so nothing verifies against it
#: Who the audit log says made the changes that single sign-on makes to accounts.
SSO_ACTOR = "sso"


@dataclass(frozen=True)
class ProviderIdentity:
    """Who the OpenID provider says signed in: ``"<issuer> <sub>"``, their email (if the provider
    gave one) and the role their groups give (None: no group maps to a role)."""

    subject: str
    email: str | None
    role: str | None = None


@dataclass(frozen=True)
class ProviderSignIn:
    """The account to sign in as, or None and why not: ``disabled`` (switched off), ``unknown``
    (no account, and none may be made), ``linked_elsewhere`` (the account with this email signs
    in as another identity)."""

    user: User | None
    refused: str | None = None


def _by_email(session: Session, email: str) -> User | None:
    return session.execute(
        select(User).where(func.lower(User.email) == email.strip().lower())
    ).scalar_one_or_none()


def sign_in_with_provider(session: Session, identity: ProviderIdentity, auto_create: bool) -> ProviderSignIn:
    """The account that ``identity`` signs in as: by subject, then (once) by email, then a new one
    when ``auto_create``; an account that is switched off is refused. A role from the provider's
    groups replaces the account's role (audited, and its other sessions end)."""
    try:
        return _sign_in_with_provider(session, identity, auto_create)
    except IntegrityError:
        # Two first sign-ins of one person at once: the other made or linked the account.
        session.rollback()
        return _sign_in_with_provider(session, identity, auto_create)


def _sign_in_with_provider(session: Session, identity: ProviderIdentity, auto_create: bool) -> ProviderSignIn:
    user = session.execute(select(User).where(User.oidc_subject == identity.subject)).scalar_one_or_none()
    if user is None and identity.email:
        user = _by_email(session, identity.email)
        if user is not None:
            if user.oidc_subject is not None:
                return ProviderSignIn(None, "linked_elsewhere")
            if not user.active:
                return ProviderSignIn(None, "disabled")
            user.oidc_subject = identity.subject
            session.flush()
            _audit(session, SSO_ACTOR, "link_single_sign_on", user, snapshot(user))
    if user is None:
        if not auto_create or not identity.email:
            session.rollback()
            return ProviderSignIn(None, "unknown")
        user = User(
            email=identity.email.strip(),
            role=identity.role or "viewer",
            active=True,
            password_hash=NO_PASSWORD,
            oidc_subject=identity.subject,
        )
        session.add(user)
        session.flush()
        _audit(session, SSO_ACTOR, "create", user, None)
    if not user.active:
        session.rollback()
        return ProviderSignIn(None, "disabled")
    if identity.role and identity.role != user.role:
        before = snapshot(user)
        user.role = identity.role
        _end_sessions(user)
        session.flush()
        _audit(session, SSO_ACTOR, "change_role", user, before)
    session.commit()
    return ProviderSignIn(user)
