"""The migration that keys the audit chain: old chains re-keyed and still verified; on PostgreSQL,
``audit_entry`` refuses UPDATE, DELETE and TRUNCATE."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from isa_registry.store import audit
from isa_registry.store.db import db
from isa_registry.store.models import AuditEntry, AuditHead
from tests.test_migrations import migrating_app

pytestmark = pytest.mark.db

ON_POSTGRESQL = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


def _audit_config(tmp_path: Path) -> dict[str, str]:
    return {"AUDIT_KEY": "migration-test-key", "AUDIT_ANCHOR": str(tmp_path / "anchor.log")}


def _legacy_chain(count: int, tamper_at: int | None = None) -> None:
    """``count`` entries hashed the old way (plain SHA-256), as the app wrote them before the key;
    entry ``tamper_at`` edited afterwards."""
    prev = audit.GENESIS
    at = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
    for seq in range(1, count + 1):
        fields = (
            seq,
            at,
            "cli:load-demo",
            "create",
            "organisation",
            f"org-{seq}",
            None,
            {"name": f"Org {seq}"},
        )
        digest = audit.legacy_entry_hash(prev, *fields)
        db.session.execute(
            insert(AuditEntry).values(
                seq=seq,
                at=at,
                actor=fields[2],
                action="create",
                subject_type="organisation",
                subject_key=fields[5],
                before=None,
                after=fields[7],
                prev_hash=prev,
                hash=digest,
            )
        )
        prev = digest
    db.session.execute(insert(AuditHead).values(id=1, seq=count, hash=prev))
    if tamper_at:
        db.session.execute(update(AuditEntry).where(AuditEntry.seq == tamper_at).values(actor="someone-else"))
    db.session.commit()


def test_an_old_chain_is_rekeyed_by_the_upgrade_and_verifies(tmp_path: Path) -> None:
    with migrating_app(tmp_path, **_audit_config(tmp_path)) as app:
        with app.app_context():
            upgrade(revision="0002")
            _legacy_chain(5)
            upgrade()
            note = db.session.scalars(select(AuditEntry).where(AuditEntry.seq == 6)).one()
            assert (note.action, note.actor) == ("rekey", "migration:auditmap_keyed_audit")
            assert note.before["scheme"] == "sha256" and note.before["head_seq"] == 5
            assert note.after == {"scheme": "hmac-sha256", "problems_found_before_rekeying": []}
            db.session.remove()
            anchored = [json.loads(line) for line in (tmp_path / "anchor.log").read_text().splitlines()]
            assert [a["seq"] for a in anchored] == [6] and anchored[0]["hash"] == note.hash
        result = app.test_cli_runner().invoke(args=["verify-audit"])
        assert result.exit_code == 0, result.output
        assert "6 entries verified; the 1 heads recorded in" in result.output


def test_an_old_chain_already_broken_is_rekeyed_with_what_was_wrong_on_record(tmp_path: Path) -> None:
    with migrating_app(tmp_path, **_audit_config(tmp_path)) as app, app.app_context():
        upgrade(revision="0002")
        _legacy_chain(4, tamper_at=2)
        upgrade()
        note = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "rekey")).one()
        assert note.after["problems_found_before_rekeying"] == [
            "entry 2's contents had changed after it was written"
        ]


def test_the_downgrade_puts_the_old_hashes_back(tmp_path: Path) -> None:
    with migrating_app(tmp_path, **_audit_config(tmp_path)) as app, app.app_context():
        upgrade(revision="0002")
        _legacy_chain(3)
        before = db.session.scalars(select(AuditEntry.hash).order_by(AuditEntry.seq)).all()
        db.session.remove()
        upgrade()
        downgrade(revision="0002")
        after = db.session.scalars(select(AuditEntry.hash).order_by(AuditEntry.seq)).all()
        assert after[:3] == before and len(after) == 4  # the re-key note stays, hashed the old way


@pytest.mark.skipif(not ON_POSTGRESQL, reason="the append-only trigger is PostgreSQL's; SQLite has none")
def test_on_postgresql_audit_entries_cannot_be_updated_deleted_or_truncated(tmp_path: Path) -> None:
    with migrating_app(tmp_path, **_audit_config(tmp_path)) as app, app.app_context():
        upgrade()
        audit.append(db.session, "test", [audit.Change("create", "organisation", "a", None, {"n": 1})])
        db.session.commit()
        attempts = (
            update(AuditEntry).values(actor="someone-else"),
            delete(AuditEntry).where(AuditEntry.seq == 1),
            text("TRUNCATE audit_entry"),
        )
        for statement in attempts:
            with pytest.raises(DBAPIError, match="audit_entry is append-only"):
                db.session.execute(statement)
            db.session.rollback()
        assert db.session.scalars(select(AuditEntry.actor)).all() == ["test"]
        audit.append(db.session, "test", [audit.Change("create", "organisation", "b", None, {"n": 2})])
        db.session.commit()  # appending still works
        assert db.session.scalar(select(AuditHead.seq)) == 2
