"""The dashboard: counts, findings by severity, reviews due, recent changes, and few queries."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from isa_registry.store import cache
from isa_registry.web.dashboard import reviews
from tests.builders import agreement, clean_registry, flow, registry
from tests.conftest import Auth, statements, store


@pytest.fixture()
def viewer(client: FlaskClient, auth: Auth) -> FlaskClient:
    return auth.sign_in(client, "viewer")


def section(page: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}".*?</(table|p)>', page, re.S)
    assert match, f"no #{element_id}"
    return match.group(0)


def test_the_dashboard_counts_the_registry(app: Flask, viewer: FlaskClient) -> None:
    store(app, clean_registry())
    page = viewer.get("/").text
    assert "<title>Dashboard – " in page
    assert ">5</span>" in section(page, "count-organisations")
    assert ">1</span>" in section(page, "count-agreements")
    assert ">1</span>" in section(page, "count-flows")


def test_findings_by_severity_link_to_the_findings_page(app: Flask, viewer: FlaskClient) -> None:
    store(app, clean_registry(flow={"article6": None, "retention": None}))
    summary = section(viewer.get("/").text, "findings-summary")
    assert 'href="/findings?severity=error"' in summary
    assert 'href="/findings?severity=warning"' in summary
    assert 'href="/findings?severity=info"' not in summary  # none to see


def test_an_empty_registry_has_nothing_to_fix_or_show(app: Flask, viewer: FlaskClient) -> None:
    page = viewer.get("/").text
    assert "The rules find nothing to fix" in page
    assert "No agreement in force is due for review" in page
    assert "Nothing has been changed yet" in page


def test_reviews_overdue_and_due_within_90_days_are_listed(app: Flask, viewer: FlaskClient) -> None:
    today = date.today()
    store(
        app,
        registry(
            agreements=[
                agreement("OVERDUE", review_date=today - timedelta(days=5)),
                agreement("SOON", review_date=today + timedelta(days=30)),
                agreement("LATER", review_date=today + timedelta(days=91)),
                agreement("DRAFT", status="draft", review_date=today - timedelta(days=5)),
            ]
        ),
    )
    page = viewer.get("/").text
    overdue, due = section(page, "reviews-overdue"), section(page, "reviews-due")
    assert 'href="/agreements/OVERDUE"' in overdue and "SOON" not in overdue
    assert 'href="/agreements/SOON"' in due and "LATER" not in due
    assert "DRAFT" not in overdue + due  # a draft is not in force


def test_reviews_are_sorted_and_split_on_the_day() -> None:
    today = date(2026, 11, 23)
    reg = registry(
        agreements=[
            agreement("B", review_date=today + timedelta(days=90)),
            agreement("A", review_date=today),
            agreement("C", review_date=today - timedelta(days=1), status="under_review"),
            agreement("D", review_date=None),
        ]
    )
    found = reviews(reg, today)
    assert [a.key for a in found.overdue] == ["C"]
    assert [a.key for a in found.due] == ["A", "B"]


def test_recent_changes_show_the_last_ten_audit_entries(app: Flask, viewer: FlaskClient) -> None:
    base = clean_registry()
    extra = [flow(f"FLOW-{n:03d}") for n in range(100, 106)]
    flows = {**base.flows, **{f.key: f for f in extra}}
    store(app, replace(base, flows=flows), "test@example.org")  # 5 + 1 + 7 = 13 entries
    recent = section(viewer.get("/").text, "recent-changes")
    rows = re.findall(r'<tr class="govuk-table__row">', recent)
    assert len(rows) == 11  # header and ten entries
    assert 'href="/flows/FLOW-105"' in recent and "test@example.org" in recent
    assert 'href="/organisations/dudley"' not in recent  # among the first, so not recent


def test_the_dashboard_runs_the_same_few_queries_whatever_the_size(app: Flask, viewer: FlaskClient) -> None:
    store(app, clean_registry())
    with statements(app) as small:
        assert viewer.get("/").status_code == 200
    flows = [flow(f"FLOW-{n:03d}") for n in range(200, 260)]
    agreements = [agreement(f"ISA-{n:03d}") for n in range(20)]
    store(app, registry(agreements=agreements, flows=flows))
    cache.clear()  # read the tables again, as the first time (not a replay of the audit entries)
    with statements(app) as large:
        assert viewer.get("/").status_code == 200
    assert len(large) == len(small) <= 10
