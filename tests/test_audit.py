"""The audit log is append-only and hash-chained: any edit or deletion is detected."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select, update

from isa_registry.store import audit
from isa_registry.store.db import db
from isa_registry.store.models import AuditEntry, AuditHead
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


# --- The keyed chain and its anchor outside the database (issue 13, item 5) --------------------


def _commits(app, sizes: list[int]) -> None:
    """One commit per size, each appending that many entries."""
    with app.app_context():
        for number, size in enumerate(sizes):
            changes = [
                audit.Change("create", "organisation", f"org-{number}-{i}", None, {"name": f"Org {i}"})
                for i in range(size)
            ]
            audit.append(db.session, "test", changes)
            db.session.commit()


def _move_head_to(seq: int) -> None:
    """What someone with the database, but not the key, does to hide the entries after ``seq``."""
    db.session.execute(AuditEntry.__table__.delete().where(AuditEntry.seq > seq))
    last = db.session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == seq)) if seq else audit.GENESIS
    db.session.execute(update(AuditHead).values(seq=seq, hash=last))
    db.session.commit()


def _chain_problems(app) -> list[audit.ChainProblem]:
    """The chain checked on its own, without the anchor: what verify-audit used to check."""
    with app.app_context():
        head = db.session.execute(select(AuditHead)).scalar_one_or_none()
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        return list(
            audit.verify_chain(entries, head.seq if head else 0, head.hash if head else audit.GENESIS)
        )


def _anchor(app) -> Path:
    return Path(app.config["AUDIT_ANCHOR"])


def test_each_commit_anchors_its_head_outside_the_database(app, runner) -> None:
    _commits(app, [3, 1, 2])
    lines = [json.loads(line) for line in _anchor(app).read_text().splitlines()]
    with app.app_context():
        hashes = dict(db.session.execute(select(AuditEntry.seq, AuditEntry.hash)).tuples().all())
    assert [(line["seq"], line["hash"]) for line in lines] == [(s, hashes[s]) for s in (3, 4, 6)]
    assert all(line["at"].endswith("Z") for line in lines)
    assert _anchor(app).stat().st_mode & 0o777 == 0o600
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 0, result.output
    assert "6 entries verified; the 3 heads recorded in" in result.output


def test_a_rolled_back_change_anchors_nothing(app) -> None:
    _commits(app, [2])
    with app.app_context():
        audit.append(db.session, "test", [audit.Change("create", "organisation", "x", None, {})])
        db.session.rollback()
    assert len(_anchor(app).read_text().splitlines()) == 1


def test_truncating_the_tail_and_moving_the_head_back_is_detected(app, runner) -> None:
    _commits(app, [5, 5, 5, 5])
    with app.app_context():
        _move_head_to(10)  # the last ten entries gone, the head moved back onto a valid chain
    assert _chain_problems(app) == []  # the chain alone cannot tell
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 1
    assert "Audit entry 15: the anchor" in result.output
    assert (
        "records entry 20 as the head, but the database has no entry 20: entries were removed"
        in result.output
    )
    assert "The audit log has been tampered with: 2 problem(s)." in result.output


def test_wiping_the_log_back_to_genesis_is_detected(app, runner) -> None:
    _commits(app, [4, 3])
    with app.app_context():
        _move_head_to(0)
    assert _chain_problems(app) == []
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 1
    assert "the database has no entry 4: entries were removed" in result.output
    assert "the database has no entry 7: entries were removed" in result.output


def test_wiping_the_log_and_its_head_row_is_detected(app, runner) -> None:
    _commits(app, [4])
    with app.app_context():
        db.session.execute(AuditEntry.__table__.delete())
        db.session.execute(AuditHead.__table__.delete())
        db.session.commit()
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 1 and "no entry 4: entries were removed" in result.output


def _rewrite_from(seq: int, change: dict, digest) -> None:
    """Edit entry ``seq`` and recompute its hash and every later one with ``digest``, and the head."""
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    prev = audit.GENESIS
    for e in entries:
        if e.seq == seq:
            e.after = {**(e.after or {}), **change}
        if e.seq >= seq:
            e.prev_hash = prev
            e.hash = digest(
                prev, e.seq, e.at, e.actor, e.action, e.subject_type, e.subject_key, e.before, e.after
            )
        prev = e.hash
    db.session.execute(update(AuditHead).values(hash=prev))
    db.session.commit()


def test_an_edited_entry_with_every_later_hash_recomputed_without_the_key_is_detected(
    app, runner, tmp_path
) -> None:
    _import(runner, tmp_path)
    with app.app_context():
        _rewrite_from(3, {"name": "Someone else"}, audit.legacy_entry_hash)  # the old, unkeyed hash
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 1
    for seq in range(3, 8):
        assert f"Audit entry {seq}: its contents were changed after it was written" in result.output


def test_an_edited_entry_rehashed_under_a_guessed_key_is_detected(app, runner, tmp_path) -> None:
    _import(runner, tmp_path)
    guess = app.config["SECRET_KEY"].encode()  # the other key the app holds is not the audit key
    with app.app_context():
        _rewrite_from(5, {"retention": "forever"}, lambda *fields: audit.entry_hash(*fields, key=guess))
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 1 and "Audit entry 5: its contents were changed" in result.output


def test_a_log_rewritten_with_the_key_itself_still_differs_from_the_anchor(app, runner, tmp_path) -> None:
    _import(runner, tmp_path)
    key = audit.settings(app.config).key
    with app.app_context():
        _rewrite_from(2, {"name": "Someone else"}, lambda *fields: audit.entry_hash(*fields, key=key))
    assert _chain_problems(app) == []
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 1
    assert "Audit entry 7: its hash differs from the one the anchor recorded" in result.output
    assert "the log was rewritten" in result.output


def test_verify_audit_checks_another_copy_of_the_anchor(app, runner, tmp_path) -> None:
    _commits(app, [5, 5])
    copy = tmp_path / "anchor-copy.log"
    copy.write_bytes(_anchor(app).read_bytes())
    with app.app_context():
        _move_head_to(5)
    _anchor(app).write_text(_anchor(app).read_text().splitlines(keepends=True)[0])  # and the anchor cut too
    assert runner.invoke(args=["verify-audit"]).exit_code == 0
    result = runner.invoke(args=["verify-audit", "--anchor", str(copy)])
    assert result.exit_code == 1
    assert f"{copy} line 2" in result.output and "no entry 10: entries were removed" in result.output


def test_a_missing_anchor_file_is_a_failure_once_the_log_has_entries(app, runner, tmp_path) -> None:
    _commits(app, [2])
    _anchor(app).unlink()
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 1 and "does not exist" in result.output
    result = runner.invoke(args=["verify-audit", "--anchor", str(tmp_path / "nowhere.log")])
    assert result.exit_code == 1 and "nowhere.log does not exist" in result.output


def test_a_garbled_anchor_line_is_reported(app, runner) -> None:
    _commits(app, [2])
    with _anchor(app).open("a") as fh:
        fh.write("seq=9 hash=abc\n")
    result = runner.invoke(args=["verify-audit"])
    assert (
        result.exit_code == 1 and "line 2 of" in result.output and "is not a recorded head" in result.output
    )


def test_heads_also_go_to_syslog_when_asked(app, monkeypatch) -> None:
    import syslog

    sent: list[str] = []
    monkeypatch.setattr(syslog, "syslog", lambda priority, message: sent.append(message))
    monkeypatch.setitem(app.config, "AUDIT_SYSLOG", True)
    _commits(app, [2])
    assert len(sent) == 1 and sent[0].startswith("audit head seq=2 hash=")


def test_the_audit_key_is_made_on_first_use_for_its_owner_only(tmp_path) -> None:
    path = tmp_path / "instance" / "audit_key"
    settings = {"AUDIT_KEY": "", "AUDIT_KEY_FILE": str(path), "AUDIT_ANCHOR": ""}
    first = audit.settings(settings)
    assert path.stat().st_mode & 0o777 == 0o600 and len(first.key) == 64
    assert audit.settings(settings).key == first.key and first.anchor is None
    assert list(tmp_path.joinpath("instance").iterdir()) == [path]  # no temporary file left behind


def test_the_audit_key_and_anchor_come_from_the_environment(tmp_path, monkeypatch) -> None:
    from isa_registry import config

    monkeypatch.setenv("SECRET_KEY", "s")
    monkeypatch.setenv("AUDIT_KEY", "from-the-environment")
    monkeypatch.setenv("AUDIT_ANCHOR", str(tmp_path / "elsewhere.log"))
    chosen = audit.settings(config.defaults(str(tmp_path)))
    assert chosen.key == b"from-the-environment" and chosen.anchor == tmp_path / "elsewhere.log"
    assert not (tmp_path / "audit_key").exists()
    monkeypatch.delenv("AUDIT_ANCHOR")
    assert audit.settings(config.defaults(str(tmp_path))).anchor == tmp_path / "audit-anchor.log"


def test_a_batch_of_mixed_entries_hashes_each_as_the_chain_is_verified(app) -> None:
    """One append of many entries encodes what they share once; each entry's hash must still be the
    keyed hash of the entry's canonical JSON, as :func:`audit.verify_chain` recomputes it."""
    changes = [
        audit.Change("decide", "decision", "FLOW-1", None, {"reason": "Café – “quoted”", "n": 1}),
        audit.Change("create", "flow", "FLOW-2", None, {"list": [3, 1, 2], "nested": {"b": None, "a": True}}),
        audit.Change("decide", "decision", 'key "with" quotes', {"before": "x"}, {"after": "y"}),
        audit.Change("update", "organisation", "org-ü", {"when": "2026-11-23"}, None),
    ]
    with app.app_context():
        audit.append(db.session, "editor@example.org", changes)
        db.session.commit()
        key = audit.settings().key
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        assert [e.subject_key for e in entries] == [c.subject_key for c in changes]
        for entry in entries:
            assert entry.hash == audit.entry_hash(
                entry.prev_hash,
                entry.seq,
                entry.at,
                entry.actor,
                entry.action,
                entry.subject_type,
                entry.subject_key,
                entry.before,
                entry.after,
                key=key,
            )
    assert _chain_problems(app) == []
