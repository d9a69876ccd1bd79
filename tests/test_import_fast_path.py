"""The import's fast paths: compiled schema check, multi-row inserts, one serialisation per audit entry."""

from __future__ import annotations

import copy
import gc
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from isa_registry.core import exchange
from isa_registry.store.audit import verify_chain
from isa_registry.store.db import db
from isa_registry.store.models import Agreement, AgreementParty, AuditEntry, AuditHead, Flow, Organisation
from tests.test_exchange import small_document


def _jsonschema_problems(doc: object) -> list[exchange.Problem]:
    return sorted(
        {exchange._schema_problem(doc, e) for e in exchange._validator().iter_errors(doc)},
        key=lambda p: (p.record, p.field, p.message),
    )


def _variants() -> list[dict]:
    """Documents one edit away from valid, each wrong (or right) in a way the fast check must see."""
    out = []

    def edit(fn) -> None:  # type: ignore[no-untyped-def]
        doc = small_document()
        fn(doc)
        out.append(doc)

    edit(lambda d: d.update(format="isa-registry/2"))
    edit(lambda d: d["flows"][0].update(start_date="2026-02-30"))  # the pattern passes, the date does not
    edit(lambda d: d["flows"][0].update(start_date="2026-2-3"))
    edit(lambda d: d["flows"][0].update(start_date=None))  # nullable: valid
    edit(lambda d: d["flows"][0].update(article6=None))  # nullable enum: valid
    edit(lambda d: d["flows"][0].update(regime=None))  # enum, not nullable
    edit(lambda d: d["flows"][0].update(article6="nonsense"))
    edit(lambda d: d["flows"][0].update(international_transfer=None))
    edit(lambda d: d["flows"][0].update(international_transfer={"country": "US", "safeguard": None}))
    edit(lambda d: d["flows"][0].update(international_transfer={"safeguard": None}))
    edit(lambda d: d["flows"][0].update(automated_decision_making=0))
    edit(lambda d: d["flows"][0].update(archived=1))
    edit(lambda d: d["organisations"][0].update(key="bad key"))
    edit(lambda d: d["organisations"][0].update(ico_registration="x" * 51))
    edit(lambda d: d["organisations"][0].update(extra=1))
    edit(lambda d: d["organisations"][0].pop("name"))
    edit(lambda d: d["agreements"][0]["parties"][0].update(signed_on="2026-13-01"))
    edit(lambda d: d.pop("flows"))
    return out


@pytest.mark.parametrize("doc", _variants())
def test_fast_check_never_accepts_what_jsonschema_rejects(doc: dict) -> None:
    problems = _jsonschema_problems(doc)
    assert exchange._quickly_valid(copy.deepcopy(doc)) == (not problems)
    # And what validate_document reports is jsonschema's wording, whichever path ran.
    if problems:
        assert exchange.validate_document(doc) == problems


def test_fast_check_accepts_a_valid_document() -> None:
    assert exchange._quickly_valid(small_document())
    assert exchange.validate_document(small_document()) == []


def _write(tmp_path: Path, doc: object) -> str:
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(doc))
    return str(path)


def test_new_rows_are_filled_like_the_orm_filled_them(app, runner, tmp_path) -> None:
    doc = small_document()
    doc["organisations"][1]["status"] = "dissolved"
    doc["organisations"][1]["successor"] = doc["organisations"][0]["key"]
    result = runner.invoke(args=["import-registry", _write(tmp_path, doc)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        for model in (Organisation, Agreement, Flow):
            for row in db.session.scalars(select(model)):
                assert row.created_at is not None and row.updated_at is not None
                assert row.archived is False
                assert row.version_id == 1  # a new record, successor links included
        orgs = {o.key: o for o in db.session.scalars(select(Organisation))}
        assert orgs[doc["organisations"][1]["key"]].successor_id == orgs[doc["organisations"][0]["key"]].id
        agreement = db.session.scalars(select(Agreement)).one()
        parties = db.session.scalars(
            select(AgreementParty).where(AgreementParty.agreement_id == agreement.id)
        ).all()
        assert sorted(p.position for p in parties) == list(range(len(doc["agreements"][0]["parties"])))
    again = runner.invoke(args=["import-registry", _write(tmp_path, doc)])
    assert "flows: 0 created, 0 updated (matched by key), 2 unchanged" in again.output


def test_audit_entries_verify_and_read_back_as_the_records(app, runner, tmp_path) -> None:
    doc = small_document()
    assert runner.invoke(args=["import-registry", _write(tmp_path, doc)]).exit_code == 0
    doc["flows"][0]["retention"] = "7 years"
    assert runner.invoke(args=["import-registry", _write(tmp_path, doc)]).exit_code == 0
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        head = db.session.scalars(select(AuditHead)).one()
        assert list(verify_chain(entries, head.seq, head.hash)) == []
        created = {e.subject_key: e for e in entries if e.action == "create"}
        assert created[doc["flows"][1]["key"]].before is None
        assert created[doc["flows"][1]["key"]].after["key"] == doc["flows"][1]["key"]
        update = [e for e in entries if e.action == "update"]
        assert len(update) == 1 and update[0].after["retention"] == "7 years"
        assert update[0].before["retention"] != "7 years"


def test_the_cycle_collector_is_held_off_while_an_import_runs_and_on_again_after(
    app, runner, tmp_path, monkeypatch
) -> None:
    from isa_registry.store import persist

    seen: list[tuple[str, bool]] = []

    def watched(module: object, name: str) -> None:
        real = getattr(module, name)

        def call(*args: object, **kwargs: object) -> object:
            seen.append((name, gc.isenabled()))
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, call)

    watched(exchange, "parse_document")
    watched(persist, "apply_registry")
    assert gc.isenabled()
    assert runner.invoke(args=["import-registry", _write(tmp_path, small_document())]).exit_code == 0
    assert seen == [("parse_document", False), ("apply_registry", False)]
    assert gc.isenabled()
    # A document that is refused, or a write that fails, turns it back on too.
    bad = small_document()
    bad["flows"][0]["source"] = "nobody"
    assert runner.invoke(args=["import-registry", _write(tmp_path, bad)]).exit_code == 1
    assert gc.isenabled()
    monkeypatch.setattr(persist, "apply_registry", lambda *args, **kwargs: 1 / 0)
    assert runner.invoke(args=["import-registry", _write(tmp_path, small_document())]).exit_code != 0
    assert gc.isenabled()


def test_an_import_leaves_the_cycle_collector_off_when_it_was_off(app, runner, tmp_path) -> None:
    gc.disable()
    try:
        assert runner.invoke(args=["import-registry", _write(tmp_path, small_document())]).exit_code == 0
        assert not gc.isenabled()
    finally:
        gc.enable()
