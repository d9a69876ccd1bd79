"""Importing and exporting through the commands, on the real database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from isa_registry.cli import DEMO_FILE
from isa_registry.store.db import db
from isa_registry.store.models import Agreement, AuditEntry, Flow, Organisation
from tests.test_exchange import small_document


def _write(tmp_path: Path, doc: object, name: str = "registry.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc)
    return str(path)


def _counts(app) -> tuple[int, int, int, int]:
    with app.app_context():
        return tuple(  # type: ignore[return-value]
            db.session.execute(select(func.count()).select_from(m)).scalar_one()
            for m in (Organisation, Agreement, Flow, AuditEntry)
        )


def test_import_creates_every_record_and_audits_it(app, runner, tmp_path) -> None:
    result = runner.invoke(args=["import-registry", _write(tmp_path, small_document())])
    assert result.exit_code == 0, result.output
    assert "organisations: 4 created" in result.output
    assert _counts(app) == (4, 1, 2, 7)


def test_export_import_export_is_lossless(app, runner, tmp_path) -> None:
    runner.invoke(args=["import-registry", _write(tmp_path, small_document())])
    first = runner.invoke(args=["export-registry", "-"])
    assert first.exit_code == 0
    with app.app_context():
        for model in (Flow, Agreement):
            db.session.execute(model.__table__.delete())
        db.session.execute(Organisation.__table__.update().values(successor_id=None))
        db.session.execute(Organisation.__table__.delete())
        db.session.commit()
    again = runner.invoke(args=["import-registry", _write(tmp_path, first.stdout, "export.json")])
    assert again.exit_code == 0, again.output
    second = runner.invoke(args=["export-registry", "-"])
    a, b = json.loads(first.stdout), json.loads(second.stdout)
    a.pop("exported_at"), b.pop("exported_at")
    assert a == b


def test_reimport_updates_by_key_and_never_duplicates(app, runner, tmp_path) -> None:
    runner.invoke(args=["import-registry", _write(tmp_path, small_document())])
    doc = small_document()
    doc["flows"][0]["retention"] = "7 years"
    result = runner.invoke(args=["import-registry", _write(tmp_path, doc)])
    assert result.exit_code == 0, result.output
    assert "flows: 0 created, 1 updated" in result.output
    assert "flow FLOW-001" in result.output
    orgs, agreements, flows, _audits = _counts(app)
    assert (orgs, agreements, flows) == (4, 1, 2)
    with app.app_context():
        entry = db.session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc())).scalars().first()
        assert entry.action == "update" and entry.before["retention"] == "6 years"
        assert entry.after["retention"] == "7 years"


def test_dry_run_writes_nothing(app, runner, tmp_path) -> None:
    result = runner.invoke(args=["import-registry", "--dry-run", _write(tmp_path, small_document())])
    assert result.exit_code == 0, result.output
    assert "organisations: 4 created" in result.output and "nothing was written" in result.output
    assert _counts(app) == (0, 0, 0, 0)


def test_import_from_standard_input(app, runner) -> None:
    result = runner.invoke(args=["import-registry", "-"], input=json.dumps(small_document()))
    assert result.exit_code == 0, result.output
    assert _counts(app)[2] == 2


def _break(mutate):
    doc = small_document()
    mutate(doc)
    return doc


BAD_DOCUMENTS = {
    "not json": "{not json",
    "wrong format": _break(lambda d: d.update(format="isa-registry/0")),
    "missing name": _break(lambda d: d["organisations"][0].pop("name")),
    "bad enum": _break(lambda d: d["flows"][0].update(article9="z")),
    "unknown organisation": _break(lambda d: d["flows"][1].update(recipient="nobody")),
    "unknown agreement": _break(lambda d: d["flows"][1].update(agreement="NOPE")),
    "duplicate key": _break(lambda d: d["organisations"].append(dict(d["organisations"][0]))),
    "source is recipient": _break(lambda d: d["flows"][1].update(recipient="dmbc")),
    "bad date": _break(lambda d: d["agreements"][0].update(review_date="next year")),
    "unknown category": _break(lambda d: d["agreements"][0]["data_categories"].append("gossip")),
    "unknown field": _break(lambda d: d["organisations"][0].update(colour="blue")),
    "end before start": _break(
        lambda d: d["flows"][0].update(start_date="2026-01-02", end_date="2026-01-01")
    ),
    "party twice": _break(
        lambda d: d["agreements"][0]["parties"].append({"organisation": "dmbc", "role": "processor"})
    ),
    "wrong type": _break(lambda d: d["organisations"][1].update(public_authority="yes")),
}


@pytest.mark.parametrize("name", sorted(BAD_DOCUMENTS))
def test_bad_import_is_refused_and_leaves_the_database_untouched(app, runner, tmp_path, name) -> None:
    runner.invoke(args=["import-registry", _write(tmp_path, small_document(), "good.json")])
    before = _counts(app)
    with app.app_context():
        exported_before = runner.invoke(args=["export-registry", "-"]).stdout
    result = runner.invoke(args=["import-registry", _write(tmp_path, BAD_DOCUMENTS[name])])
    assert result.exit_code == 1
    assert "nothing was imported" in result.output or "Import of" in result.output
    assert _counts(app) == before
    after = runner.invoke(args=["export-registry", "-"]).stdout
    assert json.loads(after)["flows"] == json.loads(exported_before)["flows"]


def test_missing_file_is_a_clear_error(runner) -> None:
    result = runner.invoke(args=["import-registry", "/no/such/file.json"])
    assert result.exit_code == 1 and "Cannot read /no/such/file.json" in result.output


def test_database_refuses_a_flow_to_itself(session) -> None:
    org = Organisation(key="x", name="X", kind="other", public_authority=False)
    session.add(org)
    session.flush()
    session.add(
        Flow(key="F", name="F", source_id=org.id, recipient_id=org.id, identifiability="identifiable")
    )
    with pytest.raises(IntegrityError):
        session.flush()


def test_database_refuses_an_unknown_enumeration_value(session) -> None:
    session.add(Organisation(key="x", name="X", kind="spy_agency", public_authority=False))
    with pytest.raises((IntegrityError, LookupError, Exception)) as info:
        session.flush()
    assert "kind" in str(info.value) or "spy_agency" in str(info.value)


def test_database_refuses_a_duplicate_key(session) -> None:
    session.add(Organisation(key="x", name="X", kind="other", public_authority=False))
    session.add(Organisation(key="x", name="Y", kind="other", public_authority=False))
    with pytest.raises(IntegrityError):
        session.flush()


def test_demo_loads_once_and_round_trips(app, runner, tmp_path) -> None:
    assert DEMO_FILE.exists()
    result = runner.invoke(args=["load-demo"])
    assert result.exit_code == 0, result.output
    counts = _counts(app)
    assert counts[0] >= 15 and counts[2] >= 20
    again = runner.invoke(args=["load-demo"])
    assert "already holds records" in again.output and _counts(app) == counts
    exported = json.loads(runner.invoke(args=["export-registry", "-"]).stdout)
    demo = json.loads(DEMO_FILE.read_text())
    assert {o["key"] for o in exported["organisations"]} == {o["key"] for o in demo["organisations"]}
    assert {f["key"] for f in exported["flows"]} == {f["key"] for f in demo["flows"]}
    out = tmp_path / "export.json"
    runner.invoke(args=["export-registry", str(out)])
    reimport = runner.invoke(args=["import-registry", str(out)])
    assert "0 created, 0 updated" in reimport.output and _counts(app) == counts


def test_reimport_with_changed_parties_updates_them_in_place(app, runner, tmp_path) -> None:
    runner.invoke(args=["import-registry", _write(tmp_path, small_document())])
    doc = small_document()
    agreement = doc["agreements"][0]
    agreement["title"] = "MASH ISA v2"
    agreement["parties"] = [
        {"organisation": "wmp", "role": "controller", "signed_on": "2025-02-01"},
        {"organisation": "dmbc", "role": "joint_controller", "signed_on": "2025-01-01"},
        {"organisation": "icb", "role": "processor", "signed_on": None},
    ]
    result = runner.invoke(args=["import-registry", _write(tmp_path, doc)])
    assert result.exit_code == 0, result.output
    assert "agreements: 0 created, 1 updated" in result.output
    exported = json.loads(runner.invoke(args=["export-registry", "-"]).stdout)
    parties = exported["agreements"][0]["parties"]
    assert [(p["organisation"], p["role"], p["signed_on"]) for p in parties] == [
        ("wmp", "controller", "2025-02-01"),
        ("dmbc", "joint_controller", "2025-01-01"),
        ("icb", "processor", None),
    ]
