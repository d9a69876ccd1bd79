"""The ROPA row's floor does the subject's job: XlsxWriter, given the cells the subject wrote,
writes the same cells, each with its value and format."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

from bench import generate, worker
from bench.measure import SECRET_KEY


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The subject's and the floor's workbooks for the small partnership, and the recorded cells."""
    tmp = tmp_path_factory.mktemp("bench-ropa")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SECRET_KEY", SECRET_KEY)  # else the app would make instance/secret_key
        doc = tmp / "registry.json"
        generate.write(generate.generate("S", 1), doc)
        url = f"sqlite:///{tmp / 'ropa.sqlite'}"
        worker.load(str(doc), url)
        paths = {"cells": tmp / "cells.json", "floor": tmp / "floor.xlsx", "subject": tmp / "subject.xlsx"}
        worker.ropa_cells(url, str(paths["cells"]))
        worker.ropa_floor(str(paths["cells"]), str(paths["floor"]))
        worker.ropa_subject(url, str(paths["subject"]))
    return paths


#: A cell of a sheet's XML: its reference, style and value (an index into the shared strings, a
#: number or a date's serial number).
CELL = re.compile(r"<c [^>]*/>|<c [^>]*>.*?</c>", re.DOTALL)


def cells_of(book: zipfile.ZipFile, sheet: str) -> list[str]:
    return CELL.findall(book.read(sheet).decode("utf-8"))


def test_the_floor_writes_the_subjects_cells_with_their_formats(written: dict[str, Path]) -> None:
    subject, floor = zipfile.ZipFile(written["subject"]), zipfile.ZipFile(written["floor"])
    assert floor.namelist() == subject.namelist()
    sheet_names = re.compile(r'<sheet name="([^"]*)"')
    names = sheet_names.findall(subject.read("xl/workbook.xml").decode("utf-8"))
    assert sheet_names.findall(floor.read("xl/workbook.xml").decode("utf-8")) == names
    assert len(names) > 2
    # The same formats, so the same style indexes; the same strings in the same order.
    for part in ("xl/styles.xml", "xl/sharedStrings.xml"):
        assert floor.read(part) == subject.read(part), part
    for n in range(1, len(names) + 1):
        sheet = f"xl/worksheets/sheet{n}.xml"
        assert cells_of(floor, sheet) == cells_of(subject, sheet), sheet
    # Among them blank cells with a style only: the borders of what the registry does not know.
    assert any(' s="' in c and "<v>" not in c for c in cells_of(subject, "xl/worksheets/sheet2.xml"))


def test_the_floor_is_given_every_cell_with_its_format(written: dict[str, Path]) -> None:
    book = json.loads(written["cells"].read_text(encoding="utf-8"))
    cells = [c for sheet in book["sheets"] for c in sheet["cells"]]
    kinds = {worker.ROPA_WRITES[kind] for kind, *_ in cells}
    # Blank cells carry the table's borders; dates are dates; the summary links to each sheet.
    assert kinds == {"write_string", "write_blank", "write_number", "write_datetime", "write_url"}
    assert all(fmt >= 0 for *_, fmt in cells)
    assert any(f.get("text_wrap") for f in book["formats"])
    assert book["options"]["strings_to_formulas"] is False
    assert book["sheets"][0]["name"] == "Summary"
