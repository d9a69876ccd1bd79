"""The recipient's own basis (``flows[].recipient_basis``, issue 15): the two rules on both sides of
their lines, on plain domain objects; the exchange format, the spreadsheet and the database keep it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from isa_registry.core import exchange, records
from isa_registry.core.domain import Basis, Registry
from isa_registry.core.exchange import parse_document, to_document
from isa_registry.core.rules import run_rules
from isa_registry.core.rules.flows import (
    RECIPIENT_BASIS_CHECKS,
    check_criminal_condition,
    check_lawful_basis,
    check_public_authority_legitimate_interests,
    check_recognised_interest,
    check_schedule1,
    check_special_condition,
)
from isa_registry.core.spreadsheet import read_tabular
from tests.builders import AS_OF, agreement, basis, clean_registry, party
from tests.test_exchange import small_document
from tests.test_tabular import FLOWS, filled_template, problems

MISSING = "FLOW_RECIPIENT_BASIS_MISSING"
INVALID = "FLOW_RECIPIENT_BASIS_INVALID"


def codes(reg: Registry) -> list[str]:
    return [f.code for f in run_rules(reg, AS_OF)]


def invalid(reg: Registry) -> list[str]:
    """The messages of FLOW_RECIPIENT_BASIS_INVALID."""
    return [f.message for f in run_rules(reg, AS_OF) if f.code == INVALID]


# --- FLOW_RECIPIENT_BASIS_MISSING ------------------------------------------------------------------


def test_a_flow_of_personal_data_without_the_recipients_basis_is_information() -> None:
    [finding] = [
        f for f in run_rules(clean_registry(flow={"recipient_basis": None}), AS_OF) if f.code == MISSING
    ]
    assert finding.severity == "info"
    assert "Dudley Metropolitan Borough Council" in finding.message
    assert "Art 28" in finding.reference or "28, 29" in finding.reference


def test_a_recorded_recipients_basis_is_not_missing() -> None:
    assert MISSING not in codes(clean_registry())


@pytest.mark.parametrize("identifiability", ["identifiable", "pseudonymised"])
def test_pseudonymised_data_is_personal_data_and_needs_it_too(identifiability: str) -> None:
    reg = clean_registry(flow={"recipient_basis": None, "identifiability": identifiability})
    assert MISSING in codes(reg)


def test_an_anonymised_flow_needs_no_recipients_basis() -> None:
    assert MISSING not in codes(
        clean_registry(flow={"recipient_basis": None, "identifiability": "anonymised"})
    )


def test_a_ceased_flow_needs_no_recipients_basis() -> None:
    assert MISSING not in codes(clean_registry(flow={"recipient_basis": None, "status": "ceased"}))


def test_a_processor_party_of_the_agreement_has_no_basis_of_its_own() -> None:
    processor = {"parties": [party("wmp"), party("dudley", role="processor")]}
    reg = clean_registry(flow={"recipient_basis": None}, agreement=processor)
    assert MISSING not in codes(reg)


@pytest.mark.parametrize("role", ["controller", "joint_controller"])
def test_a_controller_party_needs_its_own_basis(role: str) -> None:
    reg = clean_registry(
        flow={"recipient_basis": None}, agreement={"parties": [party("wmp"), party("dudley", role=role)]}
    )
    assert MISSING in codes(reg)


def test_a_processor_of_another_agreement_still_needs_its_own_basis() -> None:
    reg = clean_registry(flow={"recipient_basis": None})
    reg.agreements["OTHER"] = agreement("OTHER", parties=("wmp", "dudley"))
    reg.agreements["OTHER"].parties[1].role = "processor"
    assert MISSING in codes(reg)


# --- FLOW_RECIPIENT_BASIS_INVALID ------------------------------------------------------------------


def test_a_recorded_basis_with_no_article6_is_an_error_naming_the_recipient() -> None:
    [finding] = [
        f
        for f in run_rules(clean_registry(flow={"recipient_basis": basis(article6=None)}), AS_OF)
        if f.code == INVALID
    ]
    assert finding.severity == "error"
    assert "recipient's own basis" in finding.message and "receiving organisation" in finding.message
    assert "Dudley Metropolitan Borough Council" in finding.remedy
    assert finding.reference == "UK GDPR Art 6(1)"


def test_a_complete_recipients_basis_is_valid() -> None:
    assert invalid(clean_registry()) == []


def test_law_enforcement_without_a_section_35_basis_is_invalid_and_with_one_is_not() -> None:
    part3 = {"regime": "law_enforcement", "article6": None}
    assert invalid(clean_registry(flow={"recipient_basis": basis(**part3)}))
    assert not invalid(clean_registry(flow={"recipient_basis": basis(**part3, law_enforcement_basis="task")}))


def test_a_public_authority_recipient_on_legitimate_interests_is_invalid() -> None:
    reg = clean_registry(flow={"recipient_basis": basis(article6="f")})
    [message] = invalid(reg)
    assert "Dudley Metropolitan Borough Council is a public authority" in message


def test_a_recipient_that_is_not_a_public_authority_may_rely_on_legitimate_interests() -> None:
    reg = clean_registry(
        flow={"recipient_basis": basis(article6="f")}, orgs={"dudley": {"public_authority": False}}
    )
    assert invalid(reg) == []


def test_recognised_legitimate_interest_without_its_annex_1_condition_is_invalid() -> None:
    charity = {"dudley": {"public_authority": False}}
    without = clean_registry(flow={"recipient_basis": basis(article6="ea")}, orgs=charity)
    with_it = clean_registry(
        flow={"recipient_basis": basis(article6="ea", recognised_interest="6")}, orgs=charity
    )
    assert any("Annex 1" in m for m in invalid(without))
    assert invalid(with_it) == []


def test_special_category_data_received_without_an_article9_condition_is_invalid() -> None:
    health = {"data_categories": ["health"], "article9": "g", "schedule1": ["18"]}
    [message] = invalid(clean_registry(flow={**health, "recipient_basis": basis()}))
    assert "Dudley Metropolitan Borough Council receives health" in message
    assert (
        invalid(clean_registry(flow={**health, "recipient_basis": basis(article9="g", schedule1=["18"])}))
        == []
    )


def test_an_article9_condition_without_its_schedule1_paragraph_is_invalid() -> None:
    health = {"data_categories": ["health"], "article9": "h", "schedule1": ["2"]}
    [message] = invalid(clean_registry(flow={**health, "recipient_basis": basis(article9="h")}))
    assert "Schedule 1 paragraph 2" in message
    assert (
        invalid(clean_registry(flow={**health, "recipient_basis": basis(article9="h", schedule1=["2"])}))
        == []
    )


def test_criminal_offence_data_received_without_a_condition_is_invalid() -> None:
    crime = {"data_categories": ["criminal_offence"], "schedule1": ["18"]}
    assert invalid(clean_registry(flow={**crime, "recipient_basis": basis()}))
    assert invalid(clean_registry(flow={**crime, "recipient_basis": basis(official_authority=True)})) == []
    assert invalid(clean_registry(flow={**crime, "recipient_basis": basis(schedule1=["10"])})) == []


def test_every_failing_check_is_named_in_the_flows_one_finding() -> None:
    """A finding is identified by its flow and code (a decision is kept by that), so the checks that
    fail are one finding naming each, with each one's remedy and reference."""
    reg = clean_registry(
        flow={
            "data_categories": ["health", "criminal_offence"],
            "article9": "g",
            "schedule1": ["18"],
            "recipient_basis": basis(article6=None),
        }
    )
    [finding] = [f for f in run_rules(reg, AS_OF) if f.code == INVALID]
    assert "the recipient's own basis fails 3 checks: no UK GDPR Article 6 lawful basis" in finding.message
    assert "; Dudley Metropolitan Borough Council receives health (physical and mental)" in finding.message
    assert "; and Dudley Metropolitan Borough Council receives criminal offences" in finding.message
    assert finding.reference == (
        "UK GDPR Art 6(1); UK GDPR Art 9(1), (2); UK GDPR Art 10; DPA 2018 s10(5), s11(2), Sch 1 Parts 1 to 3"
    )
    assert finding.remedy.startswith("Record the Article 6(1) basis Dudley Metropolitan Borough Council")
    assert "Record the Article 9(2) condition relied on" in finding.remedy
    assert "or record that the processing is under the control of official authority." in finding.remedy


def test_the_recipients_basis_does_not_change_the_disclosing_sides_findings() -> None:
    reg = clean_registry(flow={"recipient_basis": basis(article6=None)})
    assert "FLOW_NO_LAWFUL_BASIS" not in codes(reg)
    reg = clean_registry(flow={"article6": None})
    assert "FLOW_NO_LAWFUL_BASIS" in codes(reg) and INVALID not in codes(reg)


def test_an_anonymised_flows_recipients_basis_is_not_checked() -> None:
    reg = clean_registry(flow={"identifiability": "anonymised", "recipient_basis": basis(article6=None)})
    assert INVALID not in codes(reg)


def test_both_sides_are_checked_by_the_same_functions() -> None:
    """The disclosing side's checks, run on the recipient's basis, not copies of them."""
    assert RECIPIENT_BASIS_CHECKS == (
        check_lawful_basis,
        check_public_authority_legitimate_interests,
        check_recognised_interest,
        check_special_condition,
        check_schedule1,
        check_criminal_condition,
    )
    health = {"data_categories": ["health"], "article9": "j"}
    sender = [f for f in run_rules(clean_registry(flow=health), AS_OF) if f.code == "FLOW_SCHEDULE1_MISSING"]
    receiver = invalid(
        clean_registry(flow={**health, "schedule1": ["4"], "recipient_basis": basis(article9="j")})
    )
    assert len(sender) == 1 and len(receiver) == 1
    reg = clean_registry(flow={**health, "schedule1": ["4"], "recipient_basis": basis(article9="j")})
    [finding] = [f for f in run_rules(reg, AS_OF) if f.code == INVALID]
    assert finding.reference == sender[0].reference


def test_the_rules_stay_linear_in_the_number_of_flows() -> None:
    from isa_registry.core.rules.flows import flow_recipient_basis_invalid, flow_recipient_basis_missing

    base = clean_registry(flow={"recipient_basis": None})
    template = base.flows["FLOW-012"]
    calls = 0
    original = base.organisation_name

    def counted(key: str | None) -> str:
        nonlocal calls
        calls += 1
        return original(key)

    from dataclasses import replace

    for n in range(200):
        base.flows[f"F{n:03d}"] = replace(template, key=f"F{n:03d}")
    base.organisation_name = counted  # type: ignore[method-assign]
    assert len(list(flow_recipient_basis_missing(base, AS_OF))) == 201
    assert calls <= 201 * 4
    assert list(flow_recipient_basis_invalid(base, AS_OF)) == []


# --- The exchange format ---------------------------------------------------------------------------


def test_the_schema_carries_the_recipients_basis_as_optional_with_the_basis_fields() -> None:
    flow = exchange.schema()["properties"]["flows"]["items"]
    assert "recipient_basis" not in flow["required"]
    nested = flow["properties"]["recipient_basis"]["anyOf"][0]
    assert list(nested["properties"]) == [f.name for f in records.BASIS]
    assert nested["properties"]["article6"] == flow["properties"]["article6"]


def test_the_recipients_basis_survives_import_and_export() -> None:
    doc = small_document()
    doc["flows"][0]["recipient_basis"] = {"article6": "e", "article9": "g", "schedule1": ["18"]}
    exported = to_document(parse_document(doc))
    by_key = {f["key"]: f for f in exported["flows"]}
    assert by_key["FLOW-001"]["recipient_basis"] == {
        "regime": "uk_gdpr",
        "article6": "e",
        "recognised_interest": None,
        "article9": "g",
        "schedule1": ["18"],
        "official_authority": False,
        "law_enforcement_basis": None,
        "schedule8": [],
        "legislation": [],
    }
    assert by_key["FLOW-002"]["recipient_basis"] is None
    assert to_document(parse_document(exported), exported_at=None)["flows"] == exported["flows"]


def test_a_bad_value_in_the_recipients_basis_is_a_problem_of_that_field() -> None:
    doc = small_document()
    doc["flows"][0]["recipient_basis"] = {"article6": "z"}
    problems_found = exchange.validate_document(doc)
    assert [(p.record, p.field) for p in problems_found] == [
        ("flow 'FLOW-001' (flows[0])", "recipient_basis.article6")
    ]


def test_the_flows_basis_reads_as_a_basis() -> None:
    flow = clean_registry().flows["FLOW-012"]
    assert flow.basis == Basis(article6="e", legislation=["ukpga/1989/41/section/47"])


# --- The spreadsheet -------------------------------------------------------------------------------


def test_the_recipients_columns_are_read_like_the_disclosing_sides(tmp_path: Path) -> None:
    row = {
        **FLOWS[0],
        "Recipient's Article 6": "public task",
        "Recipient's Article 9": "9(2)(g)",
        "Recipient's Schedule 1": "Sch 1 para 18",
        "Recipient's Legislation": "Children Act 1989 s47",
    }
    doc = read_tabular(filled_template(tmp_path, flows=[row]))
    assert parse_document(doc).flows["FLOW-001"].recipient_basis == Basis(
        article6="e", article9="g", schedule1=["18"], legislation=["ukpga/1989/41/section/47"]
    )


def test_blank_recipients_columns_record_no_basis(tmp_path: Path) -> None:
    doc = read_tabular(filled_template(tmp_path))
    assert "recipient_basis" not in doc["flows"][0]
    assert parse_document(doc).flows["FLOW-001"].recipient_basis is None


def test_a_value_that_cannot_be_read_names_the_recipients_column(tmp_path: Path) -> None:
    row = {**FLOWS[0], "Recipient's Article 6": "public tsk"}
    [problem] = problems(filled_template(tmp_path, flows=[row]))
    assert problem.field == "recipient_basis_article6" and "Recipient's Article 6" in problem.message


# --- The database ----------------------------------------------------------------------------------


@pytest.mark.db
def test_the_database_keeps_the_recipients_basis_and_its_absence(app, runner, tmp_path: Path) -> None:
    from isa_registry.store.queries import load_registry

    doc = small_document()
    doc["flows"][0]["recipient_basis"] = {
        "regime": "law_enforcement",
        "law_enforcement_basis": "task",
        "schedule8": ["4"],
        "legislation": ["ukpga/1998/37/section/115"],
    }
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(doc))
    assert runner.invoke(args=["import-registry", str(path)]).exit_code == 0
    with app.app_context():
        flows = load_registry().flows
    assert flows["FLOW-001"].recipient_basis == Basis(
        regime="law_enforcement",
        law_enforcement_basis="task",
        schedule8=["4"],
        legislation=["ukpga/1998/37/section/115"],
    )
    assert flows["FLOW-002"].recipient_basis is None
