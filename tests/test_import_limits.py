"""Imports that are too big, too deep or badly encoded are refused plainly, and every value is
checked for control characters, length and date range (issue 13, items 4, 6, 7 and 9)."""

from __future__ import annotations

import codecs
import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from isa_registry.core import exchange
from isa_registry.core.exchange import ImportLimits, InvalidDocument, Problem
from isa_registry.core.spreadsheet import read_tabular
from isa_registry.store.db import db
from isa_registry.store.models import Organisation as OrganisationModel
from tests.test_exchange import small_document
from tests.test_tabular import FLOWS, filled_template, write_csv

MB = 1024 * 1024


def problems_of(doc: dict[str, Any]) -> list[str]:
    return [str(p) for p in exchange.validate_document(doc)]


def tabular_problems(path: Path | io.BytesIO, **kwargs: Any) -> list[Problem]:
    with pytest.raises(InvalidDocument) as caught:
        read_tabular(path, **kwargs)
    return caught.value.problems


# --- The exchange format: characters, lengths, dates ---------------------------------------------


def test_a_control_character_in_a_document_is_named_by_record_and_field() -> None:
    doc = small_document()
    doc["organisations"][1]["name"] = "a\x07b\x1bc"
    doc["flows"][0]["data_subjects"] = ["children", "carers\x00"]
    assert problems_of(doc) == [
        "flow 'FLOW-001' (flows[0]), field 'data_subjects.1': has a null character in it: remove it",
        "organisation 'wmp' (organisations[1]), field 'name': "
        "has a control character (U+0007) in it: remove it",
    ]


def test_a_lone_surrogate_is_refused_and_line_breaks_are_kept_in_free_text() -> None:
    doc = small_document()
    doc["organisations"][0]["address"] = "1 High St\r\n\tDudley"
    assert problems_of(doc) == []
    doc["agreements"][0]["purpose"] = "half \ud800 a character"
    assert problems_of(doc) == [
        "agreement 'DSPP-ISA-001' (agreements[0]), field 'purpose': "
        "has half of a character in it (U+D800, an unpaired surrogate)"
    ]


def test_a_five_megabyte_address_is_refused_with_its_length_and_limit_not_its_text() -> None:
    doc = small_document()
    doc["organisations"][0]["address"] = "x" * (5 * MB)
    found = problems_of(doc)
    assert found == [
        "organisation 'dmbc' (organisations[0]), field 'address': "
        "is 5,242,880 characters long: at most 10,000 are allowed"
    ]


def test_a_date_outside_1900_to_2200_is_refused() -> None:
    doc = small_document()
    doc["agreements"][0]["review_date"] = "9999-12-31"
    doc["agreements"][0]["parties"][0]["signed_on"] = "1066-10-14"
    assert problems_of(doc) == [
        "agreement 'DSPP-ISA-001' (agreements[0]), field 'parties.0.signed_on': "
        "1066-10-14 is not between 1 January 1900 and 31 December 2200",
        "agreement 'DSPP-ISA-001' (agreements[0]), field 'review_date': "
        "9999-12-31 is not between 1 January 1900 and 31 December 2200",
    ]


def test_json_nested_200000_deep_is_refused_plainly() -> None:
    with pytest.raises(InvalidDocument) as caught:
        exchange.load_document("[" * 200_000 + "]" * 200_000)
    assert [str(p) for p in caught.value.problems] == [
        "document: is nested too deeply to read (at most 20 levels)"
    ]


def test_json_nested_deeper_than_the_format_but_readable_is_refused_before_validation() -> None:
    doc = small_document()
    doc["organisations"][0]["name"] = json.loads("[" * 500 + "]" * 500)
    assert problems_of(doc) == ["document: is nested more than 20 levels deep"]


def _admitted_depth(node: dict[str, Any]) -> int:
    """How deeply the values a schema admits may nest; fails on an object or array left open."""
    if "anyOf" in node:
        return max(_admitted_depth(branch) for branch in node["anyOf"])
    if "const" in node:
        return 0
    types = node["type"] if isinstance(node["type"], list) else [node["type"]]
    deepest = 0
    if "object" in types:
        assert node["additionalProperties"] is False, node
        inner = [*node["properties"].values(), *node.get("patternProperties", {}).values()]
        deepest = max(deepest, 1 + max((_admitted_depth(n) for n in inner), default=0))
    if "array" in types:
        deepest = max(deepest, 1 + _admitted_depth(node["items"]))
    return deepest


def test_a_document_the_schema_accepts_nests_no_deeper_than_the_limit() -> None:
    # validate_document measures the depth only of a document the compiled schema refuses: every
    # object and array of the schema (and of the compiled one) must be closed, and nest less deeply.
    assert _admitted_depth(exchange.schema()) == 5  # a party of an agreement, a flow's basis's list
    fast = exchange._without_any_of(exchange.schema())
    assert _admitted_depth(fast) == 5 < exchange.MAX_DEPTH


def test_json_nested_deeper_than_the_format_anywhere_is_refused_before_validation() -> None:
    for at in ("organisations", "flows"):
        doc = small_document()
        doc[at][0]["unknown"] = json.loads("[" * 500 + "]" * 500)
        assert problems_of(doc) == ["document: is nested more than 20 levels deep"]
    assert problems_of(json.loads("[" * 30 + "]" * 30)) == ["document: is nested more than 20 levels deep"]


def test_json_that_is_not_utf8_is_refused_plainly() -> None:
    with pytest.raises(InvalidDocument) as caught:
        exchange.load_document(b'{"format": "\xff\xfe\xfa"}')
    assert "is not text in UTF-8" in str(caught.value)


def test_a_json_file_larger_than_the_limit_is_refused_before_it_is_read() -> None:
    stream = io.BytesIO(b" " * 2000)
    with pytest.raises(InvalidDocument) as caught:
        exchange.read_limited(stream, "big.json", 1000)
    assert str(caught.value.problems[0]) == "big.json: is larger than 1,000 bytes, the most an import reads"
    assert stream.tell() == 1001


def test_the_limits_come_from_the_configuration(app: Flask) -> None:
    limits = ImportLimits.from_config(app.config)
    assert limits == ImportLimits(50 * MB, 200 * MB, 100, 100_000)


# --- The command ---------------------------------------------------------------------------------


def _organisations(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OrganisationModel)) or 0


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("NUL", "has a null character in it"),
        ("SURROGATE", "unpaired surrogate"),
        ("DEEP", "nested too deeply"),
        ("LONG", "at most 10,000 are allowed"),
    ],
)
def test_the_import_command_reports_bad_values_without_a_traceback(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, text: str, says: str
) -> None:
    doc = small_document()
    if text == "NUL":
        doc["organisations"][0]["name"] = "Dudley\x00"
    elif text == "SURROGATE":
        doc["organisations"][0]["name"] = "Dudley \ud800"
    elif text == "LONG":
        doc["flows"][0]["retention"] = "r" * 20_000
    source = "[" * 200_000 + "]" * 200_000 if text == "DEEP" else json.dumps(doc)
    path = tmp_path / "registry.json"
    path.write_text(source, encoding="utf-8")
    result = runner.invoke(args=["import-registry", str(path)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert says in result.output and "Traceback" not in result.output
    assert _organisations(app) == 0


def test_the_import_command_refuses_a_file_over_the_configured_size(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "IMPORT_MAX_FILE_BYTES", 1000)
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(small_document()), encoding="utf-8")
    result = runner.invoke(args=["import-registry", str(path)])
    assert result.exit_code == 1
    assert "is larger than 1,000 bytes" in result.output
    assert _organisations(app) == 0


# --- Spreadsheets --------------------------------------------------------------------------------


def zip_bomb(size: int) -> io.BytesIO:
    """A workbook whose only sheet is ``size`` bytes of zeros when unpacked (a few KB packed)."""
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"0" * size)
    stream.seek(0)
    stream.name = "bomb.xlsx"
    return stream


def test_a_zip_bomb_is_refused_by_its_compression_ratio_before_it_is_unpacked() -> None:
    found = tabular_problems(zip_bomb(20 * MB))
    assert len(found) == 1 and found[0].record == "bomb.xlsx"
    assert "xl/worksheets/sheet1.xml" in found[0].message and "not an ordinary workbook" in found[0].message


def test_a_workbook_unpacking_past_the_configured_size_is_refused() -> None:
    found = tabular_problems(zip_bomb(3 * MB), limits=ImportLimits(uncompressed_bytes=2 * MB, ratio=10**6))
    assert [str(p) for p in found] == [
        "bomb.xlsx: unpacks to 3 MB, more than the 2 MB an import reads: split it into smaller workbooks"
    ]


def test_a_workbook_larger_than_the_configured_file_size_is_refused(tmp_path: Path) -> None:
    path = filled_template(tmp_path)
    found = tabular_problems(path, limits=ImportLimits(file_bytes=1000))
    assert [p.message for p in found] == ["is larger than 1,000 bytes, the most an import reads"]


def test_a_workbook_with_more_rows_than_the_cap_is_refused(tmp_path: Path) -> None:
    flows = [{**FLOWS[0], "Key": f"FLOW-{n:03}"} for n in range(20)]
    path = filled_template(tmp_path, flows=flows)
    found = tabular_problems(path, limits=ImportLimits(rows=15))
    assert [p.message for p in found] == [
        "has more than 15 rows, the most an import reads: split it into smaller files"
    ]


def test_a_csv_with_more_rows_than_the_cap_is_refused(tmp_path: Path) -> None:
    rows = [list(FLOWS[0])] + [[*FLOWS[0].values()] for _ in range(20)]
    found = tabular_problems(write_csv(tmp_path, rows), limits=ImportLimits(rows=10))
    assert "has more than 10 rows" in found[0].message


def test_a_control_character_in_a_csv_cell_is_named_by_row_and_field(tmp_path: Path) -> None:
    rows = [list(FLOWS[0]), list({**FLOWS[0], "Name": "MASH\x07 referrals"}.values())]
    found = tabular_problems(write_csv(tmp_path, rows))
    assert [str(p) for p in found] == [
        "CSV row 2 (FLOW-001), field 'name': has a control character (U+0007) in it: remove it"
    ]


def test_a_date_past_2200_in_a_cell_is_refused(tmp_path: Path) -> None:
    found = tabular_problems(filled_template(tmp_path, flows=[{**FLOWS[0], "Start date": "1/1/9999"}]))
    assert [p.message for p in found] == [
        "'1/1/9999' is not between 1 January 1900 and 31 December 2200 (column 'Start date')"
    ]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_a_utf16_or_utf32_csv_is_read(tmp_path: Path, encoding: str) -> None:
    rows = [list(FLOWS[0]), list(FLOWS[0].values())]
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    path = tmp_path / "log.csv"
    path.write_bytes(text.getvalue().encode(encoding))
    doc = read_tabular(path)
    assert [f["key"] for f in doc["flows"]] == ["FLOW-001"]


def test_a_csv_that_is_not_utf16_after_its_byte_order_mark_is_named(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + b"\x00\xd8")  # a lone high surrogate
    found = tabular_problems(path)
    assert [p.message for p in found] == ["is not text in UTF-16: save it as CSV UTF-8"]
