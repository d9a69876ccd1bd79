"""User accounts and signing in: every write to a ``User`` row.

Changes an admin makes (creating an account, changing its role, deactivating, reactivating or
unlocking it) are written to the audit log as a ``user`` record keyed by email, with the account's
email, role and whether it is active: never its password hash. The command line's accounts and
the counting of sign-in attempts are not audited.

Each function is one transaction: it commits what it changed, or rolls back and raises.

Sign-in attempts are throttled per account here, in the database, so every worker sees it: after
``max_failures`` wrong passwords in a row the account is locked for ``lock``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from . import audit
from .db import Session
from .errors import InvalidRecord
from .models import User
from .passwords import hash_password, needs_rehash, verify_password

__all__ = [
    "EMAIL_TAKEN",
    "SignIn",
    "activate",
    "authenticate",
    "change_role",
    "create_missing",
    "create_user",
    "deactivate",
    "find",
    "is_locked",
    "list_users",
    "set_password",
    "snapshot",
]

EMAIL_TAKEN = "An account with this email address already exists"


def snapshot(user: User) -> dict[str, Any]:
    """What the audit log records of an account."""
    return {"email": user.email, "role": user.role, "active": user.active}


def _audit(session: Session, actor: str, action: str, user: User, before: dict[str, Any] | None) -> None:
    audit.append(session, actor, [audit.Change(action, "user", user.email, before, snapshot(user))])


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes: they were stored as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def is_locked(user: User, now: datetime | None = None) -> bool:
    """Whether the account is locked after too many wrong passwords."""
    return user.locked_until is not None and _aware(user.locked_until) > (now or datetime.now(UTC))


def list_users(session: Session) -> Sequence[User]:
    """Every account, by email."""
    return session.scalars(select(User).order_by(User.email)).all()


def find(session: Session, email: str) -> User | None:
    """The account with this email, or None."""
    return session.execute(select(User).where(User.email == email)).scalar_one_or_none()


# --- What an admin does (audited) --------------------------------------------------------------


def create_user(session: Session, actor: str, email: str, role: str, password: str) -> User:
    """Create an active account with a first password; raises InvalidRecord when the email is taken."""
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise InvalidRecord({"email": EMAIL_TAKEN})
    user = User(email=email, role=role, active=True, password_hash=hash_password(password))
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise InvalidRecord({"email": EMAIL_TAKEN}) from None
    _audit(session, actor, "create", user, None)
    session.commit()
    return user


def change_role(session: Session, actor: str, user: User, role: str) -> bool:
    """Give the account another role; whether it changed."""
    if role == user.role:
        return False
    before = snapshot(user)
    user.role = role
    _audit(session, actor, "change_role", user, before)
    session.commit()
    return True


def deactivate(session: Session, actor: str, user: User) -> bool:
    """Stop the account signing in (it stays in the audit log); whether it was active."""
    if not user.active:
        return False
    before = snapshot(user)
    user.active = False
    _audit(session, actor, "deactivate", user, before)
    session.commit()
    return True


def activate(session: Session, actor: str, user: User) -> None:
    """Let the account sign in again, and lift any lock after wrong passwords: audited as a
    reactivation when it was inactive, as an unlock when it was only locked."""
    before = snapshot(user)
    was_locked = is_locked(user)
    user.active, user.failed_logins, user.locked_until = True, 0, None
    if before["active"] is False:
        _audit(session, actor, "reactivate", user, before)
    elif was_locked:
        _audit(session, actor, "unlock", user, before)
    session.commit()


# --- The command line (not audited) ------------------------------------------------------------


def set_password(session: Session, email: str, role: str, password: str) -> bool:
    """Create the account, or give it this role and password and lift any lock; whether it is new."""
    user = find(session, email)
    if user is None:
        session.add(User(email=email, role=role, password_hash=hash_password(password)))
    else:
        user.role, user.password_hash, user.failed_logins, user.locked_until = (
            role,
            hash_password(password),
            0,
            None,
        )
    session.commit()
    return user is None


def create_missing(session: Session, accounts: Sequence[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """Create those of the ``(email, role, password)`` accounts that do not exist, in one
    transaction; the ``(email, role)`` of each one created."""
    created = []
    for email, role, password in accounts:
        if find(session, email) is None:
            session.add(User(email=email, role=role, password_hash=hash_password(password)))
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
class SignIn:
    """The outcome of a sign-in attempt: the user, or None; and, when this attempt locked an
    account, which one and after how many wrong passwords in a row (for the log)."""

    user: User | None
    locked_id: int | None = None
    failures: int = 0


def authenticate(session: Session, email: str, password: str, max_failures: int, lock: timedelta) -> SignIn:
    """The active, unlocked user with this email and password; counts failures and locks."""
    now = datetime.now(UTC)
    user = find(session, email)
    if user is None or not user.active or is_locked(user, now):
        _burn_time(password)
        return SignIn(None)
    if not verify_password(user.password_hash, password):
        user_id = user.id
        # One UPDATE ... SET n = n + 1, so concurrent workers never lose a failure.
        session.execute(update(User).where(User.id == user_id).values(failed_logins=User.failed_logins + 1))
        failures = session.execute(select(User.failed_logins).where(User.id == user_id)).scalar_one()
        locked = failures >= max_failures
        if locked:
            session.execute(
                update(User).where(User.id == user_id).values(failed_logins=0, locked_until=now + lock)
            )
        session.commit()
        return SignIn(None, user_id if locked else None, failures)
    user.failed_logins, user.locked_until = 0, None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.commit()
    return SignIn(user)
