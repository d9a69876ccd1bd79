"""The ``flask check`` command: formatting (no app) and the command on the real database."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from isa_registry.cli.check import format_json, format_text
from isa_registry.core import exchange
from isa_registry.core.domain import Registry
from isa_registry.core.rules import run_rules
from tests.builders import AS_OF, clean_registry, days

#: One error (no lawful basis), one warning (no retention) and one info (review due in 30 days).
MIXED = {"flow": {"article6": None, "retention": None}, "agreement": {"review_date": days(30)}}


def _load(runner, tmp_path: Path, registry: Registry) -> None:
    path = tmp_path / "registry.json"
    path.write_text(exchange.dump_document(exchange.to_document(registry)))
    result = runner.invoke(args=["import-registry", str(path)])
    assert result.exit_code == 0, result.output


def test_text_groups_findings_errors_first_with_remedy_under_each() -> None:
    text = format_text(run_rules(clean_registry(**MIXED), AS_OF), AS_OF)
    lines = text.splitlines()
    assert lines[0] == "Compliance check as of 2026-11-23"
    headings = [line for line in lines if line and not line.startswith(" ")]
    assert headings[1:4] == ["Errors (1)", "Warnings (1)", "Info (1)"]
    error = lines.index("Errors (1)") + 1
    assert lines[error].startswith("  FLOW_NO_LAWFUL_BASIS  flow FLOW-012: West Midlands Police → ")
    assert lines[error + 1].startswith("      Remedy: Record the Article 6(1) basis")
    assert lines[error + 2] == "      Law: UK GDPR Art 6(1)"
    assert lines[-1] == "1 errors, 1 warnings, 1 info"


def test_text_of_no_findings_says_so() -> None:
    text = format_text([], AS_OF)
    assert "No findings." in text
    assert text.splitlines()[-1] == "0 errors, 0 warnings, 0 info"


def test_json_holds_the_date_and_every_finding() -> None:
    findings = run_rules(clean_registry(**MIXED), AS_OF)
    document = json.loads(format_json(findings, AS_OF))
    assert document["as_of"] == "2026-11-23"
    assert document["findings"] == [f.as_dict() for f in findings]


def test_check_reports_errors_and_exits_1(app, runner, tmp_path) -> None:
    _load(runner, tmp_path, clean_registry(**MIXED))
    result = runner.invoke(args=["check", "--as-of", "2026-11-23"])
    assert result.exit_code == 1
    assert "FLOW_NO_LAWFUL_BASIS  flow FLOW-012" in result.output
    assert result.output.rstrip().endswith("1 errors, 1 warnings, 1 info")


def test_check_of_a_registry_without_errors_exits_0(app, runner, tmp_path) -> None:
    _load(runner, tmp_path, clean_registry(agreement={"review_date": days(30)}))
    result = runner.invoke(args=["check", "--as-of", "2026-11-23"])
    assert result.exit_code == 0, result.output
    assert "AGREEMENT_REVIEW_DUE" in result.output
    assert "0 errors, 0 warnings, 1 info" in result.output


def test_check_as_json(app, runner, tmp_path) -> None:
    _load(runner, tmp_path, clean_registry(**MIXED))
    result = runner.invoke(args=["check", "--as-of", "2026-11-23", "--format", "json"])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["as_of"] == "2026-11-23"
    assert [f["code"] for f in document["findings"]] == [
        "FLOW_NO_LAWFUL_BASIS",
        "FLOW_NO_RETENTION",
        "AGREEMENT_REVIEW_DUE",
    ]


def test_check_as_of_a_later_date_sees_the_agreement_expire(app, runner, tmp_path) -> None:
    registry = clean_registry()
    _load(runner, tmp_path, registry)
    after_end = registry.agreements["DSPP-ISA-001"].end_date + timedelta(days=1)
    result = runner.invoke(args=["check", "--as-of", after_end.isoformat(), "--format", "json"])
    codes = {f["code"] for f in json.loads(result.stdout)["findings"]}
    assert {"AGREEMENT_EXPIRED", "FLOW_AGREEMENT_NOT_IN_FORCE"} <= codes
    assert result.exit_code == 1


def test_check_of_an_empty_registry_defaults_to_today_and_exits_0(app, runner) -> None:
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert "No findings." in result.output


def test_check_rejects_a_date_that_is_not_iso(app, runner) -> None:
    result = runner.invoke(args=["check", "--as-of", "23/11/2026"])
    assert result.exit_code == 2
    assert "--as-of" in result.output


def test_check_shows_progress_on_stderr_only(app, runner, tmp_path) -> None:
    _load(runner, tmp_path, clean_registry(**MIXED))
    result = runner.invoke(args=["check", "--format", "json"])
    assert "Checking 5 organisations, 1 agreements and 1 flows" in result.stderr
    assert json.loads(result.stdout)["findings"]


# --- Decisions ----------------------------------------------------------------------------------


def _decide(app, code: str, decision: str = "not_applicable", review_by=None, decided_on=days(-1)) -> None:
    from isa_registry.store.db import db
    from isa_registry.store.decisions import decide
    from isa_registry.store.queries import checked_registry

    with app.app_context():
        finding = next(f for f in checked_registry(AS_OF).findings if f.code == code)
        decide(
            db.session,
            "dpo@dudley.gov.uk",
            True,
            finding,
            decision,
            "Statutory return.",
            review_by,
            decided_on,
        )


def test_check_json_gives_each_finding_its_state_and_decision(app, runner, tmp_path) -> None:
    _load(runner, tmp_path, clean_registry(**MIXED))
    _decide(app, "FLOW_NO_RETENTION", "accepted", review_by=days(10))
    result = runner.invoke(args=["check", "--as-of", "2026-11-23", "--format", "json"])
    findings = {f["code"]: f for f in json.loads(result.stdout)["findings"]}
    assert findings["FLOW_NO_LAWFUL_BASIS"]["state"] == "open"
    assert findings["FLOW_NO_LAWFUL_BASIS"]["decision"] is None
    assert findings["FLOW_NO_RETENTION"]["state"] == "decided"
    assert findings["FLOW_NO_RETENTION"]["decision"] == {
        "decision": "accepted",
        "reason": "Statutory return.",
        "decided_by": "dpo@dudley.gov.uk",
        "decided_on": days(-1).isoformat(),
        "review_by": days(10).isoformat(),
    }
    later = runner.invoke(args=["check", "--as-of", days(11).isoformat(), "--format", "json"])
    assert {f["code"]: f["state"] for f in json.loads(later.stdout)["findings"]}[
        "FLOW_NO_RETENTION"
    ] == "lapsed"


def test_check_exits_0_when_every_error_is_decided_and_1_with_strict(app, runner, tmp_path) -> None:
    _load(runner, tmp_path, clean_registry(**MIXED))
    _decide(app, "FLOW_NO_LAWFUL_BASIS")
    result = runner.invoke(args=["check", "--as-of", "2026-11-23"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["check", "--as-of", "2026-11-23", "--strict"]).exit_code == 1


def test_check_exits_1_when_an_errors_decision_has_lapsed(app, runner, tmp_path) -> None:
    _load(runner, tmp_path, clean_registry(**MIXED))
    _decide(app, "FLOW_NO_LAWFUL_BASIS", "accepted", review_by=days(5))
    assert runner.invoke(args=["check", "--as-of", days(5).isoformat()]).exit_code == 0
    assert runner.invoke(args=["check", "--as-of", days(6).isoformat()]).exit_code == 1


def test_check_text_lists_open_findings_first_and_decided_ones_after(app, runner, tmp_path) -> None:
    _load(runner, tmp_path, clean_registry(**MIXED))
    _decide(app, "FLOW_NO_LAWFUL_BASIS")
    lines = runner.invoke(args=["check", "--as-of", "2026-11-23"]).stdout.splitlines()
    headings = [line for line in lines if line and not line.startswith(" ")]
    assert headings[1:4] == ["Warnings (1)", "Info (1)", "Decided (1): accepted or not applicable"]
    decided = lines.index("Decided (1): accepted or not applicable")
    assert lines[decided + 1].startswith("  FLOW_NO_LAWFUL_BASIS  flow FLOW-012")
    assert lines[decided + 2].startswith("      Decision: Does not apply here by dpo@dudley.gov.uk")
    assert lines[-2:] == ["Decided: 1 errors, 0 warnings, 0 info", "0 errors, 1 warnings, 1 info"]
