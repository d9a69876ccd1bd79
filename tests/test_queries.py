"""The revision-keyed cache of the checked registry."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import event

from isa_registry.extensions import db
from isa_registry.queries import checked_registry
from tests.test_exchange import small_document

DAY = date(2026, 11, 23)


def test_an_unchanged_registry_is_loaded_and_checked_once(app, runner, tmp_path) -> None:
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(small_document()))
    runner.invoke(args=["import-registry", str(path)])
    with app.app_context():
        first = checked_registry(DAY)
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        again = checked_registry(DAY)
        assert again is first
        assert len(statements) == 1  # the revision, nothing more
        assert {f.subject_key for f in first.findings} >= {"FLOW-001"}


def test_a_change_is_seen_at_once(app, runner, tmp_path) -> None:
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(small_document()))
    runner.invoke(args=["import-registry", str(path)])
    with app.app_context():
        before = checked_registry(DAY)
    doc = small_document()
    doc["flows"][0]["name"] = "Renamed"
    path.write_text(json.dumps(doc))
    runner.invoke(args=["import-registry", str(path)])
    with app.app_context():
        after = checked_registry(DAY)
        assert after is not before and after.revision[0] > before.revision[0]
        assert after.full.flows["FLOW-001"].name == "Renamed"


def test_each_date_is_checked_for_itself(app, runner, tmp_path) -> None:
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(small_document()))
    runner.invoke(args=["import-registry", str(path)])
    with app.app_context():
        today = checked_registry(DAY)
        later = checked_registry(date(2027, 6, 1))
        assert later.as_of == date(2027, 6, 1) and today.as_of == DAY
        assert {f.code for f in later.findings} != {f.code for f in today.findings}
