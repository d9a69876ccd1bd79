"""The audit log is append-only and hash-chained: any edit or deletion is detected."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select, update

from isa_registry.store.db import db
from isa_registry.store.models import AuditEntry
from tests.test_exchange import small_document


def _import(runner, tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(small_document()))
    assert runner.invoke(args=["import-registry", str(path)]).exit_code == 0


def test_intact_log_verifies(app, runner, tmp_path) -> None:
    _import(runner, tmp_path)
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 0 and "7 entries verified" in result.output


def test_empty_log_verifies(runner) -> None:
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 0 and "0 entries" in result.output


def test_edited_entry_is_detected(app, runner, tmp_path) -> None:
    _import(runner, tmp_path)
    with app.app_context():
        db.session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(actor="someone-else"))
        db.session.commit()
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 1
    assert "Audit entry 3: its contents were changed" in result.output


def test_edited_after_value_is_detected(app, runner, tmp_path) -> None:
    _import(runner, tmp_path)
    with app.app_context():
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.seq == 5)).scalar_one()
        entry.after = {**entry.after, "retention": "forever"}
        db.session.commit()
    assert runner.invoke(args=["verify-audit"]).exit_code == 1


def test_deleted_entry_is_detected(app, runner, tmp_path) -> None:
    _import(runner, tmp_path)
    with app.app_context():
        db.session.execute(AuditEntry.__table__.delete().where(AuditEntry.seq == 2))
        db.session.commit()
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 1 and "entry 2 is missing" in result.output


def test_deleted_last_entry_is_detected(app, runner, tmp_path) -> None:
    _import(runner, tmp_path)
    with app.app_context():
        db.session.execute(AuditEntry.__table__.delete().where(AuditEntry.seq == 7))
        db.session.commit()
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 1 and "head says 7" in result.output
