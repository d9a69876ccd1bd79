"""The agreement document: its contents in the ICO code's order, the DRAFT mark, the content hash,
the Word and PDF files, the command and the downloads on the agreement's page."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from isa_registry.core.documents.agreement import agreement_document
from isa_registry.core.documents.docx import write_docx
from isa_registry.core.documents.html import render_html, write_pdf
from isa_registry.core.documents.model import Table, plain
from isa_registry.core.rules import run_rules

from .builders import AS_OF, basis, clean_registry, flow, organisation

SECTIONS = [
    "1. The parties",
    "2. Purpose and benefits",
    "3. The data",
    "4. Schedule of data flows",
    "5. Individuals' rights and transparency",
    "6. Security",
    "7. Retention and deletion",
    "8. Review",
    "9. Termination",
    "10. Personal data breaches",
    "11. Signatures",
]


def _registry(**changes):
    registry = clean_registry(**changes)
    registry.organisations["dudley"] = replace(
        registry.organisations["dudley"], ico_registration="Z5947253", dpo_contact="ig@dudley.example"
    )
    registry.flows["FLOW-013"] = flow(
        "FLOW-013",
        source="dudley",
        recipient="wmp",
        name="Strategy discussions",
        article9="g",
        schedule1=["18"],
        data_categories=["health", "criminal_offence"],
        # The police's own basis for what it receives, as complete as the council's for what it sends.
        recipient_basis=basis(article9="g", schedule1=["18"], legislation=["ukpga/2004/31/section/11"]),
    )
    return registry


def _document(registry=None, **kw):
    registry = registry or _registry()
    return agreement_document(registry, "DSPP-ISA-001", AS_OF, run_rules(registry, AS_OF), **kw)


def _docx(document) -> docx.document.Document:
    stream = io.BytesIO()
    write_docx(document, stream)
    stream.seek(0)
    return docx.Document(stream)


def _pdf_pages(document) -> list[str]:
    stream = io.BytesIO()
    write_pdf(document, stream)
    stream.seek(0)
    return [page.extract_text() for page in PdfReader(stream).pages]


def test_sections_follow_the_ico_codes_order() -> None:
    assert [s.title for s in _document().sections] == SECTIONS


def test_parties_table_names_role_ico_registration_and_dpo() -> None:
    table = _document().sections[0].blocks[1]
    assert isinstance(table, Table)
    rows = [[plain(cell) for cell in row] for row in table.rows]
    assert rows[0] == ["Dudley Metropolitan Borough Council", "Controller", "Z5947253", "ig@dudley.example"]
    assert rows[1][0] == "West Midlands Police"


def test_schedule_has_one_row_per_flow_with_the_law_and_gateway_links() -> None:
    schedule = _document().sections[3]
    table = schedule.blocks[1]
    assert isinstance(table, Table)
    assert [plain(row[0]) for row in table.rows] == [
        "FLOW-012 MASH referrals",
        "FLOW-013 Strategy discussions",
    ]
    second = {h: plain(c) for h, c in zip(table.header, table.rows[1], strict=True)}
    assert second["UK GDPR Art 6 basis"] == "Art 6(1)(e) Public task"
    assert second["Art 9 condition"].startswith("Art 9(2)(g)")
    assert second["DPA 2018 Schedule 1"].startswith("Sch 1 para 18")
    assert "Health (physical and mental) (special category)" in second["Data"]
    assert "Criminal offences and convictions (criminal offence data)" in second["Data"]
    gateway = table.rows[0][table.header.index("Statutory gateways")][0]
    assert gateway.url.startswith("https://www.legislation.gov.uk/ukpga/1989/41/section/47")
    plain_english = [plain(item) for item in schedule.subsections[0].blocks[0].items]
    assert any(line.startswith("Art 6(1)(e) Public task: ") for line in plain_english)


def test_the_same_registry_and_date_give_the_same_hash_and_a_change_another() -> None:
    first, second = _document(), _document()
    assert first.content_hash == second.content_hash
    assert len(first.content_hash) == 12
    changed = _registry(flow={"retention": "Six years"})
    assert _document(changed).content_hash != first.content_hash


def test_active_agreement_is_not_marked_draft_and_has_no_findings_annex() -> None:
    document = _document()
    assert not document.draft
    assert "Annex" not in [s.title for s in document.sections][-1]
    word = _docx(document)
    assert "DRAFT" not in "".join(p.text for s in word.sections for p in s.header.paragraphs)


def test_draft_agreement_lists_its_findings_in_an_annex() -> None:
    registry = _registry(agreement={"status": "draft"}, flow={"article6": None})
    document = _document(registry)
    assert document.draft
    annex = document.sections[-1]
    assert annex.title == "Annex: open findings"
    records = [plain(row[0]) for row in annex.blocks[1].rows]
    assert "Flow FLOW-012" in records


def test_word_file_has_real_headings_repeating_header_rows_and_the_marks() -> None:
    document = _document(_registry(agreement={"status": "under_review"}))
    word = _docx(document)
    headings = [p.text for p in word.paragraphs if p.style.name.startswith("Heading 2")]
    assert headings == [*SECTIONS, "Annex: open findings"]
    assert word.paragraphs[1].style.name == "Heading 1"
    with_header = [t for t in word.tables if t.rows[0].cells[0].text in ("Organisation", "Flow", "Record")]
    assert len(with_header) == 4  # parties, schedule, security, retention (no findings here)
    for table in with_header:
        first_row = table.rows[0]._tr
        assert first_row.xpath("./w:trPr/w:tblHeader"), "the header row repeats on each page"
    for section in word.sections:
        assert "DRAFT" in section.header.paragraphs[0].text
        footer = section.footer.paragraphs[0].text
        assert "DSPP-ISA-001 version 2.0, under review, produced 23 November 2026" in footer
        assert document.content_hash in footer
    links = [r.target_ref for r in word.part.rels.values() if "hyperlink" in r.reltype]
    assert any("legislation.gov.uk/ukpga/1989/41/section/47" in url for url in links)


def test_pdf_is_tagged_and_every_page_of_a_draft_says_draft() -> None:
    document = _document(_registry(agreement={"status": "draft"}))
    stream = io.BytesIO()
    write_pdf(document, stream)
    stream.seek(0)
    reader = PdfReader(stream)
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "en-GB"
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) > 1
    for text in pages:
        assert "DRAFT" in text
        assert document.content_hash in text
    whole = "\n".join(pages)
    assert "DSPP-ISA-001" in whole and "West Midlands Police" in whole and "Annex: open findings" in whole


def test_pdf_of_an_active_agreement_has_no_draft_mark() -> None:
    pages = _pdf_pages(_document())
    assert not any("DRAFT" in text for text in pages)
    assert "1. The parties" in "\n".join(pages)


def test_html_tables_have_scoped_header_cells() -> None:
    html = render_html(_document())
    assert '<th scope="col">Organisation</th>' in html
    assert '<th scope="row">' in html
    assert "<h2>4. Schedule of data flows</h2>" in html and "<h3>" in html


def test_without_signatures_the_names_of_signatories_are_left_out() -> None:
    registry = _registry()
    registry.agreements["DSPP-ISA-001"].parties[0].signed_by = "Jo Bloggs"
    assert "Jo Bloggs" in render_html(_document(registry))
    assert "Jo Bloggs" not in render_html(_document(registry, signatures=False))


def test_text_of_a_party_is_escaped_in_the_html() -> None:
    registry = _registry()
    registry.organisations["wmp"] = organisation("wmp", name="<script>alert(1)</script>")
    html = render_html(_document(registry))
    assert "<script>alert" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize("suffix", [".docx", ".pdf"])
def test_command_writes_the_document(dudley, runner, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"isa{suffix}"
    result = runner.invoke(args=["agreement-document", "DSPP-ISA-001", str(out), "--as-of", "2026-11-23"])
    assert result.exit_code == 0, result.output
    assert "content hash" in result.output
    assert out.read_bytes().startswith(b"%PDF-" if suffix == ".pdf" else b"PK")


def test_command_gives_the_same_hash_twice(dudley, runner, tmp_path: Path) -> None:
    args = ["agreement-document", "DSPP-ISA-001", str(tmp_path / "a.docx"), "--as-of", "2026-11-23"]
    first, second = runner.invoke(args=args), runner.invoke(args=args)
    assert first.output == second.output


def test_command_refuses_an_unknown_agreement_and_an_unknown_format(dudley, runner, tmp_path: Path) -> None:
    result = runner.invoke(args=["agreement-document", "NOPE", str(tmp_path / "a.pdf")])
    assert result.exit_code == 1 and "no agreement 'NOPE'" in result.output
    result = runner.invoke(args=["agreement-document", "DSPP-ISA-001", str(tmp_path / "a.txt")])
    assert result.exit_code == 1 and "name it .docx or .pdf" in result.output


def test_agreement_page_offers_both_downloads_to_a_viewer(dudley, auth) -> None:
    client = auth.client("viewer")
    page = client.get("/agreements/DSPP-ISA-001").get_data(as_text=True)
    assert "/agreements/DSPP-ISA-001/document.docx" in page
    assert "/agreements/DSPP-ISA-001/document.pdf" in page
    word = client.get("/agreements/DSPP-ISA-001/document.docx?as_of=2026-11-23")
    assert word.status_code == 200
    assert word.headers["Content-Disposition"].endswith("DSPP-ISA-001-2026-11-23.docx")
    parsed = docx.Document(io.BytesIO(word.data))
    assert parsed.paragraphs[1].text.startswith("Dudley multi-agency safeguarding")
    pdf = client.get("/agreements/DSPP-ISA-001/document.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")


def test_download_of_an_unknown_agreement_is_not_found_and_a_bad_date_is_refused(dudley, auth) -> None:
    client = auth.client("viewer")
    assert client.get("/agreements/NOPE/document.pdf").status_code == 404
    assert client.get("/agreements/DSPP-ISA-001/document.pdf?as_of=31/12/2026").status_code == 400


def test_download_needs_sign_in(dudley, client) -> None:
    response = client.get("/agreements/DSPP-ISA-001/document.docx")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
