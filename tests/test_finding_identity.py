"""A finding is identified by its record and its code, so every rule gives at most one finding per
(subject type, subject key, code): a decision on a finding is kept by that identity
(``docs/spec/registry-format.md``, "Decisions on findings"), and two findings sharing it would share
one decision, the second showing as lapsed. Where a rule finds several things wrong with one record
(two dissolved ends, several out-of-date gateways, several failed checks of the recipient's basis),
its one finding names each of them.

Checked on the demo partnership, the benchmark's S registry and registries built to make each rule
find as many things as it can about one record.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import date

import pytest

from bench.generate import TODAY, generate
from isa_registry.cli import DEMO_FILE
from isa_registry.core.domain import Finding, Registry
from isa_registry.core.exchange import load_document, parse_document
from isa_registry.core.rules import run_rules
from tests.builders import AS_OF, basis, clean_registry, organisation, party, transfer
from tests.test_rules import TYPICAL, TYPICAL_AS_OF

REPEALED = ["ukpga/2004/31/section/13", "ukpga/2000/22/section/2", "ukpga/1998/29/section/29"]
UNKNOWN = ["ukpga/1999/999/section/1", "ukpga/2004/31/section/16LA", "ukpga/1989/41/section/999"]
#: Two gateways that bind neither the police nor (for the first) a charity.
NOT_FOR_POLICE = ["ukpga/2012/7/section/251B", "ukpga/2002/32/section/175"]


def shared_identities(findings: list[Finding]) -> dict[tuple[str, str, str], int]:
    """The (subject type, subject key, code) held by more than one finding, with how many hold it."""
    counts = Counter((f.subject_type, f.subject_key, f.code) for f in findings)
    return {identity: n for identity, n in counts.items() if n > 1}


def _everything_wrong() -> Registry:
    """One flow that each rule finds as much wrong with as it can: both ends dissolved, every kind
    of out-of-date and unknown gateway, gateways that bind neither end, special category and criminal
    offence data with no conditions, and a recipient's basis that fails every check it can at once;
    beside it the same flow under Part 3, and a charity's flow on legitimate interests."""
    reg = clean_registry(
        flow={
            "legislation": [*REPEALED, *UNKNOWN, *NOT_FOR_POLICE, "ukpga/2004/31/section/11"],
            "data_categories": ["health", "criminal_offence", "referral", "education"],
            "article9": "h",
            "schedule1": ["5", "99", "para 77"],
            "retention": None,
            "international_transfer": transfer("Narnia", "adequacy"),
            "recipient_basis": basis(article6=None, article9="g", legislation=REPEALED),
        },
        agreement={"parties": [party("bcicb")], "status": "draft", "review_date": None},
        orgs={
            "wmp": {"status": "dissolved", "successor": "bcicb", "appropriate_policy_document": None},
            "dudley": {"status": "dissolved", "successor": None},
        },
    )
    other = dataclasses.replace(
        reg.flows["FLOW-012"],
        key="FLOW-013",
        regime="law_enforcement",
        article6=None,
        law_enforcement_basis=None,
        schedule8=["12", "99"],
        recipient_basis=basis(regime="law_enforcement", article6=None, schedule8=["12"]),
    )
    charity = dataclasses.replace(
        reg.flows["FLOW-012"],
        key="FLOW-014",
        source="family-action",
        recipient="bcicb",
        article6="ea",
        recognised_interest=None,
        international_transfer=transfer("US", "derogation"),
        recipient_basis=basis(article6="ea", recognised_interest=None, article9="b", schedule1=[]),
    )
    reg.flows.update({f.key: f for f in (other, charity)})
    reg.organisations["ccg"] = organisation("ccg", status="dissolved", successor="wmp")
    reg.agreements["DSPP-ISA-001"].parties.append(party("ccg"))
    return reg


ADVERSARIAL = {
    "everything wrong with one flow": _everything_wrong,
    "both ends of a flow dissolved": lambda: clean_registry(
        orgs={"wmp": {"status": "dissolved"}, "dudley": {"status": "dissolved", "successor": "bcicb"}}
    ),
    "several repealed gateways": lambda: clean_registry(flow={"legislation": REPEALED}),
    "several unknown gateways": lambda: clean_registry(flow={"legislation": UNKNOWN}),
    "several gateways not for the source": lambda: clean_registry(flow={"legislation": NOT_FOR_POLICE}),
    "the recipient's basis failing three checks": lambda: clean_registry(
        flow={
            "data_categories": ["health", "criminal_offence"],
            "article9": "g",
            "schedule1": ["18"],
            "recipient_basis": basis(article6=None),
        }
    ),
}


def test_the_demo_partnership_gives_one_finding_per_record_and_code() -> None:
    findings = run_rules(load_document(DEMO_FILE.read_text()), date(2026, 11, 23))
    assert findings and shared_identities(findings) == {}


def test_the_benchmarks_registry_gives_one_finding_per_record_and_code() -> None:
    findings = run_rules(parse_document(generate("S")), TODAY)
    assert len(findings) > 100 and shared_identities(findings) == {}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_a_record_with_many_things_wrong_still_gives_one_finding_per_code(name: str) -> None:
    findings = run_rules(ADVERSARIAL[name](), AS_OF)
    assert findings and shared_identities(findings) == {}


@pytest.mark.parametrize("code", sorted(TYPICAL))
def test_each_codes_typical_case_gives_one_finding_per_record_and_code(code: str) -> None:
    findings = run_rules(clean_registry(**TYPICAL[code]), TYPICAL_AS_OF.get(code, AS_OF))
    assert shared_identities(findings) == {}


def test_the_adversarial_registry_does_find_several_things_about_one_flow() -> None:
    """The registry above does make the rules that can find several things find them (else the test
    of it shows nothing)."""
    by_code = {f.code: f for f in run_rules(_everything_wrong(), AS_OF) if f.subject_key == "FLOW-012"}
    assert (
        "its source, West Midlands Police, and its recipient"
        in by_code["FLOW_ORGANISATION_DISSOLVED"].message
    )
    assert "3 gateways that are no longer current" in by_code["FLOW_LEGISLATION_REPEALED"].message
    assert "3 gateways" not in by_code["FLOW_LEGISLATION_UNKNOWN"].message
    assert all(identifier in by_code["FLOW_LEGISLATION_UNKNOWN"].message for identifier in UNKNOWN)
    assert "fails 3 checks" in by_code["FLOW_RECIPIENT_BASIS_INVALID"].message


def test_a_finding_is_a_value_that_cannot_be_changed_once_made() -> None:
    """Decisions and the incremental re-check compare and hash findings by their fields, so a
    finding that changed after it was made would no longer match its decision."""
    finding = Finding("FLOW_NO_RETENTION", "warning", "flow", "F1", "No retention.", "Record it.", "Art 5")
    with pytest.raises(AttributeError):
        finding.severity = "error"  # type: ignore[misc]
    same = Finding(**finding.as_dict())
    assert same == finding and hash(same) == hash(finding)
    assert finding != finding._replace(message="No retention period.")
    assert list(finding.as_dict()) == [
        "code", "severity", "subject_type", "subject_key", "message", "remedy", "reference",
    ]  # fmt: skip
