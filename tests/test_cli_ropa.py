"""The ROPA commands and spreadsheet imports through ``flask``, on the real database."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import openpyxl
from sqlalchemy import func, select

from isa_registry.core.ropa import COLUMNS
from isa_registry.store.db import db
from isa_registry.store.models import Agreement, AuditEntry, Flow, Organisation
from tests.test_exchange import small_document


def counts(app) -> tuple[int, int, int, int]:
    with app.app_context():
        return tuple(  # type: ignore[return-value]
            db.session.execute(select(func.count()).select_from(m)).scalar_one()
            for m in (Organisation, Agreement, Flow, AuditEntry)
        )


def load_small(runner, tmp_path: Path) -> None:
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(small_document()))
    result = runner.invoke(args=["import-registry", str(path)])
    assert result.exit_code == 0, result.output


def fill_template(runner, tmp_path: Path) -> Path:
    """The template written by the command, filled as a partnership officer would."""
    path = tmp_path / "isa-log.xlsx"
    result = runner.invoke(args=["import-template", str(path)])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(path)

    def add(sheet: str, values: dict) -> None:
        ws = wb[sheet]
        titles = [c.value for c in ws[1]]
        row = ws.max_row + 1
        for title, value in values.items():
            ws.cell(row=row, column=titles.index(title) + 1, value=value)

    add(
        "Organisations",
        {
            "Key": "dmbc",
            "Name": "Dudley Metropolitan Borough Council",
            "Kind": "Council",
            "Public authority": "Yes",
            "DPO contact": "dpo@dudley.example",
            "Address": "Council House, Dudley",
            "Appropriate policy document": "https://dudley.example/apd",
        },
    )
    add("Organisations", {"Name": "West Midlands Police", "Kind": "Police", "Public authority": "Yes"})
    add(
        "Agreements",
        {
            "Key": "DSPP-ISA-014",
            "Title": "MASH ISA",
            "Status": "Live",
            "Start date": "01/04/2025",
            "Parties": "dmbc (signed 01/04/2025); West Midlands Police (signed 02/04/2025)",
            "Document URL": "https://dudley.example/isa/014.pdf",
            "DPIA reference": "DPIA-7",
        },
    )
    add(
        "Flows",
        {
            "Key": "FLOW-001",
            "Name": "MASH referrals",
            "Source": "West Midlands Police",
            "Recipient": "Dudley Metropolitan Borough Council",
            "Agreement": "DSPP-ISA-014",
            "Purpose": "Referral of children at risk",
            "Programme": "MASH",
            "Identifiability": "Identifiable",
            "Data subjects": "children; parents and carers",
            "Data categories": "identity_contact; health",
            "Article 6": "6(1)(e) public task",
            "Article 9": "9(2)(g)",
            "Schedule 1": "18",
            "Legislation": "Children Act 1989 s47",
            "Retention": "Until the child is 25",
            "Start date": "01/05/2025",
            # The council's own basis for what it receives (its record shows it).
            "Recipient's Article 6": "public task",
            "Recipient's Article 9": "9(2)(g)",
            "Recipient's Schedule 1": "18",
            "Recipient's Legislation": "Children Act 1989 s47",
        },
    )
    add(
        "Flows",
        {
            "Key": "FLOW-002",
            "Name": "Aggregate statistics",
            "Source": "dmbc",
            "Recipient": "west-midlands-police",
            "Identifiability": "anonymised",
            "Article 6": "e",
        },
    )
    wb.save(path)
    return path  # fmt: skip


# --- export-ropa ---------------------------------------------------------------------------------


def test_export_ropa_writes_the_partnership_workbook(app, runner, tmp_path) -> None:
    load_small(runner, tmp_path)
    out = tmp_path / "ropa.xlsx"
    result = runner.invoke(args=["export-ropa", str(out), "--as-of", "2026-11-23"])
    assert result.exit_code == 0, result.output
    assert "as of 2026-11-23 for 2 controller(s): 4 processing activities" in result.output
    wb = openpyxl.load_workbook(out)
    # FLOW-001 wmp -> dmbc and the planned FLOW-002 dmbc -> wmp; the dissolved CCG and the ICB send nothing.
    assert wb.sheetnames == ["Summary", "Dudley Metropolitan Borough", "West Midlands Police"]
    assert [c.value for c in wb["Dudley Metropolitan Borough"][10]] == list(COLUMNS)


def test_export_ropa_for_one_controller_as_csv(app, runner, tmp_path) -> None:
    load_small(runner, tmp_path)
    out = tmp_path / "wmp.csv"
    result = runner.invoke(args=["export-ropa", str(out), "--controller", "wmp", "--as-of", "2026-11-23"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0] == list(COLUMNS)
    assert len(rows) == 3  # MASH referrals sent, the strategy discussion received


def test_export_ropa_to_standard_output(app, runner, tmp_path) -> None:
    load_small(runner, tmp_path)
    result = runner.invoke(args=["export-ropa", "-", "--as-of", "2026-11-23"])
    assert result.exit_code == 0
    assert result.stdout.lstrip("\ufeff").startswith("Controller,Business function,")


def test_the_as_of_date_decides_what_is_in_the_record(app, runner, tmp_path) -> None:
    load_small(runner, tmp_path)
    out = tmp_path / "ropa.csv"
    runner.invoke(args=["export-ropa", str(out), "--as-of", "2026-11-23"])
    rows_now = len(out.read_text(encoding="utf-8-sig").splitlines())
    with app.app_context():
        db.session.execute(Flow.__table__.update().values(end_date=date(2026, 1, 1)))
        db.session.commit()
    runner.invoke(args=["export-ropa", str(out), "--as-of", "2026-11-23"])
    assert rows_now > 1 and len(out.read_text(encoding="utf-8-sig").splitlines()) == 1


def test_an_unknown_controller_is_a_clear_error(app, runner, tmp_path) -> None:
    load_small(runner, tmp_path)
    out = tmp_path / "ropa.xlsx"
    result = runner.invoke(args=["export-ropa", str(out), "--controller", "nobody"])
    assert result.exit_code == 1
    assert "Unknown controller 'nobody': no organisation has that key or name." in result.output
    assert not out.exists()


def test_an_unknown_file_type_is_refused(app, runner, tmp_path) -> None:
    result = runner.invoke(args=["export-ropa", str(tmp_path / "ropa.pdf")])
    assert result.exit_code == 1 and "name it .xlsx or .csv" in result.output


def test_import_template_writes_both_formats(runner, tmp_path) -> None:
    for name in ("t.xlsx", "t.csv"):
        result = runner.invoke(args=["import-template", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(tmp_path / "t.xlsx").sheetnames[:3] == [
        "Organisations",
        "Agreements",
        "Flows",
    ]
    assert (tmp_path / "t.csv").read_text(encoding="utf-8-sig").startswith("Record type,Key,Name,")


# --- Spreadsheet imports, end to end -------------------------------------------------------------


def test_a_filled_template_imports_and_exports_as_a_ropa(app, runner, tmp_path) -> None:
    log = fill_template(runner, tmp_path)
    preview = runner.invoke(args=["import-registry", str(log), "--dry-run"])
    assert preview.exit_code == 0, preview.output
    assert "organisations: 2 created" in preview.output and "flows: 2 created" in preview.output
    assert "nothing was written" in preview.output
    assert counts(app) == (0, 0, 0, 0)

    result = runner.invoke(args=["import-registry", str(log)])
    assert result.exit_code == 0, result.output
    assert counts(app)[:3] == (2, 1, 2)

    out = tmp_path / "ropa.xlsx"
    assert runner.invoke(args=["export-ropa", str(out), "--as-of", "2026-11-23"]).exit_code == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Summary", "Dudley Metropolitan Borough", "West Midlands Police"]
    council = wb["Dudley Metropolitan Borough"]
    assert (
        council["B6"].value == "Dudley Metropolitan Borough Council"
        and council["C6"].value == "Council House, Dudley"
    )
    row = dict(zip(COLUMNS, [c.value for c in council[11]], strict=True))
    assert council.max_row == 11  # the anonymised statistics are not personal data
    assert row["Business function"] == "MASH"
    assert row["Purpose of processing"].startswith(
        "Referral of children at risk\nFlows: FLOW-001 MASH referrals"
    )
    assert "https://dudley.example/isa/014.pdf" in row["Purpose of processing"]
    assert row["Categories of individuals"] == "Children\nParents and carers"
    assert row["The source of the personal data (if applicable)"] == "West Midlands Police (police)"
    assert row["Retention schedule (if possible)"] == "Until the child is 25"
    assert row["Link to Data Protection Impact Assessment"] == "DPIA-7"
    assert row["Data Protection Act 2018 Schedule 1 condition for processing"].startswith("Sch 1 para 18")
    assert row["Has a personal data breach occurred?"] is None

    again = runner.invoke(args=["import-registry", str(log)])
    assert "organisations: 0 created, 0 updated (matched by key), 2 unchanged" in again.output


def test_a_csv_log_of_flows_imports_against_the_registry(app, runner, tmp_path) -> None:
    load_small(runner, tmp_path)
    log = tmp_path / "flows.csv"
    log.write_text(
        "Flow ref,Flow name,From,To,ISA reference,Lawful basis,Identifiability,Start date\n"
        "FLOW-100,Health visitor concerns,icb,dmbc,DSPP-ISA-001,public task,identifiable,01/09/2026\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["import-registry", str(log)])
    assert result.exit_code == 0, result.output
    assert "flows: 1 created" in result.output
    with app.app_context():
        flow = db.session.execute(select(Flow).where(Flow.key == "FLOW-100")).scalar_one()
        assert flow.article6 == "e" and flow.source.key == "icb"


def test_a_bad_spreadsheet_is_refused_by_row_and_writes_nothing(app, runner, tmp_path) -> None:
    log = fill_template(runner, tmp_path)
    wb = openpyxl.load_workbook(log)
    flows = wb["Flows"]
    flows["O2"] = "public tsk"  # Article 6 of FLOW-001
    flows["A3"] = "FLOW-001"  # a repeated key
    wb.save(log)
    assert [c.value for c in flows[1]][14] == "Article 6"
    result = runner.invoke(args=["import-registry", str(log), "--dry-run"])
    assert result.exit_code == 1
    assert "nothing was imported" in result.output
    assert (
        "Flows sheet row 2 (FLOW-001), field 'article6': 'public tsk' is not an Article 6(1) lawful basis"
        in result.output
    )
    assert "Flows sheet row 3 (FLOW-001), field 'key': the key is used more than once" in result.output
    result = runner.invoke(args=["import-registry", str(log)])
    assert result.exit_code == 1
    assert counts(app) == (0, 0, 0, 0)


def test_a_reference_unknown_to_file_and_registry_is_refused(app, runner, tmp_path) -> None:
    load_small(runner, tmp_path)
    before = counts(app)
    log = tmp_path / "flows.csv"
    log.write_text("Key,Name,From,To,Identifiability\nFLOW-9,X,nobody,dmbc,identifiable\n", encoding="utf-8")
    result = runner.invoke(args=["import-registry", str(log)])
    assert result.exit_code == 1
    assert "row 2" in result.output and "'nobody' is not the key or name of an organisation" in result.output
    assert counts(app) == before
