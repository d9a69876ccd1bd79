"""An editor records a new partner, an agreement and a flow in a real browser, sees the flow's
finding, gets every party's sign-off, activates the agreement, downloads its document and uploads
the signed copy, then opens the map and downloads the ROPA. The forms' JavaScript runs, and nothing on the way logs an error or breaks the CSP."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .conftest import LiveServer, login

pytestmark = pytest.mark.browser

ORG, ISA, FLOW = "journey-charity", "JOURNEY-ISA", "JOURNEY-FLOW"
ORG_NAME = "Journey Family Support"


def banner(page: Page) -> str:
    return page.locator(".govuk-notification-banner").first.inner_text()


def test_an_editor_records_a_flow_signs_its_agreement_and_reports_it(
    page: Page, live_server: LiveServer
) -> None:
    login(page, "editor")

    # A new partner.
    page.goto("/organisations/new")
    page.fill("#key", ORG)
    page.fill("#name", ORG_NAME)
    page.select_option("#kind", "voluntary")
    page.check("input[name=public_authority][value=no]")
    page.fill("#dpo_contact", "dpo@journey.example")
    page.click("button:has-text('Save organisation')")
    expect(page).to_have_url(f"{live_server.url}/organisations/{ORG}")
    assert f"Organisation {ORG} saved" in banner(page)

    # An agreement between the council and the new partner, sent for review.
    page.goto("/agreements/new")
    page.fill("#key", ISA)
    page.fill("#title", "Family support referrals")
    page.select_option("#status", "under_review")
    page.select_option("#owner", "dudley-mbc")
    page.select_option("#parties-0-organisation", "dudley-mbc")
    page.select_option("#parties-1-organisation", ORG)
    page.check("input[name=data_categories][value=identity_contact]")
    page.check("input[name=data_categories][value=referral]")
    page.click("button.govuk-button:has-text('Save agreement')")
    expect(page).to_have_url(f"{live_server.url}/agreements/{ISA}")
    assert f"Agreement {ISA} saved" in banner(page)

    # A flow under it, started from the agreement's page.
    page.click("a:has-text('Add a flow under this agreement')")
    expect(page.locator("#agreement")).to_have_value(ISA)
    page.fill("#key", FLOW)
    page.fill("#name", "Referrals to family support")
    page.select_option("#source", "dudley-mbc")
    page.select_option("#recipient", ORG)
    page.check("input[name=identifiability][value=identifiable]")
    page.check("input[name=data_categories][value=identity_contact]")
    special = page.locator("#special-category-section")
    expect(special).to_be_hidden()  # asked only once special category data is chosen
    page.check("input[name=data_categories][value=health]")
    expect(special).to_be_visible()
    # The Schedule 1 conditions offered follow the Art 9 condition: (h) needs para 2.
    page.check("input[name=article9][value=h]")
    expect(page.locator("input[name=schedule1][value='2']")).to_be_visible()
    expect(page.locator("input[name=schedule1][value='18']")).to_be_hidden()
    expect(page.locator("#schedule1-guide")).to_contain_text("it needs Schedule 1 para 2")
    page.check("input[name=article9][value='']")  # then left unanswered, to see the finding
    page.check("input[name=article6][value=e]")
    section17 = "input[name=legislation][value='ukpga/1989/41/section/17']"
    page.click(f"details:has({section17}) summary")  # each Act's provisions are folded away
    page.check(section17)
    page.fill("#retention", "Two years after the case closes")
    page.click("button:has-text('Save flow')")
    expect(page).to_have_url(f"{live_server.url}/flows/{FLOW}")
    assert f"Flow {FLOW} saved" in banner(page)

    # Health data without an Art 9 condition: the page says so, and what to do.
    findings = page.locator(".app-findings")
    expect(findings).to_contain_text("FLOW_SPECIAL_NO_CONDITION")
    expect(findings).to_contain_text("FLOW_CATEGORY_NOT_AGREED")
    expect(page.locator("#law-details")).to_contain_text("Art 6(1)(e) Public task")

    # Every party signs; only then is the agreement activated.
    page.goto(f"/agreements/{ISA}")
    expect(page.locator("#unsigned-parties")).to_contain_text(ORG_NAME)
    for org in ("dudley-mbc", ORG):
        page.click(f"tr[data-party='{org}'] a:has-text('Record sign-off')")
        page.fill("#signed_by", "Alex Example")
        page.fill("#signatory_role", "Head of Service")
        page.fill("#signed_on", "20")  # the day box of the GOV.UK date input
        page.fill("#signed_on-month", "11")
        page.fill("#signed_on-year", "2026")
        page.click("button:has-text('Save sign-off')")
        expect(page).to_have_url(f"{live_server.url}/agreements/{ISA}#parties")
    expect(page.locator("#all-signed")).to_be_visible()
    page.click("button:has-text('Activate')")
    assert f"Agreement {ISA} is now active" in banner(page)
    expect(page.locator("#details")).to_contain_text("Active")

    # The agreement as a document, then its signed copy uploaded and listed.
    with page.expect_download() as word:
        page.click("#agreement-downloads a:has-text('Word document')")
    assert Path(word.value.path()).read_bytes()[:2] == b"PK"
    with page.expect_download() as pdf:
        page.click("#agreement-downloads a:has-text('PDF')")
    signed = Path(pdf.value.path())
    assert signed.read_bytes()[:5] == b"%PDF-"
    page.set_input_files(
        "#attachment-file",
        files=[{"name": "signed.pdf", "mimeType": "application/pdf", "buffer": signed.read_bytes()}],
    )
    page.fill("#attachment-note", "Signed at the partnership board")
    page.click("button:has-text('Upload signed copy')")
    expect(page).to_have_url(f"{live_server.url}/agreements/{ISA}#documents")
    assert f"Signed copy signed.pdf stored for agreement {ISA}" in banner(page)
    expect(page.locator("#attachment-table")).to_contain_text("signed.pdf")
    expect(page.locator("#attachment-table")).to_contain_text("Signed at the partnership board")

    # The map and the ROPA include the new flow.
    page.goto("/map")
    expect(page.locator("h1")).to_have_text("Partnership data map")
    expect(page.locator("#map-edges")).to_be_visible()

    page.goto("/ropa")
    with page.expect_download() as download:
        page.click("a:has-text('CSV, a Controller column first')")
    path = Path(download.value.path())
    text = path.read_text(encoding="utf-8-sig")
    assert "Referrals to family support" in text or FLOW in text
    assert next(csv.reader(io.StringIO(text)))  # a header row
    with page.expect_download() as workbook:
        page.click("a:has-text('Excel, a sheet per controller')")
    assert Path(workbook.value.path()).read_bytes()[:2] == b"PK"

    assert page.problems == []  # type: ignore[attr-defined]
