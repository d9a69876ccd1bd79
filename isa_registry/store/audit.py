"""The append-only, keyed hash chain of the audit log, and its anchor outside the database.

Each entry's hash is HMAC-SHA256, under a key held outside the database (:func:`settings`), over
the previous entry's hash and a canonical JSON encoding of the entry (sequence number, time, actor,
action, subject, before, after). Editing or deleting any entry breaks the chain from that point on,
and without the key nobody can recompute a chain that verifies. Appends are serialised through the
single ``audit_head`` row (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite serialises writers
itself), so two workers can never fork the chain. The head's ``seq`` is also the registry revision
that caches key on.

Whoever can write to the database can still throw away the newest entries and move the head back,
or empty the log: a valid chain, only shorter. So every commit that appends entries also appends
its new head (sequence number, hash and time) as one line to the *anchor*, a file outside the
database opened for appending only (``AUDIT_ANCHOR``), and, if asked (``AUDIT_SYSLOG=1``), to
syslog. :func:`verify_anchor` checks that the database still holds every head the anchor recorded.

Chains written before the key existed were re-keyed by the migration that introduced it
(``migrations/versions/0004_auditmap_keyed_audit.py``), which checked them the old way first and
recorded what it did as an entry of its own (action ``rekey``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Text, bindparam, cast, event, insert, orm, select

from .db import Session
from .models import AuditEntry, AuditHead

GENESIS = "0" * 64

__all__ = [
    "AnchoredHead",
    "AuditSettings",
    "ChainProblem",
    "Change",
    "append",
    "entry_hash",
    "legacy_entry_hash",
    "read_anchor",
    "revision",
    "settings",
    "syslog_anchor",
    "verify_anchor",
    "verify_chain",
    "write_anchor",
]

log = logging.getLogger(__name__)

#: Where the heads waiting for their transaction's commit are kept, in ``Session.info``.
_PENDING = "isa_registry.audit.pending_head"


@dataclass(frozen=True)
class AuditSettings:
    """The chain's key and where its heads are anchored, from the app's configuration."""

    key: bytes
    anchor: Path | None
    syslog: bool = False


def read_or_create_key(path: Path) -> str:
    """The key in ``path``, made (random, readable by the owner only) if the file is missing.

    The file is written in full under another name and then linked into place, so a process that
    reads it never sees half a key, and two processes that make it at once agree on one key.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:  # another process made it first: use theirs
            pass
        finally:
            tmp.unlink()
    key = path.read_text().strip()
    if not key:
        raise RuntimeError(f"The audit key file {path} is empty.")
    return key


def settings(config: Any = None) -> AuditSettings:
    """The audit settings of ``config`` (the current app's, by default).

    ``AUDIT_KEY`` (from the environment, see :mod:`isa_registry.config`) if set, else the key in
    ``AUDIT_KEY_FILE`` (``instance/audit_key``, made on first use); ``AUDIT_ANCHOR``, the anchor
    file (empty: none); ``AUDIT_SYSLOG``, whether heads also go to syslog.
    """
    if config is None:
        from flask import current_app

        config = current_app.config
    key = config.get("AUDIT_KEY") or read_or_create_key(Path(config["AUDIT_KEY_FILE"]))
    anchor = config.get("AUDIT_ANCHOR")
    return AuditSettings(
        key=key.encode("utf-8"),
        anchor=Path(anchor) if anchor else None,
        syslog=bool(config.get("AUDIT_SYSLOG")),
    )


@dataclass(frozen=True)
class Change:
    """One change to record."""

    action: str
    subject_type: str
    subject_key: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


#: The canonical JSON encoding: ``json.dumps(value, sort_keys=True, separators=(",", ":"),
#: default=str)``, with one encoder made once rather than one per value (it keeps no state).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str)


def _canonical(value: Any) -> str:
    return _CANONICAL.encode(value)


def _timestamp(at: datetime) -> str:
    if at.tzinfo is None:  # SQLite hands back naive datetimes: they were stored as UTC.
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _entry_text(
    prev_hash: str,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject_type: str,
    subject_key: str,
    before: Any,
    after: Any,
) -> bytes:
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
    return (prev_hash + body).encode()


def _keyed(key: bytes, text: bytes) -> str:
    return hmac.new(key, text, hashlib.sha256).hexdigest()


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
    *,
    key: bytes,
) -> str:
    """The keyed hash of one entry, chained to the previous entry's hash."""
    return _keyed(
        key, _entry_text(prev_hash, seq, at, actor, action, subject_type, subject_key, before, after)
    )


def legacy_entry_hash(
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
    """The hash entries had before the chain was keyed (plain SHA-256): only the re-keying
    migration reads it, to check an old chain before re-keying it."""
    text = _entry_text(prev_hash, seq, at, actor, action, subject_type, subject_key, before, after)
    return hashlib.sha256(text).hexdigest()


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
    """``_canonical`` of an entry, put together from its parts' canonical JSON (keys in order):
    ``at``, ``actor``, ``before`` and ``after`` come as canonical JSON already."""
    return (
        f'{{"action":{_canonical(action)},"actor":{actor},"after":{after},'
        f'"at":{at},"before":{before},"seq":{seq:d},'
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


def append(
    session: Session, actor: str, changes: Iterable[Change], audit_settings: AuditSettings | None = None
) -> int:
    """Append ``changes`` to the chain in the caller's transaction; returns how many were added.

    When the transaction commits, its new head is written to the anchor (:func:`write_anchor`).
    ``audit_settings`` default to the current app's (:func:`settings`).
    """
    changes = list(changes)
    if not changes:
        return 0
    chosen = audit_settings or settings()
    head = _head(session)
    seq, prev = head.seq, head.hash
    now = datetime.now(UTC)
    at = _timestamp(now)
    rows = []
    # The same in every entry of the transaction: encoded once.
    actor_json, at_json = _canonical(actor), _canonical(at)
    for change in changes:
        seq += 1
        # Each side is serialised once: its canonical JSON is what is hashed and what is stored, so
        # what is hashed is exactly what the database will give back (as the round trip it was).
        before = _canonical(change.before)
        after = _canonical(change.after)
        body = _entry_body(
            seq, at_json, actor_json, change.action, change.subject_type, change.subject_key, before, after
        )
        digest = _keyed(chosen.key, (prev + body).encode())
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
    session.info[_PENDING] = (chosen, AnchoredHead(seq, prev, at))
    return len(rows)


def revision(session: Session) -> int:
    """The registry revision: how many changes the audit log holds."""
    return session.execute(select(AuditHead.seq)).scalar_one_or_none() or 0


# --- The anchor --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnchoredHead:
    """A head of the chain as a commit left it, recorded outside the database."""

    seq: int
    hash: str
    at: str
    line: int = 0

    def as_line(self) -> str:
        """The line of the anchor file that records this head."""
        return _canonical({"seq": self.seq, "hash": self.hash, "at": self.at}) + "\n"


def write_anchor(path: Path, head: AnchoredHead) -> None:
    """Append ``head`` to the anchor file ``path`` (created if missing) and flush it to disk.

    The file is opened for appending only, so each commit's line lands after every other, whichever
    worker writes it; one short ``write`` per line keeps lines whole.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, head.as_line().encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)


def syslog_anchor(head: AnchoredHead) -> None:
    """Send ``head`` to syslog (facility ``auth``), a second copy kept by another program."""
    import syslog

    syslog.openlog("isa-registry", 0, syslog.LOG_AUTH)
    syslog.syslog(syslog.LOG_NOTICE, f"audit head seq={head.seq} hash={head.hash} at={head.at}")


@event.listens_for(orm.Session, "after_commit")
def _anchor_committed_head(session: orm.Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending is None:
        return
    chosen, head = pending
    try:
        if chosen.anchor is not None:
            write_anchor(chosen.anchor, head)
        if chosen.syslog:
            syslog_anchor(head)
    except OSError as exc:
        # The entries are committed and cannot be taken back; verify-audit will not find this head
        # in the anchor, so it can no longer vouch for the entries up to it.
        log.error("Audit head %s was committed but not anchored in %s: %s", head.seq, chosen.anchor, exc)


@event.listens_for(orm.Session, "after_rollback")
def _forget_rolled_back_head(session: orm.Session) -> None:
    session.info.pop(_PENDING, None)


def read_anchor(path: Path) -> tuple[list[AnchoredHead], list[str]]:
    """The heads recorded in the anchor file ``path``, and what is wrong with any of its lines.

    Raises ``OSError`` if the file cannot be read.
    """
    heads: list[AnchoredHead] = []
    problems: list[str] = []
    with path.open(encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
                head = AnchoredHead(int(value["seq"]), str(value["hash"]), str(value.get("at", "")), number)
            except (ValueError, TypeError, KeyError):
                problems.append(f"line {number} of {path} is not a recorded head: {line.strip()[:80]!r}")
                continue
            heads.append(head)
    return heads, problems


# --- Verifying ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainProblem:
    """Where the chain is broken."""

    seq: int
    problem: str


def verify_chain(
    entries: Iterable[AuditEntry], head_seq: int, head_hash: str, key: bytes | None = None
) -> Iterator[ChainProblem]:
    """Check every entry in ``seq`` order against its predecessor, the key and the recorded head.

    ``key`` defaults to the current app's (:func:`settings`).
    """
    key = key if key is not None else settings().key
    prev, expected_seq = GENESIS, 1
    for e in entries:
        if e.seq != expected_seq:
            yield ChainProblem(expected_seq, f"entry {expected_seq} is missing (next is {e.seq})")
        if e.prev_hash != prev:
            yield ChainProblem(e.seq, "its link to the previous entry does not match")
        digest = entry_hash(
            e.prev_hash,
            e.seq,
            e.at,
            e.actor,
            e.action,
            e.subject_type,
            e.subject_key,
            e.before,
            e.after,
            key=key,
        )
        if digest != e.hash:
            yield ChainProblem(
                e.seq,
                "its contents were changed after it was written (its keyed hash does not match)",
            )
        prev, expected_seq = e.hash, e.seq + 1
    if expected_seq - 1 != head_seq:
        yield ChainProblem(expected_seq, f"the log ends at {expected_seq - 1} but the head says {head_seq}")
    elif prev != head_hash:
        yield ChainProblem(head_seq, "the last entry does not match the recorded head")


def verify_anchor(session: Session, heads: Iterable[AnchoredHead], source: str) -> Iterator[ChainProblem]:
    """Check that the database holds every head in ``heads`` (read from ``source``), unchanged.

    A head the database no longer has means entries were removed after it was committed; one whose
    hash differs means the chain was rewritten.
    """
    by_seq: dict[int, AnchoredHead] = {}
    for head in heads:
        by_seq.setdefault(head.seq, head)
    seqs = sorted(by_seq)
    for start in range(0, len(seqs), 500):
        chunk = seqs[start : start + 500]
        found = dict(
            session.execute(select(AuditEntry.seq, AuditEntry.hash).where(AuditEntry.seq.in_(chunk)))
            .tuples()
            .all()
        )
        for seq in chunk:
            head = by_seq[seq]
            where = f"{source} line {head.line}, written {head.at or 'at an unknown time'}"
            if seq not in found:
                yield ChainProblem(
                    seq,
                    f"the anchor ({where}) records entry {seq} as the head, but the database has no entry "
                    f"{seq}: entries were removed",
                )
            elif found[seq] != head.hash:
                yield ChainProblem(
                    seq,
                    f"its hash differs from the one the anchor recorded ({where}): the log was rewritten",
                )
