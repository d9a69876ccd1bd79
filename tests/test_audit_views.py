"""The audit log page: who, when, which record, what changed, a page at a time; viewers read it."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from isa_registry.store import audit
from isa_registry.store.db import db
from isa_registry.web.audit_log import PER_PAGE, FieldChange, changed_fields, show
from tests.conftest import Auth


@pytest.fixture()
def viewer(client: FlaskClient, auth: Auth) -> FlaskClient:
    return auth.sign_in(client, "viewer")


def record(app: Flask, *changes: audit.Change, actor: str = "editor@example.org") -> None:
    with app.app_context():
        audit.append(db.session, actor, changes)
        db.session.commit()


def entries(page: str) -> list[str]:
    return re.findall(r'<li class="govuk-!-margin-bottom-8" id="entry-(\d+)">', page)


def test_viewers_can_read_the_audit_log(app: Flask, viewer: FlaskClient) -> None:
    record(app, audit.Change("create", "organisation", "wmp", None, {"name": "West Midlands Police"}))
    page = viewer.get("/audit").text
    assert "<title>Audit log – " in page
    assert "editor@example.org" in page and 'href="/organisations/wmp"' in page
    assert "Create organisation" in page


def test_an_update_shows_only_the_fields_that_changed(app: Flask, viewer: FlaskClient) -> None:
    before = {
        "name": "MASH referrals",
        "retention": "6 years",
        "status": "active",
        "data_categories": ["health"],
    }
    after = {
        **before,
        "retention": "Until the child's 25th birthday",
        "data_categories": ["health", "referral"],
    }
    record(app, audit.Change("update", "flow", "FLOW-012", before, after))
    page = viewer.get("/audit").text
    table = re.search(r'id="entry-1">.*?</table>', page, re.S).group(0)
    assert "Retention" in table and "6 years" in table and "Until the child&#39;s 25th birthday" in table
    assert "Data categories" in table and "Health (physical and mental), Referrals and concerns" in table
    assert "MASH referrals" not in table and ">Status<" not in table
    assert 'href="/flows/FLOW-012"' in page


def test_user_entries_are_not_linked_as_registry_records(app: Flask, viewer: FlaskClient) -> None:
    record(
        app,
        audit.Change(
            "create", "user", "new@example.org", None, {"email": "new@example.org", "role": "viewer"}
        ),
    )
    page = viewer.get("/audit").text
    assert "Create user" in page and "new@example.org" in page
    assert 'href="/users' not in page.split('id="audit-entries"')[1]


def test_the_log_is_paginated_newest_first(app: Flask, viewer: FlaskClient) -> None:
    record(
        app,
        *(audit.Change("create", "flow", f"FLOW-{n:03d}", None, {"name": f"Flow {n}"}) for n in range(1, 31)),
    )
    first = viewer.get("/audit").text
    assert entries(first) == [str(n) for n in range(30, 30 - PER_PAGE, -1)]
    assert "Showing entries 1 to 25 of 30" in first
    assert 'href="/audit?page=2"' in first
    second = viewer.get("/audit?page=2").text
    assert entries(second) == ["5", "4", "3", "2", "1"]
    assert "<title>Audit log (page 2 of 2) – " in second
    assert 'href="/audit?page=1"' in second


def test_the_log_can_be_narrowed_to_one_record(app: Flask, viewer: FlaskClient) -> None:
    record(
        app,
        audit.Change("create", "flow", "FLOW-001", None, {"name": "One"}),
        audit.Change("create", "flow", "FLOW-002", None, {"name": "Two"}),
        audit.Change("update", "flow", "FLOW-001", {"name": "One"}, {"name": "Uno"}),
    )
    page = viewer.get("/audit?type=flow&key=FLOW-001").text
    assert entries(page) == ["3", "1"]
    assert viewer.get("/audit?key=nothing").text.count("No entries match") == 1


def test_an_empty_log_says_so(viewer: FlaskClient) -> None:
    assert "Nothing has been changed yet" in viewer.get("/audit").text


def test_changed_fields_lists_creations_updates_and_deletions() -> None:
    assert changed_fields(None, {"name": "A", "kind": None}) == [FieldChange("Name", "", "A")]
    assert changed_fields({"name": "A", "kind": "police"}, {"name": "A", "kind": "health"}) == [
        FieldChange("Kind", "police", "health")
    ]
    assert changed_fields({"name": "A"}, None) == [FieldChange("Name", "A", "")]
    assert changed_fields({"a": [], "b": None}, {"a": None, "b": ""}) == []


def test_values_are_shown_as_people_read_them() -> None:
    assert show(True) == "Yes" and show(False) == "No"
    assert show(["health", "referral"]) == "health, referral"
    assert show([{"organisation": "wmp", "role": "controller"}]) == "organisation: wmp, role: controller"
    assert show(3) == "3" and show(None) == ""


def test_the_differences_name_fields_and_values_by_their_labels(dudley: Flask, viewer: FlaskClient) -> None:
    before = {"article6": "b", "regime": "uk_gdpr", "source": "wmp", "data_subjects": ["parents_carers"]}
    after = {"article6": "e", "regime": "law_enforcement", "source": "dgft", "data_subjects": ["children"]}
    record(dudley, audit.Change("update", "flow", "FLOW-012", before, after))
    page = viewer.get("/audit?type=flow&key=FLOW-012").text
    table = re.search(r'<li class="govuk-!-margin-bottom-8" id="entry-\d+">.*?</table>', page, re.S).group(0)
    assert "UK GDPR Art 6(1) lawful basis" in table and "Art 6(1)(b) Contract" in table
    assert "Art 6(1)(e) Public task" in table
    assert "UK GDPR" in table and "uk_gdpr" not in table and "Article6" not in table
    assert "West Midlands Police" in table  # an organisation by its name, not its key
    assert "Parents and carers" in table and "parents_carers" not in table


def test_a_creation_is_summarised_in_one_sentence(app: Flask, viewer: FlaskClient) -> None:
    after = {"key": "FLOW-061", "name": "MASH referrals", "status": "active", "retention": "6 years"}
    record(app, audit.Change("create", "flow", "FLOW-061", None, after))
    page = viewer.get("/audit").text
    assert "Created flow FLOW-061 &#39;MASH referrals&#39; (4 fields)" in page
    assert "Show the fields it set" in page  # the fields themselves are folded away
