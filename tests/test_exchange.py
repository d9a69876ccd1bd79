"""The isa-registry/1 format: schema, validation messages and the lossless round trip (no app)."""

from __future__ import annotations

import copy
import json
from datetime import date

import jsonschema
import pytest

from isa_registry.core import exchange
from isa_registry.core.exchange import InvalidDocument, parse_document, to_document


def small_document() -> dict:
    """A valid document with two partners, one agreement and two flows."""
    return {
        "format": "isa-registry/1",
        "exported_at": "2026-11-23T10:00:00Z",
        "organisations": [
            {
                "key": "dmbc",
                "name": "Dudley Metropolitan Borough Council",
                "kind": "local_authority",
                "public_authority": True,
                "dpo_contact": "dpo@dudley.example",
                "status": "active",
            },
            {"key": "wmp", "name": "West Midlands Police", "kind": "police", "public_authority": True},
            {
                "key": "ccg",
                "name": "Dudley CCG",
                "kind": "health",
                "public_authority": True,
                "status": "dissolved",
                "successor": "icb",
            },
            {"key": "icb", "name": "Black Country ICB", "kind": "health", "public_authority": True},
        ],
        "agreements": [
            {
                "key": "DSPP-ISA-001",
                "title": "MASH ISA",
                "status": "active",
                "owner": "dmbc",
                "start_date": "2025-01-01",
                "review_date": "2027-01-01",
                "parties": [
                    {"organisation": "dmbc", "role": "controller", "signed_on": "2025-01-01"},
                    {"organisation": "wmp", "role": "controller", "signed_on": None},
                ],
                "data_categories": ["identity_contact", "health", "criminal_offence"],
            },
        ],
        "flows": [
            {
                "key": "FLOW-001",
                "name": "MASH referrals",
                "source": "wmp",
                "recipient": "dmbc",
                "agreement": "DSPP-ISA-001",
                "identifiability": "identifiable",
                "data_subjects": ["children"],
                "data_categories": ["identity_contact", "health"],
                "article6": "e",
                "article9": "g",
                "schedule1": ["18"],
                "legislation": ["ukpga/1989/41/section/47"],
                "retention": "6 years",
                "international_transfer": {"country": "US", "safeguard": None},
            },
            {
                "key": "FLOW-002",
                "name": "Strategy discussion",
                "source": "dmbc",
                "recipient": "wmp",
                "identifiability": "pseudonymised",
                "regime": "uk_gdpr",
                "status": "planned",
            },
        ],
    }


def test_valid_document_parses_into_domain_objects() -> None:
    registry = parse_document(small_document())
    assert set(registry.organisations) == {"dmbc", "wmp", "ccg", "icb"}
    agreement = registry.agreements["DSPP-ISA-001"]
    assert agreement.start_date == date(2025, 1, 1)
    assert agreement.parties[1].signed_on is None
    flow = registry.flows["FLOW-001"]
    assert flow.international_transfer is not None and flow.international_transfer.country == "US"
    assert registry.flows["FLOW-002"].status == "planned"


def test_export_then_parse_then_export_is_identical() -> None:
    first = to_document(parse_document(small_document()))
    second = to_document(parse_document(copy.deepcopy(first)))
    assert first["organisations"] == second["organisations"]
    assert first["agreements"] == second["agreements"]
    assert first["flows"] == second["flows"]


def test_exported_document_validates_against_the_published_schema() -> None:
    doc = to_document(parse_document(small_document()))
    jsonschema.Draft202012Validator(exchange.schema()).validate(doc)


def _problems(doc: object) -> list[str]:
    with pytest.raises(InvalidDocument) as info:
        parse_document(doc)
    return [str(p) for p in info.value.problems]


def test_wrong_enum_names_the_flow_by_key_and_the_field() -> None:
    doc = small_document()
    doc["flows"][0]["article6"] = "z"
    (problem,) = _problems(doc)
    assert "flow 'FLOW-001' (flows[0])" in problem and "article6" in problem


def test_every_problem_is_reported_at_once() -> None:
    doc = small_document()
    doc["flows"][0]["identifiability"] = "secret"
    doc["organisations"][1]["kind"] = "spies"
    doc["agreements"][0]["start_date"] = "01/01/2025"
    problems = _problems(doc)
    assert len(problems) == 3
    assert any("organisation 'wmp'" in p and "kind" in p for p in problems)
    assert any("start_date" in p and "YYYY-MM-DD" in p for p in problems)


def test_missing_required_field_is_named() -> None:
    doc = small_document()
    del doc["organisations"][0]["name"]
    (problem,) = _problems(doc)
    assert "organisation 'dmbc'" in problem and "'name'" in problem and "required" in problem


def test_record_without_key_is_named_by_position() -> None:
    doc = small_document()
    del doc["flows"][1]["key"]
    (problem,) = _problems(doc)
    assert "flow at flows[1]" in problem and "key" in problem


def test_unknown_field_is_rejected() -> None:
    doc = small_document()
    doc["flows"][0]["lawful_basis"] = "e"
    (problem,) = _problems(doc)
    assert "unknown field(s): lawful_basis" in problem


def test_unknown_category_is_rejected() -> None:
    doc = small_document()
    doc["flows"][0]["data_categories"].append("star_sign")
    (problem,) = _problems(doc)
    assert "data_categories" in problem and "star_sign" in problem


def test_duplicate_key_is_rejected() -> None:
    doc = small_document()
    doc["flows"][1]["key"] = "FLOW-001"
    problems = _problems(doc)
    assert len(problems) == 2 and all("used more than once" in p for p in problems)


def test_unknown_references_are_rejected() -> None:
    doc = small_document()
    doc["flows"][0]["recipient"] = "nobody"
    doc["flows"][0]["agreement"] = "NO-SUCH-ISA"
    doc["agreements"][0]["parties"][0]["organisation"] = "ghost"
    problems = _problems(doc)
    assert any("'nobody'" in p and "recipient" in p for p in problems)
    assert any("'NO-SUCH-ISA'" in p for p in problems)
    assert any("parties.0.organisation" in p and "'ghost'" in p for p in problems)


def test_references_to_records_already_in_the_registry_are_allowed() -> None:
    doc = small_document()
    doc["flows"][0]["recipient"] = "school-1"
    registry = parse_document(doc, known_organisations={"school-1"})
    assert registry.flows["FLOW-001"].recipient == "school-1"


def test_source_equal_to_recipient_is_rejected() -> None:
    doc = small_document()
    doc["flows"][0]["recipient"] = "wmp"
    (problem,) = _problems(doc)
    assert "recipient must differ from the source" in problem


def test_end_before_start_is_rejected() -> None:
    doc = small_document()
    doc["agreements"][0]["end_date"] = "2024-12-31"
    (problem,) = _problems(doc)
    assert "end_date" in problem and "before the start date" in problem


def test_impossible_date_is_rejected() -> None:
    doc = small_document()
    doc["flows"][0]["start_date"] = "2026-02-30"
    (problem,) = _problems(doc)
    assert "flow 'FLOW-001'" in problem and "start_date" in problem


def test_wrong_format_marker_is_rejected() -> None:
    doc = small_document()
    doc["format"] = "isa-registry/2"
    (problem,) = _problems(doc)
    assert problem.startswith("document")


def test_bad_json_is_reported_with_its_position() -> None:
    with pytest.raises(InvalidDocument) as info:
        exchange.load_document('{"format": "isa-registry/1",')
    assert "not valid JSON" in str(info.value) and "line 1" in str(info.value)


def test_bad_key_is_explained() -> None:
    doc = small_document()
    doc["organisations"][0]["key"] = "no spaces/please"
    problems = _problems(doc)
    assert any("not a valid key" in p for p in problems)


def test_schema_command_output_is_the_schema() -> None:
    text = json.dumps(exchange.schema())
    assert '"isa-registry/1"' in text


def test_published_schema_file_is_the_schema_the_import_uses() -> None:
    from pathlib import Path

    published = Path(__file__).resolve().parents[1] / "schema" / "isa-registry-1.schema.json"
    assert json.loads(published.read_text()) == exchange.schema(), (
        "regenerate it: flask --app wsgi schema > schema/isa-registry-1.schema.json"
    )


# --- The ODS code (an extension) -----------------------------------------------------------------


def test_the_schema_carries_an_organisations_ods_code_as_optional() -> None:
    organisation = exchange.schema()["properties"]["organisations"]["items"]
    assert "ods_code" in organisation["properties"] and "ods_code" not in organisation["required"]


def test_an_ods_code_survives_import_and_export() -> None:
    doc = small_document()
    doc["organisations"][0]["ods_code"] = "05C"
    exported = to_document(parse_document(doc))
    by_key = {o["key"]: o for o in exported["organisations"]}
    assert by_key["dmbc"]["ods_code"] == "05C"
    assert by_key["wmp"]["ods_code"] is None
    assert (
        to_document(parse_document(exported), exported_at=None)["organisations"] == exported["organisations"]
    )


def test_an_ods_code_in_lower_case_is_a_problem_of_that_field() -> None:
    doc = small_document()
    doc["organisations"][0]["ods_code"] = "05c"
    problems = exchange.validate_document(doc)
    assert [(p.record, p.field) for p in problems] == [("organisation 'dmbc' (organisations[0])", "ods_code")]
