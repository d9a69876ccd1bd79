"""FLOW_GATEWAY_NOT_FOR_SOURCE on the gateways the catalogue gained in the third round, each on both
sides of its line: a source of a kind the provision names is not flagged, another kind is, and a
kind too coarse to decide (or ``other``) is not. Plain domain objects (``tests/builders.py``): the
clean MASH flow with its source's and recipient's kinds changed.
"""

from __future__ import annotations

import pytest

from isa_registry.core.domain import Registry
from isa_registry.core.law import LEGISLATION
from isa_registry.core.rules import run_rules
from tests.builders import AS_OF, clean_registry

GATEWAY = "FLOW_GATEWAY_NOT_FOR_SOURCE"
UNKNOWN = "FLOW_LEGISLATION_UNKNOWN"

SVGA = "ukpga/2006/47/section/"
PCSCA_S16 = "ukpga/2022/32/section/16"
CTSA_S36 = "ukpga/2015/6/section/36"
MSA_S52 = "ukpga/2015/30/section/52"


def _flow(source_kind: str, provision: str, recipient_kind: str = "local_authority") -> Registry:
    return clean_registry(
        flow={"legislation": [provision]},
        orgs={"wmp": {"kind": source_kind}, "dudley": {"kind": recipient_kind}},
    )


def _codes(registry: Registry) -> set[str]:
    return {f.code for f in run_rules(registry, AS_OF)}


def _gateway_findings(registry: Registry) -> list[str]:
    return [f.message for f in run_rules(registry, AS_OF) if f.code == GATEWAY]


# --- Provisions that name their bodies ----------------------------------------------------------

# (provision, kinds it binds, kinds it does not, kinds too coarse to decide, the subsection cited)
NAMED = [
    (
        SVGA + "39",
        ["local_authority"],
        ["police", "health", "education", "voluntary", "probation"],
        ["other"],
        "s39(1), (5), (7)",
    ),
    (
        SVGA + "40",
        ["local_authority"],
        ["police", "health", "education", "voluntary"],
        ["other"],
        "s40(2)-(3)",
    ),
    (
        SVGA + "41",
        [],
        ["local_authority", "police", "voluntary", "probation", "courts"],
        ["government", "health", "education", "other"],
        "s41(1), (5), (7)",
    ),
    (
        SVGA + "42",
        [],
        ["local_authority", "police", "voluntary"],
        ["government", "health", "education", "other"],
        "s42(2), s41(7)",
    ),
    (
        PCSCA_S16,
        ["police", "probation", "youth_justice"],
        ["voluntary", "courts", "cafcass"],
        ["local_authority", "health", "education", "government", "research", "other"],
        "s16(1)-(2), (4)(b)",
    ),
    (
        MSA_S52,
        ["police", "local_authority"],
        ["health", "education", "voluntary", "probation"],
        ["government", "youth_justice", "other"],
        "s52(1), (5)",
    ),
]


@pytest.mark.parametrize(
    ("provision", "kind"),
    [(p, k) for p, bound, _, _, _ in NAMED for k in bound],
)
def test_a_source_of_a_kind_the_provision_names_is_not_flagged(provision: str, kind: str) -> None:
    assert not _gateway_findings(_flow(kind, provision))


@pytest.mark.parametrize(
    ("provision", "kind", "subsection"),
    [(p, k, sub) for p, _, unbound, _, sub in NAMED for k in unbound],
)
def test_a_source_of_another_kind_is_a_warning_citing_the_subsection(
    provision: str, kind: str, subsection: str
) -> None:
    found = [f for f in run_rules(_flow(kind, provision), AS_OF) if f.code == GATEWAY]
    assert len(found) == 1
    assert found[0].severity == "warning"
    assert LEGISLATION[provision].citation in found[0].message
    assert subsection in found[0].message and subsection in found[0].reference


@pytest.mark.parametrize(
    ("provision", "kind"),
    [(p, k) for p, _, _, coarse, _ in NAMED for k in coarse],
)
def test_a_kind_too_coarse_to_decide_is_not_flagged(provision: str, kind: str) -> None:
    assert not _gateway_findings(_flow(kind, provision))


def test_every_provision_tested_here_records_its_bodies_and_cites_them() -> None:
    for provision, bound, unbound, coarse, subsection in NAMED:
        bodies = LEGISLATION[provision].bodies
        assert bodies is not None and bodies.provision == subsection, provision
        assert set(bound) == set(bodies.kinds), provision
        assert not set(unbound) & (bodies.kinds | bodies.some_kinds), provision
        assert all(bodies.may_include(k) for k in coarse), provision


# --- The Channel referral: named bodies, and the panel's own enquiry ----------------------------


@pytest.mark.parametrize("kind", ["police", "local_authority"])
def test_a_channel_referral_by_the_police_or_a_council_is_not_flagged(kind: str) -> None:
    assert not _gateway_findings(_flow(kind, CTSA_S36, recipient_kind="health"))


@pytest.mark.parametrize("kind", ["education", "health", "voluntary"])
def test_counter_terrorism_s36_named_by_another_body_to_someone_other_than_the_council_is_a_warning(
    kind: str,
) -> None:
    (message,) = _gateway_findings(_flow(kind, CTSA_S36, recipient_kind="health"))
    assert "s36(2)-(3)" in message


def test_a_disclosure_to_the_council_for_its_channel_panel_names_s36_for_its_purpose() -> None:
    assert not _gateway_findings(_flow("education", CTSA_S36, recipient_kind="local_authority"))


# --- Duties on a role any kind may hold, and powers that fall on any person ---------------------


@pytest.mark.parametrize("section", ["35", "36", "37"])
@pytest.mark.parametrize(
    "kind",
    ["local_authority", "health", "police", "education", "voluntary", "government", "research", "courts"],
)
def test_the_duties_of_regulated_activity_providers_and_personnel_suppliers_never_fire(
    section: str, kind: str
) -> None:
    assert not _gateway_findings(_flow(kind, SVGA + section))


@pytest.mark.parametrize("provision", ["ukpga/2004/31/section/16N", "ukpga/2014/12/schedule/4"])
@pytest.mark.parametrize("kind", ["voluntary", "courts", "research", "education"])
def test_powers_to_require_information_from_any_person_never_fire(provision: str, kind: str) -> None:
    bodies = LEGISLATION[provision].bodies
    assert bodies is not None and bodies.any_person
    assert not _gateway_findings(_flow(kind, provision))


# --- What the catalogue still leaves to a person ------------------------------------------------


@pytest.mark.parametrize(
    "provision",
    ["ukpga/2006/47/section/38", "ukpga/2015/6/section/39", "ukpga/2022/32/section/99"],
)
def test_a_provision_still_not_catalogued_stays_legislation_unknown(provision: str) -> None:
    found = _codes(_flow("voluntary", provision))
    assert UNKNOWN in found and GATEWAY not in found


@pytest.mark.parametrize(
    "provision",
    [SVGA + "39", PCSCA_S16, CTSA_S36, "ukpga/2015/6/section/38", MSA_S52, "ukpga/2004/31/section/16N"],
)
def test_a_newly_catalogued_provision_is_no_longer_unknown(provision: str) -> None:
    assert UNKNOWN not in _codes(_flow("police", provision))


@pytest.mark.parametrize(
    "provision", ["ukpga/2015/6/section/38", "ukpga/2006/47/section/45", "ukpga/2006/47/section/46"]
)
def test_a_provision_whose_list_of_bodies_was_not_read_in_full_never_fires(provision: str) -> None:
    assert LEGISLATION[provision].bodies is None
    assert not _gateway_findings(_flow("voluntary", provision))
