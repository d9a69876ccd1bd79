"""The compliance rules, on plain domain objects (no app, no database).

Each test starts from ``clean_registry()`` (no findings as of 2026-11-23), changes one thing, and
checks that the one expected finding appears, or that a close case does not bring it.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from isa_registry.core.domain import SEVERITIES, Finding, Registry
from isa_registry.core.rules import CODES, RULES, findings_for, run_rules, summarise, worst_severity
from tests.builders import (
    AS_OF,
    agreement,
    basis,
    clean_registry,
    days,
    organisation,
    party,
    registry,
    transfer,
)

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "docs" / "spec" / "findings.md"
SHARED_SPEC = ROOT.parent / "shared" / "spec"
#: Second-round codes of the spec whose rules are still to be written (issue 15, "Deeper law").
#: Each one implemented must leave this set, or the test below fails.
SECOND_ROUND_PENDING: frozenset[str] = frozenset()


def found(reg: Registry, code: str, as_of: date = AS_OF) -> list[Finding]:
    """The findings of ``code`` on the registry."""
    return [f for f in run_rules(reg, as_of) if f.code == code]


def fires(reg: Registry, code: str, as_of: date = AS_OF) -> bool:
    return bool(found(reg, code, as_of))


def one(reg: Registry, code: str, as_of: date = AS_OF) -> Finding:
    """The single finding of ``code``; fails if there is not exactly one."""
    matches = found(reg, code, as_of)
    assert len(matches) == 1, [f.code for f in run_rules(reg, as_of)]
    return matches[0]


def law_enforcement(**changes: object) -> dict[str, object]:
    """Flow changes for a police disclosure under DPA 2018 Part 3 on a law enforcement task."""
    values: dict[str, object] = {
        "regime": "law_enforcement",
        "article6": None,
        "law_enforcement_basis": "task",
        "legislation": [],
    }
    values.update(changes)
    return values


# --- The engine ---------------------------------------------------------------------------------


def test_clean_registry_has_no_findings() -> None:
    assert run_rules(clean_registry(), AS_OF) == []


def test_empty_registry_has_no_findings() -> None:
    assert run_rules(Registry(), AS_OF) == []


def test_every_rule_has_a_docstring_citing_its_provision() -> None:
    for rule in RULES:
        doc = inspect.getdoc(rule) or ""
        assert re.search(r"UK GDPR|DPA 2018", doc), rule.__name__


def test_codes_are_prefixed_by_their_subject_and_severities_are_known() -> None:
    for code, severity in CODES.items():
        assert code.split("_")[0] in ("FLOW", "AGREEMENT", "ORGANISATION"), code
        assert severity in SEVERITIES


def _spec_codes(text: str) -> list[tuple[str, str]]:
    return re.findall(r"^\| ([A-Z][A-Z0-9_]+) \| (error|warning|info) \|", text, re.MULTILINE)


def test_every_code_in_the_spec_is_implemented_with_the_spec_severity() -> None:
    first, _, second = SPEC.read_text().partition("## Second round")
    rows = _spec_codes(first)
    assert len(rows) >= 25
    for code, severity in rows:
        assert CODES.get(code) == severity, code
    later = dict(_spec_codes(second))
    assert SECOND_ROUND_PENDING <= set(later)
    for code, severity in later.items():
        if code in SECOND_ROUND_PENDING:
            assert code not in CODES, f"{code} is implemented: take it out of SECOND_ROUND_PENDING"
        else:
            assert CODES.get(code) == severity, code


@pytest.mark.parametrize("name", ["findings.md", "registry-format.md"])
def test_the_spec_copy_in_docs_is_in_step_with_shared(name: str) -> None:
    """docs/spec/ is the repository's copy of the shared contracts; where shared/ is beside the
    clone (as in CI and every session), the copy must say at least what shared/ says."""
    shared = SHARED_SPEC / name
    if not shared.exists():
        pytest.skip("shared/spec is not beside this clone; docs/spec is the copy the tests use")
    assert shared.read_text() in (ROOT / "docs" / "spec" / name).read_text()


def test_findings_are_sorted_by_severity_then_subject_then_code() -> None:
    reg = clean_registry(
        flow={"article6": None, "retention": None},
        agreement={"review_date": days(30)},
        orgs={"dudley": {"dpo_contact": None}},
    )
    findings = run_rules(reg, AS_OF)
    assert [(f.severity, f.subject_type, f.code) for f in findings] == [
        ("error", "flow", "FLOW_NO_LAWFUL_BASIS"),
        ("warning", "flow", "FLOW_NO_RETENTION"),
        ("info", "agreement", "AGREEMENT_REVIEW_DUE"),
        ("info", "organisation", "ORGANISATION_NO_DPO"),
    ]


def test_same_registry_and_date_give_the_same_findings_and_leave_the_registry_unchanged() -> None:
    reg = clean_registry(flow={"article6": "f", "retention": None, "data_categories": ["health"]})
    before = repr(reg)
    assert run_rules(reg, AS_OF) == run_rules(reg, AS_OF)
    assert repr(reg) == before


def test_summarise_counts_each_severity() -> None:
    reg = clean_registry(flow={"article6": None, "retention": None}, agreement={"review_date": days(30)})
    assert summarise(run_rules(reg, AS_OF)) == {"error": 1, "warning": 1, "info": 1}
    assert summarise([]) == {"error": 0, "warning": 0, "info": 0}


def test_worst_severity_is_the_most_serious_or_none() -> None:
    assert worst_severity([]) is None
    assert worst_severity(run_rules(clean_registry(agreement={"review_date": days(30)}), AS_OF)) == "info"
    assert (
        worst_severity(run_rules(clean_registry(flow={"article6": None, "retention": None}), AS_OF))
        == "error"
    )


def test_findings_for_picks_one_record() -> None:
    reg = clean_registry(flow={"retention": None}, orgs={"dudley": {"dpo_contact": None}})
    findings = run_rules(reg, AS_OF)
    assert [f.code for f in findings_for(findings, "flow", "FLOW-012")] == ["FLOW_NO_RETENTION"]
    assert [f.code for f in findings_for(findings, "organisation", "dudley")] == ["ORGANISATION_NO_DPO"]
    assert findings_for(findings, "agreement", "DSPP-ISA-001") == []


def test_archived_records_are_left_out() -> None:
    reg = clean_registry(
        flow={"article6": None, "archived": True}, orgs={"bcicb": {"dpo_contact": None, "archived": True}}
    )
    findings = run_rules(reg, AS_OF)
    assert findings_for(findings, "flow", "FLOW-012") == []
    assert findings_for(findings, "organisation", "bcicb") == []
    assert [f.code for f in findings] == ["AGREEMENT_UNUSED"]


def test_a_finding_names_the_partners_and_the_record_and_cites_the_law() -> None:
    reg = clean_registry(flow={"data_categories": ["health"], "article9": "h"})
    finding = one(reg, "FLOW_SCHEDULE1_MISSING")
    assert finding.message.startswith(
        "West Midlands Police → Dudley Metropolitan Borough Council (FLOW-012 'MASH referrals'): "
    )
    assert "Art 9(2)(h)" in finding.message
    assert "paragraph 2" in finding.remedy
    assert finding.reference == "UK GDPR Art 9(2)(h); DPA 2018 s10(2), Sch 1 para 2"
    assert finding.as_dict()["subject_key"] == "FLOW-012"


# --- Scope --------------------------------------------------------------------------------------


def test_anonymised_flow_gets_no_lawful_basis_agreement_or_retention_findings() -> None:
    reg = clean_registry(
        flow={
            "identifiability": "anonymised",
            "agreement": None,
            "article6": None,
            "retention": None,
            "data_categories": ["health", "criminal_offence"],
            "international_transfer": transfer(safeguard=None),
        }
    )
    assert findings_for(run_rules(reg, AS_OF), "flow", "FLOW-012") == []


def test_pseudonymised_flow_is_personal_data_and_is_checked() -> None:
    reg = clean_registry(flow={"identifiability": "pseudonymised", "article6": None})
    assert fires(reg, "FLOW_NO_LAWFUL_BASIS")


def test_ceased_flow_gets_no_findings() -> None:
    reg = clean_registry(
        flow={"status": "ceased", "article6": None, "agreement": None, "end_date": days(-10)}
    )
    assert [f.code for f in run_rules(reg, AS_OF) if f.subject_type == "flow"] == []


def test_flow_whose_end_date_passed_is_only_told_to_be_marked_ceased() -> None:
    reg = clean_registry(flow={"end_date": days(-1), "article6": None, "retention": None})
    assert [f.code for f in run_rules(reg, AS_OF) if f.subject_type == "flow"] == ["FLOW_END_DATE_PASSED"]


def test_flow_ending_today_is_still_checked() -> None:
    reg = clean_registry(flow={"end_date": AS_OF, "article6": None})
    assert fires(reg, "FLOW_NO_LAWFUL_BASIS")
    assert not fires(reg, "FLOW_END_DATE_PASSED")


def test_planned_flow_starting_later_is_checked_now() -> None:
    reg = clean_registry(flow={"status": "planned", "start_date": days(60), "article6": None})
    assert fires(reg, "FLOW_NO_LAWFUL_BASIS")


def test_ceased_flow_with_end_date_passed_is_not_told_anything() -> None:
    reg = clean_registry(flow={"status": "ceased", "end_date": days(-30)})
    assert not fires(reg, "FLOW_END_DATE_PASSED")


# --- FLOW_NO_AGREEMENT --------------------------------------------------------------------------


def test_flow_without_agreement_is_an_error() -> None:
    finding = one(clean_registry(flow={"agreement": None}), "FLOW_NO_AGREEMENT")
    assert finding.severity == "error"
    assert finding.subject_type == "flow"
    assert "West Midlands Police → Dudley Metropolitan Borough Council" in finding.message


def test_flow_naming_an_agreement_not_in_the_registry_has_no_agreement() -> None:
    finding = one(clean_registry(flow={"agreement": "DSPP-ISA-999"}), "FLOW_NO_AGREEMENT")
    assert "DSPP-ISA-999" in finding.message


def test_anonymised_flow_without_agreement_is_not_flagged() -> None:
    assert not fires(
        clean_registry(flow={"agreement": None, "identifiability": "anonymised"}), "FLOW_NO_AGREEMENT"
    )


# --- FLOW_AGREEMENT_NOT_IN_FORCE ----------------------------------------------------------------


@pytest.mark.parametrize("status", ["draft", "expired", "terminated"])
def test_flow_under_an_agreement_not_in_force_is_an_error(status: str) -> None:
    finding = one(clean_registry(agreement={"status": status}), "FLOW_AGREEMENT_NOT_IN_FORCE")
    assert finding.severity == "error"
    assert status in finding.message


def test_agreement_under_review_is_still_in_force() -> None:
    assert not fires(clean_registry(agreement={"status": "under_review"}), "FLOW_AGREEMENT_NOT_IN_FORCE")


def test_agreement_is_in_force_on_its_start_date() -> None:
    assert not fires(clean_registry(agreement={"start_date": AS_OF}), "FLOW_AGREEMENT_NOT_IN_FORCE")


def test_agreement_starting_tomorrow_is_not_yet_in_force() -> None:
    finding = one(clean_registry(agreement={"start_date": days(1)}), "FLOW_AGREEMENT_NOT_IN_FORCE")
    assert "24 November 2026" in finding.message


def test_agreement_is_in_force_on_its_end_date() -> None:
    assert not fires(clean_registry(agreement={"end_date": AS_OF}), "FLOW_AGREEMENT_NOT_IN_FORCE")


def test_agreement_that_ended_yesterday_no_longer_covers_the_flow() -> None:
    finding = one(clean_registry(agreement={"end_date": days(-1)}), "FLOW_AGREEMENT_NOT_IN_FORCE")
    assert "ended on 22 November 2026" in finding.message


def test_missing_agreement_is_not_also_reported_as_not_in_force() -> None:
    assert not fires(clean_registry(flow={"agreement": "NOPE"}), "FLOW_AGREEMENT_NOT_IN_FORCE")


# --- FLOW_PARTY_NOT_IN_AGREEMENT ----------------------------------------------------------------


def test_recipient_not_party_to_the_agreement_is_an_error() -> None:
    finding = one(clean_registry(flow={"recipient": "bcicb"}), "FLOW_PARTY_NOT_IN_AGREEMENT")
    assert finding.severity == "error"
    assert "Black Country Integrated Care Board is not a party" in finding.message


def test_source_and_recipient_both_missing_are_named_in_one_finding() -> None:
    finding = one(
        clean_registry(flow={"source": "bcicb", "recipient": "family-action"}), "FLOW_PARTY_NOT_IN_AGREEMENT"
    )
    assert "Black Country Integrated Care Board and Family Action are not parties" in finding.message


def test_flow_between_parties_is_not_flagged() -> None:
    assert not fires(
        clean_registry(flow={"source": "dudley", "recipient": "wmp"}), "FLOW_PARTY_NOT_IN_AGREEMENT"
    )


# --- FLOW_CATEGORY_NOT_AGREED -------------------------------------------------------------------


def test_category_the_agreement_does_not_list_is_a_warning() -> None:
    reg = clean_registry(flow={"data_categories": ["identity_contact", "education"]})
    finding = one(reg, "FLOW_CATEGORY_NOT_AGREED")
    assert finding.severity == "warning"
    assert "education" in finding.message.lower()


def test_categories_all_listed_by_the_agreement_are_not_flagged() -> None:
    reg = clean_registry(flow={"data_categories": ["identity_contact", "social_care"]})
    assert not fires(reg, "FLOW_CATEGORY_NOT_AGREED")


# --- FLOW_NO_LAWFUL_BASIS -----------------------------------------------------------------------


def test_uk_gdpr_flow_without_article6_is_an_error() -> None:
    finding = one(clean_registry(flow={"article6": None}), "FLOW_NO_LAWFUL_BASIS")
    assert finding.severity == "error"
    assert finding.reference == "UK GDPR Art 6(1)"


def test_law_enforcement_flow_needs_no_article6() -> None:
    assert run_rules(clean_registry(flow=law_enforcement()), AS_OF) == []


def test_law_enforcement_flow_without_a_s35_basis_is_an_error() -> None:
    finding = one(clean_registry(flow=law_enforcement(law_enforcement_basis=None)), "FLOW_NO_LAWFUL_BASIS")
    assert "DPA 2018 s35" in finding.reference


# --- FLOW_PUBLIC_AUTHORITY_LEGITIMATE_INTERESTS -------------------------------------------------


def test_public_authority_relying_on_legitimate_interests_is_an_error() -> None:
    finding = one(
        clean_registry(flow={"article6": "f", "legislation": []}),
        "FLOW_PUBLIC_AUTHORITY_LEGITIMATE_INTERESTS",
    )
    assert finding.severity == "error"
    assert "West Midlands Police is a public authority" in finding.message


def test_public_authority_relying_on_recognised_legitimate_interest_is_an_error() -> None:
    reg = clean_registry(flow={"article6": "ea", "recognised_interest": "6"})
    finding = one(reg, "FLOW_PUBLIC_AUTHORITY_LEGITIMATE_INTERESTS")
    assert "(ea)" in finding.message
    assert "DUAA 2025 s70(2)(c)" in finding.reference


@pytest.mark.parametrize("basis", ["f", "ea"])
def test_charity_may_rely_on_legitimate_interests(basis: str) -> None:
    reg = clean_registry(flow={"source": "family-action", "article6": basis, "recognised_interest": "6"})
    assert not fires(reg, "FLOW_PUBLIC_AUTHORITY_LEGITIMATE_INTERESTS")


def test_public_authority_on_public_task_is_not_flagged() -> None:
    assert not fires(clean_registry(flow={"article6": "e"}), "FLOW_PUBLIC_AUTHORITY_LEGITIMATE_INTERESTS")


def test_article6_is_not_read_for_a_law_enforcement_flow() -> None:
    assert not fires(
        clean_registry(flow=law_enforcement(article6="f")), "FLOW_PUBLIC_AUTHORITY_LEGITIMATE_INTERESTS"
    )


# --- FLOW_PUBLIC_AUTHORITY_CONSENT --------------------------------------------------------------


def test_public_authority_relying_on_consent_is_a_warning() -> None:
    finding = one(clean_registry(flow={"article6": "a"}), "FLOW_PUBLIC_AUTHORITY_CONSENT")
    assert finding.severity == "warning"


def test_charity_relying_on_consent_is_not_flagged() -> None:
    assert not fires(
        clean_registry(flow={"source": "family-action", "article6": "a"}), "FLOW_PUBLIC_AUTHORITY_CONSENT"
    )


# --- FLOW_RECOGNISED_INTEREST_MISSING / _UNKNOWN ------------------------------------------------


def test_recognised_legitimate_interest_without_annex1_condition_is_an_error() -> None:
    reg = clean_registry(flow={"source": "family-action", "article6": "ea", "recognised_interest": None})
    finding = one(reg, "FLOW_RECOGNISED_INTEREST_MISSING")
    assert finding.severity == "error"
    assert not fires(reg, "FLOW_RECOGNISED_INTEREST_UNKNOWN")


@pytest.mark.parametrize("named", ["6", "para 6", "Annex 1 paragraph 5", " 1 "])
def test_recognised_legitimate_interest_naming_an_annex1_condition_is_not_flagged(named: str) -> None:
    reg = clean_registry(flow={"source": "family-action", "article6": "ea", "recognised_interest": named})
    assert not fires(reg, "FLOW_RECOGNISED_INTEREST_MISSING")
    assert not fires(reg, "FLOW_RECOGNISED_INTEREST_UNKNOWN")


@pytest.mark.parametrize("named", ["4", "7", "9", "safeguarding"])
def test_recognised_legitimate_interest_naming_no_annex1_condition_is_an_error(named: str) -> None:
    reg = clean_registry(flow={"source": "family-action", "article6": "ea", "recognised_interest": named})
    finding = one(reg, "FLOW_RECOGNISED_INTEREST_UNKNOWN")
    assert finding.severity == "error"
    assert "1, 2, 3, 5 and 6" in finding.remedy


def test_recognised_interest_is_not_read_without_article6_ea() -> None:
    reg = clean_registry(flow={"article6": "e", "recognised_interest": "9"})
    assert not fires(reg, "FLOW_RECOGNISED_INTEREST_UNKNOWN")


# --- FLOW_NO_LEGISLATION ------------------------------------------------------------------------


@pytest.mark.parametrize("basis", ["c", "e"])
def test_legal_obligation_or_public_task_without_legislation_is_a_warning(basis: str) -> None:
    finding = one(clean_registry(flow={"article6": basis, "legislation": []}), "FLOW_NO_LEGISLATION")
    assert finding.severity == "warning"
    assert f"Art 6(1)({basis}), 6(3)" in finding.reference


@pytest.mark.parametrize("basis", ["a", "d"])
def test_other_bases_need_no_legislation(basis: str) -> None:
    reg = clean_registry(flow={"source": "family-action", "article6": basis, "legislation": []})
    assert not fires(reg, "FLOW_NO_LEGISLATION")


# --- FLOW_SPECIAL_NO_CONDITION ------------------------------------------------------------------


def test_special_category_data_without_article9_is_an_error() -> None:
    finding = one(clean_registry(flow={"data_categories": ["health"]}), "FLOW_SPECIAL_NO_CONDITION")
    assert finding.severity == "error"
    assert "health" in finding.message.lower()


def test_special_category_data_with_article9_and_schedule1_is_not_flagged() -> None:
    conditions = {"article9": "g", "schedule1": ["18"]}
    reg = clean_registry(
        flow={"data_categories": ["health"], **conditions, "recipient_basis": basis(**conditions)}
    )
    assert run_rules(reg, AS_OF) == []


def test_ordinary_data_needs_no_article9() -> None:
    assert not fires(clean_registry(flow={"data_categories": ["education"]}), "FLOW_SPECIAL_NO_CONDITION")


def test_law_enforcement_sensitive_processing_without_schedule8_is_an_error() -> None:
    finding = one(
        clean_registry(flow=law_enforcement(data_categories=["health"])), "FLOW_SPECIAL_NO_CONDITION"
    )
    assert "Schedule 8" in finding.message
    assert "s35" in finding.reference


def test_law_enforcement_sensitive_processing_with_schedule8_is_not_flagged() -> None:
    # The council receives under the UK GDPR, with its own Art 9 and Schedule 1 conditions.
    received = basis(article9="g", schedule1=["18"])
    reg = clean_registry(
        flow=law_enforcement(data_categories=["health"], schedule8=["4"], recipient_basis=received)
    )
    assert run_rules(reg, AS_OF) == []


def test_law_enforcement_sensitive_processing_on_consent_needs_no_schedule8() -> None:
    reg = clean_registry(flow=law_enforcement(data_categories=["health"], law_enforcement_basis="consent"))
    assert not fires(reg, "FLOW_SPECIAL_NO_CONDITION")


def test_law_enforcement_flow_does_not_need_article9() -> None:
    reg = clean_registry(flow=law_enforcement(data_categories=["health"], schedule8=["4"], article9=None))
    assert not fires(reg, "FLOW_SPECIAL_NO_CONDITION")


def test_law_enforcement_unknown_schedule8_paragraph_is_no_condition() -> None:
    reg = clean_registry(flow=law_enforcement(data_categories=["health"], schedule8=["99"]))
    assert fires(reg, "FLOW_SPECIAL_NO_CONDITION")
    assert fires(reg, "FLOW_SCHEDULE8_UNKNOWN")


# --- FLOW_SCHEDULE1_MISSING ---------------------------------------------------------------------


@pytest.mark.parametrize(("article9", "para"), [("b", "1"), ("h", "2"), ("i", "3"), ("j", "4")])
def test_article9_point_without_its_schedule1_part1_paragraph_is_an_error(article9: str, para: str) -> None:
    reg = clean_registry(flow={"data_categories": ["health"], "article9": article9})
    finding = one(reg, "FLOW_SCHEDULE1_MISSING")
    assert finding.severity == "error"
    assert f"paragraph {para}" in finding.message
    assert finding.reference.endswith(f"Sch 1 para {para}")


@pytest.mark.parametrize(("article9", "para"), [("b", "1"), ("h", "2"), ("i", "3"), ("j", "4")])
def test_article9_point_with_its_schedule1_paragraph_is_not_flagged(article9: str, para: str) -> None:
    reg = clean_registry(flow={"data_categories": ["health"], "article9": article9, "schedule1": [para]})
    assert not fires(reg, "FLOW_SCHEDULE1_MISSING")


def test_article9_h_with_a_part2_paragraph_instead_of_paragraph_2_is_an_error() -> None:
    reg = clean_registry(flow={"data_categories": ["health"], "article9": "h", "schedule1": ["18"]})
    assert fires(reg, "FLOW_SCHEDULE1_MISSING")


@pytest.mark.parametrize("para", ["6", "10", "18", "28"])
def test_article9_g_with_a_part2_condition_is_not_flagged(para: str) -> None:
    reg = clean_registry(flow={"data_categories": ["health"], "article9": "g", "schedule1": [para]})
    assert not fires(reg, "FLOW_SCHEDULE1_MISSING")


@pytest.mark.parametrize("paras", [[], ["2"], ["5"], ["29"], ["36"]])
def test_article9_g_without_a_part2_condition_is_an_error(paras: list[str]) -> None:
    reg = clean_registry(flow={"data_categories": ["health"], "article9": "g", "schedule1": paras})
    finding = one(reg, "FLOW_SCHEDULE1_MISSING")
    assert "paragraphs 6 to 28" in finding.message
    assert "s10(3)" in finding.reference


@pytest.mark.parametrize("article9", ["a", "c", "f"])
def test_article9_points_that_need_no_schedule1_condition_are_not_flagged(article9: str) -> None:
    reg = clean_registry(
        flow={"source": "family-action", "data_categories": ["health"], "article9": article9}
    )
    assert not fires(reg, "FLOW_SCHEDULE1_MISSING")


# --- FLOW_SCHEDULE1_UNKNOWN ---------------------------------------------------------------------


@pytest.mark.parametrize("para", ["5", "38", "0", "18a"])
def test_schedule1_entry_that_is_not_a_condition_is_a_warning(para: str) -> None:
    reg = clean_registry(flow={"data_categories": ["health"], "article9": "g", "schedule1": ["18", para]})
    finding = one(reg, "FLOW_SCHEDULE1_UNKNOWN")
    assert finding.severity == "warning"
    assert f"'{para}'" in finding.message


def test_schedule1_paragraph_written_with_para_prefix_is_understood() -> None:
    conditions = {"article9": "g", "schedule1": ["para 18"]}
    reg = clean_registry(
        flow={"data_categories": ["health"], **conditions, "recipient_basis": basis(**conditions)}
    )
    assert run_rules(reg, AS_OF) == []


# --- FLOW_CRIMINAL_NO_CONDITION -----------------------------------------------------------------


def test_criminal_offence_data_without_condition_is_an_error() -> None:
    finding = one(
        clean_registry(flow={"data_categories": ["criminal_offence"]}), "FLOW_CRIMINAL_NO_CONDITION"
    )
    assert finding.severity == "error"
    assert "s10(5)" in finding.reference


def test_criminal_offence_data_under_official_authority_needs_no_schedule1_condition() -> None:
    reg = clean_registry(flow={"data_categories": ["criminal_offence"], "official_authority": True})
    assert not fires(reg, "FLOW_CRIMINAL_NO_CONDITION")


@pytest.mark.parametrize("para", ["2", "18", "29", "36"])
def test_criminal_offence_data_with_a_condition_from_parts_1_to_3_is_not_flagged(para: str) -> None:
    reg = clean_registry(flow={"data_categories": ["criminal_offence"], "schedule1": [para]})
    assert not fires(reg, "FLOW_CRIMINAL_NO_CONDITION")


def test_criminal_offence_data_with_only_paragraph_5_has_no_condition() -> None:
    reg = clean_registry(flow={"data_categories": ["criminal_offence"], "schedule1": ["5"]})
    assert fires(reg, "FLOW_CRIMINAL_NO_CONDITION")


def test_criminal_offence_data_under_law_enforcement_needs_no_schedule1_condition() -> None:
    # The council receives under the UK GDPR, where it does need one (here para 18).
    received = basis(schedule1=["18"])
    reg = clean_registry(flow=law_enforcement(data_categories=["criminal_offence"], recipient_basis=received))
    assert run_rules(reg, AS_OF) == []


# --- FLOW_APD_MISSING ---------------------------------------------------------------------------


def test_condition_needing_an_apd_without_one_is_a_warning() -> None:
    reg = clean_registry(
        flow={"data_categories": ["health"], "article9": "g", "schedule1": ["18"]},
        orgs={"wmp": {"appropriate_policy_document": None}},
    )
    finding = one(reg, "FLOW_APD_MISSING")
    assert finding.severity == "warning"
    assert "West Midlands Police" in finding.message
    assert "paragraph 18" in finding.message


def test_condition_needing_an_apd_with_one_recorded_is_not_flagged() -> None:
    reg = clean_registry(flow={"data_categories": ["health"], "article9": "g", "schedule1": ["18"]})
    assert not fires(reg, "FLOW_APD_MISSING")


@pytest.mark.parametrize("para", ["2", "29", "33"])
def test_condition_that_needs_no_apd_is_not_flagged(para: str) -> None:
    reg = clean_registry(
        flow={"data_categories": ["criminal_offence"], "schedule1": [para]},
        orgs={"wmp": {"appropriate_policy_document": None}},
    )
    assert not fires(reg, "FLOW_APD_MISSING")


def test_apd_missing_at_the_recipient_only_is_not_flagged() -> None:
    reg = clean_registry(
        flow={"data_categories": ["health"], "article9": "g", "schedule1": ["18"]},
        orgs={"dudley": {"appropriate_policy_document": None}},
    )
    assert not fires(reg, "FLOW_APD_MISSING")


def test_unlawful_acts_disclosure_to_the_police_needs_no_apd() -> None:
    reg = clean_registry(
        flow={
            "source": "dudley",
            "recipient": "wmp",
            "data_categories": ["health"],
            "article9": "g",
            "schedule1": ["10"],
        },
        orgs={"dudley": {"appropriate_policy_document": None}},
    )
    assert not fires(reg, "FLOW_APD_MISSING")


def test_unlawful_acts_disclosure_to_a_council_needs_an_apd() -> None:
    reg = clean_registry(
        flow={"data_categories": ["health"], "article9": "g", "schedule1": ["10"]},
        orgs={"wmp": {"appropriate_policy_document": None}},
    )
    assert fires(reg, "FLOW_APD_MISSING")


# --- FLOW_NO_RETENTION --------------------------------------------------------------------------


@pytest.mark.parametrize("retention", [None, "", "   "])
def test_flow_without_retention_is_a_warning(retention: str | None) -> None:
    finding = one(clean_registry(flow={"retention": retention}), "FLOW_NO_RETENTION")
    assert finding.severity == "warning"
    assert "Dudley Metropolitan Borough Council" in finding.remedy


def test_law_enforcement_flow_without_retention_cites_part3() -> None:
    finding = one(clean_registry(flow=law_enforcement(retention=None)), "FLOW_NO_RETENTION")
    assert finding.reference == "DPA 2018 s39"


# --- FLOW_TRANSFER_NO_SAFEGUARD -----------------------------------------------------------------


def test_international_transfer_without_safeguard_is_an_error() -> None:
    finding = one(
        clean_registry(flow={"international_transfer": transfer("US", None)}), "FLOW_TRANSFER_NO_SAFEGUARD"
    )
    assert finding.severity == "error"
    assert "US" in finding.message


def test_international_transfer_with_safeguard_is_not_flagged() -> None:
    reg = clean_registry(flow={"international_transfer": transfer("US", "idta")})
    assert not fires(reg, "FLOW_TRANSFER_NO_SAFEGUARD")


# --- FLOW_ORGANISATION_DISSOLVED ----------------------------------------------------------------


def _with_ccg(**ccg_changes: object) -> Registry:
    """The clean registry with its flow coming from a CCG that the ICB took over."""
    reg = clean_registry(
        flow={"source": "ccg"}, agreement={"parties": [party("dudley"), party("wmp"), party("ccg")]}
    )
    ccg: dict[str, object] = {
        "name": "Dudley Clinical Commissioning Group",
        "kind": "health",
        "public_authority": True,
        "status": "dissolved",
        "successor": "bcicb",
    }
    reg.organisations["ccg"] = organisation("ccg", **{**ccg, **ccg_changes})
    return reg


def test_flow_from_a_dissolved_body_is_an_error_naming_its_successor() -> None:
    finding = one(_with_ccg(), "FLOW_ORGANISATION_DISSOLVED")
    assert finding.severity == "error"
    assert "Dudley Clinical Commissioning Group" in finding.message
    assert "Black Country Integrated Care Board" in finding.remedy


def test_dissolved_body_without_successor_is_told_to_record_one() -> None:
    finding = one(_with_ccg(successor=None), "FLOW_ORGANISATION_DISSOLVED")
    assert "Record which body took over" in finding.remedy


def test_successor_chain_is_followed_to_a_live_body() -> None:
    reg = _with_ccg(successor="stp")
    reg.organisations["stp"] = organisation(
        "stp", name="Black Country STP", status="dissolved", successor="bcicb"
    )
    finding = one(reg, "FLOW_ORGANISATION_DISSOLVED")
    assert "to Black Country Integrated Care Board" in finding.remedy


def test_anonymised_flow_from_a_dissolved_body_is_still_flagged() -> None:
    reg = _with_ccg()
    reg.flows["FLOW-012"] = replace(reg.flows["FLOW-012"], identifiability="anonymised")
    assert fires(reg, "FLOW_ORGANISATION_DISSOLVED")


def test_ceased_flow_from_a_dissolved_body_is_not_flagged() -> None:
    reg = _with_ccg()
    reg.flows["FLOW-012"] = replace(reg.flows["FLOW-012"], status="ceased")
    assert not fires(reg, "FLOW_ORGANISATION_DISSOLVED")


def test_a_flow_with_both_ends_dissolved_is_one_finding_naming_both() -> None:
    reg = _with_ccg(successor=None)
    reg.flows["FLOW-012"] = replace(reg.flows["FLOW-012"], recipient="ccg", source="dudley")
    reg.organisations["dudley"] = replace(reg.organisations["dudley"], status="dissolved", successor="bcicb")
    finding = one(reg, "FLOW_ORGANISATION_DISSOLVED")
    assert finding.message.endswith(
        "its source, Dudley Metropolitan Borough Council, and its recipient, Dudley Clinical "
        "Commissioning Group, have been dissolved."
    )
    assert "Change the flow's source to Black Country Integrated Care Board" in finding.remedy
    assert "Record which body took over from Dudley Clinical Commissioning Group" in finding.remedy


# --- FLOW_LEGISLATION_REPEALED / _UNKNOWN -------------------------------------------------------


def test_superseded_gateway_is_a_warning_naming_what_replaced_it() -> None:
    reg = clean_registry(flow={"legislation": ["ukpga/2004/31/section/13"]})
    finding = one(reg, "FLOW_LEGISLATION_REPEALED")
    assert finding.severity == "warning"
    assert "superseded" in finding.message
    assert "Children Act 2004 s16E" in finding.remedy


def test_gateway_not_in_force_in_england_is_a_warning_naming_the_english_provision() -> None:
    reg = clean_registry(flow={"legislation": ["ukpga/2000/22/section/2"]})
    finding = one(reg, "FLOW_LEGISLATION_REPEALED")
    assert "no longer applies in England" in finding.message
    assert "Localism Act 2011 s1" in finding.remedy


def test_section_of_a_repealed_act_is_repealed() -> None:
    reg = clean_registry(flow={"legislation": ["ukpga/1998/29/section/29"]})
    finding = one(reg, "FLOW_LEGISLATION_REPEALED")
    assert "Data Protection Act 1998" in finding.message
    assert not fires(reg, "FLOW_LEGISLATION_UNKNOWN")


def test_gateway_given_as_a_legislation_url_is_recognised() -> None:
    reg = clean_registry(flow={"legislation": ["https://www.legislation.gov.uk/ukpga/1989/41/section/47"]})
    assert run_rules(reg, AS_OF) == []


def test_gateway_not_in_the_catalogue_is_info() -> None:
    finding = one(
        clean_registry(flow={"legislation": ["ukpga/1999/999/section/1"]}), "FLOW_LEGISLATION_UNKNOWN"
    )
    assert finding.severity == "info"
    assert "ukpga/1999/999/section/1" in finding.message


def test_uncatalogued_section_of_an_act_in_force_is_unknown() -> None:
    reg = clean_registry(flow={"legislation": ["ukpga/2004/31/section/16LA"]})
    assert fires(reg, "FLOW_LEGISLATION_UNKNOWN")
    assert not fires(reg, "FLOW_LEGISLATION_REPEALED")


def test_several_out_of_date_gateways_are_one_finding_naming_each_and_its_replacement() -> None:
    reg = clean_registry(flow={"legislation": ["ukpga/2004/31/section/13", "ukpga/2000/22/section/2"]})
    finding = one(reg, "FLOW_LEGISLATION_REPEALED")
    assert (
        "it names 2 gateways that are no longer current in England: Children Act 2004 s13" in finding.message
    )
    assert "; and Local Government Act 2000 s2 (ukpga/2000/22/section/2) no longer applies" in finding.message
    assert "For Local Government Act 2000 s2, name what replaced it: Localism Act 2011 s1" in finding.remedy
    assert finding.reference == "UK GDPR Art 6(3); Children Act 2004 s13; Local Government Act 2000 s2"


def test_several_gateways_not_in_the_catalogue_are_one_finding_naming_each() -> None:
    unknown = ["ukpga/1999/999/section/1", "ukpga/1989/41/section/999"]
    finding = one(clean_registry(flow={"legislation": unknown}), "FLOW_LEGISLATION_UNKNOWN")
    assert "the gateways ukpga/1999/999/section/1 and ukpga/1989/41/section/999 are not" in finding.message
    assert "Check each identifier" in finding.remedy


def test_gateways_of_a_law_enforcement_flow_are_checked_too() -> None:
    reg = clean_registry(flow=law_enforcement(legislation=["ukpga/2004/31/section/14"]))
    assert one(reg, "FLOW_LEGISLATION_REPEALED").reference.startswith("DPA 2018 s35(1)")


# --- FLOW_LAW_ENFORCEMENT_NOT_COMPETENT ---------------------------------------------------------


@pytest.mark.parametrize("source", ["dudley", "bcicb", "family-action"])
def test_law_enforcement_regime_used_by_a_body_that_is_not_a_competent_authority_is_a_warning(
    source: str,
) -> None:
    reg = clean_registry(flow=law_enforcement(source=source, recipient="wmp"))
    finding = one(reg, "FLOW_LAW_ENFORCEMENT_NOT_COMPETENT")
    assert finding.severity == "warning"
    assert "DPA 2018 s29, s30, Sch 7" == finding.reference


def test_council_is_told_when_it_can_be_a_competent_authority() -> None:
    finding = one(
        clean_registry(flow=law_enforcement(source="dudley", recipient="wmp")),
        "FLOW_LAW_ENFORCEMENT_NOT_COMPETENT",
    )
    assert "not for children's social care" in finding.message


@pytest.mark.parametrize("kind", ["police", "probation", "youth_justice", "courts"])
def test_competent_authorities_may_use_the_law_enforcement_regime(kind: str) -> None:
    reg = clean_registry(flow=law_enforcement(), orgs={"wmp": {"kind": kind}})
    assert not fires(reg, "FLOW_LAW_ENFORCEMENT_NOT_COMPETENT")


# --- FLOW_LAW_ENFORCEMENT_APD_MISSING -----------------------------------------------------------


@pytest.mark.parametrize("basis", ["task", "consent"])
def test_law_enforcement_sensitive_processing_without_apd_is_a_warning(basis: str) -> None:
    reg = clean_registry(
        flow=law_enforcement(data_categories=["health"], schedule8=["4"], law_enforcement_basis=basis),
        orgs={"wmp": {"appropriate_policy_document": None}},
    )
    finding = one(reg, "FLOW_LAW_ENFORCEMENT_APD_MISSING")
    assert finding.severity == "warning"
    assert "s42" in finding.reference
    assert not fires(reg, "FLOW_APD_MISSING")


def test_law_enforcement_processing_that_is_not_sensitive_needs_no_apd() -> None:
    reg = clean_registry(
        flow=law_enforcement(data_categories=["identity_contact", "criminal_offence"]),
        orgs={"wmp": {"appropriate_policy_document": None}},
    )
    assert not fires(reg, "FLOW_LAW_ENFORCEMENT_APD_MISSING")


# --- FLOW_SCHEDULE8_UNKNOWN ---------------------------------------------------------------------


def test_schedule8_paragraph_that_is_not_a_condition_is_a_warning() -> None:
    reg = clean_registry(flow=law_enforcement(data_categories=["health"], schedule8=["4", "10"]))
    finding = one(reg, "FLOW_SCHEDULE8_UNKNOWN")
    assert "'10'" in finding.message
    assert not fires(reg, "FLOW_SPECIAL_NO_CONDITION")


# --- FLOW_PUBLIC_AUTHORITY_EXPLICIT_CONSENT -----------------------------------------------------


def test_public_authority_relying_on_explicit_consent_is_a_warning() -> None:
    reg = clean_registry(flow={"data_categories": ["health"], "article9": "a"})
    assert one(reg, "FLOW_PUBLIC_AUTHORITY_EXPLICIT_CONSENT").severity == "warning"


def test_charity_relying_on_explicit_consent_is_not_flagged() -> None:
    reg = clean_registry(flow={"source": "family-action", "data_categories": ["health"], "article9": "a"})
    assert not fires(reg, "FLOW_PUBLIC_AUTHORITY_EXPLICIT_CONSENT")


# --- AGREEMENT_EXPIRED --------------------------------------------------------------------------


def test_active_agreement_past_its_end_date_is_an_error() -> None:
    finding = one(clean_registry(agreement={"end_date": days(-1)}), "AGREEMENT_EXPIRED")
    assert finding.severity == "error"
    assert finding.subject_type == "agreement"
    assert "still marked active" in finding.message


def test_active_agreement_ending_today_has_not_expired() -> None:
    assert not fires(clean_registry(agreement={"end_date": AS_OF}), "AGREEMENT_EXPIRED")


@pytest.mark.parametrize("status", ["expired", "terminated"])
def test_ended_agreement_still_covering_an_active_flow_is_an_error(status: str) -> None:
    finding = one(clean_registry(agreement={"status": status}), "AGREEMENT_EXPIRED")
    assert "FLOW-012" in finding.message


@pytest.mark.parametrize(
    "changes",
    [{"status": "ceased"}, {"status": "planned"}, {"identifiability": "anonymised"}, {"end_date": days(-1)}],
)
def test_ended_agreement_covering_no_active_flow_of_personal_data_is_not_flagged(changes: dict) -> None:
    reg = clean_registry(agreement={"status": "expired"}, flow=changes)
    assert not fires(reg, "AGREEMENT_EXPIRED")


# --- AGREEMENT_REVIEW_OVERDUE / _DUE ------------------------------------------------------------


@pytest.mark.parametrize("status", ["active", "under_review"])
def test_review_date_passed_is_a_warning(status: str) -> None:
    finding = one(
        clean_registry(agreement={"status": status, "review_date": days(-1)}), "AGREEMENT_REVIEW_OVERDUE"
    )
    assert finding.severity == "warning"
    assert not fires(
        clean_registry(agreement={"status": status, "review_date": days(-1)}), "AGREEMENT_REVIEW_DUE"
    )


@pytest.mark.parametrize("status", ["draft", "expired", "terminated"])
def test_review_date_of_an_agreement_not_in_use_is_not_chased(status: str) -> None:
    reg = clean_registry(agreement={"status": status, "review_date": days(-1)})
    assert not fires(reg, "AGREEMENT_REVIEW_OVERDUE")


@pytest.mark.parametrize("offset", [0, 1, 90])
def test_review_within_the_next_90_days_is_info(offset: int) -> None:
    reg = clean_registry(agreement={"review_date": days(offset)})
    assert one(reg, "AGREEMENT_REVIEW_DUE").severity == "info"
    assert not fires(reg, "AGREEMENT_REVIEW_OVERDUE")


def test_review_due_today_says_today() -> None:
    assert "(today)" in one(clean_registry(agreement={"review_date": AS_OF}), "AGREEMENT_REVIEW_DUE").message


def test_review_91_days_away_is_not_yet_due() -> None:
    assert not fires(clean_registry(agreement={"review_date": days(91)}), "AGREEMENT_REVIEW_DUE")


# --- AGREEMENT_UNSIGNED -------------------------------------------------------------------------


def test_active_agreement_with_an_unsigned_party_is_a_warning() -> None:
    reg = clean_registry(agreement={"parties": [party("dudley"), party("wmp", signed_on=None)]})
    finding = one(reg, "AGREEMENT_UNSIGNED")
    assert finding.severity == "warning"
    assert "West Midlands Police has not signed" in finding.message


def test_draft_agreement_awaiting_signatures_is_not_flagged_as_unsigned() -> None:
    reg = clean_registry(
        agreement={"status": "draft", "parties": [party("dudley", signed_on=None), party("wmp")]}
    )
    assert not fires(reg, "AGREEMENT_UNSIGNED")


# --- AGREEMENT_NO_REVIEW_DATE -------------------------------------------------------------------


def test_active_agreement_without_review_date_is_a_warning() -> None:
    assert (
        one(clean_registry(agreement={"review_date": None}), "AGREEMENT_NO_REVIEW_DATE").severity == "warning"
    )


def test_draft_agreement_without_review_date_is_not_flagged() -> None:
    assert not fires(
        clean_registry(agreement={"status": "draft", "review_date": None}), "AGREEMENT_NO_REVIEW_DATE"
    )


# --- AGREEMENT_UNUSED ---------------------------------------------------------------------------


def test_active_agreement_covering_no_flow_is_info() -> None:
    reg = registry(agreements=[agreement()])
    assert one(reg, "AGREEMENT_UNUSED").severity == "info"


def test_active_agreement_covering_only_ceased_flows_is_unused() -> None:
    assert fires(clean_registry(flow={"status": "ceased"}), "AGREEMENT_UNUSED")


@pytest.mark.parametrize("changes", [{"status": "planned"}, {"identifiability": "anonymised"}])
def test_active_agreement_covering_a_planned_or_anonymised_flow_is_used(changes: dict) -> None:
    assert not fires(clean_registry(flow=changes), "AGREEMENT_UNUSED")


def test_draft_agreement_covering_no_flow_is_not_flagged() -> None:
    assert not fires(registry(agreements=[agreement(status="draft")]), "AGREEMENT_UNUSED")


# --- ORGANISATION_DISSOLVED_IN_AGREEMENT --------------------------------------------------------


def test_dissolved_body_party_to_an_active_agreement_is_an_error_naming_its_successor() -> None:
    reg = _with_ccg()
    finding = one(reg, "ORGANISATION_DISSOLVED_IN_AGREEMENT")
    assert finding.severity == "error"
    assert finding.subject_type == "organisation"
    assert finding.subject_key == "ccg"
    assert "DSPP-ISA-001" in finding.message
    assert "Black Country Integrated Care Board" in finding.remedy


def test_dissolved_body_party_only_to_an_expired_agreement_is_not_flagged() -> None:
    reg = _with_ccg()
    reg.agreements["DSPP-ISA-001"] = replace(reg.agreements["DSPP-ISA-001"], status="expired")
    assert not fires(reg, "ORGANISATION_DISSOLVED_IN_AGREEMENT")


# --- ORGANISATION_NO_DPO ------------------------------------------------------------------------


def test_public_authority_without_dpo_contact_is_info() -> None:
    finding = one(clean_registry(orgs={"bcicb": {"dpo_contact": None}}), "ORGANISATION_NO_DPO")
    assert finding.severity == "info"
    assert finding.subject_key == "bcicb"
    assert "Art 37(1)(a)" in finding.reference


@pytest.mark.parametrize(
    "changes",
    [
        {"public_authority": False, "kind": "voluntary"},
        {"kind": "courts"},
        {"status": "dissolved"},
    ],
)
def test_dpo_is_not_chased_for_private_bodies_courts_or_dissolved_bodies(changes: dict) -> None:
    reg = clean_registry(orgs={"bcicb": {"dpo_contact": None, **changes}})
    assert not fires(reg, "ORGANISATION_NO_DPO")


# --- Every code fires in its typical case -------------------------------------------------------

TYPICAL: dict[str, dict] = {
    "FLOW_NO_AGREEMENT": {"flow": {"agreement": None}},
    "FLOW_AGREEMENT_NOT_IN_FORCE": {"agreement": {"status": "draft"}},
    "FLOW_PARTY_NOT_IN_AGREEMENT": {"flow": {"recipient": "bcicb"}},
    "FLOW_CATEGORY_NOT_AGREED": {"flow": {"data_categories": ["education"]}},
    "FLOW_NO_LAWFUL_BASIS": {"flow": {"article6": None}},
    "FLOW_PUBLIC_AUTHORITY_LEGITIMATE_INTERESTS": {"flow": {"article6": "f"}},
    "FLOW_PUBLIC_AUTHORITY_CONSENT": {"flow": {"article6": "a"}},
    "FLOW_RECOGNISED_INTEREST_MISSING": {"flow": {"source": "family-action", "article6": "ea"}},
    "FLOW_RECOGNISED_INTEREST_UNKNOWN": {
        "flow": {"source": "family-action", "article6": "ea", "recognised_interest": "7"}
    },
    "FLOW_NO_LEGISLATION": {"flow": {"legislation": []}},
    "FLOW_SPECIAL_NO_CONDITION": {"flow": {"data_categories": ["health"]}},
    "FLOW_PUBLIC_AUTHORITY_EXPLICIT_CONSENT": {"flow": {"data_categories": ["health"], "article9": "a"}},
    "FLOW_SCHEDULE1_MISSING": {"flow": {"data_categories": ["health"], "article9": "g"}},
    "FLOW_SCHEDULE1_UNKNOWN": {"flow": {"data_categories": ["health"], "article9": "g", "schedule1": ["5"]}},
    "FLOW_CRIMINAL_NO_CONDITION": {"flow": {"data_categories": ["criminal_offence"]}},
    "FLOW_APD_MISSING": {
        "flow": {"data_categories": ["criminal_offence"], "schedule1": ["18"]},
        "orgs": {"wmp": {"appropriate_policy_document": None}},
    },
    "FLOW_LAW_ENFORCEMENT_NOT_COMPETENT": {"flow": law_enforcement(source="dudley", recipient="wmp")},
    "FLOW_SCHEDULE8_UNKNOWN": {"flow": law_enforcement(schedule8=["12"])},
    "FLOW_LAW_ENFORCEMENT_APD_MISSING": {
        "flow": law_enforcement(data_categories=["health"], schedule8=["4"]),
        "orgs": {"wmp": {"appropriate_policy_document": None}},
    },
    "FLOW_NO_RETENTION": {"flow": {"retention": None}},
    "FLOW_TRANSFER_NO_SAFEGUARD": {"flow": {"international_transfer": transfer("US", None)}},
    "FLOW_ORGANISATION_DISSOLVED": {"orgs": {"dudley": {"status": "dissolved"}}},
    "FLOW_LEGISLATION_REPEALED": {"flow": {"legislation": ["ukpga/2006/41/section/14D"]}},
    "FLOW_LEGISLATION_UNKNOWN": {"flow": {"legislation": ["ukpga/1989/41/section/999"]}},
    "FLOW_END_DATE_PASSED": {"flow": {"end_date": days(-1)}},
    "AGREEMENT_EXPIRED": {"agreement": {"end_date": days(-1)}},
    "AGREEMENT_REVIEW_OVERDUE": {"agreement": {"review_date": days(-1)}},
    "AGREEMENT_REVIEW_DUE": {"agreement": {"review_date": days(30)}},
    "AGREEMENT_UNSIGNED": {"agreement": {"parties": [party("dudley"), party("wmp", signed_on=None)]}},
    "AGREEMENT_NO_REVIEW_DATE": {"agreement": {"review_date": None}},
    "AGREEMENT_UNUSED": {"flow": {"status": "ceased"}},
    "ORGANISATION_DISSOLVED_IN_AGREEMENT": {"orgs": {"dudley": {"status": "dissolved"}}},
    "ORGANISATION_NO_DPO": {"orgs": {"wmp": {"dpo_contact": None}}},
    "FLOW_RECOGNISED_INTEREST_NOT_IN_FORCE": {
        "flow": {"source": "family-action", "article6": "ea", "recognised_interest": "6"}
    },
    "FLOW_HEALTH_CONDITION_NOT_PROFESSIONAL": {
        "flow": {"data_categories": ["health"], "article9": "h", "schedule1": ["2"]}
    },
    "FLOW_TRANSFER_NOT_ADEQUATE": {"flow": {"international_transfer": transfer("India", "adequacy")}},
    "FLOW_TRANSFER_ADEQUACY_PARTIAL": {"flow": {"international_transfer": transfer("US", "adequacy")}},
    "FLOW_TRANSFER_DEROGATION_REPEATED": {"flow": {"international_transfer": transfer("US", "derogation")}},
    "AGREEMENT_DPIA_MISSING": {
        "agreement": {"dpia_reference": None},
        "flow": {"data_categories": ["criminal_offence"], "official_authority": True},
    },
    "AGREEMENT_PROCESSOR_NO_CONTRACT": {
        "agreement": {"parties": [party("dudley"), party("wmp"), party("evaluators", role="processor")]}
    },
    "FLOW_GATEWAY_NOT_FOR_SOURCE": {
        "flow": {"legislation": ["ukpga/2004/31/section/11"]},
        "orgs": {"wmp": {"kind": "education"}},
    },
    "FLOW_RECIPIENT_BASIS_MISSING": {"flow": {"recipient_basis": None}},
    "FLOW_RECIPIENT_BASIS_INVALID": {"flow": {"recipient_basis": basis(article6=None)}},
}

#: Codes whose typical case is a check as of another day than AS_OF.
TYPICAL_AS_OF = {"FLOW_RECOGNISED_INTEREST_NOT_IN_FORCE": date(2026, 2, 4)}


def test_every_code_has_a_typical_case() -> None:
    assert set(TYPICAL) == set(CODES)


@pytest.mark.parametrize("code", sorted(TYPICAL))
def test_each_code_fires_in_its_typical_case_with_its_severity(code: str) -> None:
    finding = found(clean_registry(**TYPICAL[code]), code, TYPICAL_AS_OF.get(code, AS_OF))[0]
    assert finding.severity == CODES[code]
    assert finding.subject_type == code.split("_")[0].lower()
    assert finding.message and finding.remedy and finding.reference


# --- FLOW_RECOGNISED_INTEREST_NOT_IN_FORCE ----------------------------------------------------------


def _charity_ea(**changes: object) -> Registry:
    return clean_registry(
        flow={"source": "family-action", "article6": "ea", "recognised_interest": "6", **changes},
    )


def test_recognised_interest_before_commencement_is_an_error() -> None:
    finding = one(_charity_ea(), "FLOW_RECOGNISED_INTEREST_NOT_IN_FORCE", as_of=date(2026, 2, 4))
    assert finding.severity == "error" and "5 February 2026" in finding.message


def test_recognised_interest_on_commencement_day_is_fine() -> None:
    assert not fires(_charity_ea(), "FLOW_RECOGNISED_INTEREST_NOT_IN_FORCE", as_of=date(2026, 2, 5))


def test_other_bases_before_commencement_are_not_affected() -> None:
    reg = clean_registry(flow={"source": "family-action", "article6": "f"})
    assert not fires(reg, "FLOW_RECOGNISED_INTEREST_NOT_IN_FORCE", as_of=date(2025, 6, 1))
