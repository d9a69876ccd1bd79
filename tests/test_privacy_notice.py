"""The privacy-notice sections: for one organisation, every recipient and source of its live flows,
none of its ceased, planned or archived ones, anonymised flows apart; the page, downloads and command."""

from __future__ import annotations

import copy
import io
from dataclasses import replace
from pathlib import Path

import docx

from isa_registry.core.documents.markdown import render_markdown
from isa_registry.core.documents.privacy import live_flows, privacy_notice
from isa_registry.core.scope import flow_shares_on

from .builders import AS_OF, days, flow, registry
from .conftest import demo_registry

ORG = "dudley-mbc"


def _names(reg, keys):
    return {reg.organisation_name(k) for k in keys}


def test_the_demo_council_notice_names_every_recipient_and_source_of_its_live_flows() -> None:
    reg = demo_registry()
    text = render_markdown(privacy_notice(reg, ORG, AS_OF))
    live = [f for f in live_flows(reg, ORG, AS_OF) if f.identifiability != "anonymised"]
    assert live
    sent, received = text.split("## Who shares your information with us")
    for f in live:
        if f.source == ORG:
            assert f"#### {reg.organisation_name(f.recipient)}" in sent, f.key
        else:
            assert f"#### {reg.organisation_name(f.source)}" in received, f.key


def test_ceased_planned_and_archived_flows_are_left_out() -> None:
    reg = copy.deepcopy(demo_registry())
    ceased = reg.flows["FLOW-001"]
    only = "Only Recipient Of A Ceased Flow"
    reg.organisations["gone"] = replace(reg.organisations[ceased.recipient], key="gone", name=only)
    reg.flows["X-CEASED"] = replace(
        ceased, key="X-CEASED", source=ORG, recipient="gone", status="ceased", end_date=days(-10)
    )
    reg.flows["X-PLANNED"] = replace(ceased, key="X-PLANNED", source=ORG, recipient="gone", status="planned")
    reg.flows["X-LATER"] = replace(ceased, key="X-LATER", source=ORG, recipient="gone", start_date=days(30))
    reg.flows["X-ARCHIVED"] = replace(ceased, key="X-ARCHIVED", source=ORG, recipient="gone", archived=True)
    text = render_markdown(privacy_notice(reg, ORG, AS_OF))
    assert only not in text
    demo_ceased = [
        f
        for f in demo_registry().flows.values()
        if ORG in (f.source, f.recipient) and not flow_shares_on(f, AS_OF)
    ]
    live_names = _names(reg, [k for f in live_flows(reg, ORG, AS_OF) for k in (f.source, f.recipient)])
    for f in demo_ceased:
        other = f.recipient if f.source == ORG else f.source
        if reg.organisation_name(other) not in live_names:
            assert f"#### {reg.organisation_name(other)}" not in text, f.key


def test_anonymised_flows_are_described_apart_as_not_personal_data() -> None:
    reg = registry(
        flows=[
            flow("F-1", source="dudley", recipient="wmp", agreement_key=None),
            flow(
                "F-2",
                source="dudley",
                recipient="evaluators",
                agreement_key=None,
                identifiability="anonymised",
                programme="Evaluation",
            ),
        ]
    )
    document = privacy_notice(reg, "dudley", AS_OF)
    text = render_markdown(document)
    sent, anonymous = text.split("## Information that does not identify you")
    assert "#### West Midlands Police" in sent and "Evaluation Partners" not in sent
    assert "not personal data" in anonymous and "Evaluation: from Dudley" in anonymous


def test_the_notice_gives_purpose_basis_statute_categories_retention_and_transfers() -> None:
    from .builders import transfer

    reg = registry(
        flows=[
            flow(
                "F-1", source="dudley", recipient="wmp", agreement_key=None, international_transfer=transfer()
            )
        ]
    )
    text = render_markdown(privacy_notice(reg, "dudley", AS_OF))
    assert "### For: MASH referrals" in text
    assert "Lawful basis: Art 6(1)(e) Public task." in text
    assert "legislation.gov.uk/ukpga/1989/41/section/47" in text
    assert "Identity and contact details" in text
    assert "How long they keep it: Until the child's 25th birthday." in text
    assert "West Midlands Police: US: International data transfer agreement (IDTA)" in text


def test_the_page_and_downloads_for_a_viewer(dudley, auth) -> None:
    client = auth.client("viewer")
    page = client.get(f"/organisations/{ORG}/privacy-notice?as_of=2026-11-23")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert (
        "Who we share your information with" in html
        and 'href="/organisations/dudley-mbc/privacy-notice.docx' in html
    )
    word = client.get(f"/organisations/{ORG}/privacy-notice.docx")
    assert word.status_code == 200
    headings = [
        p.text for p in docx.Document(io.BytesIO(word.data)).paragraphs if p.style.name.startswith("Heading")
    ]
    assert "Who we share your information with" in headings
    assert client.get(f"/organisations/{ORG}/privacy-notice.md").data.startswith(b"# How Dudley")
    assert b"<h1>" in client.get(f"/organisations/{ORG}/privacy-notice.html").data
    assert client.get("/organisations/nope/privacy-notice").status_code == 404
    assert "/privacy-notice" in client.get(f"/organisations/{ORG}").get_data(as_text=True)


def test_command_writes_each_format(dudley, runner, tmp_path: Path) -> None:
    for suffix in (".html", ".md", ".docx"):
        out = tmp_path / f"notice{suffix}"
        result = runner.invoke(args=["privacy-notice", ORG, str(out), "--as-of", "2026-11-23"])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 1000
    assert "Who shares your information with us" in (tmp_path / "notice.md").read_text()
    result = runner.invoke(args=["privacy-notice", "nope", str(tmp_path / "x.md")])
    assert result.exit_code == 1 and "no organisation 'nope'" in result.output
