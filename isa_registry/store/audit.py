"""The append-only, hash-chained audit log.

Each entry's hash is SHA-256 over the previous entry's hash and a canonical JSON encoding of the
entry (sequence number, time, actor, action, subject, before, after). Editing or deleting any entry
breaks the chain from that point on, which ``verify_chain`` reports. Appends are serialised through
the single ``audit_head`` row (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite serialises writers
itself), so two workers can never fork the chain. The head's ``seq`` is also the registry revision
that caches key on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Text, bindparam, cast, insert, select

from .db import Session
from .models import AuditEntry, AuditHead

GENESIS = "0" * 64

__all__ = ["ChainProblem", "Change", "append", "entry_hash", "revision", "verify_chain"]


@dataclass(frozen=True)
class Change:
    """One change to record."""

    action: str
    subject_type: str
    subject_key: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _timestamp(at: datetime) -> str:
    if at.tzinfo is None:  # SQLite hands back naive datetimes: they were stored as UTC.
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(
    prev_hash: str,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject_type: str,
    subject_key: str,
    before: Any,
    after: Any,
) -> str:
    """The hash of one entry, chained to the previous entry's hash."""
    body = _canonical(
        {
            "seq": seq,
            "at": _timestamp(at),
            "actor": actor,
            "action": action,
            "subject_type": subject_type,
            "subject_key": subject_key,
            "before": before,
            "after": after,
        }
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def _head(session: Session) -> AuditHead:
    head = session.execute(select(AuditHead).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
        session.flush()
    return head


def _entry_body(
    seq: int, at: str, actor: str, action: str, subject_type: str, subject_key: str, before: str, after: str
) -> str:
    """``_canonical`` of an entry, put together from its parts' canonical JSON (keys in order)."""
    return (
        f'{{"action":{_canonical(action)},"actor":{_canonical(actor)},"after":{after},'
        f'"at":{_canonical(at)},"before":{before},"seq":{_canonical(seq)},'
        f'"subject_key":{_canonical(subject_key)},"subject_type":{_canonical(subject_type)}}}'
    )


def _insert_entries(session: Session) -> Any:
    """INSERT of entries whose ``before`` and ``after`` come as JSON text, serialised once already."""
    table = AuditEntry.__table__
    postgresql = session.get_bind().dialect.name == "postgresql"
    json_text: dict[str, Any] = {}
    for name in ("before", "after"):
        param = bindparam(f"{name}_json", type_=Text)
        # PostgreSQL wants the text cast to the column's type; SQLite stores JSON as the text itself.
        json_text[name] = cast(param, table.c[name].type) if postgresql else param
    return insert(table).values(**json_text)


def append(session: Session, actor: str, changes: Iterable[Change]) -> int:
    """Append ``changes`` to the chain in the caller's transaction; returns how many were added."""
    changes = list(changes)
    if not changes:
        return 0
    head = _head(session)
    seq, prev = head.seq, head.hash
    now = datetime.now(UTC)
    at = _timestamp(now)
    rows = []
    for change in changes:
        seq += 1
        # Each side is serialised once: its canonical JSON is what is hashed and what is stored, so
        # what is hashed is exactly what the database will give back (as the round trip it was).
        before = _canonical(change.before)
        after = _canonical(change.after)
        body = _entry_body(
            seq, at, actor, change.action, change.subject_type, change.subject_key, before, after
        )
        digest = hashlib.sha256((prev + body).encode()).hexdigest()
        rows.append(
            {
                "seq": seq,
                "at": now,
                "actor": actor,
                "action": change.action,
                "subject_type": change.subject_type,
                "subject_key": change.subject_key,
                "before_json": before,
                "after_json": after,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    session.execute(_insert_entries(session), rows)
    head.seq, head.hash = seq, prev
    return len(rows)


def revision(session: Session) -> int:
    """The registry revision: how many changes the audit log holds."""
    return session.execute(select(AuditHead.seq)).scalar_one_or_none() or 0


@dataclass(frozen=True)
class ChainProblem:
    """Where the chain is broken."""

    seq: int
    problem: str


def verify_chain(entries: Iterable[AuditEntry], head_seq: int, head_hash: str) -> Iterator[ChainProblem]:
    """Check every entry in ``seq`` order against its predecessor and the recorded head."""
    prev, expected_seq = GENESIS, 1
    for e in entries:
        if e.seq != expected_seq:
            yield ChainProblem(expected_seq, f"entry {expected_seq} is missing (next is {e.seq})")
        if e.prev_hash != prev:
            yield ChainProblem(e.seq, "its link to the previous entry does not match")
        digest = entry_hash(
            e.prev_hash, e.seq, e.at, e.actor, e.action, e.subject_type, e.subject_key, e.before, e.after
        )
        if digest != e.hash:
            yield ChainProblem(e.seq, "its contents were changed after it was written")
        prev, expected_seq = e.hash, e.seq + 1
    if expected_seq - 1 != head_seq:
        yield ChainProblem(expected_seq, f"the log ends at {expected_seq - 1} but the head says {head_seq}")
    elif prev != head_hash:
        yield ChainProblem(head_seq, "the last entry does not match the recorded head")
