"""The second round's law: the gateway catalogue's gaps and bodies, the adequacy catalogue, the
frequency vocabulary, and the import's refusal of Schedule 1 and 8 paragraphs that do not exist."""

from __future__ import annotations

import json

import pytest

from isa_registry.core import vocabulary
from isa_registry.core.domain import Registry
from isa_registry.core.exchange import InvalidDocument, load_document, parse_document, to_document
from isa_registry.core.law import LEGISLATION, lookup_legislation
from isa_registry.core.law import adequacy as adequacy_module
from isa_registry.core.law import legislation as legislation_module
from isa_registry.core.law.adequacy import ADEQUACY, adequacy_for
from tests.builders import agreement, clean_registry, party

_BASE = "https://www.legislation.gov.uk/"

# --- The legislation catalogue ------------------------------------------------------------------


def test_every_legislation_entry_has_a_source_and_no_identifier_is_catalogued_twice() -> None:
    entries = legislation_module._ENTRIES
    assert len({e.id for e in entries}) == len(entries)
    for entry in LEGISLATION.values():
        assert entry.url == _BASE + entry.id, entry.id


@pytest.mark.parametrize(
    "identifier",
    [
        # Working Together 2023 and the 2024 information sharing advice name these most.
        "ukpga/1989/41/section/17",
        "ukpga/1989/41/section/20",
        "ukpga/1989/41/section/27",
        "ukpga/1989/41/section/31",
        "ukpga/1989/41/section/47",
        "ukpga/1989/41/section/83",
        "ukpga/1989/41/section/85",
        "ukpga/2004/31/section/10",
        "ukpga/2004/31/section/11",
        "ukpga/2004/31/section/12",
        "ukpga/2004/31/section/16E",
        "ukpga/2004/31/section/16H",
        "ukpga/2004/31/section/16K",
        "ukpga/2017/16/section/16",
        "ukpga/2014/23/section/42",
        "ukpga/2014/23/section/45",
        "ukpga/1998/37/section/17",
        "ukpga/1998/37/section/115",
        "ukpga/2006/21",
        "ukpga/1996/56/section/436A",
        "ukpga/2003/44/section/325",
        "ukpga/2003/44/section/326",
        "ukpga/2003/44/section/327",
        "ukpga/1996/16",
        "ukpga/1997/50/section/113B",
        "ukpga/2006/47/section/35",
        "ukpga/2006/47/section/45",
        "ukpga/2021/17",
        "ukpga/1970/42/section/7",
        "ukpga/2003/31/section/5B",
        # Third round: the duties to refer to the DBS, the serious violence duty, Channel, and
        # others the 2024 advice and Working Together 2023 name.
        *(f"ukpga/2006/47/section/{n}" for n in (36, 37, 39, 40, 41, 42, 46)),
        *(f"ukpga/2022/32/section/{n}" for n in range(8, 20)),
        "ukpga/2022/32/schedule/1",
        "ukpga/2022/32/schedule/2",
        "ukpga/2015/6/section/26",
        "ukpga/2015/6/section/37",
        "ukpga/2015/6/section/38",
        "ukpga/2015/6/schedule/7",
        "ukpga/2004/31/section/16M",
        "ukpga/2004/31/section/16N",
        "ukpga/1998/37/section/17A",
        "ukpga/2015/30/section/52",
        "ukpga/2004/28/section/9",
        *(f"ukpga/2021/17/section/{n}" for n in (15, 16, 17, 18)),
        "ukpga/2012/7/section/251C",
        "ukpga/1983/20/section/117",
        "ukpga/2014/12/section/104",
        "ukpga/2014/12/schedule/4",
        "ukpga/2017/30/section/48",
        "ukpga/2017/30/section/56",
    ],
)
def test_the_commonly_named_safeguarding_gateways_are_catalogued(identifier: str) -> None:
    entry = lookup_legislation(identifier)
    assert entry is not None and entry.status == "in_force"
    assert entry.url == _BASE + identifier


@pytest.mark.parametrize(
    ("identifier", "heading"),
    [
        ("ukpga/2006/47/section/36", "Personnel suppliers: duty to refer"),
        ("ukpga/2006/47/section/39", "Local authorities: duty to refer"),
        ("ukpga/2006/47/section/41", "Registers: duty to refer"),
        ("ukpga/2022/32/section/16", "Disclosure of information"),
        ("ukpga/2022/32/section/17", "Supply of information to local policing bodies"),
        ("ukpga/2015/6/section/36", "Assessment and support: local panels"),
        ("ukpga/2015/6/section/38", "Co-operation"),
    ],
)
def test_the_third_rounds_provisions_carry_their_headings(identifier: str, heading: str) -> None:
    assert LEGISLATION[identifier].title == heading


def test_a_section_whose_heading_could_not_be_checked_is_left_out() -> None:
    for identifier in ("ukpga/2006/47/section/38", "ukpga/2015/6/section/39", "ukpga/1999/33/section/20"):
        assert lookup_legislation(identifier) is None, identifier


def test_the_depersonalised_information_duty_says_personal_data_needs_section_115() -> None:
    assert "s115" in LEGISLATION["ukpga/1998/37/section/17A"].note


@pytest.mark.parametrize("section", ["67", "68"])
def test_the_first_mappa_provisions_are_repealed_and_name_their_replacements(section: str) -> None:
    entry = LEGISLATION[f"ukpga/2000/43/section/{section}"]
    assert entry.status == "repealed"
    assert entry.replaced_by == tuple(f"ukpga/2003/44/section/{n}" for n in (325, 326, 327))
    assert all(r in LEGISLATION for r in entry.replaced_by)


def test_police_act_1997_s115_is_superseded_by_s113b() -> None:
    entry = LEGISLATION["ukpga/1997/50/section/115"]
    assert entry.status == "superseded" and entry.replaced_by == ("ukpga/1997/50/section/113B",)


def test_the_bodies_a_gateway_binds_are_organisation_kinds_with_the_subsection_that_says_so() -> None:
    kinds = set(vocabulary.ORGANISATION_KIND.codes)
    recorded = [e for e in LEGISLATION.values() if e.bodies is not None]
    assert len(recorded) >= 10
    for entry in recorded:
        bodies = entry.bodies
        assert bodies is not None
        assert bodies.kinds | bodies.some_kinds | bodies.serves <= kinds, entry.id
        assert not bodies.kinds & bodies.some_kinds, entry.id
        assert bodies.provision, entry.id
        assert bodies.any_person or bodies.kinds or bodies.some_kinds, entry.id
        assert not (bodies.any_person and (bodies.kinds or bodies.some_kinds)), entry.id


@pytest.mark.parametrize(
    "identifier", ["ukpga/1998/37/section/115", "ukpga/2004/31/section/16H", "ukpga/2014/23/section/45"]
)
def test_powers_that_fall_on_any_person_are_recorded_as_such(identifier: str) -> None:
    bodies = LEGISLATION[identifier].bodies
    assert bodies is not None and bodies.any_person


def test_children_act_2004_s11_binds_the_police_but_not_schools_or_charities() -> None:
    bodies = LEGISLATION["ukpga/2004/31/section/11"].bodies
    assert bodies is not None and bodies.provision == "s11(1)"
    assert bodies.may_include("police") and not bodies.may_include("education")
    assert not bodies.may_include("voluntary")


# --- The adequacy catalogue ---------------------------------------------------------------------


def test_every_adequacy_entry_has_a_source_and_no_country_or_name_is_there_twice() -> None:
    entries = adequacy_module._ENTRIES
    assert len({e.country for e in entries}) == len(entries)
    names = [name for e in entries for name in e.names]
    assert len(set(names)) == len(names)
    for entry in entries:
        assert entry.identifiers and all(s.startswith(_BASE) for s in entry.sources), entry.country
        assert entry.scope in ("whole", "partial")


def test_every_eea_state_is_adequate_under_schedule_21_paragraph_4() -> None:
    eea = [e for e in ADEQUACY.values() if "paragraph/4" in e.identifiers[0]]
    assert len(eea) == 27 + 3 + 2  # the EU, Iceland, Liechtenstein, Norway; Gibraltar; "the EEA"


@pytest.mark.parametrize(
    ("text", "country", "scope"),
    [
        ("US", "United States", "partial"),
        ("u.s.a.", "United States", "partial"),
        ("Canada", "Canada", "partial"),
        ("japan", "Japan", "partial"),
        ("KR", "Republic of Korea", "whole"),
        ("  switzerland ", "Switzerland", "whole"),
        ("de", "Germany", "whole"),
    ],
)
def test_countries_are_matched_by_common_name_or_iso_code(text: str, country: str, scope: str) -> None:
    found = adequacy_for(text)
    assert found is not None and (found.country, found.scope) == (country, scope)


def test_the_us_and_korea_cite_their_regulations() -> None:
    assert ADEQUACY["United States"].identifiers == ("uksi/2023/1028",)
    assert ADEQUACY["Republic of Korea"].identifiers == ("uksi/2022/1213",)


@pytest.mark.parametrize("text", ["India", "Australia", "Korea", "", "North Korea"])
def test_countries_without_uk_adequacy_regulations_are_not_matched(text: str) -> None:
    assert adequacy_for(text) is None


# --- The frequency vocabulary -------------------------------------------------------------------


def test_the_suggested_frequencies_include_the_occasional_ones() -> None:
    codes = vocabulary.FREQUENCY.codes
    assert {"daily", "weekly", "monthly", "quarterly", "annually"} <= set(codes)
    assert vocabulary.OCCASIONAL_FREQUENCIES <= set(codes)


# --- Import validation: Schedule 1 and Schedule 8 paragraphs ------------------------------------


def _document(**flow_changes: object) -> dict:
    doc = to_document(clean_registry(flow=flow_changes))
    return json.loads(json.dumps(doc))


def test_a_schedule1_paragraph_that_does_not_exist_is_refused_naming_record_and_field() -> None:
    doc = _document(data_categories=["health"], article9="g", schedule1=["18", "99"])
    with pytest.raises(InvalidDocument) as caught:
        parse_document(doc)
    [problem] = caught.value.problems
    assert "FLOW-012" in problem.record and problem.field == "schedule1.1"
    assert "'99'" in problem.message and "Schedule 1" in problem.message


def test_schedule1_paragraph_5_is_not_a_condition_and_is_refused() -> None:
    doc = _document(data_categories=["health"], article9="g", schedule1=["5"])
    with pytest.raises(InvalidDocument):
        parse_document(doc)


def test_a_schedule8_paragraph_that_does_not_exist_is_refused() -> None:
    doc = _document(regime="law_enforcement", law_enforcement_basis="task", schedule8=["4", "10"])
    with pytest.raises(InvalidDocument) as caught:
        parse_document(doc)
    assert [p.field for p in caught.value.problems] == ["schedule8.1"]


def test_real_schedule_paragraphs_are_imported() -> None:
    doc = _document(data_categories=["health"], article9="g", schedule1=["18", "37"])
    assert parse_document(doc).flows["FLOW-012"].schedule1 == ["18", "37"]


# --- A processor's contract reference in the exchange format ------------------------------------


def test_a_party_contract_reference_survives_export_and_import() -> None:
    reg = Registry.of(
        list(clean_registry().organisations.values()),
        [agreement(parties=("dudley", "wmp"))],
    )
    reg.agreements["DSPP-ISA-001"].parties.append(
        party("evaluators", role="processor", contract_reference="DPA-2026-14")
    )
    text = json.dumps(to_document(reg))
    again = load_document(text)
    assert again.agreements["DSPP-ISA-001"].parties[-1].contract_reference == "DPA-2026-14"


def test_a_document_without_contract_references_is_still_valid() -> None:
    doc = _document()
    for a in doc["agreements"]:
        for p in a["parties"]:
            p.pop("contract_reference", None)
    assert parse_document(doc).agreements["DSPP-ISA-001"].parties[0].contract_reference is None
