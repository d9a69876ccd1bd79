"""The reminders' side of the database: the sent-log, and what the rules of
:mod:`isa_registry.core.reminders` need that the registry does not hold (when each agreement was
created, the accounts' e-mails, the audit entries since the last digest).

A notice is recorded as sent to a person in the same transaction that is open while it is sent
(:func:`record_sent`): the row is written first, so a second run at the same time waits on it
and then finds it; a send that fails rolls the row back, so the next run tries again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..core.reminders import Change
from .db import Session, committed
from .models import Agreement, AuditEntry, SentNotice, User

__all__ = [
    "account_emails",
    "agreements_created",
    "changes_since",
    "last_sent",
    "record_sent",
    "sent_pairs",
]

UK_TIME = ZoneInfo("Europe/London")


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes: they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def sent_pairs(session: Session) -> set[tuple[str, str]]:
    """Every (identity, recipient) pair of the sent-log."""
    t = SentNotice.__table__
    return {(r.identity, r.recipient) for r in session.execute(select(t.c.identity, t.c.recipient))}


def agreements_created(session: Session) -> dict[str, date]:
    """The day (in UK time) each agreement was created, by key."""
    t = Agreement.__table__
    return {
        r.key: _aware(r.created_at).astimezone(UK_TIME).date()
        for r in session.execute(select(t.c.key, t.c.created_at))
    }


def account_emails(session: Session) -> set[str]:
    """The e-mails of the active accounts, in lower case."""
    return {e.lower() for e in session.scalars(select(User.email).where(User.active.is_(True)))}


def last_sent(session: Session, kind: str) -> datetime | None:
    """When a notice of ``kind`` was last sent to anyone (None if never)."""
    found = session.scalar(select(func.max(SentNotice.sent_at)).where(SentNotice.kind == kind))
    return _aware(found) if found is not None else None


def _shown(moment: datetime) -> str:
    local = _aware(moment).astimezone(UK_TIME)
    return f"{local.day} {local:%B %Y} {local:%H:%M}"


def changes_since(session: Session, since: datetime, limit: int = 500) -> list[Change]:
    """The audit entries made after ``since``, oldest first, at most ``limit``: who did what to
    which record, never the record's content."""
    t = AuditEntry.__table__
    rows = session.execute(
        select(t.c.at, t.c.actor, t.c.action, t.c.subject_type, t.c.subject_key)
        .where(t.c.at > since)
        .order_by(t.c.seq)
        .limit(limit)
    )
    return [Change(_shown(r.at), r.actor, r.action, r.subject_type, r.subject_key) for r in rows]


def record_sent(
    session: Session,
    identity: str,
    kind: str,
    subject_key: str,
    recipient: str,
    subject: str,
    send: Callable[[], None],
) -> bool:
    """Record that ``identity`` was sent to ``recipient``, calling ``send()`` inside the transaction.

    Returns False (and sends nothing) when the sent-log already has the pair; commits after a
    successful ``send()``; rolls back and re-raises when ``send()`` fails, so it is tried again.
    """
    session.add(
        SentNotice(
            identity=identity,
            kind=kind,
            subject_key=subject_key[:100],
            recipient=recipient,
            subject=subject[:500],
            sent_at=datetime.now(UTC),
        )
    )
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return False
    with committed(session):
        send()
    return True
