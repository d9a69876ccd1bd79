"""The agreement pages: list, record page, create and edit with parties, sign-off, lifecycle,
archive; roles; errors naming fields."""

from __future__ import annotations

import pytest

from isa_registry.store import services
from isa_registry.store.db import db
from isa_registry.store.models import Agreement as AgreementModel
from isa_registry.store.models import AuditEntry
from tests.conftest import statements
from tests.test_organisation_views import count_rows, error_summary, rows


def new_agreement(
    client, key: str = "ISA-NEW", status: str = "under_review", parties=("wmp", "dudley-mbc"), **extra
):
    data = {"key": key, "title": "New sharing", "status": status, **extra}
    for i, org in enumerate(parties):
        data[f"parties-{i}-organisation"] = org
        data[f"parties-{i}-role"] = "controller"
    for i in range(len(parties), 6):
        data[f"parties-{i}-organisation"] = ""
        data[f"parties-{i}-role"] = "controller"
    return client.post("/agreements/new", data=data)


def version(app, key: str) -> int:
    with app.app_context():
        return services.version_of(db.session, "agreement", key)


def sign(client, app, key: str, org: str, **overrides):
    data = {
        "signed_by": "A Person",
        "signatory_role": "Director",
        "signed_on": "2026-11-20",
        "version_id": str(version(app, key)),
        **overrides,
    }
    return client.post(f"/agreements/{key}/parties/{org}/sign", data=data)


# --- List and record page ----------------------------------------------------------------------


def test_the_list_filters_by_status_owner_and_party(viewer):
    drafts = rows(viewer.get("/agreements/?status=draft").get_data(as_text=True))
    assert len(drafts) == 1  # the demo has one draft
    with_police = [key for key, _ in rows(viewer.get("/agreements/?party=wmp").get_data(as_text=True))]
    assert "DSPP-ISA-001" in with_police
    owned = [key for key, _ in rows(viewer.get("/agreements/?owner=wmp&party=wmp").get_data(as_text=True))]
    assert "DSPP-ISA-001" not in owned  # owned by the council


def test_the_record_page_shows_parties_flows_findings_and_history(viewer):
    html = viewer.get("/agreements/DSPP-ISA-001").get_data(as_text=True)

    assert 'id="party-table"' in html and "West Midlands Police" in html
    assert 'id="flow-table"' in html and "/flows/FLOW-001" in html
    assert 'id="findings"' in html and 'id="history"' in html


def test_a_viewer_sees_no_edit_sign_or_status_controls(viewer):
    html = viewer.get("/agreements/DSPP-ISA-001").get_data(as_text=True)
    for forbidden in ("/edit", "/sign", "/status", "/archive", "Record sign-off"):
        assert forbidden not in html, forbidden


def test_the_record_page_issues_a_bounded_number_of_statements(dudley, viewer):
    with statements(dudley) as seen:
        assert viewer.get("/agreements/DSPP-ISA-001").status_code == 200
    assert len(seen) <= 8, seen


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/agreements/new"),
        ("post", "/agreements/new"),
        ("post", "/agreements/DSPP-ISA-001/edit"),
        ("get", "/agreements/DSPP-ISA-001/parties/wmp/sign"),
        ("post", "/agreements/DSPP-ISA-001/parties/wmp/sign"),
        ("post", "/agreements/DSPP-ISA-001/status"),
        ("post", "/agreements/DSPP-ISA-001/archive"),
    ],
)
def test_a_viewer_cannot_change_agreements(dudley, viewer, method, url):
    before = count_rows(dudley, AuditEntry)
    assert getattr(viewer, method)(url, data={"status": "terminated"}).status_code == 403
    assert count_rows(dudley, AuditEntry) == before


# --- Create and edit ---------------------------------------------------------------------------


def test_the_form_offers_six_party_rows_and_only_starting_statuses(editor):
    html = editor.get("/agreements/new").get_data(as_text=True)
    assert 'name="parties-5-organisation"' in html and 'name="parties-6-organisation"' not in html
    status_select = html.split('name="status"', 1)[1].split("</select>", 1)[0]
    assert 'value="draft"' in status_select and 'value="under_review"' in status_select
    assert 'value="active"' not in status_select


def test_add_another_party_adds_a_row_and_saves_nothing(dudley, editor):
    before = count_rows(dudley, AgreementModel)
    response = new_agreement(editor, add_party="1")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="parties-6-organisation"' in html
    assert 'value="ISA-NEW"' in html
    assert count_rows(dudley, AgreementModel) == before


def test_creating_an_agreement_saves_its_parties_and_redirects_with_a_message(dudley, editor):
    response = new_agreement(editor)

    assert response.status_code == 302 and response.headers["Location"].endswith("/agreements/ISA-NEW")
    html = editor.get("/agreements/ISA-NEW").get_data(as_text=True)
    assert "Agreement ISA-NEW saved" in html
    assert html.count("Not signed") == 2
    with dudley.app_context():
        saved, _ = services.get_agreement(db.session, "ISA-NEW")
    assert [p.organisation for p in saved.parties] == ["wmp", "dudley-mbc"]


def test_a_party_twice_and_dates_out_of_order_are_named(editor):
    response = new_agreement(editor, parties=("wmp", "wmp"), start_date="2026-01-01", end_date="2025-01-01")

    assert response.status_code == 400
    errors = error_summary(response.get_data(as_text=True))
    assert ("#parties-1-organisation", "Party 2: this organisation is already a party") in errors
    assert ("#end_date", "End date must be the same as or after the start date") in errors


def test_a_new_agreement_cannot_be_active(dudley, editor):
    response = new_agreement(editor, status="active")
    assert response.status_code == 400
    assert count_rows(dudley, AgreementModel) == 11
    errors = dict(error_summary(response.get_data(as_text=True)))
    assert "#status" in errors


def test_a_duplicate_reference_is_named(editor):
    response = new_agreement(editor, key="DSPP-ISA-001")
    assert ("#key", "An agreement with key DSPP-ISA-001 already exists") in error_summary(
        response.get_data(as_text=True)
    )


def test_editing_parties_keeps_the_sign_off_of_those_who_stay(dudley, editor):
    new_agreement(editor)
    sign(editor, dudley, "ISA-NEW", "wmp", signed_by="Chief Superintendent")
    data = {
        "title": "New sharing, revised",
        "status": "under_review",
        "version_id": str(version(dudley, "ISA-NEW")),
        "parties-0-organisation": "wmp",
        "parties-0-role": "joint_controller",
        "parties-1-organisation": "",
        "parties-1-role": "controller",
        "parties-2-organisation": "bc-icb",
        "parties-2-role": "controller",
    }
    response = editor.post("/agreements/ISA-NEW/edit", data=data)

    assert response.status_code == 302
    with dudley.app_context():
        saved, _ = services.get_agreement(db.session, "ISA-NEW")
    assert [(p.organisation, p.role, p.signed_by) for p in saved.parties] == [
        ("wmp", "joint_controller", "Chief Superintendent"),
        ("bc-icb", "controller", None),
    ]


# --- Sign-off and lifecycle --------------------------------------------------------------------


def test_the_sign_off_form_names_each_missing_answer(editor):
    new_agreement(editor)
    response = editor.post("/agreements/ISA-NEW/parties/wmp/sign", data={"signed_on": "31/02/2026"})

    assert response.status_code == 400
    errors = dict(error_summary(response.get_data(as_text=True)))
    assert errors["#signed_by"] == "Enter the name of the person who signed"
    assert errors["#signatory_role"].startswith("Enter the signatory&#39;s role")
    assert errors["#signed_on"] == "Date signed must be a real date, for example 2026-11-23"


def test_only_a_party_has_a_sign_off_page(editor):
    new_agreement(editor)
    assert editor.get("/agreements/ISA-NEW/parties/bc-icb/sign").status_code == 404


def test_activation_is_refused_until_every_party_has_signed(dudley, editor):
    new_agreement(editor)
    sign(editor, dudley, "ISA-NEW", "wmp")
    page = editor.get("/agreements/ISA-NEW").get_data(as_text=True)
    assert "Not yet signed: Dudley Metropolitan Borough Council" in page

    response = editor.post(
        "/agreements/ISA-NEW/status", data={"status": "active", "version_id": str(version(dudley, "ISA-NEW"))}
    )

    assert response.status_code == 409
    [(href, text)] = error_summary(response.get_data(as_text=True))
    assert href == "#lifecycle" and text.endswith("not yet signed: Dudley Metropolitan Borough Council")
    with dudley.app_context():
        assert services.get_agreement(db.session, "ISA-NEW")[0].status == "under_review"


def test_signing_every_party_then_activating(dudley, editor):
    new_agreement(editor)
    response = sign(editor, dudley, "ISA-NEW", "wmp")
    assert response.status_code == 302
    assert "Sign-off by Chief Constable of West Midlands Police recorded" in editor.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    sign(editor, dudley, "ISA-NEW", "dudley-mbc")

    page = editor.get("/agreements/ISA-NEW").get_data(as_text=True)
    assert "Every party has signed. You can now activate the agreement." in page
    assert "Under review" in page  # signing alone does not activate

    response = editor.post(
        "/agreements/ISA-NEW/status", data={"status": "active", "version_id": str(version(dudley, "ISA-NEW"))}
    )

    assert response.status_code == 302
    page = editor.get("/agreements/ISA-NEW").get_data(as_text=True)
    assert "Agreement ISA-NEW is now active" in page
    with dudley.app_context():
        actions = [e.action for e in services.history(db.session, "agreement", "ISA-NEW")]
    assert actions == ["status", "sign", "sign", "create"]


# --- Archive -----------------------------------------------------------------------------------


def test_an_agreement_cited_by_flows_cannot_be_archived_and_the_flows_are_listed(dudley, editor):
    response = editor.post(
        "/agreements/DSPP-ISA-001/archive", data={"version_id": str(version(dudley, "DSPP-ISA-001"))}
    )

    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Flows still cite this agreement" in html and "FLOW-001" in html
    with dudley.app_context():
        assert services.get_agreement(db.session, "DSPP-ISA-001")[0].archived is False


def test_an_unused_agreement_is_archived_and_hidden_from_the_list(dudley, editor):
    new_agreement(editor)
    response = editor.post(
        "/agreements/ISA-NEW/archive", data={"version_id": str(version(dudley, "ISA-NEW"))}
    )

    assert response.status_code == 302
    assert "Agreement ISA-NEW archived" in editor.get("/agreements/ISA-NEW").get_data(as_text=True)
    assert "ISA-NEW" not in dict(rows(editor.get("/agreements/").get_data(as_text=True)))
    assert "ISA-NEW" in dict(rows(editor.get("/agreements/?include_archived=1").get_data(as_text=True)))
