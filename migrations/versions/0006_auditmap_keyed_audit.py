"""keyed audit chain; audit_entry append-only on PostgreSQL

Re-keys an existing audit chain from plain SHA-256 to HMAC-SHA256 under the audit key
(``AUDIT_KEY`` or ``instance/audit_key``: run the upgrade with the same settings as the app). The
old chain is checked the old way first; what was found, and the old head, are recorded in one more
entry (action ``rekey``), whose head is written to the anchor file once the upgrade commits. On
PostgreSQL a trigger then refuses UPDATE, DELETE and TRUNCATE on ``audit_entry``; SQLite has no
such guard (there the anchor and the key are the defence).

Revision ID: auditmap_keyed_audit
Revises: sessions_throttle
Create Date: 2026-11-25 10:00:00.000000

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy import event

# revision identifiers, used by Alembic.
revision = 'auditmap_keyed_audit'
down_revision = 'recipient_basis'
branch_labels = None
depends_on = None

GENESIS = "0" * 64

entries = sa.table(
    "audit_entry",
    sa.column("id", sa.Integer),
    sa.column("seq", sa.Integer),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("subject_type", sa.String),
    sa.column("subject_key", sa.String),
    sa.column("before", sa.JSON),
    sa.column("after", sa.JSON),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)
head_table = sa.table("audit_head", sa.column("id", sa.Integer), sa.column("seq", sa.Integer), sa.column("hash", sa.String))

TRIGGER_SQL = (
    """
    CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_entry is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    """
    CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
        FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()
    """,
    """
    CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry
        FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()
    """,
)


def _fields(row):
    return (row.seq, row.at, row.actor, row.action, row.subject_type, row.subject_key, row.before, row.after)


def _rehash(bind, digest):
    """Recompute every entry's link and hash with ``digest``; the head follows. Returns the old
    and new head hashes and the entries read."""
    rows = bind.execute(sa.select(entries).order_by(entries.c.seq)).all()
    prev = GENESIS
    for row in rows:
        new = digest(prev, *_fields(row))
        bind.execute(entries.update().where(entries.c.id == row.id).values(prev_hash=prev, hash=new))
        prev = new
    old = bind.execute(sa.select(head_table.c.seq, head_table.c.hash)).first()
    if rows:
        bind.execute(head_table.update().values(seq=rows[-1].seq, hash=prev))
    return old, prev, rows


def _legacy_problems(rows, head):
    """What is wrong with the chain checked the old way (plain SHA-256)."""
    from isa_registry.store.audit import legacy_entry_hash

    problems, prev, expected = [], GENESIS, 1
    for row in rows:
        if row.seq != expected:
            problems.append(f"entry {expected} was missing (next was {row.seq})")
        if row.prev_hash != prev:
            problems.append(f"entry {row.seq}'s link to the previous entry did not match")
        if legacy_entry_hash(row.prev_hash, *_fields(row)) != row.hash:
            problems.append(f"entry {row.seq}'s contents had changed after it was written")
        prev, expected = row.hash, row.seq + 1
    if head is not None and (head.seq, head.hash) != (expected - 1, prev):
        problems.append(f"the head ({head.seq}) did not match the last entry ({expected - 1})")
    return problems


def upgrade():
    bind = op.get_bind()
    has_entries = bind.execute(sa.select(sa.func.count()).select_from(entries)).scalar_one()
    if has_entries:
        from isa_registry.store import audit

        chosen = audit.settings()
        rows = bind.execute(sa.select(entries).order_by(entries.c.seq)).all()
        old_head = bind.execute(sa.select(head_table.c.seq, head_table.c.hash)).first()
        problems = _legacy_problems(rows, old_head)

        def keyed(prev, *fields):
            return audit.entry_hash(prev, *fields, key=chosen.key)

        _, prev, rows = _rehash(bind, keyed)
        seq, now = rows[-1].seq + 1, datetime.now(UTC)
        note = (
            seq, now, "migration:auditmap_keyed_audit", "rekey", "audit", "chain",
            {"scheme": "sha256", "head_seq": old_head.seq if old_head else 0, "head_hash": old_head.hash if old_head else GENESIS},
            {"scheme": "hmac-sha256", "problems_found_before_rekeying": problems},
        )
        digest = keyed(prev, *note)
        bind.execute(
            entries.insert().values(
                seq=seq, at=now, actor=note[2], action=note[3], subject_type=note[4], subject_key=note[5],
                before=note[6], after=note[7], prev_hash=prev, hash=digest,
            )
        )
        bind.execute(head_table.update().values(seq=seq, hash=digest))
        head = audit.AnchoredHead(seq, digest, now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))

        def anchor(_conn):
            if chosen.anchor is not None:
                audit.write_anchor(chosen.anchor, head)
            if chosen.syslog:
                audit.syslog_anchor(head)

        event.listen(bind, "commit", anchor, once=True)
    if bind.dialect.name == "postgresql":
        for statement in TRIGGER_SQL:
            op.execute(statement)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry")
        op.execute("DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry")
        op.execute("DROP FUNCTION IF EXISTS audit_entry_append_only()")
    from isa_registry.store.audit import legacy_entry_hash

    _rehash(bind, legacy_entry_hash)
