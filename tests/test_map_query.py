"""The map's filters read from a query string and written back into links."""

from __future__ import annotations

import doctest
from datetime import date

from werkzeug.datastructures import MultiDict

from isa_registry.core.graph import MapFilters
from isa_registry.web import map_query
from isa_registry.web.map_query import DATE_PROBLEM, filters_from_query, query_items


def test_filters_round_trip_through_the_url() -> None:
    filters = MapFilters(
        organisation="wmp",
        depth=2,
        category="special",
        programme="Early help",
        agreement="ISA-1",
        flagged_only=True,
        as_of=date(2025, 3, 31),
        expand=frozenset({"education", "health"}),
    )
    parsed, problems = filters_from_query(MultiDict(query_items(filters)))
    assert parsed == filters and problems == []


def test_the_detailed_map_and_the_overviews_grouping_round_trip_through_the_url() -> None:
    filters = MapFilters(detail=True, group="agreement", expand=frozenset({"ISA-1"}))
    items = query_items(filters)
    assert items == [("detail", "1"), ("group", "agreement"), ("expand", "ISA-1")]
    parsed, problems = filters_from_query(MultiDict(items))
    assert parsed == filters and problems == []
    # The default, the overview grouped by kind, adds nothing to the URL.
    assert query_items(MapFilters()) == [] and filters_from_query({})[0] == MapFilters()


def test_the_gov_uk_date_input_gives_the_as_of_date() -> None:
    parsed, problems = filters_from_query({"as_of-day": "1", "as_of-month": "4", "as_of-year": "2025"})
    assert parsed.as_of == date(2025, 4, 1) and problems == []
    _, problems = filters_from_query({"as_of-day": "31", "as_of-month": "2", "as_of-year": "2025"})
    assert problems == [DATE_PROBLEM]


def test_bad_filters_are_named() -> None:
    _, problems = filters_from_query({"depth": "5", "as_of": "yesterday"})
    assert problems == ["Depth must be 1 or 2.", DATE_PROBLEM]


def test_the_examples_in_the_module_hold() -> None:
    assert doctest.testmod(map_query).failed == 0
