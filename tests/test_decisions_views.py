"""The pages for deciding on findings: the decision form, withdrawal, actions, deciding several at
once, my actions, the state tags and filters, and the dashboard's counts."""

from __future__ import annotations

import copy
from datetime import date, timedelta

import pytest
from flask import Flask

from isa_registry.store.db import db
from isa_registry.store.decisions import load_decisions
from tests.builders import clean_registry
from tests.conftest import Auth, add_rows, store

ERROR_URL = "/findings/flow/FLOW-012/FLOW_NO_LAWFUL_BASIS"
WARNING_URL = "/findings/flow/FLOW-012/FLOW_NO_RETENTION"


@pytest.fixture()
def registry(app: Flask) -> Flask:
    """An error (no lawful basis) and a warning (no retention) on FLOW-012, another on FLOW-013."""
    r = clean_registry(flow={"article6": None, "retention": None})
    second = copy.deepcopy(r.flows["FLOW-012"])
    second.key = "FLOW-013"
    r.flows["FLOW-013"] = second
    store(app, r)
    return app


def in_a_year() -> dict[str, str]:
    day = date.today() + timedelta(days=365)
    return {"review_by-day": str(day.day), "review_by-month": str(day.month), "review_by-year": str(day.year)}


def decisions(app: Flask) -> list:
    with app.app_context():
        return load_decisions(db.session)


def test_an_editor_records_that_a_rule_does_not_apply(registry: Flask, auth: Auth) -> None:
    editor = auth.client("editor")
    page = editor.get(ERROR_URL)
    assert page.status_code == 200
    assert "Decide on a finding" in page.text and 'id="decision-form"' in page.text
    response = editor.post(ERROR_URL, data={"decision": "not_applicable", "reason": "Statutory return."})
    assert response.status_code == 302
    [decision] = decisions(registry)
    assert (decision.decision, decision.decided_by) == ("not_applicable", "editor@example.org")
    shown = editor.get(ERROR_URL).text
    assert "Decision in force" in shown and "Statutory return." in shown and 'id="decision-history"' in shown


def test_an_editor_accepts_a_warning(registry: Flask, auth: Auth) -> None:
    response = auth.client("editor").post(
        WARNING_URL, data={"decision": "accepted", "reason": "Being drafted."}
    )
    assert response.status_code == 302
    assert [d.decision for d in decisions(registry)] == ["accepted"]


def test_an_editor_is_told_why_they_cannot_accept_an_error(registry: Flask, auth: Auth) -> None:
    editor = auth.client("editor")
    assert "Only an admin" in editor.get(ERROR_URL).text
    response = editor.post(ERROR_URL, data={"decision": "accepted", "reason": "Fine.", **in_a_year()})
    assert response.status_code == 403
    assert "There is a problem" in response.text and "Only an admin" in response.text
    assert decisions(registry) == []


def test_an_admin_accepts_an_error_with_a_review_date(registry: Flask, auth: Auth) -> None:
    admin = auth.client("admin")
    missing = admin.post(ERROR_URL, data={"decision": "accepted", "reason": "Renewing."})
    assert missing.status_code == 400
    assert "Enter the date by which the accepted risk is to be reviewed" in missing.text
    assert (
        admin.post(ERROR_URL, data={"decision": "accepted", "reason": "Renewing.", **in_a_year()}).status_code
        == 302
    )
    assert [d.review_by for d in decisions(registry)] == [date.today() + timedelta(days=365)]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "Why."}, "Select whether the risk is accepted or the rule does not apply here"),
        ({"decision": "not_applicable", "reason": "   "}, "Enter the reason for the decision"),
        (
            {
                "decision": "not_applicable",
                "reason": "Why.",
                "review_by-day": "31",
                "review_by-month": "2",
                "review_by-year": "2027",
            },
            "Review-by date must be a real date",
        ),
    ],
)
def test_a_bad_decision_form_is_shown_again_with_an_error_summary(
    registry: Flask, auth: Auth, data: dict[str, str], message: str
) -> None:
    response = auth.client("admin").post(ERROR_URL, data=data)
    assert response.status_code == 400
    assert "govuk-error-summary" in response.text and message in response.text
    assert decisions(registry) == []


def test_withdrawing_a_decision_reopens_the_finding(registry: Flask, auth: Auth) -> None:
    editor = auth.client("editor")
    editor.post(WARNING_URL, data={"decision": "not_applicable", "reason": "Kept elsewhere."})
    assert editor.post(WARNING_URL + "/withdraw").status_code == 302
    [decision] = decisions(registry)
    assert decision.withdrawn_on == date.today()
    page = editor.get("/findings?state=open&code=FLOW_NO_RETENTION").text
    assert "2 findings" in page


def test_a_finding_that_is_not_there_today_is_not_found(registry: Flask, auth: Auth) -> None:
    assert auth.client("editor").get("/findings/flow/FLOW-012/AGREEMENT_EXPIRED").status_code == 404


def test_an_action_gives_an_owner_and_appears_on_their_page(registry: Flask, auth: Auth) -> None:
    editor = auth.client("editor")
    due = date.today() + timedelta(days=7)
    response = editor.post(
        ERROR_URL + "/action",
        data={
            "owner": "Editor@example.org",
            "due_on-day": due.day,
            "due_on-month": due.month,
            "due_on-year": due.year,
        },
    )
    assert response.status_code == 302
    mine = editor.get("/my-actions").text
    assert 'id="my-actions"' in mine and f'href="{ERROR_URL}"' in mine
    assert "editor@example.org" in editor.get("/findings?owner=editor@example.org").text
    bad = editor.post(ERROR_URL + "/action", data={"owner": "the IG team"})
    assert bad.status_code == 400 and "govuk-error-summary" in bad.text


def test_several_findings_of_one_code_are_decided_together(registry: Flask, auth: Auth) -> None:
    editor = auth.client("editor")
    chosen = ["flow|FLOW-012|FLOW_NO_RETENTION", "flow|FLOW-013|FLOW_NO_RETENTION"]
    form = editor.get("/findings/decide", query_string={"finding": chosen})
    assert form.status_code == 200 and "Decide on several findings" in form.text
    response = editor.post(
        "/findings/decide",
        data={"finding": chosen, "decision": "accepted", "reason": "Schedule being agreed."},
    )
    assert response.status_code == 302
    assert sorted(d.subject_key for d in decisions(registry)) == ["FLOW-012", "FLOW-013"]


def test_findings_of_different_codes_are_not_decided_together(registry: Flask, auth: Auth) -> None:
    chosen = ["flow|FLOW-012|FLOW_NO_RETENTION", "flow|FLOW-012|FLOW_NO_LAWFUL_BASIS"]
    response = auth.client("admin").post(
        "/findings/decide", data={"finding": chosen, "decision": "not_applicable", "reason": "Both."}
    )
    assert response.status_code == 400 and "of one code" in response.text
    assert decisions(registry) == []


def test_the_findings_page_shows_states_decide_links_and_checkboxes_to_editors(
    registry: Flask, auth: Auth
) -> None:
    editor = auth.client("editor")
    editor.post(WARNING_URL, data={"decision": "not_applicable", "reason": "Kept elsewhere."})
    page = editor.get("/findings").text
    assert 'id="decide-many"' in page and 'name="finding"' in page
    assert f'href="{ERROR_URL}"' in page
    assert ">Decided</strong>" in page and ">Open</strong>" in page
    assert "1 decided" in page
    assert "1 finding" in editor.get("/findings?state=decided").text


def test_viewers_see_states_but_no_decide_link_and_are_refused_every_decision_route(
    registry: Flask, auth: Auth
) -> None:
    viewer = auth.client("viewer")
    page = viewer.get("/findings").text
    assert ">Open</strong>" in page
    assert "/findings/flow/" not in page and 'id="decide-many"' not in page
    assert "/findings/flow/" not in viewer.get("/flows/FLOW-012").text
    for url in (ERROR_URL, "/findings/decide", "/my-actions"):
        assert viewer.get(url).status_code == 403, url
    for url in (ERROR_URL, ERROR_URL + "/withdraw", ERROR_URL + "/action", "/findings/decide"):
        response = viewer.post(
            url, data={"decision": "not_applicable", "reason": "Viewer.", "owner": "v@x.org"}
        )
        assert response.status_code == 403, url
    assert decisions(registry) == []


def test_record_pages_show_each_findings_state_and_decision(registry: Flask, auth: Auth) -> None:
    editor = auth.client("editor")
    editor.post(WARNING_URL, data={"decision": "not_applicable", "reason": "Kept elsewhere."})
    page = editor.get("/flows/FLOW-012").text
    assert ">Decided</strong>" in page and "Kept elsewhere." in page
    assert f'href="{ERROR_URL}"' in page


def test_the_dashboard_counts_open_and_decided_findings(registry: Flask, auth: Auth) -> None:
    editor = auth.client("editor")
    editor.post(WARNING_URL, data={"decision": "accepted", "reason": "Soon.", **in_a_year()})
    page = editor.get("/").text
    assert 'href="/findings?severity=warning&amp;state=decided"' in page
    assert 'href="/findings?severity=warning&amp;state=open"' in page  # the other flow's
    assert 'id="lapsing-decisions"' not in page  # a year away


def test_the_dashboard_lists_overdue_actions_and_decisions_lapsing_soon(registry: Flask, auth: Auth) -> None:
    admin = auth.client("admin")
    soon = date.today() + timedelta(days=10)
    admin.post(
        ERROR_URL,
        data={
            "decision": "accepted",
            "reason": "Renewing.",
            "review_by-day": soon.day,
            "review_by-month": soon.month,
            "review_by-year": soon.year,
        },
    )
    from isa_registry.store.models import FindingAction

    add_rows(
        registry,
        FindingAction(
            subject_type="flow",
            subject_key="FLOW-013",
            code="FLOW_NO_RETENTION",
            owner="admin@example.org",
            due_on=date.today() - timedelta(days=1),
            assigned_by="admin@example.org",
            assigned_on=date.today() - timedelta(days=9),
        ),
    )
    from isa_registry.store import cache

    cache.clear()  # the row went in without an audit entry
    page = admin.get("/").text
    assert 'id="lapsing-decisions"' in page and 'id="overdue-actions"' in page
    assert "Overdue" in admin.get("/my-actions").text


def test_the_map_colours_edges_by_open_findings_and_names_decided_ones(registry: Flask, auth: Auth) -> None:
    from isa_registry.core import graph
    from isa_registry.core.decisions import open_and_decided
    from isa_registry.core.rules import run_rules
    from isa_registry.store.queries import checked_registry

    admin = auth.client("admin")
    before = admin.get("/map").text
    assert "govuk-tag--red" in before.split('id="connections"')[-1]
    for url in (ERROR_URL, "/findings/flow/FLOW-013/FLOW_NO_LAWFUL_BASIS"):
        admin.post(url, data={"decision": "accepted", "reason": "Renewing.", **in_a_year()})
    with registry.app_context():
        checked = checked_registry(date.today())
        open_findings, decided = open_and_decided(checked.reviewed)
        assert {f.code for f in decided} == {"FLOW_NO_LAWFUL_BASIS"}
        built = graph.build_graph(checked.live, open_findings, checked.as_of, decided=decided)
        edge = built.edges["wmp", "dudley", "FLOW-012"]
        assert edge["severity"] == "warning"
        assert [f.code for f in edge["decided"]] == ["FLOW_NO_LAWFUL_BASIS"]
        assert (
            graph.build_graph(checked.live, run_rules(checked.live, checked.as_of)).edges[
                "wmp", "dudley", "FLOW-012"
            ]["severity"]
            == "error"
        )
    table = admin.get("/map").text.split('id="connections"')[-1]
    assert "govuk-tag--red" not in table
    assert "Decided: FLOW_NO_LAWFUL_BASIS (FLOW-012), FLOW_NO_LAWFUL_BASIS (FLOW-013)" in table
