"""The second round's rules (docs/spec/findings.md "Second round"), each on both sides of its line.

Plain domain objects (``tests/builders.py``): the clean registry has one police-to-council MASH flow
under one signed agreement; each test changes one thing.
"""

from __future__ import annotations

import pytest

from isa_registry.core.domain import Finding, Registry
from isa_registry.core.rules import run_rules
from isa_registry.core.rules._common import frequency_regularity
from tests.builders import AS_OF, clean_registry, days, party, transfer


def codes(reg: Registry) -> set[str]:
    return {f.code for f in run_rules(reg, AS_OF)}


def fires(reg: Registry, code: str) -> bool:
    return code in codes(reg)


def one(reg: Registry, code: str) -> Finding:
    found = [f for f in run_rules(reg, AS_OF) if f.code == code]
    assert len(found) == 1, found
    return found[0]


# --- FLOW_HEALTH_CONDITION_NOT_PROFESSIONAL ----------------------------------------------------

_HEALTH = {"data_categories": ["health"], "article9": "h", "schedule1": ["2"]}


def _health_from(kind: str, **flow: object) -> Registry:
    return clean_registry(flow={**_HEALTH, **flow}, orgs={"wmp": {"kind": kind}})


@pytest.mark.parametrize("kind", ["police", "education", "probation", "courts", "research"])
def test_health_condition_relied_on_by_a_body_that_is_not_health_or_social_care_is_a_warning(
    kind: str,
) -> None:
    finding = one(_health_from(kind), "FLOW_HEALTH_CONDITION_NOT_PROFESSIONAL")
    assert finding.severity == "warning"
    assert "Sch 1 para 2(2)" in finding.reference and "s11(1)" in finding.reference
    assert "s204" in finding.reference
    assert "paragraph 18" in finding.remedy


@pytest.mark.parametrize(
    "kind", ["health", "local_authority", "youth_justice", "cafcass", "voluntary", "government", "other"]
)
def test_health_condition_relied_on_by_a_care_body_or_a_kind_too_coarse_to_tell_is_not_flagged(
    kind: str,
) -> None:
    assert not fires(_health_from(kind), "FLOW_HEALTH_CONDITION_NOT_PROFESSIONAL")


def test_schedule1_paragraph_2_alone_counts_as_relying_on_the_health_condition() -> None:
    reg = _health_from("police", article9="g", schedule1=["2", "18"])
    assert fires(reg, "FLOW_HEALTH_CONDITION_NOT_PROFESSIONAL")


def test_police_on_the_safeguarding_condition_is_not_flagged() -> None:
    reg = _health_from("police", article9="g", schedule1=["18"])
    assert not fires(reg, "FLOW_HEALTH_CONDITION_NOT_PROFESSIONAL")


def test_health_condition_is_not_checked_on_a_law_enforcement_flow() -> None:
    reg = _health_from("police", regime="law_enforcement", law_enforcement_basis="task", schedule8=["4"])
    assert not fires(reg, "FLOW_HEALTH_CONDITION_NOT_PROFESSIONAL")


# --- FLOW_TRANSFER_NOT_ADEQUATE / _ADEQUACY_PARTIAL ----------------------------------------------


def _to(country: str, safeguard: str | None = "adequacy", **flow: object) -> Registry:
    return clean_registry(flow={"international_transfer": transfer(country, safeguard), **flow})


@pytest.mark.parametrize(
    "country",
    [
        "France",
        "fr",
        "The Netherlands",
        "IRELAND",
        "Norway",
        "Gibraltar",
        "Jersey",
        "Isle of Man",
        "Switzerland",
        "New Zealand",
        "Israel",
        "Uruguay",
        "Argentina",
        "Andorra",
        "Faroe Islands",
        "Guernsey",
        "Republic of Korea",
        "South Korea",
        "EU",
    ],
)
def test_adequacy_to_a_country_the_uk_regulations_cover_wholly_is_not_flagged(country: str) -> None:
    found = codes(_to(country))
    assert "FLOW_TRANSFER_NOT_ADEQUATE" not in found
    assert "FLOW_TRANSFER_ADEQUACY_PARTIAL" not in found


@pytest.mark.parametrize("country", ["India", "Australia", "China", "Narnia"])
def test_adequacy_to_a_country_no_uk_regulations_cover_is_an_error(country: str) -> None:
    finding = one(_to(country), "FLOW_TRANSFER_NOT_ADEQUATE")
    assert finding.severity == "error"
    assert country in finding.message and "IDTA" in finding.remedy
    assert "45A" in finding.reference and "Sch 21" in finding.reference


@pytest.mark.parametrize(
    ("country", "says"),
    [
        ("USA", "Data Privacy Framework"),
        ("United States of America", "Data Privacy Framework"),
        ("Canada", "PIPEDA"),
        ("JP", "private sector"),
    ],
)
def test_adequacy_covering_only_some_recipients_is_a_warning(country: str, says: str) -> None:
    finding = one(_to(country), "FLOW_TRANSFER_ADEQUACY_PARTIAL")
    assert finding.severity == "warning" and says in finding.message
    assert not fires(_to(country), "FLOW_TRANSFER_NOT_ADEQUATE")


def test_partial_adequacy_cites_the_regulations() -> None:
    assert "SI 2023/1028" in one(_to("US"), "FLOW_TRANSFER_ADEQUACY_PARTIAL").reference


def test_a_transfer_on_another_safeguard_is_not_checked_for_adequacy() -> None:
    found = codes(_to("India", "idta"))
    assert not found & {"FLOW_TRANSFER_NOT_ADEQUATE", "FLOW_TRANSFER_ADEQUACY_PARTIAL"}


def test_a_country_that_is_the_uk_is_no_transfer_to_check() -> None:
    assert not fires(_to("United Kingdom"), "FLOW_TRANSFER_NOT_ADEQUATE")


def test_adequacy_is_not_checked_on_an_anonymised_flow() -> None:
    assert not fires(_to("India", identifiability="anonymised"), "FLOW_TRANSFER_NOT_ADEQUATE")


# --- FLOW_TRANSFER_DEROGATION_REPEATED ----------------------------------------------------------


@pytest.mark.parametrize(
    "frequency",
    [
        "daily",
        "Weekly",
        "monthly returns",
        "quarterly",
        "annually",
        "weekly, and ad hoc when urgent",
        "once a month",
        "each referral",
    ],
)
def test_a_derogation_for_regular_transfers_is_a_warning(frequency: str) -> None:
    finding = one(_to("India", "derogation", frequency=frequency), "FLOW_TRANSFER_DEROGATION_REPEATED")
    assert finding.severity == "warning" and "Art 49" in finding.reference


@pytest.mark.parametrize(
    "frequency",
    [
        "ad hoc",
        "As needed (ad hoc)",
        "occasional",
        "one-off",
        "Once only (one-off)",
        "as and when needed",
        None,
        "  ",
    ],
)
def test_a_derogation_for_occasional_or_unrecorded_transfers_is_not_flagged(frequency: str | None) -> None:
    assert not fires(_to("India", "derogation", frequency=frequency), "FLOW_TRANSFER_DEROGATION_REPEATED")


def test_regular_transfers_on_a_safeguard_are_not_flagged() -> None:
    assert not fires(_to("India", "idta", frequency="daily"), "FLOW_TRANSFER_DEROGATION_REPEATED")


def test_frequency_recogniser_says_regular_occasional_or_nothing() -> None:
    assert frequency_regularity("Fortnightly") == "regular"
    assert frequency_regularity("on request") == "occasional"
    assert frequency_regularity("per conference") == "regular"
    assert frequency_regularity(None) is None


# --- AGREEMENT_DPIA_MISSING ---------------------------------------------------------------------

_SENSITIVE = {"data_categories": ["health"], "article9": "g", "schedule1": ["18"]}


def test_agreement_without_dpia_covering_special_category_data_about_children_is_a_warning() -> None:
    reg = clean_registry(agreement={"dpia_reference": None}, flow=_SENSITIVE)
    finding = one(reg, "AGREEMENT_DPIA_MISSING")
    assert finding.severity == "warning" and finding.subject_key == "DSPP-ISA-001"
    assert "FLOW-012" in finding.message and "Art 35(1), (3)(b), (4)" in finding.reference


def test_agreement_under_review_without_dpia_is_flagged_too() -> None:
    reg = clean_registry(agreement={"dpia_reference": " ", "status": "under_review"}, flow=_SENSITIVE)
    assert fires(reg, "AGREEMENT_DPIA_MISSING")


def test_criminal_offence_data_about_children_needs_a_dpia_too() -> None:
    reg = clean_registry(
        agreement={"dpia_reference": None},
        flow={"data_categories": ["criminal_offence"], "official_authority": True},
    )
    assert fires(reg, "AGREEMENT_DPIA_MISSING")


@pytest.mark.parametrize(
    ("agreement", "flow"),
    [
        ({"dpia_reference": "DPIA-1"}, _SENSITIVE),
        ({"dpia_reference": None}, {}),
        ({"dpia_reference": None}, {**_SENSITIVE, "data_subjects": ["parents_carers"]}),
        ({"dpia_reference": None}, {**_SENSITIVE, "identifiability": "anonymised"}),
        ({"dpia_reference": None}, {**_SENSITIVE, "status": "ceased"}),
        ({"dpia_reference": None, "status": "draft"}, _SENSITIVE),
        ({"dpia_reference": None, "status": "expired"}, _SENSITIVE),
    ],
    ids=["dpia-recorded", "ordinary-data", "no-children", "anonymised", "ceased-flow", "draft", "expired"],
)
def test_dpia_is_not_asked_for_outside_the_line(agreement: dict, flow: dict) -> None:
    assert not fires(clean_registry(agreement=agreement, flow=flow), "AGREEMENT_DPIA_MISSING")


# --- AGREEMENT_PROCESSOR_NO_CONTRACT ------------------------------------------------------------


def _with_processor(contract: str | None, status: str = "active") -> Registry:
    parties = [
        party("dudley"),
        party("wmp"),
        party("evaluators", role="processor", contract_reference=contract),
    ]
    return clean_registry(agreement={"parties": parties, "status": status})


def test_active_agreement_with_a_processor_and_no_contract_is_a_warning() -> None:
    finding = one(_with_processor(None), "AGREEMENT_PROCESSOR_NO_CONTRACT")
    assert finding.severity == "warning" and "Evaluation Partners Ltd" in finding.message
    assert finding.reference == "UK GDPR Art 28(3)"


def test_processor_with_a_contract_reference_is_not_flagged() -> None:
    assert not fires(_with_processor("DPA-2026-14"), "AGREEMENT_PROCESSOR_NO_CONTRACT")
    assert fires(_with_processor("   "), "AGREEMENT_PROCESSOR_NO_CONTRACT")


@pytest.mark.parametrize("status", ["draft", "under_review", "expired"])
def test_processor_contract_is_checked_only_on_active_agreements(status: str) -> None:
    assert not fires(_with_processor(None, status), "AGREEMENT_PROCESSOR_NO_CONTRACT")


def test_controllers_need_no_processing_contract() -> None:
    assert not fires(clean_registry(), "AGREEMENT_PROCESSOR_NO_CONTRACT")


# --- FLOW_GATEWAY_NOT_FOR_SOURCE ----------------------------------------------------------------


def _gateway(source_kind: str, *legislation: str, recipient_kind: str = "local_authority") -> Registry:
    return clean_registry(
        flow={"legislation": list(legislation)},
        orgs={"wmp": {"kind": source_kind}, "dudley": {"kind": recipient_kind}},
    )


S11 = "ukpga/2004/31/section/11"
S47 = "ukpga/1989/41/section/47"


@pytest.mark.parametrize("kind", ["education", "voluntary", "cafcass", "courts", "research"])
def test_children_act_2004_s11_named_by_a_body_it_does_not_bind_is_a_warning(kind: str) -> None:
    finding = one(_gateway(kind, S11), "FLOW_GATEWAY_NOT_FOR_SOURCE")
    assert finding.severity == "warning"
    assert "Children Act 2004 s11" in finding.message and "s11(1)" in finding.reference


@pytest.mark.parametrize(
    "kind", ["police", "local_authority", "probation", "youth_justice", "health", "government", "other"]
)
def test_children_act_2004_s11_named_by_a_body_it_binds_or_a_kind_too_coarse_is_not_flagged(
    kind: str,
) -> None:
    assert not fires(_gateway(kind, S11), "FLOW_GATEWAY_NOT_FOR_SOURCE")


def test_education_act_2002_s175_is_not_decided_for_schools_because_academies_share_the_kind() -> None:
    assert not fires(_gateway("education", "ukpga/2002/32/section/175"), "FLOW_GATEWAY_NOT_FOR_SOURCE")
    assert fires(_gateway("police", "ukpga/2002/32/section/175"), "FLOW_GATEWAY_NOT_FOR_SOURCE")


@pytest.mark.parametrize(
    "provision",
    ["ukpga/1998/37/section/115", "ukpga/2004/31/section/16H", "ukpga/2014/23/section/45"],
)
def test_provisions_whose_power_falls_on_any_person_never_fire(provision: str) -> None:
    assert not fires(_gateway("voluntary", provision), "FLOW_GATEWAY_NOT_FOR_SOURCE")


def test_another_named_provision_that_binds_the_source_answers_for_the_flow() -> None:
    reg = _gateway("voluntary", S11, "ukpga/1998/37/section/115")
    assert not fires(reg, "FLOW_GATEWAY_NOT_FOR_SOURCE")


def test_s47_named_on_a_disclosure_to_the_council_for_its_enquiry_is_not_flagged() -> None:
    assert not fires(_gateway("police", S47), "FLOW_GATEWAY_NOT_FOR_SOURCE")


def test_s47_named_by_the_police_on_a_disclosure_to_another_body_is_a_warning() -> None:
    finding = one(_gateway("police", S47, recipient_kind="health"), "FLOW_GATEWAY_NOT_FOR_SOURCE")
    assert "s47(1), (9)-(11)" in finding.message


def test_several_gateways_that_do_not_bind_the_source_are_one_finding_naming_each() -> None:
    reg = _gateway("police", "ukpga/2012/7/section/251B", "ukpga/2002/32/section/175")
    finding = one(reg, "FLOW_GATEWAY_NOT_FOR_SOURCE")
    assert "2 gateways it names do not bind West Midlands Police (police): " in finding.message
    assert "Health and Social Care Act 2012 s251B places its duty or power on" in finding.message
    assert "; and Education Act 2002 s175 places its duty or power on" in finding.message
    assert "only if they describe the recipient's function" in finding.remedy
    assert finding.reference.startswith("UK GDPR Art 6(3); Health and Social Care Act 2012 s251B")
    assert "; Education Act 2002 s175(1)-(2)" in finding.reference


def test_health_and_social_care_act_s251b_named_by_the_police_is_a_warning() -> None:
    assert fires(_gateway("police", "ukpga/2012/7/section/251B"), "FLOW_GATEWAY_NOT_FOR_SOURCE")
    assert not fires(_gateway("health", "ukpga/2012/7/section/251B"), "FLOW_GATEWAY_NOT_FOR_SOURCE")


def test_a_provision_whose_bodies_are_not_recorded_never_fires() -> None:
    assert not fires(_gateway("voluntary", "ukpga/1989/41/section/20"), "FLOW_GATEWAY_NOT_FOR_SOURCE")


def test_an_uncatalogued_provision_stays_legislation_unknown_and_not_gateway() -> None:
    found = codes(_gateway("voluntary", "ukpga/2004/31/section/99"))
    assert "FLOW_LEGISLATION_UNKNOWN" in found and "FLOW_GATEWAY_NOT_FOR_SOURCE" not in found


# --- AGREEMENT_REVIEW_DUE -----------------------------------------------------------------------


@pytest.mark.parametrize("status", ["draft", "expired", "terminated"])
def test_review_due_is_not_raised_for_agreements_not_in_use(status: str) -> None:
    reg = clean_registry(agreement={"status": status, "review_date": days(30)})
    assert not fires(reg, "AGREEMENT_REVIEW_DUE")


@pytest.mark.parametrize("status", ["active", "under_review"])
def test_review_due_is_raised_for_agreements_in_use(status: str) -> None:
    assert fires(
        clean_registry(agreement={"status": status, "review_date": days(30)}), "AGREEMENT_REVIEW_DUE"
    )
