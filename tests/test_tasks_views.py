"""The "My tasks" page: agreements to sign or review, actions given to me, my decisions about to
lapse, with the dates the reminders use."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask
from sqlalchemy import update

from isa_registry.core.domain import Party
from isa_registry.core.rules import run_rules
from isa_registry.store.db import db
from isa_registry.store.models import FindingAction, FindingDecision, Organisation
from tests.builders import clean_registry
from tests.conftest import NO_RETENTION, Auth, add_rows, store

TODAY = date.today()


def _set_dpo(app: Flask, key: str, email: str) -> None:
    with app.app_context():
        db.session.execute(update(Organisation).where(Organisation.key == key).values(dpo_contact=email))
        db.session.commit()


def test_my_tasks_is_in_the_navigation_of_every_signed_in_user(app: Flask, auth: Auth) -> None:
    page = auth.client("viewer").get("/").text
    assert 'href="/my-tasks"' in page and "My tasks" in page


def test_an_agreement_due_for_review_is_a_task_of_the_owners_dpo(app: Flask, auth: Auth) -> None:
    review = TODAY + timedelta(days=20)
    store(app, clean_registry(agreement={"review_date": review}))
    _set_dpo(app, "dudley", "viewer@example.org")
    page = auth.client("viewer").get("/my-tasks")
    assert page.status_code == 200
    assert 'id="my-agreements"' in page.text
    assert "Review of DSPP-ISA-001 due in 20 days" in page.text
    assert f"{review.day} {review:%B %Y}" in page.text
    assert 'href="/agreements/DSPP-ISA-001"' in page.text
    assert "Referral" not in page.text  # the purpose is never shown here


def test_someone_else_has_no_task_for_it(app: Flask, auth: Auth) -> None:
    store(app, clean_registry(agreement={"review_date": TODAY + timedelta(days=20)}))
    page = auth.client("editor").get("/my-tasks").text
    assert 'id="no-agreements"' in page and 'id="no-actions"' in page and 'id="no-decisions"' in page


def test_a_party_that_has_not_signed_is_a_task_of_its_dpo_from_the_first_day(app: Flask, auth: Auth) -> None:
    parties = [Party("dudley", signed_on=TODAY), Party("wmp")]
    store(app, clean_registry(agreement={"status": "draft", "parties": parties}))
    _set_dpo(app, "wmp", "viewer@example.org")
    page = auth.client("viewer").get("/my-tasks").text
    assert "DSPP-ISA-001 is waiting for West Midlands Police to sign" in page


def test_a_signatory_with_an_account_sees_the_review(app: Flask, auth: Auth) -> None:
    parties = [
        Party("dudley", signed_on=TODAY),
        Party("wmp", signed_on=TODAY, signed_by="Viewer@Example.org"),
    ]
    store(app, clean_registry(agreement={"review_date": TODAY - timedelta(days=3), "parties": parties}))
    page = auth.client("viewer").get("/my-tasks").text
    assert "Review of DSPP-ISA-001 is overdue" in page and "Overdue" in page


def test_actions_given_to_me_are_listed_with_their_due_dates(app: Flask, auth: Auth) -> None:
    store(app, clean_registry(flow={"retention": None}))
    due = TODAY + timedelta(days=5)
    add_rows(
        app,
        FindingAction(
            **NO_RETENTION,
            owner="viewer@example.org",
            due_on=due,
            assigned_by="editor@example.org",
            assigned_on=TODAY,
        ),
    )
    viewer = auth.client("viewer").get("/my-tasks").text
    assert 'id="my-actions"' in viewer and f"{due.day} {due:%B %Y}" in viewer and "Due soon" in viewer
    assert "/findings/flow/FLOW-012/FLOW_NO_RETENTION" not in viewer  # a viewer cannot open it
    assert 'href="/flows/FLOW-012"' in viewer


def test_my_decisions_about_to_lapse_are_listed(app: Flask, auth: Auth) -> None:
    registry = clean_registry(flow={"retention": None})
    [finding] = run_rules(registry, TODAY)
    store(app, registry)
    add_rows(
        app,
        FindingDecision(
            **NO_RETENTION,
            decision="accepted",
            reason="Set by policy.",
            decided_by="editor@example.org",
            decided_on=TODAY,
            review_by=TODAY + timedelta(days=10),
            message=finding.message,
        ),
    )
    page = auth.client("editor").get("/my-tasks").text
    assert 'id="my-decisions"' in page
    assert 'href="/findings/flow/FLOW-012/FLOW_NO_RETENTION"' in page


def test_my_actions_links_to_my_tasks(app: Flask, auth: Auth) -> None:
    assert 'href="/my-tasks"' in auth.client("editor").get("/my-actions").text
