"""Decisions on findings, in the pure core: states, lapses, withdrawal and validation."""

from __future__ import annotations

import gc
from dataclasses import replace
from datetime import date

import pytest

from isa_registry.core.decisions import (
    DECIDED,
    LAPSED,
    OPEN,
    Action,
    Decision,
    action_problems,
    decision_in_force,
    decision_problems,
    decisions_in_force,
    needs_admin,
    review,
    same_message,
)
from isa_registry.core.domain import Finding
from isa_registry.core.rules import AS_OF_WORDING, run_rules, without_as_of_wording
from isa_registry.core.rules._common import days_until
from isa_registry.core.vocabulary import DECISION, FINDING_STATE
from tests.builders import AS_OF, basis, clean_registry, days

ERROR = Finding(
    "FLOW_NO_AGREEMENT",
    "error",
    "flow",
    "FLOW-025",
    "Dudley → DfE (FLOW-025 'CIN census') has no information sharing agreement.",
    "Record the agreement.",
    "UK GDPR Art 5(2)",
)
INFO = Finding("ORGANISATION_NO_DPO", "info", "organisation", "acme", "Acme has no DPO contact.", "", "")


def decided(finding: Finding = ERROR, **overrides: object) -> Decision:
    values: dict[str, object] = {
        "subject_type": finding.subject_type,
        "subject_key": finding.subject_key,
        "code": finding.code,
        "decision": "not_applicable",
        "reason": "Statutory return: Children Act 1989 s83 requires the disclosure.",
        "decided_by": "dpo@dudley.gov.uk",
        "decided_on": days(-10),
        "review_by": None,
        "message": finding.message,
    }
    values.update(overrides)
    return Decision(**values)  # type: ignore[arg-type]


def state(finding: Finding, decisions: list[Decision], as_of: date = AS_OF) -> str:
    return review([finding], decisions, as_of)[0].state


def known(subject_type: str, subject_key: str) -> bool:
    return (subject_type, subject_key) in {("flow", "FLOW-025"), ("organisation", "acme")}


# --- States -------------------------------------------------------------------------------------


def test_a_finding_without_a_decision_is_open() -> None:
    reviewed = review([ERROR], [], AS_OF)[0]
    assert (reviewed.state, reviewed.decision) == (OPEN, None)


def test_a_not_applicable_decision_decides_the_finding() -> None:
    assert state(ERROR, [decided()]) == DECIDED


def test_an_accepted_decision_decides_the_finding_until_its_review_date() -> None:
    assert state(ERROR, [decided(decision="accepted", review_by=days(30))]) == DECIDED


def test_a_decision_still_holds_on_its_review_by_date() -> None:
    decision = decided(decision="accepted", review_by=AS_OF)
    assert state(ERROR, [decision], AS_OF) == DECIDED


def test_a_decision_lapses_the_day_after_its_review_by_date() -> None:
    decision = decided(decision="accepted", review_by=AS_OF)
    reviewed = review([ERROR], [decision], days(1))[0]
    assert reviewed.state == LAPSED
    assert reviewed.decision == decision  # kept, so a reader sees what lapsed
    assert "review date" in (reviewed.lapsed_because or "")


def test_a_decision_lapses_when_the_findings_message_changes() -> None:
    changed = ERROR._replace(message=ERROR.message.replace("CIN census", "Children in need census"))
    reviewed = review([changed], [decided()], AS_OF)[0]
    assert reviewed.state == LAPSED
    assert reviewed.lapsed_because == "the finding has changed since it was decided"


def test_a_decision_holds_when_only_the_date_wording_of_the_message_changes() -> None:
    then = INFO._replace(
        code="AGREEMENT_REVIEW_DUE",
        message="ISA-1 'MASH' is due for review on 1 May 2027 (in 53 days).",
    )
    now = then._replace(message="ISA-1 'MASH' is due for review on 1 May 2027 (in 1 day).")
    assert state(now, [decided(then)]) == DECIDED


def test_a_withdrawn_decision_leaves_the_finding_open() -> None:
    reviewed = review([ERROR], [decided(withdrawn_on=days(-1))], AS_OF)[0]
    assert (reviewed.state, reviewed.decision) == (OPEN, None)


def test_the_latest_decision_not_withdrawn_is_in_force() -> None:
    first = decided(decided_on=days(-30), reason="first")
    second = decided(decided_on=days(-20), reason="second", withdrawn_on=days(-5))
    assert decision_in_force([second, first]) == first
    third = decided(decided_on=days(-2), reason="third")
    assert decision_in_force([first, third, second]) == third


def test_the_decisions_in_force_of_many_findings_are_each_ones_latest_not_withdrawn() -> None:
    """Worked out in one pass for every finding, as :func:`decision_in_force` gives it for each."""
    findings = [ERROR._replace(subject_key=f"FLOW-{n}") for n in range(4)] + [INFO]
    taken = [
        decided(f, decided_on=days(-n), reason=f"{f.subject_key} {n}", withdrawn_on=days(0) if w else None)
        for i, f in enumerate(findings)
        for n, w in ((30, False), (20, i % 2 == 0), (10, i == 3))
    ]
    for order in (taken, taken[::-1], taken[1::2] + taken[::2]):
        in_force = decisions_in_force(order)
        for f in findings:
            fid = (f.subject_type, f.subject_key, f.code)
            assert in_force.get(fid) == decision_in_force(d for d in order if d.finding_id == fid)
        assert [r.decision for r in review(findings, order, AS_OF)] == [
            decision_in_force(d for d in order if d.finding_id == r.id) for r in review(findings, [], AS_OF)
        ]


def test_reviewing_many_findings_holds_the_garbage_collector_off_and_leaves_it_on() -> None:
    """A review per finding makes tens of thousands of objects on a large registry; a collection
    among them would walk the whole registry (0.3 s on the benchmark's L), for no cycles."""
    findings = [INFO._replace(subject_key=f"org-{n}") for n in range(20_000)]
    decisions = [decided(findings[7])]
    started: list[int] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(info["generation"])

    gc.callbacks.append(note)
    try:
        reviewed = review(findings, decisions, AS_OF)
    finally:
        gc.callbacks.remove(note)
    # At most the one an allocation may set off as the review starts, before the collector is held
    # off; not one per 700 reviews (GC's threshold), as there were.
    assert len(started) <= 1 and gc.isenabled()
    assert len(reviewed) == 20_000 and reviewed[7].state == DECIDED


def test_a_decision_on_another_finding_leaves_this_one_open() -> None:
    assert state(ERROR, [decided(INFO)]) == OPEN


def test_an_open_or_lapsed_finding_is_still_to_be_dealt_with() -> None:
    decision = decided(decision="accepted", review_by=AS_OF)
    assert [r.is_open for r in review([ERROR, INFO], [decision], days(1))] == [True, True]
    assert review([ERROR], [decision], AS_OF)[0].is_open is False


def test_the_latest_action_on_a_finding_comes_with_it() -> None:
    old = Action(
        *ERROR_ID, owner="a@dudley.gov.uk", due_on=days(5), assigned_by="x@y.uk", assigned_on=days(-9)
    )
    new = replace(old, owner="ig.team@dudley.gov.uk", assigned_on=days(-1))
    assert review([ERROR], [], AS_OF, [new, old])[0].action == new


ERROR_ID = ("flow", "FLOW-025", "FLOW_NO_AGREEMENT")


def test_an_action_is_overdue_only_after_its_due_date() -> None:
    action = Action(
        *ERROR_ID, owner="a@dudley.gov.uk", due_on=AS_OF, assigned_by="x@y.uk", assigned_on=days(-9)
    )
    assert not action.overdue(AS_OF)
    assert action.overdue(days(1))


# --- Date wording ---------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 2, 53, 90, 400])
def test_the_rules_date_wording_is_in_the_known_form(n: int) -> None:
    phrase = days_until(days(n), AS_OF)
    assert AS_OF_WORDING.fullmatch(phrase)
    assert without_as_of_wording(f"due on 1 May 2027{phrase}.") == "due on 1 May 2027."


def test_only_date_wording_is_left_out_of_the_comparison() -> None:
    assert not same_message("ended on 31 January 2021.", "ended on 28 February 2021.")
    assert not same_message("is active but A has not signed it.", "is active but B has not signed it.")
    assert same_message("due on 1 May 2027 (today).", "due on 1 May 2027 (in 7 days).")


def test_a_review_due_finding_keeps_its_decision_as_the_days_go_by() -> None:
    registry = clean_registry(agreement={"review_date": days(60)})

    def due(as_of: date) -> Finding:
        return next(f for f in run_rules(registry, as_of) if f.code == "AGREEMENT_REVIEW_DUE")

    decision = decided(due(AS_OF), decision="accepted", review_by=days(60))
    assert due(AS_OF).message != due(days(7)).message
    assert state(due(days(7)), [decision], days(7)) == DECIDED
    changed = clean_registry(agreement={"review_date": days(61)})
    moved = next(f for f in run_rules(changed, days(7)) if f.code == "AGREEMENT_REVIEW_DUE")
    assert state(moved, [decision], days(7)) == LAPSED


#: A flow whose recipient's basis fails two checks of one rule (FLOW_RECIPIENT_BASIS_INVALID): no
#: Article 6 basis, and health data with no Article 9 condition.
TWO_CHECKS = {"data_categories": ["health"], "article9": "g", "schedule1": ["18"]}


def test_a_record_failing_two_checks_of_one_rule_is_decided_once_and_stays_decided() -> None:
    registry = clean_registry(flow={**TWO_CHECKS, "recipient_basis": basis(article6=None)})

    def invalid(as_of: date) -> list[Finding]:
        return [f for f in run_rules(registry, as_of) if f.code == "FLOW_RECIPIENT_BASIS_INVALID"]

    [finding] = invalid(AS_OF)
    assert "fails 2 checks" in finding.message
    decision = decided(finding, decided_on=AS_OF)
    for as_of in (AS_OF, days(1), days(200)):
        assert [r.state for r in review(invalid(as_of), [decision], as_of)] == [DECIDED]


# --- Validation -----------------------------------------------------------------------------------


def fields(decision: Decision) -> list[str]:
    return [field for field, _ in decision_problems(decision, known)]


def test_a_complete_decision_has_no_problems() -> None:
    assert decision_problems(decided(), known) == []
    assert decision_problems(decided(decision="accepted", review_by=days(90)), known) == []


def test_an_unknown_decision_value_is_a_problem() -> None:
    assert fields(decided(decision="ignored")) == ["decision"]


@pytest.mark.parametrize("reason", ["", "   ", "\t\n"])
def test_a_blank_reason_is_no_reason(reason: str) -> None:
    assert fields(decided(reason=reason)) == ["reason"]


def test_accepting_an_error_needs_a_review_by_date() -> None:
    assert fields(decided(decision="accepted")) == ["review_by"]


def test_accepting_a_warning_or_info_needs_no_review_by_date() -> None:
    assert fields(decided(INFO, decision="accepted")) == []


def test_a_decision_on_an_unknown_record_or_code_is_a_problem() -> None:
    assert fields(decided(subject_key="FLOW-999")) == ["subject_key"]
    assert fields(decided(subject_type="party")) == ["subject_type"]
    assert fields(decided(code="NOT_A_CODE")) == ["code"]


def test_a_review_by_date_before_the_decision_is_a_problem() -> None:
    assert fields(decided(decision="accepted", review_by=days(-11))) == ["review_by"]


def test_only_accepting_an_error_needs_an_admin() -> None:
    assert needs_admin("accepted", "error")
    assert not needs_admin("not_applicable", "error")
    assert not needs_admin("accepted", "warning")
    assert not needs_admin("accepted", "info")


def test_an_action_owner_is_an_email_address() -> None:
    action = Action(
        *ERROR_ID, owner="ig.team@dudley.gov.uk", due_on=AS_OF, assigned_by="x", assigned_on=AS_OF
    )
    assert action_problems(action) == []
    assert [f for f, _ in action_problems(replace(action, owner="the IG team"))] == ["owner"]


def test_the_decision_and_state_vocabularies_have_labels() -> None:
    assert DECISION.codes == ("accepted", "not_applicable")
    assert FINDING_STATE.codes == ("open", "decided", "lapsed")
    assert all(t.label for t in [*DECISION, *FINDING_STATE])


def test_a_reviewed_finding_as_json_has_its_state_and_decision() -> None:
    reviewed = review([ERROR], [decided(decision="accepted", review_by=days(5))], AS_OF)[0]
    out = reviewed.as_dict()
    assert out["state"] == "decided"
    assert out["decision"] == {
        "decision": "accepted",
        "reason": "Statutory return: Children Act 1989 s83 requires the disclosure.",
        "decided_by": "dpo@dudley.gov.uk",
        "decided_on": days(-10).isoformat(),
        "review_by": days(5).isoformat(),
    }
    assert review([ERROR], [], AS_OF)[0].as_dict()["decision"] is None


# --- The exchange format ----------------------------------------------------------------------------


def test_the_schema_holds_the_specs_decision_fields() -> None:
    from isa_registry.core.exchange import schema

    item = schema()["properties"]["decisions"]["items"]
    assert set(item["properties"]) == {
        "subject_type",
        "subject_key",
        "code",
        "decision",
        "reason",
        "decided_by",
        "decided_on",
        "review_by",
        "message",
        "withdrawn_on",
    }
    assert set(item["required"]) == {
        "subject_type",
        "subject_key",
        "code",
        "decision",
        "reason",
        "decided_by",
        "decided_on",
        "message",
    }
    assert "decisions" not in schema()["required"]  # a document without them stays valid


def test_a_document_with_decisions_round_trips_and_bad_ones_are_named() -> None:
    from isa_registry.core.exchange import decision_to_dict, decisions_of, to_document, validate_document

    registry = clean_registry(flow={"article6": None})
    finding = run_rules(registry, AS_OF)[0]
    doc = to_document(registry, decisions=[decided(finding, decision="accepted", review_by=days(9))])
    assert validate_document(doc) == []
    assert decisions_of(doc) == [decided(finding, decision="accepted", review_by=days(9))]
    assert to_document(registry, decisions=decisions_of(doc))["decisions"] == doc["decisions"]
    doc["decisions"].append(dict(doc["decisions"][0], review_by=None))
    doc["decisions"][0]["reason"] = " "
    problems = validate_document(doc)
    assert [(p.record, p.field) for p in problems] == [
        ("decision 'FLOW_NO_LAWFUL_BASIS flow FLOW-012' (decisions[0])", "reason")
    ]
    doc["decisions"][0]["reason"] = "Why."
    problems = validate_document(doc)
    assert {p.field for p in problems} == {"review_by", "decided_on"}
    assert decision_to_dict(decisions_of(doc)[0])["decided_by"] == "dpo@dudley.gov.uk"
