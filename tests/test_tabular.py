"""Reading ISA logs from workbooks and CSV files, and the template (no app)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from isa_registry.core import domain, exchange, vocabulary
from isa_registry.core.exchange import InvalidDocument, Problem, parse_document
from isa_registry.core.spreadsheet import COLUMNS, SHEETS, read_tabular, template_csv_titles, write_template

ROOT = Path(__file__).resolve().parent.parent

ORGANISATIONS = [
    {
        "Key": "dudley",
        "Name": "Dudley Metropolitan Borough Council",
        "Kind": "local_authority",
        "Public authority": "Yes",
    },
    {"Key": "wmp", "Name": "West Midlands Police", "Kind": "police", "Public authority": "Yes"},
]
AGREEMENTS = [
    {"Key": "DSPP-ISA-001", "Title": "MASH", "Status": "active", "Parties": "dudley; wmp"},
]
FLOWS = [
    {
        "Key": "FLOW-001",
        "Name": "MASH referrals",
        "Source": "wmp",
        "Recipient": "dudley",
        "Agreement": "DSPP-ISA-001",
        "Identifiability": "identifiable",
        "Article 6": "e",
    },
]


def template_workbook() -> openpyxl.Workbook:
    stream = io.BytesIO()
    write_template(stream, "xlsx")
    stream.seek(0)
    return openpyxl.load_workbook(stream)


def fill(ws: Any, rows: list[dict[str, Any]]) -> None:
    """Append rows under the sheet's header, by column title."""
    titles = [c.value for c in ws[1]]
    for values in rows:
        row = ws.max_row + 1
        for title, value in values.items():
            ws.cell(row=row, column=titles.index(title) + 1, value=value)


def save(wb: openpyxl.Workbook, tmp_path: Path, name: str = "log.xlsx") -> Path:
    path = tmp_path / name
    wb.save(path)
    return path


def filled_template(
    tmp_path: Path,
    organisations: list[dict[str, Any]] = ORGANISATIONS,
    agreements: list[dict[str, Any]] = AGREEMENTS,
    flows: list[dict[str, Any]] = FLOWS,
) -> Path:
    wb = template_workbook()
    fill(wb["Organisations"], organisations)
    fill(wb["Agreements"], agreements)
    fill(wb["Flows"], flows)
    return save(wb, tmp_path)


def sheet(tmp_path: Path, rows: list[list[Any]], title: str = "Flows", name: str = "log.xlsx") -> Path:
    """A workbook of one sheet holding ``rows`` as they are (titles first)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    return save(wb, tmp_path, name)


def write_csv(tmp_path: Path, rows: list[list[Any]], name: str = "log.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    with path.open("w", newline="", encoding=encoding) as fh:
        csv.writer(fh).writerows(rows)
    return path


def problems(path: Path, **kwargs: Any) -> list[Problem]:
    with pytest.raises(InvalidDocument) as caught:
        read_tabular(path, **kwargs)
    return caught.value.problems


def one_flow(tmp_path: Path, **values: Any) -> dict[str, Any]:
    """The flow read from a template whose only flow has ``values`` (by column title) changed."""
    flow = {**FLOWS[0], **values}
    doc = read_tabular(filled_template(tmp_path, flows=[flow]))
    return doc["flows"][0]


# --- The template --------------------------------------------------------------------------------


def test_the_template_has_the_three_sheets_with_the_documented_titles() -> None:
    wb = template_workbook()
    assert wb.sheetnames == ["Organisations", "Agreements", "Flows", "Guide"]
    for kind, title in zip(SHEETS, ("Organisations", "Agreements", "Flows"), strict=True):
        assert [c.value for c in wb[title][1]] == [c.title for c in COLUMNS[kind]]
        assert wb[title].freeze_panes == "B2"


def test_the_template_offers_the_usual_values_in_drop_downs() -> None:
    ws = template_workbook()["Flows"]
    lists = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    identifiability = [c.title for c in COLUMNS["flows"]].index("Identifiability")
    column = openpyxl.utils.get_column_letter(identifiability + 1)
    assert lists[f"{column}2"] == '"Identifiable,Pseudonymised,Anonymised"'


def test_every_label_a_drop_down_offers_is_read_back_as_its_code(tmp_path: Path) -> None:
    wb = template_workbook()
    offered: dict[str, list[str]] = {}
    for title in ("Organisations", "Flows"):
        ws = wb[title]
        titles = [c.value for c in ws[1]]
        for dv in ws.data_validations.dataValidation:
            column = titles[openpyxl.utils.cell.column_index_from_string(str(dv.sqref)[0]) - 1]
            items = dv.formula1.strip('"').split(",")
            if items != ["Yes", "No"]:
                offered[f"{title}/{column}"] = items
            assert "_" not in dv.formula1, (column, dv.formula1)  # labels, not codes
    assert "Education (school/college or academy)" in offered["Organisations/Kind"]
    for kind in offered["Organisations/Kind"]:
        org = {**ORGANISATIONS[0], "Kind": kind}
        doc = read_tabular(filled_template(tmp_path, organisations=[org, *ORGANISATIONS[1:]]))
        assert doc["organisations"][0]["kind"] in domain.ORGANISATION_KINDS
    for label, code in zip(
        offered["Flows/Transfer safeguard"], vocabulary.TRANSFER_SAFEGUARD.choices(), strict=True
    ):
        assert (
            one_flow(tmp_path, **{"Transfer country": "India", "Transfer safeguard": label})[
                "international_transfer"
            ]["safeguard"]
            == code
        )
    for label, code in zip(
        offered["Flows/Identifiability"], vocabulary.IDENTIFIABILITY.choices(), strict=True
    ):
        assert one_flow(tmp_path, Identifiability=label)["identifiability"] == code


def test_the_csv_template_has_a_record_type_column_and_every_title_once() -> None:
    stream = io.BytesIO()
    write_template(stream, "csv")
    header = next(csv.reader(io.StringIO(stream.getvalue().decode("utf-8-sig"))))
    assert header[0] == "Record type" and header == template_csv_titles()
    assert len(header) == len(set(header))
    assert {"Key", "Name", "Title", "Source", "Recipient", "Article 6", "Parties"} <= set(header)


def test_the_docs_describe_every_column_and_synonym() -> None:
    docs = (ROOT / "docs" / "import-template.md").read_text(encoding="utf-8").lower()
    for kind in SHEETS:
        for column in COLUMNS[kind]:
            assert f"| {column.title.lower()} |" in docs, column.title
            for synonym in column.synonyms:
                assert synonym in docs, (column.title, synonym)


def test_a_blank_template_is_rejected_as_empty(tmp_path: Path) -> None:
    path = save(template_workbook(), tmp_path)
    assert [p.message for p in problems(path)] == [
        "has no organisations, agreements or flows (see docs/import-template.md)"
    ]


# --- Reading a filled template -------------------------------------------------------------------


def test_a_filled_template_reads_into_a_valid_document(tmp_path: Path) -> None:
    doc = read_tabular(filled_template(tmp_path))
    assert exchange.validate_document(doc) == []
    registry = parse_document(doc)
    assert set(registry.organisations) == {"dudley", "wmp"}
    assert [p.organisation for p in registry.agreements["DSPP-ISA-001"].parties] == ["dudley", "wmp"]
    flow = registry.flows["FLOW-001"]
    assert (flow.source, flow.recipient, flow.article6, flow.status) == ("wmp", "dudley", "e", "active")


def test_every_field_of_a_flow_is_read(tmp_path: Path) -> None:
    flow = one_flow(
        tmp_path,
        Purpose="Referrals",
        Programme="MASH",
        Status="Live",
        **{
            "Start date": datetime(2026, 1, 5),
            "End date": "31/12/2027",
            "Regime": "UK GDPR",
            "Data subjects": "Children; Parents and carers\nprofessionals",
            "Data categories": "identity_contact, Health (physical and mental); criminal offence",
            "Article 9": "9(2)(g)",
            "Schedule 1": "Sch 1 para 18; paragraph 10",
            "Official authority": "Y",
            "Legislation": "Children Act 1989 s47; https://www.legislation.gov.uk/ukpga/2004/31/section/11",
            "Retention": "6 years",
            "Transfer country": "US",
            "Transfer safeguard": "International data transfer agreement",
            "Frequency": "daily",
            "Method": "secure email",
            "Security measures": "Encrypted",
            "Storage location": "Mosaic",
            "Automated decision-making": "No",
            "LIA reference": "LIA-1",
            "Consent record": "n/a record",
        },
    )
    assert flow == {
        "key": "FLOW-001",
        "name": "MASH referrals",
        "source": "wmp",
        "recipient": "dudley",
        "agreement": "DSPP-ISA-001",
        "purpose": "Referrals",
        "programme": "MASH",
        "status": "active",
        "start_date": "2026-01-05",
        "end_date": "2027-12-31",
        "identifiability": "identifiable",
        "regime": "uk_gdpr",
        "data_subjects": ["children", "parents_carers", "professionals"],
        "data_categories": ["identity_contact", "health", "criminal_offence"],
        "article6": "e",
        "article9": "g",
        "schedule1": ["18", "10"],
        "official_authority": True,
        "schedule8": [],
        "legislation": ["ukpga/1989/41/section/47", "ukpga/2004/31/section/11"],
        "retention": "6 years",
        "international_transfer": {"country": "US", "safeguard": "idta"},
        "frequency": "daily",
        "method": "secure email",
        "security_measures": "Encrypted",
        "storage_location": "Mosaic",
        "automated_decision_making": False,
        "lia_reference": "LIA-1",
        "consent_record": "n/a record",
    }


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("6(1)(e)", "e"),
        ("Art 6(1)(e) public task", "e"),
        ("Article 6.1.e", "e"),
        ("public task", "e"),
        ("Public Task", "e"),
        ("e", "e"),
        ("(c)", "c"),
        ("6(1)(ea)", "ea"),
        ("recognised legitimate interest", "ea"),
        ("legitimate interests", "f"),
        ("Consent", "a"),
        ("legal obligation", "c"),
        ("N/A", None),
    ],
)
def test_article_6_is_read_by_point_letter_or_name(tmp_path: Path, written: str, code: str | None) -> None:
    assert one_flow(tmp_path, **{"Article 6": written}).get("article6") == code


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("9(2)(g)", "g"),
        ("Art 9(2)(h) health or social care", "h"),
        ("g", "g"),
        ("substantial public interest", "g"),
        ("public health", "i"),
        ("explicit consent", "a"),
    ],
)
def test_article_9_is_read_by_point_letter_or_name(tmp_path: Path, written: str, code: str) -> None:
    assert one_flow(tmp_path, **{"Article 9": written})["article9"] == code


@pytest.mark.parametrize(
    "written",
    [datetime(2026, 3, 1), "2026-03-01", "01/03/2026", "1/3/2026", "01.03.2026", "1 March 2026", 46082],
)
def test_dates_are_read_from_excel_dates_iso_and_day_month_year(tmp_path: Path, written: Any) -> None:
    assert one_flow(tmp_path, **{"Start date": written})["start_date"] == "2026-03-01"


@pytest.mark.parametrize(
    ("written", "value"), [("Yes", True), ("no", False), ("TRUE", True), (1, True), ("", None)]
)
def test_yes_no_columns_accept_the_usual_spellings(tmp_path: Path, written: Any, value: bool | None) -> None:
    assert (
        one_flow(tmp_path, **{"Automated decision-making": written}).get("automated_decision_making") == value
    )


@pytest.mark.parametrize("written", ["6", "Annex 1 para 6", "para 6 Safeguarding vulnerable individuals"])
def test_the_recognised_interest_is_read_as_an_annex_1_paragraph(tmp_path: Path, written: str) -> None:
    flow = one_flow(tmp_path, **{"Article 6": "ea", "Recognised legitimate interest": written})
    assert flow["recognised_interest"] == "6"


def test_organisations_may_be_named_instead_of_keyed(tmp_path: Path) -> None:
    flow = one_flow(tmp_path, Source="west midlands police", Recipient="Dudley Metropolitan Borough Council")
    assert (flow["source"], flow["recipient"]) == ("wmp", "dudley")


def test_an_organisation_without_a_key_gets_one_from_its_name(tmp_path: Path) -> None:
    orgs = [*ORGANISATIONS, {"Name": "Family Action", "Kind": "Charity", "Public authority": "No"}]
    flows = [{**FLOWS[0], "Recipient": "Family Action"}]
    doc = read_tabular(filled_template(tmp_path, organisations=orgs, flows=flows))
    assert doc["organisations"][2]["key"] == "family-action"
    assert doc["organisations"][2]["kind"] == "voluntary"
    assert doc["flows"][0]["recipient"] == "family-action"


def test_parties_carry_roles_and_signing_dates(tmp_path: Path) -> None:
    agreements = [
        {
            "Key": "DSPP-ISA-001",
            "Title": "MASH",
            "Status": "active",
            "Parties": "Dudley Metropolitan Borough Council (joint controller, signed 05/01/2026)\nwmp (joint controller)",
            "Processors": "evaluators",
        }
    ]
    orgs = [
        *ORGANISATIONS,
        {"Key": "evaluators", "Name": "Evaluation Partners", "Kind": "research", "Public authority": "No"},
    ]
    doc = read_tabular(filled_template(tmp_path, organisations=orgs, agreements=agreements))
    assert doc["agreements"][0]["parties"] == [
        {"organisation": "dudley", "role": "joint_controller", "signed_on": "2026-01-05"},
        {"organisation": "wmp", "role": "joint_controller", "signed_on": None},
        {"organisation": "evaluators", "role": "processor", "signed_on": None},
    ]


def test_parties_may_be_separated_by_commas(tmp_path: Path) -> None:
    agreements = [{**AGREEMENTS[0], "Parties": "dudley, wmp (processor)"}]
    doc = read_tabular(filled_template(tmp_path, agreements=agreements))
    assert [(p["organisation"], p["role"]) for p in doc["agreements"][0]["parties"]] == [
        ("dudley", "controller"),
        ("wmp", "processor"),
    ]


def test_people_s_own_column_titles_are_recognised(tmp_path: Path) -> None:
    path = sheet(
        tmp_path,
        [
            ["Dudley Safeguarding Partnership ISA log", None],  # a title row above the header
            [],
            ["Flow ID", "Description", "Disclosing organisation", "Receiving  Organisation", "ISA reference",
             "Lawful basis (Art 6)", "Special category condition", "Anonymisation", "Notes"],
            ["FLOW-7", "Referrals", "wmp", "dudley", "DSPP-ISA-001", "public task", "9(2)(g)", "named", "ignored"],
        ],
    )  # fmt: skip
    doc = read_tabular(path)
    assert doc["flows"] == [
        {
            "key": "FLOW-7",
            "name": "Referrals",
            "source": "wmp",
            "recipient": "dudley",
            "agreement": "DSPP-ISA-001",
            "article6": "e",
            "article9": "g",
            "identifiability": "identifiable",
        }
    ]


def test_the_template_title_wins_over_a_synonym_for_the_same_field(tmp_path: Path) -> None:
    path = sheet(tmp_path, [["Key", "Name", "Title", "From", "To", "Identifiability"],
                            ["F1", "Flow name", "Other", "wmp", "dudley", "identifiable"]])  # fmt: skip
    assert read_tabular(path)["flows"][0]["name"] == "Flow name"


def test_two_synonyms_for_one_field_are_a_problem(tmp_path: Path) -> None:
    path = sheet(tmp_path, [["Key", "Name", "From", "Shared by", "To", "Identifiability"],
                            ["F1", "Flow", "wmp", "wmp", "dudley", "identifiable"]])  # fmt: skip
    assert problems(path) == [
        Problem("Flows sheet row 1", "", "columns 'From', 'Shared by' all mean 'Source': keep one")
    ]


# --- CSV -----------------------------------------------------------------------------------------


def test_a_csv_without_a_record_type_is_a_log_of_flows(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [["Flow ref", "Flow name", "From", "To", "Identifiability", "Start date"],
                                ["F1", "Referrals", "wmp", "dudley", "pseudonymised", "23/11/2026"]])  # fmt: skip
    doc = read_tabular(path)
    assert doc["organisations"] == [] and doc["agreements"] == []
    assert doc["flows"][0]["start_date"] == "2026-11-23"
    assert doc["flows"][0]["identifiability"] == "pseudonymised"


def test_a_csv_with_a_record_type_carries_all_three_kinds(tmp_path: Path) -> None:
    titles = template_csv_titles()

    def row(kind: str, values: dict[str, Any]) -> list[Any]:
        return [kind, *(values.get(t, "") for t in titles[1:])]

    path = write_csv(
        tmp_path,
        [
            titles,
            *(row("organisation", o) for o in ORGANISATIONS),
            row("agreement", AGREEMENTS[0]),
            row("flow", FLOWS[0]),
        ],
    )
    doc = read_tabular(path)
    assert [o["key"] for o in doc["organisations"]] == ["dudley", "wmp"]
    assert doc["agreements"][0]["title"] == "MASH"
    assert doc["flows"][0]["name"] == "MASH referrals"
    assert parse_document(doc).flows["FLOW-001"].agreement == "DSPP-ISA-001"


def test_a_semicolon_separated_windows_csv_is_read(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_bytes(
        "Key;Name;From;To;Identifiability\r\nF1;Référrals;wmp;dudley;identifiable\r\n".encode("cp1252")
    )
    assert read_tabular(path)["flows"][0]["name"] == "Référrals"


def test_an_unknown_record_type_is_reported_by_row(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [["Record type", "Key", "Name", "Source", "Recipient", "Identifiability"],
                                ["flow", "F1", "A", "wmp", "dudley", "identifiable"],
                                ["widget", "W1", "B", "", "", ""]])  # fmt: skip
    assert problems(path) == [
        Problem(
            "CSV row 3", "record_type", "'widget' is not a record type: write organisation, agreement or flow"
        )
    ]


# --- Problems by row -----------------------------------------------------------------------------


def test_every_problem_names_the_sheet_the_row_and_the_field(tmp_path: Path) -> None:
    flows = [
        FLOWS[0],
        {**FLOWS[0], "Key": "FLOW-012", "Article 6": "public tsk", "Start date": "31/02/2026"},
        {**FLOWS[0], "Key": "FLOW-013", "Source": "Nobody Council", "Identifiability": ""},
    ]
    orgs = [ORGANISATIONS[0], {**ORGANISATIONS[1], "Public authority": "maybe"}]
    found = problems(filled_template(tmp_path, organisations=orgs, flows=flows))
    assert [(p.record, p.field) for p in found] == [
        ("Organisations sheet row 3 (wmp)", "public_authority"),
        ("Flows sheet row 3 (FLOW-012)", "start_date"),
        ("Flows sheet row 3 (FLOW-012)", "article6"),
        ("Flows sheet row 4 (FLOW-013)", "identifiability"),
        ("Flows sheet row 4 (FLOW-013)", "source"),
    ]
    messages = {p.field: p.message for p in found}
    assert messages["article6"].startswith("'public tsk' is not an Article 6(1) lawful basis")
    assert messages["article6"].endswith("(column 'Article 6')")
    assert messages["start_date"].startswith("'31/02/2026' is not a real date")
    assert messages["source"].startswith("'Nobody Council' is not the key or name of an organisation")
    assert messages["identifiability"] == "is required (column 'Identifiability')"


def test_rules_of_the_format_are_reported_by_row_too(tmp_path: Path) -> None:
    flows = [FLOWS[0], {**FLOWS[0], "Recipient": "wmp", "Start date": "2026-05-01", "End date": "2026-01-01"}]
    found = problems(filled_template(tmp_path, flows=flows))
    assert sorted((p.record, p.field, p.message) for p in found) == [
        ("Flows sheet row 2 (FLOW-001)", "key", "the key is used more than once"),
        ("Flows sheet row 3 (FLOW-001)", "end_date", "2026-01-01 is before the start date 2026-05-01"),
        ("Flows sheet row 3 (FLOW-001)", "key", "the key is used more than once"),
        ("Flows sheet row 3 (FLOW-001)", "recipient", "the recipient must differ from the source"),
    ]


def test_row_numbers_count_title_and_blank_rows_as_the_spreadsheet_does(tmp_path: Path) -> None:
    path = sheet(tmp_path, [["ISA log"], [], ["Key", "Name", "From", "To", "Identifiability"], [],
                            ["F1", "A", "wmp", "dudley", "identifiable"],
                            ["F2", "B", "wmp", "dudley", "fully anonymous-ish"]])  # fmt: skip
    assert [p.record for p in problems(path)] == ["Flows sheet row 6 (F2)"]


def test_a_missing_required_column_is_reported_once(tmp_path: Path) -> None:
    path = sheet(
        tmp_path, [["Key", "Name", "From", "To"], ["F1", "A", "wmp", "dudley"], ["F2", "B", "wmp", "dudley"]]
    )
    found = problems(path)
    assert len(found) == 1
    assert (found[0].record, found[0].field) == ("Flows sheet row 1", "identifiability")
    assert found[0].message.startswith("there is no column for the flows' identifiability")


def test_an_ambiguous_name_must_be_a_key(tmp_path: Path) -> None:
    orgs = [
        *ORGANISATIONS,
        {"Key": "wmp2", "Name": "West Midlands Police", "Kind": "police", "Public authority": "Yes"},
    ]
    found = problems(
        filled_template(tmp_path, organisations=orgs, flows=[{**FLOWS[0], "Source": "West Midlands Police"}])
    )
    assert found[0].message.startswith(
        "'West Midlands Police' is the name of 2 organisations (wmp, wmp2): use the key"
    )


def test_with_the_registry_known_references_to_it_resolve_and_others_fail(tmp_path: Path) -> None:
    path = sheet(tmp_path, [["Key", "Name", "From", "To", "ISA", "Identifiability"],
                            ["F1", "A", "Black Country ICB", "dudley", "OLD-ISA", "identifiable"],
                            ["F2", "B", "icb", "nobody", "NEW-ISA", "identifiable"]])  # fmt: skip
    known = {"dudley": "Dudley Metropolitan Borough Council", "icb": "Black Country ICB"}
    found = problems(path, known_organisations=known, known_agreements={"OLD-ISA"})
    assert [(p.record, p.field) for p in found] == [
        ("Flows sheet row 3 (F2)", "recipient"),
        ("Flows sheet row 3 (F2)", "agreement"),
    ]
    assert found[0].message.startswith(
        "'nobody' is not the key or name of an organisation in the Organisations sheet or the registry"
    )


def test_without_the_registry_well_formed_keys_are_left_for_the_import_to_check(tmp_path: Path) -> None:
    path = sheet(
        tmp_path,
        [["Key", "Name", "From", "To", "Identifiability"], ["F1", "A", "icb", "dudley", "identifiable"]],
    )
    doc = read_tabular(path)
    assert (doc["flows"][0]["source"], doc["flows"][0]["recipient"]) == ("icb", "dudley")
    with pytest.raises(InvalidDocument):
        parse_document(doc)  # the registry holds neither


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "log.xlsx"
    path.write_bytes(b"not a zip")
    [problem] = problems(path)
    assert problem.record == str(path) and "is not an Excel workbook" in problem.message


def test_a_workbook_without_known_sheets_is_read_as_flows(tmp_path: Path) -> None:
    path = sheet(
        tmp_path,
        [["Key", "Name", "From", "To", "Identifiability"], ["F1", "A", "wmp", "dudley", "identifiable"]],
        title="Sheet1",
    )
    assert read_tabular(path)["flows"][0]["key"] == "F1"


def test_a_stream_can_be_read_given_its_format(tmp_path: Path) -> None:
    path = filled_template(tmp_path)
    with path.open("rb") as stream:
        assert read_tabular(stream, fmt="xlsx")["flows"][0]["key"] == "FLOW-001"


def test_values_round_trip_through_the_template_dates_and_booleans(tmp_path: Path) -> None:
    orgs = [{**ORGANISATIONS[0], "Public authority": True, "Archived": False}, ORGANISATIONS[1]]
    agreements = [{**AGREEMENTS[0], "Review date": date(2027, 1, 1), "Data categories": "health"}]
    doc = read_tabular(filled_template(tmp_path, organisations=orgs, agreements=agreements))
    assert (
        doc["organisations"][0]["public_authority"] is True and doc["organisations"][0]["archived"] is False
    )
    assert doc["agreements"][0]["review_date"] == "2027-01-01"


def test_an_organisations_ods_code_is_read(tmp_path: Path) -> None:
    organisations = [{**ORGANISATIONS[0], "ODS code": "05C"}, ORGANISATIONS[1]]
    doc = read_tabular(filled_template(tmp_path, organisations=organisations))
    assert [o.get("ods_code") for o in doc["organisations"]] == ["05C", None]


def test_a_processors_contract_reference_is_read_from_its_brackets(tmp_path: Path) -> None:
    agreements = [
        {
            **AGREEMENTS[0],
            "Parties": "dudley; wmp (processor, signed 05/01/2026, contract: DPA-2026-14, schedule 3)",
            "Processors": "evaluators (Contract reference DSPP-PC-2)",
        }
    ]
    orgs = [
        *ORGANISATIONS,
        {"Key": "evaluators", "Name": "Evaluation Partners", "Kind": "research", "Public authority": "No"},
    ]
    doc = read_tabular(filled_template(tmp_path, organisations=orgs, agreements=agreements))
    assert doc["agreements"][0]["parties"] == [
        {"organisation": "dudley", "role": "controller", "signed_on": None},
        {
            "organisation": "wmp",
            "role": "processor",
            "signed_on": "2026-01-05",
            "contract_reference": "DPA-2026-14, schedule 3",
        },
        {
            "organisation": "evaluators",
            "role": "processor",
            "signed_on": None,
            "contract_reference": "DSPP-PC-2",
        },
    ]
    parties = parse_document(doc).agreements["DSPP-ISA-001"].parties
    assert [p.contract_reference for p in parties] == [None, "DPA-2026-14, schedule 3", "DSPP-PC-2"]


def test_a_contract_without_its_reference_is_a_problem_of_the_parties_column(tmp_path: Path) -> None:
    agreements = [{**AGREEMENTS[0], "Parties": "dudley; wmp (processor, contract:)"}]
    [problem] = problems(filled_template(tmp_path, agreements=agreements))
    assert problem.field == "parties"
    assert "names a contract without its reference" in problem.message and "'Parties'" in problem.message


def test_the_template_says_how_to_write_a_processors_contract() -> None:
    guide = template_workbook()["Guide"]
    help_by_column = {(r[0].value, r[1].value): r[3].value for r in guide.iter_rows(min_row=2) if r[1].value}
    assert "contract: DPA-2026-14" in help_by_column["Agreements", "Parties"]
    assert "contract: DPA-2026-14" in help_by_column["Agreements", "Processors"]


def test_a_contract_reference_round_trips_from_the_template_to_the_exchange_format(tmp_path: Path) -> None:
    agreements = [{**AGREEMENTS[0], "Parties": "dudley; wmp (processor, contract: DPA-2026-14)"}]
    doc = read_tabular(filled_template(tmp_path, agreements=agreements))
    exported = exchange.to_document(parse_document(doc))
    [wmp] = [p for p in exported["agreements"][0]["parties"] if p["organisation"] == "wmp"]
    assert (wmp["role"], wmp["contract_reference"]) == ("processor", "DPA-2026-14")
    assert exchange.to_document(parse_document(exported))["agreements"] == exported["agreements"]


@pytest.mark.db
def test_a_contract_reference_imported_from_a_workbook_is_kept_and_exported(
    app, runner, tmp_path: Path
) -> None:
    import json

    agreements = [{**AGREEMENTS[0], "Parties": "dudley; wmp (processor, contract: DPA-2026-14, schedule 3)"}]
    imported = runner.invoke(args=["import-registry", str(filled_template(tmp_path, agreements=agreements))])
    assert imported.exit_code == 0, imported.output
    out = tmp_path / "export.json"
    assert runner.invoke(args=["export-registry", str(out)]).exit_code == 0
    exported = json.loads(out.read_text())
    parties = {p["organisation"]: p for p in exported["agreements"][0]["parties"]}
    assert parties["wmp"]["contract_reference"] == "DPA-2026-14, schedule 3"
    assert parties["dudley"]["contract_reference"] is None
    again = runner.invoke(args=["import-registry", str(out)])
    assert again.exit_code == 0 and "agreements: 0 created, 0 updated" in again.output, again.output
