"""The findings page: counts, grouping, filters, the as-of date and links to records."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient

from isa_registry.core.domain import Finding
from isa_registry.store.services import slice_page
from isa_registry.web.as_of import DATE_ERROR
from isa_registry.web.as_of import parse_as_of_boxes as parse_as_of
from isa_registry.web.findings import Filters, apply_filters, group_by_record
from tests.builders import AS_OF, agreement, clean_registry, days, flow, registry
from tests.conftest import Auth, store

ON = {"as_of": AS_OF.isoformat()}


@pytest.fixture()
def viewer(client: FlaskClient, auth: Auth) -> FlaskClient:
    """The client, signed in as a viewer: findings are for everyone."""
    return auth.sign_in(client, "viewer")


def codes(page: str) -> list[str]:
    return re.findall(r"<code>([A-Z0-9_]+)</code>", page)


def test_a_clean_registry_has_nothing_to_fix(app: Flask, viewer: FlaskClient) -> None:
    store(app, clean_registry())
    page = viewer.get("/findings", query_string=ON).text
    assert "The rules find nothing to fix" in page
    assert codes(page) == []


def test_each_finding_shows_its_remedy_and_reference_and_links_its_record(
    app: Flask, viewer: FlaskClient
) -> None:
    store(app, clean_registry(flow={"article6": None}))
    page = viewer.get("/findings", query_string=ON).text
    assert codes(page) == ["FLOW_NO_LAWFUL_BASIS"]
    assert 'href="/flows/FLOW-012"' in page
    assert "What to do:" in page and "Reference:" in page and "UK GDPR Art 6" in page


def test_findings_are_counted_by_severity_and_grouped_by_record(app: Flask, viewer: FlaskClient) -> None:
    # No lawful basis (error) and no retention (warning) on the same flow.
    store(app, clean_registry(flow={"article6": None, "retention": None}))
    page = viewer.get("/findings", query_string=ON).text
    assert set(codes(page)) == {"FLOW_NO_LAWFUL_BASIS", "FLOW_NO_RETENTION"}
    assert page.count('href="/flows/FLOW-012"') == 1  # one heading for the record
    counts = re.search(r'id="severity-counts">(.*?)</ul>', page, re.S).group(1)
    assert re.search(r"Error\s*</strong>\s*<a[^>]*>1<", counts)
    assert re.search(r"Warning\s*</strong>\s*<a[^>]*>1<", counts)
    assert "severity=warning" in counts


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"severity": "warning"}, {"FLOW_NO_RETENTION"}),
        ({"code": "FLOW_NO_LAWFUL_BASIS"}, {"FLOW_NO_LAWFUL_BASIS"}),
        ({"organisation": "wmp"}, {"FLOW_NO_LAWFUL_BASIS", "FLOW_NO_RETENTION"}),
        ({"agreement": "DSPP-ISA-001"}, {"FLOW_NO_LAWFUL_BASIS", "FLOW_NO_RETENTION"}),
        ({"programme": "MASH"}, {"FLOW_NO_LAWFUL_BASIS", "FLOW_NO_RETENTION"}),
        ({"organisation": "wmp", "severity": "error"}, {"FLOW_NO_LAWFUL_BASIS"}),
    ],
)
def test_filters_narrow_the_findings(app: Flask, viewer: FlaskClient, query: dict, expected: set) -> None:
    store(app, clean_registry(flow={"article6": None, "retention": None, "programme": "MASH"}))
    page = viewer.get("/findings", query_string={**ON, **query}).text
    assert set(codes(page)) == expected


@pytest.mark.parametrize(
    "query", [{"organisation": "family-action"}, {"programme": "Early help"}, {"severity": "info"}]
)
def test_filters_that_match_nothing_say_so(app: Flask, viewer: FlaskClient, query: dict) -> None:
    store(app, clean_registry(flow={"article6": None, "programme": "MASH"}))
    page = viewer.get("/findings", query_string={**ON, **query}).text
    assert codes(page) == []
    assert "No findings match these filters" in page
    assert 'href="/findings">clear the filters' in page


def test_the_filter_form_works_without_javascript(app: Flask, viewer: FlaskClient) -> None:
    store(app, clean_registry(flow={"programme": "MASH"}))
    page = viewer.get("/findings", query_string={**ON, "organisation": "wmp"}).text
    form = re.search(r'<form method="get" action="/findings".*?</form>', page, re.S).group(0)
    for name in (
        "severity",
        "code",
        "organisation",
        "agreement",
        "programme",
        "as_of-day",
        "as_of-month",
        "as_of-year",
    ):
        assert f'name="{name}"' in form
    assert re.search(r'<option value="wmp" selected', form)
    assert '<option value="MASH"' in form
    assert re.search(r'<label class="govuk-label[^"]*" for="organisation">', form)


def test_the_as_of_date_changes_what_is_found(app: Flask, viewer: FlaskClient) -> None:
    store(app, clean_registry(agreement={"review_date": days(30)}))
    assert codes(viewer.get("/findings", query_string=ON).text) == ["AGREEMENT_REVIEW_DUE"]
    later = days(31)
    page = viewer.get(
        "/findings",
        query_string={"as_of-day": later.day, "as_of-month": later.month, "as_of-year": later.year},
    ).text
    assert codes(page) == ["AGREEMENT_REVIEW_OVERDUE"]
    assert f'value="{later.day}"' in page


def test_the_as_of_date_defaults_to_today(app: Flask, viewer: FlaskClient) -> None:
    store(app, clean_registry())
    page = viewer.get("/findings").text
    today = date.today()
    assert f"As of {today.day} {today:%B %Y}" in page
    assert f'name="as_of-year" type="text" value="{today.year}"' in page


def test_a_date_that_is_not_real_is_an_error_and_today_is_used(app: Flask, viewer: FlaskClient) -> None:
    store(app, clean_registry())
    page = viewer.get(
        "/findings", query_string={"as_of-day": "31", "as_of-month": "2", "as_of-year": "2026"}
    ).text
    assert "<title>Error: Findings" in page
    assert "govuk-error-summary" in page and DATE_ERROR in page
    assert 'href="#as_of-day"' in page


def finding(code: str, subject_type: str, key: str, severity: str = "error") -> Finding:
    return Finding(code, severity, subject_type, key, f"{key} problem", "Fix it", "UK GDPR Art 5")


def test_the_organisation_filter_follows_agreements_and_flows() -> None:
    reg = registry(
        agreements=[agreement("A1", parties=("dudley", "wmp")), agreement("A2", parties=("bcicb", "dudley"))],
        flows=[flow("F1", source="wmp", recipient="dudley", agreement_key="A1")],
    )
    findings = [
        finding("ORGANISATION_NO_DPO", "organisation", "wmp"),
        finding("AGREEMENT_UNUSED", "agreement", "A1", "info"),
        finding("AGREEMENT_UNUSED", "agreement", "A2", "info"),
        finding("FLOW_NO_RETENTION", "flow", "F1", "warning"),
    ]
    wmp = apply_filters(findings, reg, Filters(organisation="wmp"))
    assert [(f.subject_type, f.subject_key) for f in wmp] == [
        ("organisation", "wmp"),
        ("agreement", "A1"),
        ("flow", "F1"),
    ]
    a2 = apply_filters(findings, reg, Filters(agreement="A2"))
    assert [f.subject_key for f in a2] == ["A2"]


def test_grouping_keeps_the_order_of_first_appearance() -> None:
    reg = registry(agreements=[agreement("A1")], flows=[flow("F1", agreement_key="A1")])
    findings = [
        finding("X", "flow", "F1"),
        finding("Y", "agreement", "A1"),
        finding("Z", "flow", "F1", "warning"),
    ]
    groups = group_by_record(findings, reg)
    assert [(g.subject_key, [f.code for f in g.findings]) for g in groups] == [
        ("F1", ["X", "Z"]),
        ("A1", ["Y"]),
    ]
    assert groups[0].label == "MASH referrals (West Midlands Police to Dudley Metropolitan Borough Council)"
    assert groups[0].worst == "error"


def test_parse_as_of() -> None:
    today = date(2026, 11, 23)
    assert parse_as_of({}, today)[0] == today
    assert parse_as_of({"as_of": "2027-01-02"}, today)[0] == date(2027, 1, 2)
    assert parse_as_of({"as_of-day": "2", "as_of-month": "1", "as_of-year": "2027"}, today)[0] == date(
        2027, 1, 2
    )
    assert parse_as_of({"as_of-day": "x", "as_of-month": "1", "as_of-year": "2027"}, today)[2] == DATE_ERROR
    assert parse_as_of({"as_of": "soon"}, today)[2] == DATE_ERROR


def test_findings_are_shown_fifty_records_to_a_page() -> None:
    from isa_registry.web import findings as findings_view

    page = slice_page(list(range(120)), 3, findings_view.RECORDS_PER_PAGE)
    assert page.items == list(range(100, 120)) and page.pages == 3 and page.has_prev and not page.has_next
    assert slice_page(list(range(120)), 99, findings_view.RECORDS_PER_PAGE).items == list(range(100, 120))
    assert list(page.iter_pages()) == [1, 2, 3]
