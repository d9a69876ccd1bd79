"""The analyses' pages, downloads and commands: who receives it, and what a breach would touch."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.test import TestResponse

from isa_registry.core.domain import Registry

from .builders import AS_OF, agreement, days, flow, organisation, party, registry
from .conftest import Auth, store

DAY = AS_OF.isoformat()
WHO = "/analyses/who-receives"
BREACH = "/analyses/breach-impact"


def small() -> Registry:
    """Police to council to school and back (a cycle), a planned flow to a charity, a ceased one, and
    a school whose name a spreadsheet would run. The council processes the police's data for it."""
    orgs = [
        organisation("police", name="West Midlands Police"),
        organisation("council", name="Dudley Council"),
        organisation("school", name="=Redhill School", dpo_contact=None),
        organisation("charity", name="Family Action"),
    ]
    dpa = agreement("DPA-1", parties=("police", "council"), title="Case management")
    dpa.parties[1] = party("council", role="processor")
    carried = {"data_subjects": ["children"], "data_categories": ["referral", "health"]}
    flows = [
        flow("F1", "police", "council", "DPA-1", name="Police referrals", start_date=days(-100), **carried),
        flow("F2", "council", "school", None, name="Health plans", **carried),
        flow("F3", "council", "charity", None, name="Family support", status="planned", **carried),
        flow("F4", "school", "police", None, name="Concerns", **carried),
        flow(
            "F5",
            "council",
            "charity",
            None,
            name="Old referrals",
            status="ceased",
            end_date=days(-1),
            **carried,
        ),
    ]
    return registry(orgs, [dpa], flows)


@pytest.fixture()
def viewer(app: Flask, auth: Auth) -> FlaskClient:
    """A viewer's client on the small registry."""
    store(app, small())
    return auth.client("viewer")


def text_of(response: TestResponse) -> str:
    return response.get_data(as_text=True)


# --- Who receives it -------------------------------------------------------------------------------


def test_who_receives_follows_the_data_onward_with_depth_path_and_dpo(viewer: FlaskClient) -> None:
    response = viewer.get(f"{WHO}?subjects=children&category=special&from=police&as_of={DAY}")
    page = text_of(response)
    assert response.status_code == 200
    assert 'id="organisation-council"' in page
    assert 'id="organisation-school"' in page
    assert "=Redhill School" in page
    assert "dpo@council.example" in page and "Not recorded" in page
    assert "Steps from West Midlands Police" in page
    assert 'id="planned-F3"' in page  # planned, listed apart
    assert 'id="flows-F5"' not in page  # ceased
    assert "Any special category data (UK GDPR Art 9) about children from West Midlands Police" in page


def test_who_receives_opens_on_the_form_alone(viewer: FlaskClient) -> None:
    response = viewer.get(WHO)
    page = text_of(response)
    assert response.status_code == 200
    assert 'id="who-receives-form"' in page
    assert 'id="answer"' not in page
    assert "Any criminal offence data (UK GDPR Art 10)" in page
    assert ">Parents and carers<" in page


@pytest.mark.parametrize(("day", "counted"), [(days(-101), False), (days(-100), True)])
def test_who_receives_reads_the_date_boxes(viewer: FlaskClient, day: date, counted: bool) -> None:
    response = viewer.get(
        WHO,
        query_string={
            "subjects": "children",
            "category": "referral",
            "from": "police",
            "as_of-day": day.day,
            "as_of-month": day.month,
            "as_of-year": day.year,
        },
    )
    page = text_of(response)
    assert response.status_code == 200
    assert ('id="organisation-council"' in page) is counted
    assert ('id="nobody"' in page) is not counted


def test_who_receives_without_a_source_lists_every_recipient(viewer: FlaskClient) -> None:
    page = text_of(viewer.get(f"{WHO}?subjects=children&category=health&as_of={DAY}"))
    for key in ("council", "school", "police"):
        assert f'id="organisation-{key}"' in page
    assert 'id="organisation-charity"' not in page


@pytest.mark.parametrize(
    ("query", "message", "field"),
    [
        ("subjects=children&category=gossip", "There is no data category &#39;gossip&#39;.", "#category"),
        ("subjects=pets&category=health", "There is no kind of person &#39;pets&#39;", "#subjects"),
        (
            "subjects=children&category=health&from=nobody",
            "There is no organisation with the key &#39;nobody&#39;.",
            "#from",
        ),
        ("subjects=children", "Choose the data category", "#category"),
        (
            "subjects=children&category=health&as_of-day=31&as_of-month=2&as_of-year=2026",
            "The as-of date must be a real date, like 23 11 2026.",
            "#as_of-day",
        ),
        (
            "subjects=children&category=health&as_of=2026-13-01",
            "The as-of date must be a real date",
            "#as_of-day",
        ),
    ],
)
def test_who_receives_refuses_bad_input_with_the_error_summary(
    viewer: FlaskClient, query: str, message: str, field: str
) -> None:
    response = viewer.get(f"{WHO}?{query}")
    page = text_of(response)
    assert response.status_code == 400
    assert "govuk-error-summary" in page
    assert message in page
    assert f'href="{field}"' in page
    assert "<title>Error: " in page


def test_who_receives_downloads_are_csv_and_json_at_stable_urls(viewer: FlaskClient) -> None:
    query = f"subjects=children&category=special&from=police&as_of={DAY}"
    page = text_of(viewer.get(f"{WHO}?{query}"))
    assert f"{WHO}.csv?{query}".replace("&", "&amp;") in page
    assert f"{WHO}.json?{query}".replace("&", "&amp;") in page

    response = viewer.get(f"{WHO}.csv?{query}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "who-receives-children-special-police-2026-11-23.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [(r[0], r[2]) for r in rows[1:]] == [
        ("Yes", "F1"),
        ("Yes", "F2"),
        ("Yes", "F4"),
        ("Planned", "F3"),
    ]
    assert rows[2][5] == "'=Redhill School"  # the recipient's name, neutralised

    data = json.loads(viewer.get(f"{WHO}.json?{query}").data)
    assert data["as_of"] == DAY
    assert data["flows"] == ["F1", "F2", "F4"]
    assert data["planned"] == ["F3"]
    assert [(o["key"], o["depth"], o["paths"]) for o in data["organisations"]] == [
        ("council", 1, [["F1"]]),
        ("school", 2, [["F1", "F2"]]),
    ]
    assert data["organisations"][0]["dpo_contact"] == "dpo@council.example"


def test_a_download_with_bad_input_is_a_400_naming_the_problem(viewer: FlaskClient) -> None:
    response = viewer.get(f"{WHO}.json?subjects=children&category=gossip")
    assert response.status_code == 400
    assert "There is no data category 'gossip'." in text_of(response)


# --- What a breach would touch ---------------------------------------------------------------------


def test_breach_impact_shows_whom_to_tell_what_was_sent_and_the_agreements(viewer: FlaskClient) -> None:
    response = viewer.get(f"{BREACH}?organisation=council&as_of={DAY}")
    page = text_of(response)
    assert response.status_code == 200
    assert "What a breach at Dudley Council would touch" in page
    assert 'id="tell-police"' in page
    assert "processed for it as a processor" in page and "UK GDPR Art 33(2)" in page
    assert 'id="received-table-F1"' in page
    assert 'id="sent-table-F2"' in page
    assert 'id="planned-table-F3"' in page
    assert 'id="sent-table-F5"' not in page
    assert 'id="agreement-DPA-1"' in page and ">Processor<" in page
    assert "Health (physical and mental), in 2 flows" in page


def test_breach_impact_opens_on_the_form_without_an_organisation(viewer: FlaskClient) -> None:
    response = viewer.get(BREACH)
    assert response.status_code == 200
    assert 'id="breach-form"' in text_of(response)
    assert 'id="summary"' not in text_of(response)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("organisation=nobody", "There is no organisation with the key &#39;nobody&#39;."),
        ("organisation=council&as_of=23/11/2026", "The as-of date must be a real date"),
        ("as_of-day=1&as_of-month=1&as_of-year=2026", "Choose the organisation where the breach happened"),
    ],
)
def test_breach_impact_refuses_bad_input_with_the_error_summary(
    viewer: FlaskClient, query: str, message: str
) -> None:
    response = viewer.get(f"{BREACH}?{query}")
    assert response.status_code == 400
    assert "govuk-error-summary" in text_of(response)
    assert message in text_of(response)


def test_breach_impact_downloads(viewer: FlaskClient) -> None:
    query = f"organisation=council&as_of={DAY}"
    response = viewer.get(f"{BREACH}.csv?{query}")
    assert response.status_code == 200
    assert "breach-impact-council-2026-11-23.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [(r[0], r[1]) for r in rows[1:]] == [("Received", "F1"), ("Sent", "F2"), ("Planned", "F3")]
    assert rows[1][-1].startswith("Must be told without undue delay")
    data = json.loads(viewer.get(f"{BREACH}.json?{query}").data)
    assert data["query"]["organisation"] == "council"
    assert data["flows"] == ["F1", "F2"]
    assert data["to_tell"][0]["duty"] == "processor"
    assert {o["key"]: o["relation"] for o in data["organisations"]} == {
        "police": ["source"],
        "school": ["recipient"],
    }
    assert viewer.get(f"{BREACH}.csv?organisation=nobody").status_code == 400


def test_an_empty_breach_says_so(viewer: FlaskClient) -> None:
    page = text_of(viewer.get(f"{BREACH}?organisation=charity&as_of={DAY}"))
    assert 'id="nothing"' in page
    assert "Family Action neither receives nor sends personal data on 23 November 2026" in page


# --- Where the pages are found, and who may see them -------------------------------------------


def test_the_analyses_need_a_sign_in(app: Flask) -> None:
    store(app, small())
    for url in ("/analyses", WHO, f"{WHO}.csv", BREACH, f"{BREACH}.json?organisation=council"):
        response = app.test_client().get(url)
        assert response.status_code == 302 and "/login" in response.location


def test_the_service_navigation_and_an_organisation_page_lead_to_the_analyses(viewer: FlaskClient) -> None:
    dashboard = text_of(viewer.get("/"))
    assert 'href="/analyses"' in dashboard and "Analyses" in dashboard
    index = text_of(viewer.get("/analyses"))
    assert f'href="{WHO}"' in index and f'href="{BREACH}"' in index
    organisation_page = text_of(viewer.get("/organisations/council"))
    assert f'href="{BREACH}?organisation=council"' in organisation_page
    assert "What a breach here would touch" in organisation_page


def test_the_demo_partnership_answers_both_questions(dudley: Flask, auth: Auth) -> None:
    client = auth.client("viewer")
    who = client.get(f"{WHO}?subjects=children&category=criminal&from=wmp&as_of={DAY}")
    assert who.status_code == 200
    assert 'id="organisation-dudley-mbc"' in text_of(who)
    breach = client.get(f"{BREACH}?organisation=dudley-mbc&as_of={DAY}")
    assert breach.status_code == 200
    assert 'id="tell-wmp"' in text_of(breach)


# --- The commands ----------------------------------------------------------------------------------


def test_who_receives_command_prints_text_and_json(app: Flask, runner: FlaskCliRunner) -> None:
    store(app, small())
    args = [
        "who-receives",
        "--subjects",
        "children",
        "--category",
        "special",
        "--from",
        "police",
        "--as-of",
        DAY,
    ]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "about children from West Midlands Police (police), as of 2026-11-23" in result.output
    assert "2  =Redhill School (school)  DPO: not recorded" in result.output
    assert "via F1 > F2" in result.output
    assert "Planned flows (not counted):" in result.output
    result = runner.invoke(args=[*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["flows"] == ["F1", "F2", "F4"]
    assert [o["key"] for o in data["organisations"]] == ["council", "school"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--subjects", "pets", "--category", "health"], "There is no kind of person 'pets'"),
        (["--subjects", "children", "--category", "gossip"], "There is no data category 'gossip'."),
        (
            ["--subjects", "children", "--category", "health", "--from", "nobody"],
            "no organisation with the key",
        ),
        (
            ["--subjects", "children", "--category", "health", "--as-of", "23/11/2026"],
            "real date, like 2026-11-23",
        ),
    ],
)
def test_who_receives_command_refuses_unknown_input_by_name(
    app: Flask, runner: FlaskCliRunner, args: list[str], message: str
) -> None:
    store(app, small())
    result = runner.invoke(args=["who-receives", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_breach_impact_command_prints_text_and_json(app: Flask, runner: FlaskCliRunner) -> None:
    store(app, small())
    result = runner.invoke(args=["breach-impact", "council", "--as-of", DAY])
    assert result.exit_code == 0, result.output
    assert "A breach at Dudley Council (council) as of 2026-11-23:" in result.output
    assert "West Midlands Police (police)" in result.output and "UK GDPR Art 33(2)" in result.output
    assert "Special category data: Health (physical and mental)" in result.output
    assert "DPA-1  Case management (Active, in force); its role: Processor" in result.output
    result = runner.invoke(args=["breach-impact", "council", "--as-of", DAY, "--format", "json"])
    data = json.loads(result.output)
    assert data["received"] == ["F1"] and data["sent"] == ["F2"] and data["planned"] == ["F3"]


def test_breach_impact_command_refuses_an_unknown_organisation(app: Flask, runner: FlaskCliRunner) -> None:
    store(app, small())
    result = runner.invoke(args=["breach-impact", "nobody"])
    assert result.exit_code == 2
    assert "There is no organisation with the key 'nobody'." in result.output
