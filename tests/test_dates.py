"""The as-of date: one parser and one wording for the pages, the downloads and the CLI."""

from __future__ import annotations

from datetime import date

import pytest
from flask.testing import FlaskCliRunner

from isa_registry.core.dates import DATE_ERROR, ISO_DATE_ERROR, InvalidDate, parse_as_of
from isa_registry.web.as_of import parse_as_of_boxes, shown_parts, typed_parts
from isa_registry.web.map_query import DATE_PROBLEM


def test_the_boxes_give_the_date_and_win_over_the_iso_value() -> None:
    assert parse_as_of("2027-01-02", day=" 3 ", month="1", year="2027") == date(2027, 1, 3)


def test_the_iso_value_is_read_when_the_boxes_are_empty() -> None:
    assert parse_as_of(" 2027-01-02 ", day=" ", month="", year="") == date(2027, 1, 2)


def test_nothing_given_is_no_date() -> None:
    assert parse_as_of() is None
    assert parse_as_of("  ", day="", month=" ", year="") is None


@pytest.mark.parametrize(
    "boxes",
    [
        {"day": "31", "month": "2", "year": "2026"},
        {"day": "1", "month": "", "year": "2026"},
        {"day": "x", "month": "1", "year": "2026"},
        {"day": "1", "month": "1", "year": "26"},
        {"day": "1", "month": "1", "year": "99999999999999999999"},
    ],
    ids=["not-real", "part-missing", "not-a-number", "year-before-1900", "too-big"],
)
def test_boxes_that_are_not_a_date_give_the_boxes_wording(boxes: dict[str, str]) -> None:
    with pytest.raises(InvalidDate) as caught:
        parse_as_of(**boxes)
    assert str(caught.value) == DATE_ERROR


def test_a_year_from_1900_in_the_boxes_is_a_date() -> None:
    assert parse_as_of(day="1", month="1", year="1900") == date(1900, 1, 1)


@pytest.mark.parametrize("text", ["23/11/2026", "tomorrow", "2026-02-31"])
def test_a_value_that_is_not_an_iso_date_gives_the_iso_wording(text: str) -> None:
    with pytest.raises(InvalidDate) as caught:
        parse_as_of(text)
    assert str(caught.value) == ISO_DATE_ERROR


def test_both_wordings_are_one_sentence_with_the_example_in_the_forms_own_shape() -> None:
    assert DATE_ERROR == "The as-of date must be a real date, like 23 11 2026."
    assert ISO_DATE_ERROR == "The as-of date must be a real date, like 2026-11-23."


def test_the_findings_page_and_the_map_word_a_bad_date_the_same_way() -> None:
    assert DATE_PROBLEM == DATE_ERROR
    assert parse_as_of_boxes({"as_of": "soon"}, date(2026, 11, 23))[2] == DATE_ERROR


def test_the_boxes_show_what_was_typed_or_the_date() -> None:
    assert typed_parts({"as_of-day": " 01 ", "as_of-year": "2026"}) == {
        "day": "01",
        "month": "",
        "year": "2026",
    }
    assert shown_parts(date(2026, 1, 2)) == {"day": "2", "month": "1", "year": "2026"}
    assert parse_as_of_boxes({"as_of": "2027-01-02"}, date(2026, 11, 23))[1] == shown_parts(date(2027, 1, 2))


@pytest.mark.parametrize("command", [["check"], ["export-ropa", "-"], ["render-map", "map.json"]])
def test_every_command_refuses_a_bad_as_of_date_with_the_iso_wording(
    runner: FlaskCliRunner, command: list[str]
) -> None:
    result = runner.invoke(args=[*command, "--as-of", "23/11/2026"])
    assert result.exit_code == 2
    assert ISO_DATE_ERROR in result.output


def test_a_blank_as_of_date_is_refused_on_the_command_line(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["check", "--as-of", " "])
    assert result.exit_code == 2 and ISO_DATE_ERROR in result.output


def test_the_as_of_option_shows_the_form_it_takes(runner: FlaskCliRunner) -> None:
    assert "--as-of YYYY-MM-DD" in runner.invoke(args=["check", "--help"]).output
