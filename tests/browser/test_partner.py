"""A partner signs an agreement for its own organisation in Chromium, and the pages it uses (and the
DPO review and account pages that set partners up) pass axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from isa_registry.store import users
from isa_registry.store.db import db

from .conftest import LiveServer, login
from .test_accessibility import csp_problems, serious_violations

pytestmark = pytest.mark.browser

PARTNER = ("signer@barnardos.example.org", "a partner's long password")
DPO = ("dpo@dudley.example.org", "a data protection officer's password")


def _account(
    live_server: LiveServer, email: str, password: str, role: str, org: str, dpo: bool = False
) -> int:
    with live_server.app.app_context():
        user = users.find(db.session, email)
        if user is None:
            user = users.create_user(
                db.session, "test", users.NewAccount(email, role, password, organisation=org, dpo=dpo)
            )
        return user.id


def _sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/")


def test_a_partner_signs_an_agreement_for_its_own_organisation(page: Page, live_server: LiveServer) -> None:
    _account(live_server, *PARTNER, "partner", "barnardos")
    _sign_in(page, *PARTNER)
    page.goto("/agreements/")
    expect(page.locator("main")).to_contain_text("DSPP-ISA-009")
    expect(page.locator("main")).not_to_contain_text("DSPP-ISA-011")
    page.goto("/agreements/DSPP-ISA-009")
    assert serious_violations(page) == []
    page.click("#sign-for-own")
    expect(page.locator("h1")).to_have_text("Sign for Barnardo's")
    assert serious_violations(page) == []
    page.fill("#signed_by", "Jo Bloggs")
    page.fill("#signatory_role", "Director of Children's Services")
    page.click("#sign-button")
    page.wait_for_url("**/agreements/DSPP-ISA-009#parties")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "You have signed agreement DSPP-ISA-009"
    )
    row = page.locator("tr[data-party='barnardos']")
    expect(row).to_contain_text("Jo Bloggs")
    expect(row).to_contain_text(f"signed in the registry by {PARTNER[0]}")
    expect(page.locator("#sign-for-own")).to_have_count(0)
    assert csp_problems(page) == []


def test_the_dpo_review_page_is_accessible(page: Page, live_server: LiveServer) -> None:
    _account(live_server, *DPO, "viewer", "dudley-mbc", dpo=True)
    live_server.app.config["DPO_REVIEW"] = True
    try:
        _sign_in(page, *DPO)
        page.goto("/agreements/DSPP-ISA-009")
        page.click("#dpo-review-link")
        expect(page.locator("h1")).to_have_text("Review as data protection officer")
        page.click("button:has-text('Save review')")  # nothing chosen: the error summary
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        assert serious_violations(page) == []
        assert csp_problems(page) == []
    finally:
        live_server.app.config["DPO_REVIEW"] = False


def test_an_accounts_organisation_page_is_accessible(page: Page, live_server: LiveServer) -> None:
    user_id = _account(live_server, *PARTNER, "partner", "barnardos")
    login(page, "admin")
    page.goto(f"/users/{user_id}")
    expect(page.locator("#organisation")).to_have_value("barnardos")
    assert serious_violations(page) == []
    page.goto("/users/new")
    assert serious_violations(page) == []
    assert csp_problems(page) == []
