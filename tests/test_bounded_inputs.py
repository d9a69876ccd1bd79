"""Bounded and well-formed input at the web's edge: request size, control characters in query
arguments and forms, page numbers, dates and text lengths (issue 13, items 2, 4, 6 and 7)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from isa_registry.core.dates import RANGE_ERROR
from isa_registry.store.db import db
from isa_registry.store.models import Organisation as OrganisationModel
from tests.conftest import store
from tests.test_organisation_views import error_summary

MB = 1024 * 1024


class CountingStream(io.RawIOBase):
    """A request body of ``size`` bytes of ``email=aaaa...``, made as it is read; ``read_bytes``
    says how much of it the app read."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.read_bytes = 0
        self._chunks = self._generate()
        self._pending = b""

    def _generate(self) -> Iterator[bytes]:
        yield b"email="
        left = self.size - len(b"email=")
        while left > 0:
            chunk = b"a" * min(64 * 1024, left)
            left -= len(chunk)
            yield chunk

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        if not self._pending:
            self._pending = next(self._chunks, b"")
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        self.read_bytes += n
        return n


def _organisations(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OrganisationModel)) or 0


# --- Request size (item 2) ---------------------------------------------------------------------


def test_a_200_mb_sign_in_form_is_refused_413_without_reading_its_body(client: FlaskClient) -> None:
    body = CountingStream(200 * MB)
    response = client.post(
        "/login",
        environ_overrides={
            "wsgi.input": body,
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(200 * MB),
        },
    )
    assert response.status_code == 413
    assert body.read_bytes == 0
    page = response.get_data(as_text=True)
    assert "What you sent is too large" in page and "govuk-heading-l" in page


def test_a_streamed_body_without_a_length_is_cut_off_at_the_limit(app: Flask, client: FlaskClient) -> None:
    body = CountingStream(200 * MB)
    response = client.post(
        "/login",
        environ_overrides={
            "wsgi.input": body,
            "wsgi.input_terminated": True,
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "HTTP_TRANSFER_ENCODING": "chunked",
        },
    )
    assert response.status_code == 413
    assert body.read_bytes <= app.config["MAX_CONTENT_LENGTH"] + 128 * 1024


def test_the_request_limit_is_two_megabytes_by_default(app: Flask) -> None:
    assert app.config["MAX_CONTENT_LENGTH"] == 2 * MB


# --- Control characters in query arguments (items 4 and 6) --------------------------------------

QUERIES = [
    "/organisations/?q=a%00b",
    "/organisations/?kind=%00",
    "/organisations/?status=x%00",
    "/organisations/?sort=%00",
    "/agreements/?q=%00",
    "/agreements/?owner=%00",
    "/agreements/?party=%00",
    "/agreements/?status=%00",
    "/flows/?q=%00",
    "/flows/?source=%00",
    "/flows/?recipient=%00",
    "/flows/?agreement=%00",
    "/flows/?programme=%00",
    "/flows/?category=%00",
    "/flows/?severity=%00",
    "/findings?code=%00",
    "/findings?organisation=%00",
    "/findings?programme=%00",
    "/audit?key=%00",
    "/map?organisation=%00",
    "/ropa?as_of=%00",
    "/organisations/?q=a%07b%1Bc",
    "/flows/?q=%0A",
    "/organisations/?q%00=x",
]


@pytest.mark.parametrize("url", QUERIES)
def test_a_control_character_in_a_query_argument_is_refused_with_an_error_summary(
    viewer: FlaskClient, url: str
) -> None:
    response = viewer.get(url)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "govuk-error-summary" in page and "control character" in page
    assert "<title>Error: " in page


def test_a_search_for_ordinary_text_still_works(viewer: FlaskClient) -> None:
    assert viewer.get("/organisations/?q=dudley").status_code == 200


# --- Control characters in forms (items 4 and 6) ------------------------------------------------


def _new_organisation(**overrides: str) -> dict[str, str]:
    return {"key": "acme", "name": "Acme", "kind": "voluntary", "public_authority": "no", **overrides}


def test_a_null_character_in_a_form_is_refused_400_and_nothing_is_written(
    app: Flask, editor: FlaskClient
) -> None:
    before = _organisations(app)
    response = editor.post("/organisations/new", data=_new_organisation(name="a\x00b"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "govuk-error-summary" in page and "null character" in page and "name" in page
    assert _organisations(app) == before


def test_a_null_character_in_the_sign_in_form_is_refused_400(client: FlaskClient) -> None:
    response = client.post("/login", data={"email": "a\x00@example.org", "password": "x"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "a\x07b\x1bc", "Name has a control character (U+0007) in it: remove it"),
        ("name", "two\nlines", "Name has a line break in it: remove it (this field is one line)"),
        ("address", "1 High St\x1b", "Address has a control character (U+001B) in it: remove it"),
        ("telephone", "01384\t123", "Telephone has a tab in it: remove it (this field is one line)"),
    ],
)
def test_a_control_character_in_a_text_field_is_named_by_its_field(
    app: Flask, editor: FlaskClient, field: str, value: str, message: str
) -> None:
    before = _organisations(app)
    response = editor.post("/organisations/new", data=_new_organisation(**{field: value}))
    assert response.status_code == 400
    assert (f"#{field}", message) in error_summary(response.get_data(as_text=True))
    assert _organisations(app) == before


def test_a_multi_line_field_keeps_its_line_breaks(app: Flask, editor: FlaskClient) -> None:
    response = editor.post("/organisations/new", data=_new_organisation(address="1 High St\r\nDudley"))
    assert response.status_code == 302


# --- Lengths (item 7) ----------------------------------------------------------------------------


def test_a_long_address_is_refused_by_the_form_with_its_limit(app: Flask, editor: FlaskClient) -> None:
    before = _organisations(app)
    response = editor.post("/organisations/new", data=_new_organisation(address="x" * 20_000))
    assert response.status_code == 400
    assert (
        "#address",
        "Address is 20,000 characters long: at most 10,000 are allowed",
    ) in error_summary(response.get_data(as_text=True))
    assert _organisations(app) == before


def test_a_five_megabyte_address_is_refused_before_it_is_read(app: Flask, editor: FlaskClient) -> None:
    before = _organisations(app)
    response = editor.post("/organisations/new", data=_new_organisation(address="x" * (5 * MB)))
    assert response.status_code == 413
    assert "10,000 characters" in response.get_data(as_text=True)
    assert _organisations(app) == before


def test_a_long_free_text_on_the_flow_form_is_refused(editor: FlaskClient) -> None:
    response = editor.post("/flows/new", data={"key": "F-1", "name": "F", "purpose": "p" * 10_001})
    assert response.status_code == 400
    assert "Purpose is 10,001 characters long: at most 10,000 are allowed" in response.get_data(as_text=True)


# --- Page numbers and dates (item 6) -------------------------------------------------------------

HUGE = "9223372036854775807"


@pytest.mark.parametrize(
    "url",
    [
        f"/audit?page={HUGE}",
        f"/audit?page=-{HUGE}",
        f"/organisations/?page={HUGE}",
        f"/agreements/?page={HUGE}",
        f"/flows/?page={HUGE}",
        f"/findings?page={HUGE}",
        "/audit?page=" + "9" * 5000,
    ],
)
def test_a_huge_page_number_shows_the_last_page(viewer: FlaskClient, url: str) -> None:
    assert viewer.get(url).status_code == 200


def test_a_huge_audit_page_is_the_last_page(app: Flask, viewer: FlaskClient) -> None:
    last = viewer.get("/audit?page=" + HUGE).get_data(as_text=True)
    assert re.search(r"govuk-pagination|govuk-table", last)


@pytest.mark.parametrize(
    "url", ["/findings?as_of=9999-12-31", "/map?as_of=9999-12-31", "/ropa?as_of=9999-12-31"]
)
def test_an_as_of_date_past_2200_is_refused_400_with_an_error_summary(viewer: FlaskClient, url: str) -> None:
    response = viewer.get(url)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "govuk-error-summary" in page


@pytest.mark.parametrize(
    "url", ["/findings?as_of=9999-12-31", "/ropa?as_of=9999-12-31", "/ropa.xlsx?as_of=9999-12-31"]
)
def test_the_as_of_range_is_said_in_words(viewer: FlaskClient, url: str) -> None:
    response = viewer.get(url)
    assert response.status_code == 400
    assert RANGE_ERROR in response.get_data(as_text=True)


def test_a_date_past_2200_on_a_form_is_refused_by_its_field(editor: FlaskClient) -> None:
    response = editor.post(
        "/agreements/new",
        data={"key": "A-1", "title": "A", "status": "draft", "start_date": "9999-12-31"},
    )
    assert response.status_code == 400
    assert (
        "#start_date",
        "Start date must be between 1 January 1900 and 31 December 2200",
    ) in error_summary(response.get_data(as_text=True))


# --- Every spreadsheet writer writes XML that opens (item 4) --------------------------------------

HOSTILE_NAME = "a\x07b\x1bc"


@pytest.fixture()
def hostile_viewer(app: Flask, auth) -> FlaskClient:
    """A viewer, and a registry whose police force is named with BEL and ESC, stored through the
    lower layers (as an older release or a direct write would have left it)."""
    from tests.builders import agreement, flow, registry

    reg = registry(
        agreements=[agreement("ISA-1", parties=("wmp", "dudley"))],
        flows=[flow("F1", "wmp", "dudley", "ISA-1"), flow("F2", "dudley", "wmp", "ISA-1")],
    )
    reg.organisations["wmp"].name = HOSTILE_NAME
    reg.organisations["wmp"].address = "1 Lloyd House\x0bBirmingham"  # (PostgreSQL cannot hold a NUL)
    reg.flows["F1"].purpose = "=HYPERLINK(\x1b)"
    store(app, reg)
    return auth.client("viewer")


@pytest.mark.parametrize(
    "url",
    ["/ropa.xlsx", "/ropa.xlsx?controller=wmp", "/ropa.xlsx?controller=dudley", "/ropa/import-template.xlsx"],
)
def test_every_generated_workbook_opens_whatever_the_names_hold(
    hostile_viewer: FlaskClient, url: str
) -> None:
    response = hostile_viewer.get(url)
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    cells = [str(c) for ws in workbook.worksheets for row in ws.iter_rows(values_only=True) for c in row if c]
    assert not any(re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", c) for c in cells)
    if "controller" in url or url == "/ropa.xlsx":
        assert any("a\ufffdb\ufffdc" in c for c in cells)


def test_the_csv_download_holds_no_control_characters(hostile_viewer: FlaskClient) -> None:
    text = hostile_viewer.get("/ropa.csv").data.decode("utf-8-sig")
    assert "a\ufffdb\ufffdc" in text
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", text)
