"""The /ropa page and its downloads, for a signed-in auditor (viewer)."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import urlsplit

import openpyxl
import pytest
from flask.testing import FlaskClient

from isa_registry.core.ropa import COLUMNS
from tests.test_exchange import small_document


@pytest.fixture()
def auditor(auth, runner, tmp_path) -> FlaskClient:
    """A client signed in as a viewer, with the small partnership loaded."""
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(small_document()))
    assert runner.invoke(args=["import-registry", str(path)]).exit_code == 0
    return auth.client("viewer")


def test_the_page_lists_controllers_with_activity_counts_and_links(auditor: FlaskClient) -> None:
    response = auditor.get("/ropa?as_of=2026-11-23")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Record of processing activities" in page
    assert 'id="controller-dmbc"' in page and 'id="controller-wmp"' in page
    assert "Dudley Metropolitan Borough Council" in page
    assert "/ropa.xlsx?controller=dmbc&amp;as_of=2026-11-23" in page
    assert "/ropa.csv?controller=wmp&amp;as_of=2026-11-23" in page
    assert "/ropa.xlsx?as_of=2026-11-23" in page
    assert "/ropa/import-template.xlsx" in page


def test_the_page_and_downloads_follow_each_change(app, runner, auditor: FlaskClient, tmp_path) -> None:
    """The page's lines are kept per registry revision: a change shows at once."""
    assert 'id="controller-dmbc"' in auditor.get("/ropa?as_of=2026-11-23").get_data(as_text=True)
    document = small_document()
    for record in document["flows"]:
        record["archived"] = True
    path = tmp_path / "archived.json"
    path.write_text(json.dumps(document))
    assert runner.invoke(args=["import-registry", str(path)]).exit_code == 0

    page = auditor.get("/ropa?as_of=2026-11-23").get_data(as_text=True)
    assert 'id="controller-dmbc"' not in page and 'id="controller-wmp"' not in page
    rows = list(csv.reader(io.StringIO(auditor.get("/ropa.csv?as_of=2026-11-23").get_data(as_text=True))))
    assert len(rows) == 1  # the header alone


def test_the_partnership_workbook_downloads(auditor: FlaskClient) -> None:
    response = auditor.get("/ropa.xlsx?as_of=2026-11-23")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "ropa-partnership-2026-11-23.xlsx" in response.headers["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames == ["Summary", "Dudley Metropolitan Borough", "West Midlands Police"]


def test_one_controllers_csv_downloads(auditor: FlaskClient) -> None:
    response = auditor.get("/ropa.csv?controller=wmp&as_of=2026-11-23")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "ropa-wmp-2026-11-23.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == list(COLUMNS) and len(rows) == 3


def test_an_unknown_controller_is_not_found(auditor: FlaskClient) -> None:
    assert auditor.get("/ropa.xlsx?controller=nobody").status_code == 404


def test_a_bad_date_is_a_bad_request(auditor: FlaskClient) -> None:
    assert auditor.get("/ropa?as_of=23/11/2026").status_code == 400
    assert auditor.get("/ropa.csv?as_of=tomorrow").status_code == 400


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_import_template_downloads(auditor: FlaskClient, fmt: str) -> None:
    response = auditor.get(f"/ropa/import-template.{fmt}")
    assert response.status_code == 200
    assert f"isa-log-template.{fmt}" in response.headers["Content-Disposition"]


@pytest.mark.parametrize("url", ["/ropa", "/ropa.xlsx", "/ropa.csv", "/ropa/import-template.xlsx"])
def test_signing_in_is_required(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302 and urlsplit(response.location).path == "/login"
