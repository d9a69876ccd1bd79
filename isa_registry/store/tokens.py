"""Personal API tokens: creating one (its text is shown once), listing, revoking, and finding the
account a presented token belongs to.

Only the SHA-256 of a token is stored. A token is 32 random bytes, so a hash without salt is
enough: there is nothing to guess from a list of hashes. Looking a token up by its hash compares
hashes, never the token's text, so how long the lookup takes says nothing about the token; the
found hash is compared once more in constant time all the same.

Creating and revoking a token are audit entries (subject ``api_token``, keyed by the token's id,
recording its owner, name and dates: never the token or its hash). Each function is one
transaction, as in :mod:`~isa_registry.store.users`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select, update

from . import audit
from .db import Session, committed
from .errors import InvalidRecord, NotFound
from .models import ApiToken, User

__all__ = [
    "PREFIX",
    "TOUCH_EVERY",
    "Authenticated",
    "authenticate",
    "create",
    "hash_token",
    "list_tokens",
    "revoke",
]

#: What every token starts with, so that a leaked one is recognised by secret scanners and people.
PREFIX = "isa_"
#: A token's last use is written at most this often, so that reading the API is not a write per
#: request.
TOUCH_EVERY = timedelta(minutes=1)
NAME_LIMIT = 100
NAME_MISSING = "Enter a name for the token, such as the system that will use it"


def hash_token(token: str) -> str:
    """The SHA-256 of a token, as stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes: they were stored as UTC.
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _snapshot(token: ApiToken, email: str) -> dict[str, Any]:
    """What the audit log records of a token: never the token or its hash."""

    def iso(moment: datetime | None) -> str | None:
        aware = _aware(moment)
        return aware.isoformat() if aware else None

    return {
        "user": email,
        "name": token.name,
        "expires_at": iso(token.expires_at),
        "revoked_at": iso(token.revoked_at),
    }


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def create(
    session: Session,
    actor: str,
    user: User,
    name: str,
    expires: date | None = None,
    today: date | None = None,
) -> tuple[ApiToken, str]:
    """A new token for ``user``, valid until the end of ``expires`` (UTC) or until revoked.

    Returns the stored token and its text, which is never available again. Raises InvalidRecord
    (under ``name`` or ``expires``) when the name is empty, too long or already used by one of the
    user's tokens that still work, or the expiry date has passed.
    """
    name = (name or "").strip()
    today = today or datetime.now(UTC).date()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = NAME_MISSING
    elif len(name) > NAME_LIMIT:
        errors["name"] = f"The token's name must be {NAME_LIMIT} characters or fewer"
    elif any(t.name == name for t in list_tokens(session, user) if _works(t)):
        errors["name"] = f"You already have a token named {name}: choose another name"
    if expires is not None and expires <= today:
        errors["expires"] = "The expiry date must be in the future"
    if errors:
        raise InvalidRecord(errors)
    text = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=hash_token(text),
        expires_at=_end_of(expires) if expires else None,
    )
    session.add(token)
    _save(session, actor, "create", token, None, user.email)
    return token, text


def _save(
    session: Session, actor: str, action: str, token: ApiToken, before: dict[str, Any] | None, email: str
) -> None:
    """Write the token's change with its audit entry, in one transaction."""
    with committed(session):
        session.flush()
        change = audit.Change(action, "api_token", str(token.id), before, _snapshot(token, email))
        audit.append(session, actor, [change])


def _works(token: ApiToken, now: datetime | None = None) -> bool:
    """Neither revoked nor expired."""
    now = now or datetime.now(UTC)
    expires = _aware(token.expires_at)
    return token.revoked_at is None and (expires is None or expires > now)


def list_tokens(session: Session, user: User) -> Sequence[ApiToken]:
    """The user's tokens, newest first, revoked and expired ones included."""
    return session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == user.id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ).all()


def revoke(session: Session, actor: str, user: User, token_id: int) -> ApiToken:
    """Revoke one of ``user``'s tokens (revoking a revoked one changes nothing); raises NotFound
    when the user has no such token."""
    token = session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))
    if token is None:
        raise NotFound("API token", str(token_id))
    if token.revoked_at is not None:
        return token
    before = _snapshot(token, user.email)
    token.revoked_at = datetime.now(UTC)
    _save(session, actor, "revoke", token, before, user.email)
    return token


@dataclass(frozen=True)
class Authenticated:
    """Who a presented token acts for, and the token's name (for the audit log)."""

    user: User
    token_id: int
    token_name: str


def authenticate(session: Session, presented: str, now: datetime | None = None) -> Authenticated | None:
    """The active user and token for a presented token, or None when it is unknown, revoked,
    expired or its user is deactivated. Records the token's use (at most every :data:`TOUCH_EVERY`)."""
    if not presented.startswith(PREFIX) or len(presented) > 200:
        return None
    now = now or datetime.now(UTC)
    digest = hash_token(presented)
    found = session.execute(
        select(ApiToken, User).join(User, User.id == ApiToken.user_id).where(ApiToken.token_hash == digest)
    ).first()  # the token and its user in one statement: every API request asks
    if found is None:
        return None
    token, user = found
    if not hmac.compare_digest(token.token_hash, digest) or not _works(token, now) or not user.active:
        return None
    last = _aware(token.last_used_at)
    if last is None or now - last >= TOUCH_EVERY:
        session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        session.commit()
    return Authenticated(user, token.id, token.name)
