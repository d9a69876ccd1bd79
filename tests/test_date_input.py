"""Every date a form asks for is a GOV.UK date input (day, month and year boxes), with the Design
System's error messages naming the field and only the wrong box highlighted; an agreement's review
date before its start date is refused on the form and through the API."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask

from isa_registry.store import services
from isa_registry.store.db import db
from tests.api_helpers import Api, make_token
from tests.conftest import Auth
from tests.test_agreement_views import new_agreement, sign
from tests.test_flow_views import VALID, saved_flow
from tests.test_organisation_views import error_summary


def boxes(html: str, name: str) -> dict[str, str]:
    """The date input ``name``'s boxes: part -> the input's HTML."""
    found = {}
    for tag in re.findall(r"<input[^>]*>", html):
        match = re.search(rf'name="{name}-(day|month|year)"', tag)
        if match:
            found[match[1]] = tag
    return found


def highlighted(html: str, name: str) -> set[str]:
    return {part for part, tag in boxes(html, name).items() if "govuk-input--error" in tag}


@pytest.mark.parametrize(
    ("page", "names"),
    [
        ("/flows/new", ["start_date", "end_date"]),
        ("/agreements/new", ["start_date", "review_date", "end_date"]),
    ],
)
def test_the_record_forms_ask_for_dates_in_day_month_and_year_boxes(editor, page, names):
    html = editor.get(page).get_data(as_text=True)
    assert 'type="date"' not in html
    for name in names:
        assert set(boxes(html, name)) == {"day", "month", "year"}, name
        assert f'id="{name}-date"' in html and 'class="govuk-date-input"' in html


def test_the_sign_off_and_ropa_pages_ask_for_dates_in_boxes(editor):
    new_agreement(editor)
    sign_page = editor.get("/agreements/ISA-NEW/parties/wmp/sign").get_data(as_text=True)
    assert set(boxes(sign_page, "signed_on")) == {"day", "month", "year"}
    assert 'type="date"' not in sign_page
    ropa = editor.get("/ropa").get_data(as_text=True)
    assert set(boxes(ropa, "as_of")) == {"day", "month", "year"}
    assert 'type="date"' not in ropa


def test_a_flow_saved_from_the_boxes_has_that_date_and_shows_it_again(editor, app):
    data = {**VALID, "start_date-day": "3", "start_date-month": "feb", "start_date-year": "2026"}
    data |= {"end_date-day": "", "end_date-month": "", "end_date-year": ""}
    response = editor.post("/flows/new", data=data)
    assert response.status_code == 302, error_summary(response.get_data(as_text=True))
    flow = saved_flow(app)
    assert flow.start_date == date(2026, 2, 3) and flow.end_date is None
    form = editor.get("/flows/FLOW-123/edit").get_data(as_text=True)
    assert 'value="3"' in boxes(form, "start_date")["day"]
    assert 'value="2"' in boxes(form, "start_date")["month"]
    assert 'value="2026"' in boxes(form, "start_date")["year"]


def test_a_missing_month_is_named_and_only_its_box_is_highlighted(editor):
    data = {**VALID, "start_date-day": "3", "start_date-month": "", "start_date-year": "2026"}
    response = editor.post("/flows/new", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert ("#start_date-month", "Start date must include a month") in error_summary(html)
    assert highlighted(html, "start_date") == {"month"}
    assert 'value="3"' in boxes(html, "start_date")["day"]  # what was typed is shown again


def test_a_date_that_does_not_exist_is_named_and_its_day_highlighted(editor):
    data = {**VALID, "end_date-day": "31", "end_date-month": "2", "end_date-year": "2026"}
    html = editor.post("/flows/new", data=data).get_data(as_text=True)
    assert ("#end_date", "End date must be a real date") in error_summary(html)
    assert highlighted(html, "end_date") == {"day"}
    assert highlighted(html, "start_date") == set()


def test_a_two_digit_year_and_a_year_out_of_range_are_named(editor):
    data = {**VALID, "start_date-day": "1", "start_date-month": "1", "start_date-year": "26"}
    data |= {"end_date-day": "1", "end_date-month": "1", "end_date-year": "9999"}
    html = editor.post("/flows/new", data=data).get_data(as_text=True)
    errors = dict(error_summary(html))
    assert errors["#start_date-year"] == "Start date must include a year with 4 numbers, for example 2026"
    assert errors["#end_date-year"] == "End date must be between 1 January 1900 and 31 December 2200"
    assert highlighted(html, "start_date") == {"year"}


def test_an_end_before_the_start_highlights_every_box_of_the_end_date(editor):
    data = {**VALID, "start_date-day": "1", "start_date-month": "6", "start_date-year": "2026"}
    data |= {"end_date-day": "1", "end_date-month": "1", "end_date-year": "2026"}
    html = editor.post("/flows/new", data=data).get_data(as_text=True)
    assert ("#end_date", "End date must be the same as or after the start date") in error_summary(html)
    assert highlighted(html, "end_date") == {"day", "month", "year"}


def test_an_empty_sign_off_date_asks_for_it_and_a_typed_one_is_saved(editor, app):
    new_agreement(editor)
    empty = sign(editor, app, "ISA-NEW", "wmp", signed_on=None)
    assert empty.status_code == 400
    assert ("#signed_on", "Enter the date signed") in error_summary(empty.get_data(as_text=True))
    response = sign(
        editor,
        app,
        "ISA-NEW",
        "wmp",
        signed_on=None,
        **{"signed_on-day": "20", "signed_on-month": "11", "signed_on-year": "2025"},
    )
    assert response.status_code == 302
    with app.app_context():
        agreement = services.get_agreement(db.session, "ISA-NEW")[0]
    assert next(p for p in agreement.parties if p.organisation == "wmp").signed_on == date(2025, 11, 20)


def test_a_review_date_before_the_start_date_is_refused_on_the_form(editor):
    response = new_agreement(
        editor,
        **{"start_date-day": "1", "start_date-month": "6", "start_date-year": "2026"},
        **{"review_date-day": "1", "review_date-month": "1", "review_date-year": "2026"},
    )
    assert response.status_code == 400
    errors = error_summary(response.get_data(as_text=True))
    assert ("#review_date", "Review date must be the same as or after the start date") in errors


def test_a_review_date_before_the_start_date_is_refused_through_the_api(dudley: Flask, auth: Auth):
    api = Api(dudley.test_client(), make_token(dudley, auth, "editor"))
    key = "DSPP-ISA-001"
    etag = api.get(f"/api/v1/agreements/{key}").headers["ETag"]
    response = api.patch(
        f"/api/v1/agreements/{key}",
        json={"start_date": "2026-06-01", "review_date": "2026-01-01"},
        headers={"If-Match": etag},
    )
    assert response.status_code == 422
    assert {"field": "review_date", "message": "Review date must be the same as or after the start date"} in (
        response.json["errors"]
    )


@pytest.mark.parametrize(
    "url",
    [
        "/ropa?as_of=23/11/2026",
        "/ropa.csv?as_of=tomorrow",
        "/ropa.xlsx?as_of-day=31&as_of-month=2&as_of-year=2026",
    ],
)
def test_a_bad_as_of_on_the_ropa_and_its_downloads_shows_the_error_summary(editor, url):
    response = editor.get(url)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert error_summary(html) == [("#as_of-day", "The as-of date must be a real date, like 23 11 2026.")]
    assert highlighted(html, "as_of") == {"day", "month", "year"}
    assert "<title>Error: Record of processing activities" in html


def test_the_ropa_date_boxes_choose_the_date(editor):
    html = editor.get("/ropa?as_of-day=23&as_of-month=11&as_of-year=2026").get_data(as_text=True)
    assert "/ropa.xlsx?as_of=2026-11-23" in html
