"""The record of processing activities from plain registries (no app): rows, columns, workbook, CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import openpyxl
import pytest

from isa_registry.core import ropa
from isa_registry.core.domain import Flow, Party, Registry
from isa_registry.core.ropa import (
    COLUMNS,
    build_ropa,
    generate_csv,
    generate_xlsx,
    neutralise,
    rights_available,
)
from tests.builders import (
    AS_OF,
    agreement,
    basis,
    clean_registry,
    days,
    flow,
    organisation,
    registry,
    transfer,
)

EXPECTED_TITLES = [
    "Business function",
    "Purpose of processing",
    "Name and contact details of joint controller (if applicable)",
    "Categories of individuals",
    "Categories of personal data",
    "Categories of recipients",
    "Link to contract with processor",
    "Names of third countries or international organisations that personal data are transferred to (if applicable)",
    "Safeguards for exceptional transfers of personal data to third countries or international organisations (if applicable)",
    "Retention schedule (if possible)",
    "General description of technical and organisational security measures (if possible)",
    "Article 6 lawful basis for processing personal data",
    "Article 9 condition for processing special category data",
    "Legitimate interests for the processing (if applicable)",
    "Link to record of legitimate interests assessment (if applicable)",
    "Rights available to individuals",
    "Existence of automated decision-making, including profiling (if applicable)",
    "The source of the personal data (if applicable)",
    "Link to record of consent",
    "Location of personal data",
    "Data Protection Impact Assessment required?",
    "Data Protection Impact Assessment progress",
    "Link to Data Protection Impact Assessment",
    "Has a personal data breach occurred?",
    "Link to record of personal data breach",
    "Data Protection Act 2018 Schedule 1 condition for processing",
    "GDPR Article 6 lawful basis for processing",
    "Link to retention and erasure policy document",
    "Is personal data retained and erased in accordance with the policy document?",
    "Reasons for not adhering to policy document (if applicable)",
]


def rows_of(reg: Registry, controller: str) -> list[dict[str, str]]:
    record = build_ropa(reg, AS_OF, controller)
    return [a.as_dict() for a in record.records[0].activities]


def with_flows(*flows: Flow) -> Registry:
    return registry(agreements=[agreement()], flows=list(flows))


def workbook(record: ropa.Ropa) -> openpyxl.Workbook:
    return openpyxl.load_workbook(generate_xlsx(record))


# --- Columns and scope ---------------------------------------------------------------------------


def test_the_columns_are_the_icos_thirty_in_order() -> None:
    assert list(COLUMNS) == EXPECTED_TITLES


def test_each_controller_that_sends_or_receives_personal_data_has_a_record() -> None:
    record = build_ropa(clean_registry(), AS_OF)
    assert [r.organisation.key for r in record.records] == ["dudley", "wmp"]  # by name: Dudley, West Midlands
    assert record.partnership


@pytest.mark.parametrize(
    "change",
    [
        {"identifiability": "anonymised"},
        {"status": "ceased"},
        {"end_date": days(-1)},
        {"archived": True},
    ],
    ids=["anonymised", "ceased", "ended", "archived"],
)
def test_flows_out_of_scope_make_no_activity(change: dict) -> None:
    record = build_ropa(clean_registry(flow=change), AS_OF)
    assert record.records == []


@pytest.mark.parametrize(
    "change",
    [
        {"identifiability": "pseudonymised"},
        {"status": "planned", "start_date": days(30)},
        {"end_date": AS_OF},
    ],
    ids=["pseudonymised", "planned", "ends-today"],
)
def test_personal_data_flows_live_on_the_date_are_in_scope(change: dict) -> None:
    assert len(rows_of(clean_registry(flow=change), "wmp")) == 1


def test_flows_are_grouped_into_activities_by_programme_and_purpose() -> None:
    reg = with_flows(
        flow("F1", purpose="MASH referrals", programme="MASH"),
        flow("F2", purpose="MASH referrals", programme="MASH", source="dudley", recipient="wmp"),
        flow("F3", purpose="Strategy discussions", programme="MASH"),
        flow("F4", purpose="MASH referrals", programme="Early help"),
    )
    rows = rows_of(reg, "wmp")
    assert [(r["Business function"], r["Purpose of processing"].splitlines()[0]) for r in rows] == [
        ("Early help", "MASH referrals"),
        ("MASH", "MASH referrals"),
        ("MASH", "Strategy discussions"),
    ]
    mash = rows[1]["Purpose of processing"]
    assert "F1 MASH referrals (to Dudley Metropolitan Borough Council)" in mash
    assert "F2 MASH referrals (from Dudley Metropolitan Borough Council)" in mash
    assert (
        "DSPP-ISA-001 MASH information sharing (version 2.0): https://dudley.example/isa/DSPP-ISA-001.pdf"
        in mash
    )


def test_a_flow_without_a_purpose_takes_its_agreements() -> None:
    rows = rows_of(clean_registry(flow={"purpose": ""}), "wmp")
    assert rows[0]["Purpose of processing"].startswith(
        "Multi-agency safeguarding hub referrals and enquiries"
    )


# --- What the cells say --------------------------------------------------------------------------


def test_the_senders_row_names_categories_recipients_basis_and_legislation() -> None:
    reg = clean_registry(flow={"data_categories": ["identity_contact", "health", "criminal_offence"]})
    row = rows_of(reg, "wmp")[0]
    assert row["Categories of individuals"] == "Children\nParents and carers"
    assert row["Categories of personal data"] == (
        "Identity and contact details\nHealth (physical and mental) (special category)\n"
        "Criminal offences and convictions (criminal offence data)"
    )
    assert row["Categories of recipients"] == "Dudley Metropolitan Borough Council (local authority)"
    assert row["Article 6 lawful basis for processing personal data"] == (
        "Art 6(1)(e) public task\nLegislation: Children Act 1989 s47 (Local authority's duty to investigate)"
    )
    assert row["The source of the personal data (if applicable)"] == ""
    assert row["Retention schedule (if possible)"] == ""  # the recipient's retention, not the sender's
    assert row["Link to Data Protection Impact Assessment"] == "DPIA-2026-007"


def test_the_recipients_row_names_the_source_its_retention_and_says_its_basis_is_not_recorded() -> None:
    # Issue 15: the recipient's row no longer repeats the discloser's basis "(disclosure by ...)".
    row = rows_of(clean_registry(flow={"recipient_basis": None}), "dudley")[0]
    assert row["The source of the personal data (if applicable)"] == "West Midlands Police (police)"
    assert row["Retention schedule (if possible)"] == "Until the child's 25th birthday"
    assert row["Categories of recipients"] == ""
    assert (
        row["Article 6 lawful basis for processing personal data"]
        == "Not recorded (the recipient's own basis)"
    )
    assert "West Midlands Police" not in row["Article 6 lawful basis for processing personal data"]
    # Rights follow the controller's own basis, which is not recorded here.
    assert row["Rights available to individuals"] == ""


def test_the_recipients_row_shows_its_own_basis_and_the_rights_it_gives() -> None:
    received = basis(article6="e", article9="g", schedule1=["18"], legislation=["ukpga/2004/31/section/10"])
    reg = clean_registry(flow={"data_categories": ["health"], "recipient_basis": received})
    row = rows_of(reg, "dudley")[0]
    assert row["Article 6 lawful basis for processing personal data"] == (
        "Art 6(1)(e) public task\nLegislation: Children Act 2004 s10 (Co-operation to improve well-being)"
    )
    assert (
        row["Article 9 condition for processing special category data"]
        == "Art 9(2)(g) substantial public interest"
    )
    assert row["Data Protection Act 2018 Schedule 1 condition for processing"] == (
        "Sch 1 para 18 Safeguarding of children and of individuals at risk"
    )
    assert row["Rights available to individuals"].startswith("Rights to be informed")
    assert row["Link to retention and erasure policy document"] == "https://dudley.example/apd"
    # The sender's row keeps the sender's own basis.
    sender = rows_of(reg, "wmp")[0]
    assert sender["Article 9 condition for processing special category data"] == ""
    assert sender["Article 6 lawful basis for processing personal data"].startswith("Art 6(1)(e) public task")


def test_special_category_rows_carry_article_9_schedule_1_and_the_policy_document() -> None:
    reg = clean_registry(flow={"data_categories": ["health"], "article9": "g", "schedule1": ["18"]})
    row = rows_of(reg, "wmp")[0]
    assert (
        row["Article 9 condition for processing special category data"]
        == "Art 9(2)(g) substantial public interest"
    )
    assert row["Data Protection Act 2018 Schedule 1 condition for processing"] == (
        "Sch 1 para 18 Safeguarding of children and of individuals at risk"
    )
    assert row["GDPR Article 6 lawful basis for processing"] == "Art 6(1)(e) public task"
    assert row["Link to retention and erasure policy document"] == "https://wmp.example/apd"


def test_ordinary_data_leaves_the_special_category_columns_empty() -> None:
    row = rows_of(clean_registry(), "wmp")[0]
    for title in (
        "Article 9 condition for processing special category data",
        "Data Protection Act 2018 Schedule 1 condition for processing",
        "GDPR Article 6 lawful basis for processing",
        "Link to retention and erasure policy document",
    ):
        assert row[title] == ""


def test_what_the_registry_does_not_know_stays_empty() -> None:
    row = rows_of(clean_registry(), "wmp")[0]
    for title in (
        "Has a personal data breach occurred?",
        "Link to record of personal data breach",
        "Data Protection Impact Assessment required?",
        "Data Protection Impact Assessment progress",
        "Is personal data retained and erased in accordance with the policy document?",
        "Reasons for not adhering to policy document (if applicable)",
        "Existence of automated decision-making, including profiling (if applicable)",
        "Name and contact details of joint controller (if applicable)",
        "Link to contract with processor",
    ):
        assert row[title] == "", title


def test_automated_decision_making_is_yes_or_no_only_when_recorded() -> None:
    assert rows_of(clean_registry(flow={"automated_decision_making": True}), "wmp")[0][COLUMNS[16]] == "Yes"
    assert rows_of(clean_registry(flow={"automated_decision_making": False}), "wmp")[0][COLUMNS[16]] == "No"


def test_recognised_legitimate_interests_lia_consent_location_and_security_are_carried() -> None:
    reg = clean_registry(
        flow={
            "article6": "ea",
            "recognised_interest": "6",
            "lia_reference": "https://wmp.example/lia/12",
            "consent_record": "https://wmp.example/consent/12",
            "storage_location": "Mosaic case management system",
            "security_measures": "Encrypted at rest; role-based access",
        }
    )
    row = rows_of(reg, "wmp")[0]
    assert row[COLUMNS[11]].startswith(
        "Art 6(1)(ea) recognised legitimate interest (Annex 1 para 6 Safeguarding vulnerable individuals)"
    )
    assert row["Legitimate interests for the processing (if applicable)"] == (
        "Annex 1 para 6 Safeguarding vulnerable individuals"
    )
    assert (
        row["Link to record of legitimate interests assessment (if applicable)"]
        == "https://wmp.example/lia/12"
    )
    assert row["Link to record of consent"] == "https://wmp.example/consent/12"
    assert row["Location of personal data"] == "Mosaic case management system"
    assert row[COLUMNS[10]] == "Encrypted at rest; role-based access\nShared by secure email"


def test_joint_controllers_come_from_the_agreements_joint_controller_parties() -> None:
    reg = clean_registry(
        agreement={"parties": [Party("dudley", "joint_controller"), Party("wmp", "joint_controller")]},
        orgs={"dudley": {"address": "Council House, Dudley DY1 1HF", "email": "info@dudley.example"}},
    )
    row = rows_of(reg, "wmp")[0]
    assert row["Name and contact details of joint controller (if applicable)"] == (
        "Dudley Metropolitan Borough Council; Council House, Dudley DY1 1HF; info@dudley.example; "
        "DPO: dpo@dudley.example"
    )


def test_a_processor_is_a_recipient_with_a_contract_link_not_a_controller() -> None:
    dpa = agreement(
        "DPA-001",
        parties=("dudley",),
        document_url="https://dudley.example/contracts/dpa-001.pdf",
    )
    dpa.parties.append(Party("evaluators", "processor"))
    reg = registry(
        agreements=[dpa],
        flows=[
            flow("F9", source="dudley", recipient="evaluators", agreement_key="DPA-001", purpose="Evaluation")
        ],
    )
    record = build_ropa(reg, AS_OF)
    assert [r.organisation.key for r in record.records] == ["dudley"]
    row = record.records[0].activities[0].as_dict()
    assert row["Categories of recipients"] == "Evaluation Partners Ltd (research) - processor"
    assert row["Link to contract with processor"] == (
        "Evaluation Partners Ltd: https://dudley.example/contracts/dpa-001.pdf"
    )


def test_transfers_name_the_country_and_the_safeguard() -> None:
    row = rows_of(clean_registry(flow={"international_transfer": transfer("US", "idta")}), "wmp")[0]
    assert row[COLUMNS[7]] == "US"
    assert row[COLUMNS[8]] == "US: International data transfer agreement (IDTA, UK GDPR Art 46)"


def test_law_enforcement_flows_cite_section_35_and_part_3_rights() -> None:
    reg = clean_registry(
        flow={"regime": "law_enforcement", "article6": None, "law_enforcement_basis": "task"}
    )
    row = rows_of(reg, "wmp")[0]
    assert row[COLUMNS[11]].startswith("DPA 2018 s35(2)(b)")
    assert row["Rights available to individuals"].startswith("DPA 2018 Part 3 rights")


@pytest.mark.parametrize(
    ("basis", "present", "absent"),
    [
        ("a", ["erasure (Art 17)", "data portability (Art 20)", "withdraw consent"], ["object (Art 21(1))"]),
        ("b", ["erasure (Art 17)", "data portability (Art 20)"], ["object (Art 21(1))", "withdraw"]),
        ("c", [], ["erasure (Art 17)", "data portability (Art 20)", "object (Art 21(1))"]),
        ("d", ["erasure (Art 17)"], ["data portability (Art 20)", "object (Art 21(1))"]),
        ("e", ["object (Art 21(1))"], ["erasure (Art 17)", "data portability (Art 20)"]),
        ("f", ["erasure (Art 17)", "object (Art 21(1))"], ["data portability (Art 20)"]),
    ],
)
def test_rights_follow_the_lawful_basis(basis: str, present: list[str], absent: list[str]) -> None:
    text = rights_available(basis)
    available = text.split(" Not available:")[0]
    assert "access (Art 15)" in available and "rectification (Art 16)" in available
    for right in present:
        assert right in available, right
    for right in absent:
        assert right not in available, right


def test_rights_are_not_guessed_without_a_basis() -> None:
    assert rights_available(None) == ""


def test_an_unknown_controller_is_refused() -> None:
    with pytest.raises(ropa.UnknownController):
        build_ropa(clean_registry(), AS_OF, "nobody")


def test_a_controller_may_be_named_instead_of_keyed() -> None:
    record = build_ropa(clean_registry(), AS_OF, "west midlands police")
    assert not record.partnership and record.records[0].organisation.key == "wmp"


# --- Neutralising formulas ------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "\uff1d1"])
def test_text_that_could_start_a_formula_is_quoted(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Dudley", "a=b", "", 3, None])
def test_other_values_pass_unchanged(value: object) -> None:
    assert neutralise(value) == value


def hostile_registry() -> Registry:
    return registry(
        organisations=[
            organisation("dudley"),
            organisation("evil", name='=HYPERLINK("https://evil.example","Click")', kind="other"),
        ],
        agreements=[agreement(parties=("dudley", "evil"))],
        flows=[flow("F1", source="evil", recipient="dudley", purpose="-2+3", programme="@risk")],
    )


def test_the_workbook_holds_no_formula_and_quotes_hostile_text() -> None:
    wb = workbook(build_ropa(hostile_registry(), AS_OF))
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    evil = wb['=HYPERLINK("https']
    assert evil["A1"].value.startswith("Record of processing activities")
    assert evil["B6"].value == '\'=HYPERLINK("https://evil.example","Click")'
    assert evil["A11"].value == "'@risk"
    assert evil["B11"].value.startswith("'-2+3\nFlows: F1")
    dudley_row = [c.value for c in wb["Dudley Metropolitan Borough"][11]]
    assert dudley_row[COLUMNS.index("The source of the personal data (if applicable)")].startswith(
        "'=HYPERLINK"
    )
    summary_names = [c.value for c in wb["Summary"]["A"]]
    assert '\'=HYPERLINK("https://evil.example","Click")' in summary_names


def test_the_csv_quotes_hostile_text() -> None:
    text = generate_csv(build_ropa(hostile_registry(), AS_OF)).read().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Controller", *EXPECTED_TITLES]
    evil = next(r for r in rows[1:] if r[0].startswith("'=HYPERLINK"))
    assert evil[1] == "'@risk" and evil[2].startswith("'-2+3")
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


# --- The workbook ---------------------------------------------------------------------------------


def test_the_partnership_workbook_has_a_summary_and_a_sheet_per_controller() -> None:
    wb = workbook(build_ropa(clean_registry(), AS_OF))
    assert wb.sheetnames == ["Summary", "Dudley Metropolitan Borough", "West Midlands Police"]
    summary = wb["Summary"]
    assert [c.value for c in summary[5]] == [
        "Controller",
        "Key",
        "ICO registration",
        "DPO contact",
        "Processing activities",
        "Flows sent",
        "Flows received",
        "Next agreement review",
    ]
    assert [c.value for c in summary[6]][:7] == [
        "Dudley Metropolitan Borough Council",
        "dudley",
        "ZA000006",
        "dpo@dudley.example",
        1,
        0,
        1,
    ]
    review = summary["H6"]
    assert review.value == datetime(2027, 5, 22) and review.is_date
    assert summary.auto_filter.ref == "A5:H7" and summary.freeze_panes == "A6"


def test_a_controller_sheet_has_the_contact_block_then_the_table() -> None:
    reg = clean_registry(
        orgs={"wmp": {"address": "Lloyd House, Birmingham", "telephone": "101", "representative": None}}
    )
    ws = workbook(build_ropa(reg, AS_OF))["West Midlands Police"]
    assert ws["B2"].value == datetime(2026, 11, 23) and ws["B2"].is_date
    assert ws["B3"].value == "ZA000003"
    assert [c.value for c in ws[5]][:5] == [None, "Name", "Address", "Email", "Telephone"]
    assert [c.value for c in ws[6]][:5] == [
        "Controller",
        "West Midlands Police",
        "Lloyd House, Birmingham",
        None,
        "101",
    ]
    assert [c.value for c in ws[7]][:5] == ["Data Protection Officer", None, None, "dpo@wmp.example", None]
    assert ws["A8"].value == "Representative"
    assert [c.value for c in ws[10]] == EXPECTED_TITLES
    assert ws["B11"].value.startswith("Referral of children at risk of significant harm")
    assert ws.max_row == 11


def test_the_table_is_filtered_frozen_wrapped_and_sized() -> None:
    reg = with_flows(flow("F1", purpose="One"), flow("F2", purpose="Two"), flow("F3", purpose="Three"))
    ws = workbook(build_ropa(reg, AS_OF, "wmp"))["West Midlands Police"]
    assert ws.auto_filter.ref == "A10:AD13"
    assert ws.freeze_panes == "B11"
    assert ws["B11"].alignment.wrap_text
    widths = {col: dim.width for dim in ws.column_dimensions.values() for col in range(dim.min, dim.max + 1)}
    assert sorted(widths) == list(range(1, len(COLUMNS) + 1))  # every column sized, once
    assert widths[2] == max(widths.values())  # the purpose, widest
    assert widths[12] > widths[21] > 10  # Article 6 prose wider than "DPIA required?"


def test_one_controllers_workbook_has_its_sheet_alone() -> None:
    wb = workbook(build_ropa(clean_registry(), AS_OF, "dudley"))
    assert wb.sheetnames == ["Dudley Metropolitan Borough"]


def test_a_controller_without_activities_still_gets_a_filtered_header() -> None:
    reg = registry(agreements=[agreement()], flows=[])
    ws = workbook(build_ropa(reg, AS_OF, "bcicb"))["Black Country Integrated Care"]
    assert [c.value for c in ws[10]] == EXPECTED_TITLES
    assert ws.auto_filter.ref == "A10:AD11"


def test_sheet_names_stay_unique_and_short() -> None:
    long_key = "a" * 40
    reg = registry(
        organisations=[organisation("summary"), organisation(long_key), organisation("wmp")],
        agreements=[agreement(parties=("summary", long_key, "wmp"))],
        flows=[flow("F1", source="summary", recipient="wmp"), flow("F2", source=long_key, recipient="wmp")],
    )
    names = workbook(build_ropa(reg, AS_OF)).sheetnames
    assert names[0] == "Summary" and "summary (2)" in names and "a" * 31 in names


def test_the_single_controller_csv_has_the_thirty_columns_only() -> None:
    text = generate_csv(build_ropa(clean_registry(), AS_OF, "wmp")).read().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == EXPECTED_TITLES
    assert len(rows) == 2 and rows[1][1].startswith("Referral of children")


def test_a_controller_sheet_names_its_ods_code_under_its_ico_number() -> None:
    reg = clean_registry(orgs={"wmp": {"ods_code": "RYK"}})
    ws = workbook(build_ropa(reg, AS_OF))["West Midlands Police"]
    assert (ws["A3"].value, ws["B3"].value) == ("ICO registration number", "ZA000003")
    assert (ws["A4"].value, ws["B4"].value) == ("ODS code", "RYK")
    assert [c.value for c in ws[5]][:5] == [None, "Name", "Address", "Email", "Telephone"]


def test_sheets_are_named_by_organisation_names_within_excels_rules() -> None:
    same_start = "Dudley Integrated Health and Care NHS Trust"
    reg = registry(
        organisations=[
            organisation("a1", name=same_start + " (North)"),
            organisation("a2", name=same_start + " (South)"),
            organisation("odd", name="St John's: Care/Support [Dudley]*?"),
        ],
        agreements=[agreement(parties=("a1", "a2", "odd"))],
        flows=[flow("F1", source="a1", recipient="a2"), flow("F2", source="odd", recipient="a1")],
    )
    wb = workbook(build_ropa(reg, AS_OF))
    names = wb.sheetnames
    assert names == [
        "Summary",
        "Dudley Integrated Health and",
        "Dudley Integrated Health an (2)",
        "St John's Care Support Dudley",
    ]
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)
    links = [c.hyperlink.location for c in wb["Summary"]["A"] if c.hyperlink]
    assert "'St John''s Care Support Dudley'!A1" in links
