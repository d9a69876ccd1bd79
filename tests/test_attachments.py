"""Signed copies: uploads on the agreement's page and by command, the checks that refuse a file
and write nothing, downloads for every signed-in user, the audit entry, and the exchange format."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from isa_registry.core import exchange
from isa_registry.store.db import db
from isa_registry.store.models import Attachment, AuditEntry

from .test_security import csrf_enabled, snapshot


def pdf_bytes(text: str = "Signed") -> bytes:
    """A small real PDF."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _upload(client, data: bytes, name: str = "signed.pdf", key: str = "DSPP-ISA-001", **extra):
    return client.post(
        f"/agreements/{key}/attachments",
        data={"file": (io.BytesIO(data), name), **extra},
        content_type="multipart/form-data",
    )


def _stored(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Attachment))


def test_an_editor_uploads_a_signed_copy_that_is_listed_audited_and_downloadable(dudley, auth) -> None:
    data = pdf_bytes()
    editor = auth.client("editor")
    response = _upload(editor, data, note="Signed at the partnership board")
    assert response.status_code == 302
    page = editor.get("/agreements/DSPP-ISA-001").get_data(as_text=True)
    sha = hashlib.sha256(data).hexdigest()
    assert f'data-attachment="{sha}"' in page and "signed.pdf" in page and "Current" in page
    with dudley.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.subject_type == "attachment")).one()
        assert entry.action == "upload" and entry.subject_key == "DSPP-ISA-001"
        assert entry.after["sha256"] == sha and "content" not in entry.after
        attachment_id = db.session.scalar(select(Attachment.id))
    viewer = auth.client("viewer")
    download = viewer.get(f"/agreements/DSPP-ISA-001/attachments/{attachment_id}")
    assert download.status_code == 200 and download.data == data
    assert download.mimetype == "application/pdf"


def test_a_new_upload_supersedes_and_the_old_copy_stays_listed(dudley, auth) -> None:
    editor = auth.client("editor")
    _upload(editor, pdf_bytes("first"), "first.pdf")
    _upload(editor, pdf_bytes("second"), "second.pdf")
    page = editor.get("/agreements/DSPP-ISA-001").get_data(as_text=True)
    table = page[page.index('id="attachment-table"') :]
    assert table.count("Superseded") == 1 and "Current" in table
    assert table.index("second.pdf") < table.index("first.pdf")
    assert _stored(dudley) == 2


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"Just some text, renamed", "fake.pdf", "must be a PDF"),
        (b"%PDF-1.7\nnot really a pdf at all", "broken.pdf", "could not be read"),
        (b"", "empty.pdf", "is empty"),
    ],
)
def test_a_file_that_is_not_a_pdf_is_refused_and_nothing_is_written(
    dudley, auth, data, name, message
) -> None:
    editor = auth.client("editor")
    before = snapshot(dudley)
    response = _upload(editor, data, name)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert (message in page and "Nothing was stored for agreement DSPP-ISA-001" in page) or message in page
    assert snapshot(dudley) == before


def test_a_file_over_the_limit_is_refused_and_nothing_is_written(dudley, auth) -> None:
    editor = auth.client("editor")
    before = snapshot(dudley)
    dudley.config["ATTACHMENT_MAX_BYTES"] = 2000
    try:
        big = pdf_bytes() + b"%" + b"x" * 3000
        response = _upload(editor, big)
        assert response.status_code == 400
        assert "must be smaller than 2000 bytes" in response.get_data(as_text=True)
        huge = _upload(editor, pdf_bytes() + b"x" * 200_000)
        assert huge.status_code == 413
        assert "must be smaller than" in huge.get_data(as_text=True)
    finally:
        del dudley.config["ATTACHMENT_MAX_BYTES"]
    assert snapshot(dudley) == before


def test_the_same_file_twice_is_refused(dudley, auth) -> None:
    editor = auth.client("editor")
    data = pdf_bytes()
    _upload(editor, data)
    response = _upload(editor, data)
    assert response.status_code == 400 and "already stored" in response.get_data(as_text=True)
    assert _stored(dudley) == 1


def test_a_viewer_cannot_upload(dudley, auth) -> None:
    viewer = auth.client("viewer")
    before = snapshot(dudley)
    assert _upload(viewer, pdf_bytes()).status_code == 403
    assert "Upload a signed copy" not in viewer.get("/agreements/DSPP-ISA-001").get_data(as_text=True)
    assert snapshot(dudley) == before


def test_an_upload_without_a_csrf_token_is_refused(dudley, auth) -> None:
    editor = auth.client("editor")
    before = snapshot(dudley)
    with csrf_enabled(dudley):
        assert _upload(editor, pdf_bytes()).status_code == 400
    assert snapshot(dudley) == before


def test_there_is_no_way_to_delete_a_signed_copy(dudley) -> None:
    rules = [r for r in dudley.url_map.iter_rules() if "attachments" in r.rule]
    assert rules and all(not (set(r.methods or ()) & {"DELETE", "PUT", "PATCH"}) for r in rules)


def test_command_attaches_a_pdf_and_refuses_anything_else(dudley, runner, tmp_path: Path) -> None:
    good = tmp_path / "DSPP-ISA-001 signed.pdf"
    good.write_bytes(pdf_bytes())
    result = runner.invoke(args=["attach-document", "DSPP-ISA-001", str(good), "--note", "Scanned original"])
    assert result.exit_code == 0, result.output
    assert hashlib.sha256(good.read_bytes()).hexdigest() in result.output
    bad = tmp_path / "not.pdf"
    bad.write_text("hello")
    result = runner.invoke(args=["attach-document", "DSPP-ISA-001", str(bad)])
    assert result.exit_code == 1 and "must be a PDF" in result.output
    result = runner.invoke(args=["attach-document", "NOPE", str(good)])
    assert result.exit_code == 1 and "no agreement 'NOPE'" in result.output
    assert _stored(dudley) == 1


def test_export_import_export_carries_the_signed_copies(dudley, runner, tmp_path: Path, app) -> None:
    signed = tmp_path / "signed.pdf"
    signed.write_bytes(pdf_bytes())
    assert runner.invoke(args=["attach-document", "DSPP-ISA-001", str(signed), "--note", "n"]).exit_code == 0
    first = tmp_path / "first.json"
    assert runner.invoke(args=["export-registry", str(first)]).exit_code == 0
    doc = json.loads(first.read_text())
    (agreement,) = [a for a in doc["agreements"] if a["key"] == "DSPP-ISA-001"]
    (copy,) = agreement["attachments"]
    assert base64.b64decode(copy["content"]) == signed.read_bytes() and copy["note"] == "n"
    assert all(a["publish"] is False for a in doc["agreements"])
    with app.app_context():
        db.session.execute(Attachment.__table__.delete())
        db.session.commit()
    result = runner.invoke(args=["import-registry", str(first)])
    assert result.exit_code == 0 and "signed copies: 1 stored" in result.output
    second = tmp_path / "second.json"
    assert runner.invoke(args=["export-registry", str(second)]).exit_code == 0
    again = json.loads(second.read_text())
    doc.pop("exported_at"), again.pop("exported_at")
    assert again == doc


def test_an_export_without_attachments_says_it_cannot_restore_them(dudley, runner, tmp_path: Path) -> None:
    signed = tmp_path / "signed.pdf"
    signed.write_bytes(pdf_bytes())
    runner.invoke(args=["attach-document", "DSPP-ISA-001", str(signed)])
    light = tmp_path / "light.json"
    assert runner.invoke(args=["export-registry", "--without-attachments", str(light)]).exit_code == 0
    doc = json.loads(light.read_text())
    assert doc["note"] == exchange.WITHOUT_ATTACHMENTS_NOTE
    (agreement,) = [a for a in doc["agreements"] if a["key"] == "DSPP-ISA-001"]
    assert agreement["attachments"][0]["content"] is None
    assert agreement["attachments"][0]["sha256"] == hashlib.sha256(signed.read_bytes()).hexdigest()
    assert exchange.validate_document(doc) == []


def test_an_attachment_whose_content_does_not_match_its_hash_is_refused() -> None:
    data = pdf_bytes()
    doc = {
        "format": "isa-registry/1",
        "organisations": [{"key": "a", "name": "A", "kind": "other", "public_authority": True}],
        "agreements": [
            {
                "key": "ISA-1",
                "title": "T",
                "status": "draft",
                "parties": [{"organisation": "a", "role": "controller"}],
                "attachments": [
                    {
                        "name": "x.pdf",
                        "media_type": "application/pdf",
                        "size": len(data),
                        "sha256": "0" * 64,
                        "uploaded_by": "someone@example.org",
                        "uploaded_on": "2026-11-23T10:00:00Z",
                        "note": None,
                        "content": base64.b64encode(data).decode(),
                    }
                ],
            }
        ],
        "flows": [],
    }
    problems = exchange.validate_document(doc)
    assert [(p.field, p.message) for p in problems] == [
        ("attachments.0.sha256", "does not match the content")
    ]
