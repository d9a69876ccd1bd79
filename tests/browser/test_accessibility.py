"""Every main page passes axe (no serious or critical violation) and works under the Content
Security Policy in Chromium: the external module script runs, GOV.UK Frontend starts, nothing is
blocked."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from isa_registry.store.db import db
from isa_registry.store.models import Agreement

from .conftest import LiveServer, login
from .pages import MAIN_PAGES, QUERY_PAGES, first_key, url_of

pytestmark = pytest.mark.browser

SERIOUS = {"serious", "critical"}


def serious_violations(page: Page) -> list[str]:
    """axe's serious and critical violations on the page, every one of them (GOV.UK's radios
    and checkboxes are started without aria-expanded on the inputs: static/js/app.js)."""
    found = []
    for violation in Axe().run(page).response["violations"]:
        if violation["impact"] not in SERIOUS:
            continue
        targets = [n["target"] for n in violation["nodes"]][:5]
        found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return found


def csp_problems(page: Page) -> list[str]:
    return [p for p in page.problems if "Content Security Policy" in p or p.startswith("uncaught")]


@pytest.mark.parametrize("name", list(MAIN_PAGES))
def test_main_page_is_accessible(page: Page, live_server: LiveServer, name: str) -> None:
    url = url_of(live_server.app, name)
    if url is None:
        pytest.skip(f"the app has no {name} page yet")
    login(page, "admin")
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url} answered {response and response.status}"
    service = live_server.app.config["SERVICE_NAME"]
    assert re.fullmatch(rf".+ – {re.escape(service)}", page.title()), page.title()
    assert page.locator("main#main-content").count() == 1
    assert page.locator("h1").count() == 1
    assert serious_violations(page) == []
    assert csp_problems(page) == []


@pytest.mark.parametrize("name", list(QUERY_PAGES))
def test_query_page_is_accessible(page: Page, live_server: LiveServer, name: str) -> None:
    url, status = QUERY_PAGES[name]
    login(page, "viewer")
    response = page.goto(url)
    assert response is not None and response.status == status, (
        f"{url} answered {response and response.status}"
    )
    assert page.locator("h1").count() == 1
    assert (page.locator(".govuk-error-summary").count() == 1) is (status == 400)
    assert serious_violations(page) == []
    assert csp_problems(page) == []


def test_sign_in_page_is_accessible(page: Page) -> None:
    page.goto("/login")
    assert serious_violations(page) == []
    page.click("button:has-text('Sign in')")  # an empty form: the error summary
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert page.title().startswith("Error: Sign in")
    assert serious_violations(page) == []
    assert csp_problems(page) == []


def test_javascript_runs_under_the_content_security_policy(page: Page) -> None:
    page.goto("/login")
    body = page.locator("body")
    expect(body).to_have_class(re.compile(r"\bjs-enabled\b"))
    expect(body).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))
    # The password input's "Show" button exists only once GOV.UK Frontend has started.
    expect(page.locator(".govuk-password-input__toggle")).to_be_visible()
    assert csp_problems(page) == []


def test_the_content_security_policy_blocks_inline_script(page: Page) -> None:
    page.goto("/login")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.injected = 1';"
        " document.body.appendChild(s); }"
    )
    assert page.evaluate("() => window.injected") is None
    assert any("Content Security Policy" in p for p in page.problems)


def test_the_menu_collapses_on_a_small_screen(page: Page) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    login(page, "editor")
    toggle = page.locator(".govuk-service-navigation__toggle")
    expect(toggle).to_be_visible()
    expect(page.locator("#navigation")).to_be_hidden()
    toggle.click()
    expect(page.locator("#navigation")).to_be_visible()


def test_the_skip_link_moves_focus_to_the_content(page: Page) -> None:
    login(page, "viewer")
    page.keyboard.press("Tab")
    skip = page.locator(".govuk-skip-link")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main-content")).to_be_focused()


def test_signing_out_works_in_the_browser(page: Page) -> None:
    login(page, "viewer")
    page.click("button:has-text('Sign out')")
    page.wait_for_url("**/login")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("You have signed out")
    page.goto("/")
    assert "/login" in page.url


def test_the_decision_pages_are_accessible_with_and_without_errors(page: Page) -> None:
    login(page, "admin")
    page.goto("/findings?code=FLOW_NO_AGREEMENT&state=open")
    page.locator("a.app-decide-link").first.click()
    expect(page.locator("h1")).to_have_text("Decide on a finding")
    assert serious_violations(page) == []
    page.click("button:has-text('Record the decision')")  # nothing chosen: the error summary
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert page.title().startswith("Error: Decide on a finding")
    assert serious_violations(page) == []
    page.goto("/findings?code=FLOW_NO_RETENTION")
    boxes = page.locator("input[name=finding]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.click("button:has-text('Decide on the selected findings')")
    expect(page.locator("h1")).to_have_text("Decide on several findings")
    assert serious_violations(page) == []
    page.goto("/my-actions")  # editors' and admins' own page, so not among the main pages
    expect(page.locator("h1")).to_have_text("My actions")
    assert serious_violations(page) == []
    assert csp_problems(page) == []


#: The form of every record type, new and edited (the first record of its type), and the
#: agreement's sign-off form.
FORMS = {
    "new organisation": "/organisations/new",
    "edit organisation": "/organisations/{organisation}/edit",
    "new agreement": "/agreements/new",
    "edit agreement": "/agreements/{agreement}/edit",
    "new flow": "/flows/new",
    "edit flow": "/flows/{flow}/edit",
    "sign-off": "/agreements/DSPP-ISA-009/parties/{party}/sign",
}


def _form_url(app: Flask, name: str) -> str:
    with app.app_context():
        agreement = db.session.scalar(select(Agreement).where(Agreement.key == "DSPP-ISA-009"))
        assert agreement is not None
        party = agreement.parties[0].organisation.key
    keys = {area: first_key(app, area) for area in ("organisations", "agreements", "flows")}
    return FORMS[name].format(
        organisation=keys["organisations"], agreement=keys["agreements"], flow=keys["flows"], party=party
    )


@pytest.mark.parametrize("name", list(FORMS))
def test_the_form_is_accessible_empty_and_with_its_errors(
    page: Page, live_server: LiveServer, name: str
) -> None:
    login(page, "admin")
    response = page.goto(_form_url(live_server.app, name))
    assert response is not None and response.status == 200
    assert serious_violations(page) == []
    # An empty form (the edit forms emptied of their name or title) shows its error summary.
    for field in ("#name", "#title", "#signed_by"):
        if page.locator(field).count():
            page.fill(field, "")
    page.locator("form[method=post] button[type=submit]:visible").last.click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert page.title().startswith("Error: ")
    assert serious_violations(page) == []
    assert csp_problems(page) == []


def test_an_upload_refused_on_the_agreement_page_is_accessible(page: Page) -> None:
    login(page, "editor")
    page.goto("/agreements/DSPP-ISA-002")
    page.set_input_files(
        "#attachment-file",
        files=[{"name": "notes.pdf", "mimeType": "application/pdf", "buffer": b"not a pdf"}],
    )
    page.click("button:has-text('Upload signed copy')")
    expect(page.locator(".govuk-error-summary")).to_contain_text("must be a PDF")
    expect(page.locator("#attachment-file-error")).to_be_visible()
    assert serious_violations(page) == []
    assert csp_problems(page) == []


def _set_publish(page: Page, key: str, publish: bool) -> None:
    login(page, "editor")
    page.goto(f"/agreements/{key}/edit")
    page.set_checked("#publish", publish)
    page.click("button.govuk-button:has-text('Save agreement')")
    expect(page.locator("#details")).to_contain_text("Listed" if publish else "Not listed")
    page.context.clear_cookies()


def test_the_public_register_is_accessible_without_signing_in(page: Page, live_server: LiveServer) -> None:
    app = live_server.app
    _set_publish(page, "DSPP-ISA-001", True)
    app.config["PUBLIC_REGISTER"] = "1"
    try:
        response = page.goto("/register")
        assert response is not None and response.status == 200
        expect(page.locator("#agreement-DSPP-ISA-001")).to_be_visible()
        assert page.locator("h1").count() == 1
        assert serious_violations(page) == []
        assert csp_problems(page) == []
    finally:
        del app.config["PUBLIC_REGISTER"]
        _set_publish(page, "DSPP-ISA-001", False)


def test_the_flow_forms_show_and_hide_radios_carry_no_aria_expanded(page: Page) -> None:
    login(page, "editor")
    page.goto("/flows/new")
    page.locator("input[name=frequency_choice][value=other]").check()
    expect(page.locator("#frequency")).to_be_visible()
    assert page.locator("input[type=radio][aria-expanded], input[type=checkbox][aria-expanded]").count() == 0
    assert page.locator("input[name=frequency_choice][value=other]").get_attribute("aria-controls")
    assert serious_violations(page) == []
