"""What the documents need from the database besides the registry: when each sign-off was recorded."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from .db import Session
from .models import AuditEntry

__all__ = ["sign_offs_recorded"]


def sign_offs_recorded(session: Session, key: str) -> dict[str, datetime]:
    """When each party's current sign-off of agreement ``key`` was recorded, from the audit log.

    A sign-off is recorded by the entry that first gave the party its present signatory and date;
    a party not signed has no entry here.
    """
    t = AuditEntry.__table__
    rows = session.execute(
        select(t.c.at, t.c.after)
        .where(t.c.subject_type == "agreement", t.c.subject_key == key)
        .order_by(t.c.seq)
    ).all()
    seen: dict[str, tuple[object, object]] = {}
    recorded: dict[str, datetime] = {}
    for at, after in rows:
        for party in (after or {}).get("parties", []):
            org = party.get("organisation")
            state = (party.get("signed_by"), party.get("signed_on"))
            if seen.get(org) != state:
                seen[org] = state
                if state[1]:
                    recorded[org] = at if at.tzinfo else at.replace(tzinfo=UTC)
                else:
                    recorded.pop(org, None)
    return recorded
