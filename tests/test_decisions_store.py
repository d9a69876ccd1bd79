"""Deciding on findings in the database: each decision kind, who may take it, withdrawal, actions,
the audit chain, the checked registry's states, and import and export of decisions."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from isa_registry.core.domain import Finding
from isa_registry.store import audit
from isa_registry.store.db import db
from isa_registry.store.decisions import (
    NotAllowed,
    assign,
    decide,
    decide_many,
    load_decisions,
    withdraw,
)
from isa_registry.store.errors import InvalidRecord
from isa_registry.store.models import AuditEntry, AuditHead, FindingAction, FindingDecision
from isa_registry.store.queries import checked_registry
from tests.builders import AS_OF, basis, clean_registry, days
from tests.conftest import statements, store

ADMIN, EDITOR = "dpo@dudley.gov.uk", "ig.officer@dudley.gov.uk"


@pytest.fixture()
def findings(app: Flask) -> Flask:
    """A registry with an error (FLOW_NO_AGREEMENT), a warning (FLOW_NO_RETENTION) and an info."""
    registry = clean_registry(flow={"agreement": None, "retention": None})
    store(app, registry)
    return app


def the(code: str, as_of=AS_OF) -> Finding:
    return next(f for f in checked_registry(as_of).findings if f.code == code)


def state(code: str, as_of=AS_OF) -> str:
    return next(r.state for r in checked_registry(as_of).reviewed if r.finding.code == code)


def test_a_not_applicable_decision_decides_an_error(findings: Flask) -> None:
    with findings.app_context():
        assert state("FLOW_NO_AGREEMENT") == "open"
        decide(
            db.session,
            EDITOR,
            False,
            the("FLOW_NO_AGREEMENT"),
            "not_applicable",
            "Statutory return.",
            None,
            AS_OF,
        )
        assert state("FLOW_NO_AGREEMENT") == "decided"


def test_an_admin_accepts_an_error_until_its_review_date(findings: Flask) -> None:
    with findings.app_context():
        decide(
            db.session, ADMIN, True, the("FLOW_NO_AGREEMENT"), "accepted", "Being renewed.", days(30), AS_OF
        )
        assert state("FLOW_NO_AGREEMENT", days(30)) == "decided"
        lapsed = next(r for r in checked_registry(days(31)).reviewed if r.finding.code == "FLOW_NO_AGREEMENT")
        assert lapsed.state == "lapsed"
        assert lapsed.decision is not None and lapsed.decision.reason == "Being renewed."


def test_an_editor_cannot_accept_an_error(findings: Flask) -> None:
    with findings.app_context():
        with pytest.raises(NotAllowed):
            decide(db.session, EDITOR, False, the("FLOW_NO_AGREEMENT"), "accepted", "Fine.", days(30), AS_OF)
        assert db.session.scalar(select(func.count()).select_from(FindingDecision)) == 0
        assert state("FLOW_NO_AGREEMENT") == "open"


def test_an_editor_accepts_a_warning_or_info(findings: Flask) -> None:
    with findings.app_context():
        decide(db.session, EDITOR, False, the("FLOW_NO_RETENTION"), "accepted", "Being drafted.", None, AS_OF)
        decide(db.session, EDITOR, False, the("AGREEMENT_UNUSED"), "accepted", "Asked them.", None, AS_OF)
        assert state("FLOW_NO_RETENTION") == state("AGREEMENT_UNUSED") == "decided"


def test_a_decision_with_a_blank_reason_is_refused(findings: Flask) -> None:
    with findings.app_context():
        with pytest.raises(InvalidRecord) as refused:
            decide(db.session, ADMIN, True, the("FLOW_NO_AGREEMENT"), "not_applicable", "   ", None, AS_OF)
        assert set(refused.value.errors) == {"reason"}
        with pytest.raises(InvalidRecord) as refused:
            decide(db.session, ADMIN, True, the("FLOW_NO_AGREEMENT"), "accepted", "Renewing.", None, AS_OF)
        assert set(refused.value.errors) == {"review_by"}
        assert db.session.scalar(select(func.count()).select_from(FindingDecision)) == 0


def test_a_decision_lapses_when_the_record_changes_the_finding(findings: Flask) -> None:
    with findings.app_context():
        decide(
            db.session, EDITOR, False, the("FLOW_NO_AGREEMENT"), "not_applicable", "Statutory.", None, AS_OF
        )
    store(findings, clean_registry(flow={"agreement": None, "retention": None, "name": "CIN census"}))
    with findings.app_context():
        assert state("FLOW_NO_AGREEMENT") == "lapsed"


def test_a_withdrawn_decision_reopens_the_finding_and_is_kept(findings: Flask) -> None:
    with findings.app_context():
        finding = the("FLOW_NO_AGREEMENT")
        decide(db.session, EDITOR, False, finding, "not_applicable", "Statutory.", None, days(-1))
        withdraw(db.session, EDITOR, finding, AS_OF)
        assert state("FLOW_NO_AGREEMENT") == "open"
        [kept] = load_decisions(db.session)
        assert kept.withdrawn_on == AS_OF
        history = checked_registry(AS_OF).decisions_on("flow", "FLOW-012", "FLOW_NO_AGREEMENT")
        assert [d.reason for d in history] == ["Statutory."]


def test_withdrawing_when_nothing_is_decided_is_refused(findings: Flask) -> None:
    with findings.app_context(), pytest.raises(InvalidRecord):
        withdraw(db.session, EDITOR, the("FLOW_NO_AGREEMENT"), AS_OF)


def test_a_second_decision_the_same_day_is_refused(findings: Flask) -> None:
    with findings.app_context():
        finding = the("FLOW_NO_RETENTION")
        decide(db.session, EDITOR, False, finding, "accepted", "One.", None, AS_OF)
        with pytest.raises(InvalidRecord):
            decide(db.session, EDITOR, False, finding, "not_applicable", "Two.", None, AS_OF)
        assert len(load_decisions(db.session)) == 1


def test_each_decision_withdrawal_and_action_is_in_the_audit_chain(findings: Flask) -> None:
    with findings.app_context():
        before = checked_registry(AS_OF).revision
        finding = the("FLOW_NO_AGREEMENT")
        decide(db.session, EDITOR, False, finding, "not_applicable", "Statutory.", None, days(-1))
        withdraw(db.session, EDITOR, finding, AS_OF)
        assign(db.session, EDITOR, finding, "IG.Team@dudley.gov.uk", days(14), AS_OF)
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        assert [(e.action, e.subject_type) for e in entries[-3:]] == [
            ("decide", "decision"),
            ("withdraw", "decision"),
            ("assign", "action"),
        ]
        head = db.session.scalar(select(AuditHead))
        assert list(audit.verify_chain(entries, head.seq, head.hash)) == []
        checked = checked_registry(AS_OF)
        assert checked.revision[0] == before[0] + 3
        reviewed = next(r for r in checked.reviewed if r.finding.code == "FLOW_NO_AGREEMENT")
        assert reviewed.action is not None and reviewed.action.owner == "ig.team@dudley.gov.uk"


def test_an_action_needs_an_email_owner_and_a_due_date(findings: Flask) -> None:
    with findings.app_context():
        with pytest.raises(InvalidRecord) as refused:
            assign(db.session, EDITOR, the("FLOW_NO_AGREEMENT"), "the IG team", None, AS_OF)
        assert set(refused.value.errors) == {"due_on"}
        with pytest.raises(InvalidRecord) as refused:
            assign(db.session, EDITOR, the("FLOW_NO_AGREEMENT"), "the IG team", days(3), AS_OF)
        assert set(refused.value.errors) == {"owner"}
        assert db.session.scalar(select(func.count()).select_from(FindingAction)) == 0


def test_several_findings_of_one_code_are_decided_together_or_not_at_all(app: Flask) -> None:
    registry = clean_registry(flow={"retention": None})
    second = copy.deepcopy(registry.flows["FLOW-012"])
    second.key = "FLOW-013"
    registry.flows["FLOW-013"] = second
    store(app, registry)
    with app.app_context():
        both = [f for f in checked_registry(AS_OF).findings if f.code == "FLOW_NO_RETENTION"]
        assert len(both) == 2
        with pytest.raises(InvalidRecord):
            decide_many(db.session, EDITOR, False, both, "accepted", " ", None, AS_OF)
        assert load_decisions(db.session) == []
        decide_many(
            db.session, EDITOR, False, both, "accepted", "Retention schedule being agreed.", None, AS_OF
        )
        assert {
            r.state for r in checked_registry(AS_OF).reviewed if r.finding.code == "FLOW_NO_RETENTION"
        } == {"decided"}


def _without_retention(app: Flask, flows: int) -> list[Finding]:
    """A registry of ``flows`` flows with no retention recorded, stored; their FLOW_NO_RETENTION findings."""
    registry = clean_registry(flow={"retention": None})
    model = registry.flows["FLOW-012"]
    for n in range(1, flows):
        registry.flows[f"FLOW-9{n:02}"] = replace(model, key=f"FLOW-9{n:02}")
    store(app, registry)
    with app.app_context():
        return [f for f in checked_registry(AS_OF).findings if f.code == "FLOW_NO_RETENTION"]


def test_deciding_many_findings_at_once_runs_as_many_statements_as_deciding_two(app: Flask) -> None:
    """Set-based: which records exist and which findings were decided today are each one statement
    for the whole batch, and the rows and their audit entries one INSERT each."""
    found = _without_retention(app, 40)
    assert len(found) == 40
    counts = []
    for batch, day in ((found[:2], days(-1)), (found[2:], AS_OF)):
        with statements(app) as seen, app.app_context():
            decide_many(db.session, EDITOR, False, batch, "accepted", "Schedule agreed.", None, day)
        counts.append(len(seen))
    assert counts[0] == counts[1]
    with app.app_context():
        assert len(load_decisions(db.session)) == 40


def test_a_batch_with_one_finding_decided_today_already_records_nothing(app: Flask) -> None:
    found = _without_retention(app, 5)
    with app.app_context():
        decide(db.session, EDITOR, False, found[3], "accepted", "Schedule agreed.", None, AS_OF)
        with pytest.raises(InvalidRecord) as refused:
            decide_many(db.session, EDITOR, False, found, "not_applicable", "Kept elsewhere.", None, AS_OF)
        assert "recorded today" in refused.value.errors["decision"]
        assert len(load_decisions(db.session)) == 1


def test_a_batch_naming_a_record_not_in_the_registry_is_refused_naming_it(app: Flask) -> None:
    found = _without_retention(app, 3)
    ghost = found[1]._replace(subject_key="FLOW-GONE")
    with app.app_context():
        with pytest.raises(InvalidRecord) as refused:
            decide_many(db.session, EDITOR, False, [*found, ghost], "accepted", "Agreed.", None, AS_OF)
        assert "flow 'FLOW-GONE'" in refused.value.errors["subject_key"]
        assert load_decisions(db.session) == []


def test_findings_of_different_codes_are_not_decided_together(findings: Flask) -> None:
    with findings.app_context():
        with pytest.raises(InvalidRecord) as refused:
            decide_many(
                db.session,
                EDITOR,
                False,
                [the("FLOW_NO_RETENTION"), the("AGREEMENT_UNUSED")],
                "accepted",
                "Both fine.",
                None,
                AS_OF,
            )
        assert "one code" in refused.value.errors["findings"]


def test_a_record_failing_two_checks_of_one_rule_is_decided_once_and_stays_decided(app: Flask) -> None:
    flow = {
        "data_categories": ["health"],
        "article9": "g",
        "schedule1": ["18"],
        "recipient_basis": basis(article6=None),
    }
    store(app, clean_registry(flow=flow))
    with app.app_context():
        [finding] = [f for f in checked_registry(AS_OF).findings if f.code == "FLOW_RECIPIENT_BASIS_INVALID"]
        decide(
            db.session, EDITOR, False, finding, "not_applicable", "Receives under a court order.", None, AS_OF
        )
        for as_of in (AS_OF, days(1), days(90)):
            states = [
                r.state
                for r in checked_registry(as_of).reviewed
                if r.finding.code == "FLOW_RECIPIENT_BASIS_INVALID"
            ]
            assert states == ["decided"]
        assert len(load_decisions(db.session)) == 1


# --- Import and export ------------------------------------------------------------------------------


def _export(runner: FlaskCliRunner, path: Path) -> dict:
    result = runner.invoke(args=["export-registry", str(path)])
    assert result.exit_code == 0, result.output
    return json.loads(path.read_text(encoding="utf-8"))


def _decided_document(findings: Flask, runner: FlaskCliRunner, tmp_path: Path) -> dict:
    with findings.app_context():
        decide(db.session, ADMIN, True, the("FLOW_NO_AGREEMENT"), "accepted", "Renewing.", days(60), days(-2))
        decide(
            db.session,
            EDITOR,
            False,
            the("FLOW_NO_RETENTION"),
            "not_applicable",
            "Kept elsewhere.",
            None,
            days(-3),
        )
        withdraw(db.session, EDITOR, the("FLOW_NO_RETENTION"), days(-1))
    return _export(runner, tmp_path / "first.json")


def test_export_import_export_of_decisions_is_lossless(
    findings: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    first = _decided_document(findings, runner, tmp_path)
    assert [d["code"] for d in first["decisions"]] == ["FLOW_NO_AGREEMENT", "FLOW_NO_RETENTION"]
    assert first["decisions"][1]["withdrawn_on"] == days(-1).isoformat()
    with findings.app_context():
        db.session.execute(FindingDecision.__table__.delete())
        db.session.commit()
    result = runner.invoke(args=["import-registry", str(tmp_path / "first.json")])
    assert result.exit_code == 0, result.output
    assert "decisions: 2 created" in result.output
    second = _export(runner, tmp_path / "second.json")
    assert second["decisions"] == first["decisions"]


def test_importing_decisions_already_recorded_changes_nothing(
    findings: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    _decided_document(findings, runner, tmp_path)
    with findings.app_context():
        revision = checked_registry(AS_OF).revision
    result = runner.invoke(args=["import-registry", str(tmp_path / "first.json")])
    assert result.exit_code == 0, result.output
    assert "decisions: 0 created, 2 already recorded" in result.output
    with findings.app_context():
        assert checked_registry(AS_OF).revision == revision
        assert len(load_decisions(db.session)) == 2


def test_decisions_of_people_without_an_account_are_imported_as_text(
    findings: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    doc = _decided_document(findings, runner, tmp_path)
    doc["decisions"][0]["decided_by"] = "former.dpo@elsewhere.gov.uk"
    doc["decisions"][0]["decided_on"] = days(-5).isoformat()
    (tmp_path / "other.json").write_text(json.dumps(doc), encoding="utf-8")
    assert runner.invoke(args=["import-registry", str(tmp_path / "other.json")]).exit_code == 0
    with findings.app_context():
        assert "former.dpo@elsewhere.gov.uk" in {d.decided_by for d in load_decisions(db.session)}


BAD_DECISIONS = {
    "unknown record": ({"subject_key": "FLOW-999"}, "subject_key"),
    "unknown code": ({"code": "FLOW_NOT_A_CODE"}, "code"),
    "blank reason": ({"reason": "   "}, "reason"),
    "no reason": ({"reason": None}, "reason"),
    "accepted error without review_by": ({"review_by": None}, "review_by"),
    "unknown decision": ({"decision": "ignored"}, "decision"),
}


@pytest.mark.parametrize("change", BAD_DECISIONS.values(), ids=list(BAD_DECISIONS))
def test_a_bad_decision_is_refused_naming_record_and_field_and_nothing_is_written(
    findings: Flask, runner: FlaskCliRunner, tmp_path: Path, change: tuple[dict, str]
) -> None:
    doc = _decided_document(findings, runner, tmp_path)
    with findings.app_context():
        db.session.execute(FindingDecision.__table__.delete())
        db.session.commit()
        revision = checked_registry(AS_OF).revision
    values, field = change
    bad = doc["decisions"][0]
    assert bad["code"] == "FLOW_NO_AGREEMENT" and bad["decision"] == "accepted"
    for name, value in values.items():
        if value is None and name == "reason":
            del bad[name]
        else:
            bad[name] = value
    doc["flows"][0]["name"] = "Renamed, so that a good import would write something"
    (tmp_path / "bad.json").write_text(json.dumps(doc), encoding="utf-8")
    result = runner.invoke(args=["import-registry", str(tmp_path / "bad.json")])
    assert result.exit_code == 1
    assert "(decisions[0])" in result.output
    assert f"field '{field}'" in result.output
    with findings.app_context():
        assert load_decisions(db.session) == []
        assert checked_registry(AS_OF).revision == revision
