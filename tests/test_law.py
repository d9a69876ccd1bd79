"""Tests for the pure law catalogues (isa_registry.core.law): no Flask, no database."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

import isa_registry.core.law as law
from isa_registry.core.law import (
    ANNEX1,
    ARTICLE6,
    ARTICLE9,
    ARTICLE9_NEEDS_SCHEDULE1,
    CATEGORIES,
    CRIMINAL_CATEGORIES,
    LEGISLATION,
    SCHEDULE1,
    SCHEDULE1_CRIMINAL_CONDITIONS,
    SCHEDULE1_PART2_CONDITIONS,
    SCHEDULE8,
    SPECIAL_CATEGORIES,
    DataCategory,
    Legislation,
    Provision,
    ScheduleCondition,
    describe_annex1,
    describe_article6,
    describe_article9,
    describe_schedule1,
    describe_schedule8,
    legislation_choices,
    lookup_legislation,
    parent_act,
)

LEG_URL = "https://www.legislation.gov.uk/"
ID_PATTERN = re.compile(r"^[a-z]+/\d{4}/\d+(/[a-z]+/[0-9A-Za-z]+)*$")

SPEC_ORDINARY = {
    "identity_contact",
    "characteristics",
    "family_relationships",
    "household",
    "education",
    "send",
    "social_care",
    "housing",
    "financial",
    "employment",
    "location",
    "referral",
    "service_outcomes",
    "professional_contacts",
}
SPEC_SPECIAL = {
    "racial_ethnic_origin",
    "political_opinions",
    "religious_beliefs",
    "trade_union",
    "genetic",
    "biometric",
    "health",
    "sex_life",
    "sexual_orientation",
}
SPEC_CRIMINAL = {"criminal_offence"}


# ----------------------------------------------------------------------------------- types


def test_types_are_frozen_dataclasses():
    for cls in (Provision, ScheduleCondition, DataCategory, Legislation):
        assert dataclasses.is_dataclass(cls)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ARTICLE6["e"].title = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        LEGISLATION["ukpga/1989/41"].status = "repealed"  # type: ignore[misc]
    assert issubclass(ScheduleCondition, Provision)
    assert Legislation("x/1/1", "t", "c", LEG_URL + "x/1/1", "in_force").replaced_by == ()


# ------------------------------------------------------------------------------- UK GDPR


def test_article6_keys_and_texts():
    assert set(ARTICLE6) == {"a", "b", "c", "d", "e", "ea", "f"}
    for code, p in ARTICLE6.items():
        assert p.code == code
        assert p.reference.startswith(f"UK GDPR Art 6(1)({code})")
        assert p.url.startswith(LEG_URL)
        assert p.summary.endswith(".")
    assert "DUAA 2025 s70" in ARTICLE6["ea"].reference
    assert law.PUBLIC_AUTHORITY_BARRED_ARTICLE6 == {"ea", "f"}


def test_annex1_uses_real_paragraph_numbers():
    # Annex 1 paras 4 and 7 are definitions, so the conditions are 1, 2, 3, 5 and 6.
    assert set(ANNEX1) == {"1", "2", "3", "5", "6"}
    assert "Crime" in ANNEX1["5"].title
    assert "Safeguarding" in ANNEX1["6"].title
    assert "Emergencies" in ANNEX1["3"].title
    assert "4" not in ANNEX1 and "7" not in ANNEX1
    for code, p in ANNEX1.items():
        assert p.code == code
        assert p.url.startswith(LEG_URL)


def test_article9_keys():
    assert set(ARTICLE9) == set("abcdefghij")
    for code, p in ARTICLE9.items():
        assert p.reference == f"UK GDPR Art 9(2)({code})"
        assert p.url.startswith(LEG_URL)


def test_article9_schedule1_mapping_follows_dpa_s10():
    assert ARTICLE9_NEEDS_SCHEDULE1["b"] == {"1"}
    assert ARTICLE9_NEEDS_SCHEDULE1["h"] == {"2"}
    assert ARTICLE9_NEEDS_SCHEDULE1["i"] == {"3"}
    assert ARTICLE9_NEEDS_SCHEDULE1["j"] == {"4"}
    assert ARTICLE9_NEEDS_SCHEDULE1["g"] == SCHEDULE1_PART2_CONDITIONS
    assert "5" not in ARTICLE9_NEEDS_SCHEDULE1["g"]
    assert {"a", "c", "d", "e", "f"}.isdisjoint(ARTICLE9_NEEDS_SCHEDULE1)


# ------------------------------------------------------------------------------ DPA 2018


def test_schedule1_keys_and_parts():
    assert set(SCHEDULE1) == {str(n) for n in range(1, 38)}
    for para, c in SCHEDULE1.items():
        n = int(para)
        expected_part = 1 if n <= 4 else 2 if n <= 28 else 3
        assert c.part == expected_part, para
        assert c.reference == f"DPA 2018 Sch 1 Part {expected_part} para {n}"
        assert c.url == f"{LEG_URL}ukpga/2018/12/schedule/1/paragraph/{n}"
        assert c.summary.endswith(".")


def test_schedule1_para5_is_marked_as_not_a_condition():
    assert "general" in SCHEDULE1["5"].title.lower()
    assert "Not a condition" in SCHEDULE1["5"].summary
    assert "5" not in SCHEDULE1_PART2_CONDITIONS
    assert "5" not in SCHEDULE1_CRIMINAL_CONDITIONS
    assert law.SCHEDULE1_NOT_CONDITIONS == {"5"}
    assert SCHEDULE1_CRIMINAL_CONDITIONS == {str(n) for n in range(1, 38)} - {"5"}


@pytest.mark.parametrize(
    ("para", "needs"),
    [
        ("1", True),  # para 1(1)(b)
        ("2", False),
        ("3", False),
        ("4", False),
        ("6", True),  # para 5 applies to Part 2
        ("10", True),  # exception only for disclosure to a competent authority (para 10(2))
        ("13", False),  # para 13(3)
        ("18", True),
        ("27", True),  # exception only for disclosure to an anti-doping body (para 27(3))
        ("29", False),
        ("30", False),
        ("33", False),
        ("34", False),
        ("35", True),  # para 35(1)(c)
        ("36", True),  # carries the Part 2 condition's requirement
        ("37", True),
    ],
)
def test_schedule1_apd_flags(para, needs):
    assert SCHEDULE1[para].needs_apd is needs


def test_schedule1_part2_all_need_apd_except_13():
    no_apd = {p for p in SCHEDULE1_PART2_CONDITIONS if not SCHEDULE1[p].needs_apd}
    assert no_apd == {"13"}


def test_schedule1_duaa_amendment_is_mentioned():
    assert "DUAA 2025 s73" in SCHEDULE1["23"].summary


def test_schedule8():
    assert set(SCHEDULE8) == {str(n) for n in range(1, 10)}
    for para, c in SCHEDULE8.items():
        assert c.part == 0
        assert c.needs_apd is True  # DPA 2018 s35(5)(c), s42
        assert c.url == f"{LEG_URL}ukpga/2018/12/schedule/8/paragraph/{para}"
    assert "Safeguarding" in SCHEDULE8["4"].title


# ---------------------------------------------------------------------------- categories


def test_every_spec_category_exists_with_the_right_kind():
    for code in SPEC_ORDINARY:
        assert CATEGORIES[code].kind == "ordinary", code
    for code in SPEC_SPECIAL:
        assert CATEGORIES[code].kind == "special", code
    for code in SPEC_CRIMINAL:
        assert CATEGORIES[code].kind == "criminal", code
    assert SPECIAL_CATEGORIES == SPEC_SPECIAL
    assert CRIMINAL_CATEGORIES == SPEC_CRIMINAL
    assert CATEGORIES["send"].label == "Special educational needs and disabilities"


def test_categories_are_well_formed():
    for code, c in CATEGORIES.items():
        assert c.code == code
        assert c.kind in law.DATA_CATEGORY_KINDS
        assert c.label and c.description.endswith(".")
    assert SPECIAL_CATEGORIES.isdisjoint(CRIMINAL_CATEGORIES)


# --------------------------------------------------------------------------- legislation


def test_every_entry_has_a_legislation_gov_uk_url():
    for ident, entry in LEGISLATION.items():
        assert entry.url.startswith(LEG_URL), ident
        assert entry.url == LEG_URL + ident


def test_every_id_round_trips_through_lookup():
    for ident, entry in LEGISLATION.items():
        assert ID_PATTERN.match(ident), ident
        assert entry.id == ident
        assert lookup_legislation(ident) is entry
        assert lookup_legislation(entry.url) is entry


def test_statuses_are_valid_and_explained():
    for ident, entry in LEGISLATION.items():
        assert entry.status in law.LEGISLATION_STATUSES, ident
        if entry.status != "in_force":
            assert entry.note, ident
        if entry.status in ("superseded", "not_in_england"):
            assert entry.replaced_by, ident


def test_replaced_by_resolves_or_is_plain_text():
    for ident, entry in LEGISLATION.items():
        for r in entry.replaced_by:
            if ID_PATTERN.match(r):
                assert lookup_legislation(r) is not None, (ident, r)
            else:
                assert " " in r, (ident, r)  # a plain citation


@pytest.mark.parametrize(
    "raw",
    [
        "ukpga/1989/41/section/47",
        "  ukpga/1989/41/section/47  ",
        "ukpga/1989/41/section/47/",
        "/ukpga/1989/41/section/47",
        "UKPGA/1989/41/section/47",
        "https://www.legislation.gov.uk/ukpga/1989/41/section/47",
        "http://www.legislation.gov.uk/ukpga/1989/41/section/47/",
        "https://legislation.gov.uk/ukpga/1989/41/section/47",
        "https://www.legislation.gov.uk/id/ukpga/1989/41/section/47",
        "/id/ukpga/1989/41/section/47",
        "https://www.legislation.gov.uk/ukpga/1989/41/section/47/enacted",
        "https://www.legislation.gov.uk/ukpga/1989/41/section/47/2024-01-01",
    ],
)
def test_lookup_normalises(raw):
    entry = lookup_legislation(raw)
    assert entry is not None
    assert entry.id == "ukpga/1989/41/section/47"
    assert entry.citation == "Children Act 1989 s47"


def test_lookup_section_letters_case_insensitively():
    assert lookup_legislation("ukpga/2004/31/section/16e").id == "ukpga/2004/31/section/16E"


def test_lookup_unknown_returns_none():
    assert lookup_legislation("ukpga/1989/41/section/9999") is None
    assert lookup_legislation("") is None
    assert lookup_legislation("   ") is None
    assert lookup_legislation("https://www.legislation.gov.uk/") is None


def test_parent_act():
    assert parent_act("ukpga/1989/41/section/47") == "ukpga/1989/41"
    assert parent_act("https://www.legislation.gov.uk/id/ukpga/2018/12/schedule/1") == ("ukpga/2018/12")
    assert parent_act("uksi/2013/2094/regulation/3") == "uksi/2013/2094"
    assert parent_act("ukpga/1989/41") == "ukpga/1989/41"


def test_every_provision_has_its_act_catalogued():
    for ident in LEGISLATION:
        assert parent_act(ident) in LEGISLATION, ident


@pytest.mark.parametrize(
    "ident",
    [
        "ukpga/1989/41",
        *(f"ukpga/1989/41/section/{n}" for n in (17, 20, 22, 27, 31, 44, 46, 47)),
        "ukpga/1989/41/schedule/2",
        *(f"ukpga/2004/31/section/{n}" for n in ("10", "11", "12", "13", "14", "15", "16")),
        *(f"ukpga/2004/31/section/16{c}" for c in "EFGHIJK"),
        "ukpga/2017/16",
        *(f"ukpga/1996/56/section/{n}" for n in ("7", "436A", "437", "443", "507B")),
        "ukpga/2002/32/section/175",
        "ukpga/2002/32/section/157",
        "ukpga/2008/25",
        *(f"ukpga/2006/21/section/{n}" for n in (1, 3, 4, 6, 99)),
        *(f"ukpga/1998/37/section/{n}" for n in (17, 37, 39, 115)),
        "ukpga/2014/23/section/42",
        "ukpga/2014/23/section/45",
        "ukpga/1996/52/section/213",
        "ukpga/1996/52/section/213B",
        "ukpga/2006/47/section/35",
        "ukpga/2006/47/section/45",
        "ukpga/2012/10",
        "ukpga/2011/13",
        "ukpga/2000/22/section/2",
        "ukpga/2011/20/section/1",
        *(f"ukpga/2014/6/section/{n}" for n in (19, 23, 25, 28, 36, 37)),
        *(f"ukpga/2018/12/section/{n}" for n in (8, 10, 11, 35)),
        "ukpga/2018/12/schedule/1",
        "ukpga/2018/12/schedule/8",
        "ukpga/2007/18",
        "ukpga/2017/30/part/5",
        "ukpga/2000/43/section/12",
        "ukpga/2007/21/section/14",
        "ukpga/2003/44/section/325",
        "ukpga/2021/17",
        "ukpga/2012/7/section/251B",
        "ukpga/2006/41/section/251",
        "ukpga/2006/41/section/82",
        "ukpga/2022/31",
        "ukpga/1996/16",
        "ukpga/1990/23",
        "uksi/2013/2094/regulation/3",
        "ukpga/1998/29",
    ],
)
def test_required_coverage(ident):
    assert ident in LEGISLATION


def test_lscb_sections_are_superseded_by_safeguarding_partner_arrangements():
    for n in ("13", "14", "15", "16"):
        entry = LEGISLATION[f"ukpga/2004/31/section/{n}"]
        assert entry.status == "superseded"
        assert "ukpga/2004/31/section/16E" in entry.replaced_by
    assert LEGISLATION["ukpga/2004/31/section/16E"].status == "in_force"


def test_well_being_power_not_in_england():
    entry = LEGISLATION["ukpga/2000/22/section/2"]
    assert entry.status == "not_in_england"
    assert entry.replaced_by == ("ukpga/2011/20/section/1",)
    assert "Wales" in entry.note


def test_other_statuses():
    assert LEGISLATION["ukpga/1998/29"].status == "repealed"
    assert "ukpga/2018/12" in LEGISLATION["ukpga/1998/29"].replaced_by
    assert LEGISLATION["ukpga/2002/32/section/157"].status == "not_in_england"
    assert LEGISLATION["ukpga/2006/41/section/14D"].status == "repealed"
    # ContactPoint was switched off but s12 itself was never repealed.
    s12 = LEGISLATION["ukpga/2004/31/section/12"]
    assert s12.status == "in_force" and "ContactPoint" in s12.note


def test_seed_citations_are_catalogued():
    # Provisions the seed privacy notices cite (see shared/seeds): catalogued with a status.
    for ident in (
        "ukpga/2004/31/section/10",  # Reflect notice: "Section 10(1) of the Children's Act 2004"
        "ukpga/2000/22/section/2",  # Reflect notice: "Section 2 (5) of the Local Government Act"
        "ukpga/1996/56/section/507B",
        "ukpga/2008/25/part/1",
        "ukpga/2008/25/part/2",
        "uksi/2013/2094/regulation/3",
        "ukpga/2000/21",  # "Education and Skills Act 2000" (does not exist)
        "ukpga/1990/23",
        "ukpga/2014/23",
        "ukpga/2017/16",
    ):
        assert ident in LEGISLATION, ident


def test_working_together_is_not_legislation():
    assert any("Working Together" in k for k in law.STATUTORY_GUIDANCE)
    assert not any("Working Together" in e.title for e in LEGISLATION.values())


def test_legislation_choices():
    choices = legislation_choices()
    ids = [i for i, _ in choices]
    assert len(ids) == len(set(ids)) == len(LEGISLATION)
    labels = dict(choices)
    assert labels["ukpga/1989/41/section/47"] == (
        "Children Act 1989 s47 — Local authority's duty to investigate"
    )
    assert labels["ukpga/1989/41"] == "Children Act 1989"
    assert labels["ukpga/2004/31/section/13"].endswith("(superseded)")
    assert labels["ukpga/2000/22/section/2"].endswith("(not in force in England)")
    # Each Act comes first, then its provisions in natural order (16 < 16A < 16E < 17).
    assert ids.index("ukpga/1989/41") < ids.index("ukpga/1989/41/section/17")
    assert ids.index("ukpga/1989/41/section/17") < ids.index("ukpga/1989/41/section/47")
    assert ids.index("ukpga/2004/31/section/16") < ids.index("ukpga/2004/31/section/16A")
    assert ids.index("ukpga/2004/31/section/16E") < ids.index("ukpga/2004/31/section/16F")
    assert ids.index("ukpga/1996/56/section/7") < ids.index("ukpga/1996/56/section/436A")


# ---------------------------------------------------------------------------- describe


def test_describe_helpers():
    assert describe_article6("e") == "Art 6(1)(e) public task"
    assert describe_article6("ea") == "Art 6(1)(ea) recognised legitimate interest"
    assert describe_article9("h") == "Art 9(2)(h) health or social care"
    assert describe_schedule1("18") == ("Sch 1 para 18 Safeguarding of children and of individuals at risk")
    assert describe_schedule1(2) == "Sch 1 para 2 Health or social care purposes"
    assert describe_schedule8("4").startswith("Sch 8 para 4 Safeguarding")
    assert describe_annex1("6") == "Annex 1 para 6 Safeguarding vulnerable individuals"
    assert "not a recognised" in describe_annex1("4")
    assert "unknown" in describe_article6("z")
    assert "unknown" in describe_schedule1("99")
    assert describe_article6(None) == "no Art 6(1) basis"


# -------------------------------------------------------------------------------- purity


def test_law_package_is_pure():
    pkg = Path(law.__file__).parent
    for path in pkg.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        imports = re.findall(r"^\s*(?:from|import)\s+([\w.]+)", text, re.MULTILINE)
        for mod in imports:
            assert mod.split(".")[0] not in {"flask", "flask_sqlalchemy", "sqlalchemy"}, mod
        assert text.lstrip().startswith('"""'), path.name  # module docstring
