"""The organisation pages: list, record page, create, edit, archive; roles; errors naming fields."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from isa_registry.store import services
from isa_registry.store.db import db
from isa_registry.store.models import AuditEntry
from isa_registry.store.models import Organisation as OrganisationModel
from tests.builders import organisation
from tests.conftest import statements


def error_summary(html: str) -> list[tuple[str, str]]:
    """(href, text) of each error in the GOV.UK error summary."""
    if "govuk-error-summary__list" not in html:
        return []
    summary = html.split("govuk-error-summary__list", 1)[1].split("</ul>", 1)[0]
    return [(href, text.strip()) for href, text in re.findall(r'<a href="([^"]*)">([^<]*)</a>', summary)]


def count_rows(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


VALID = {
    "key": "new-charity",
    "name": "New Charity",
    "kind": "voluntary",
    "public_authority": "no",
    "status": "active",
}


# --- Lists ---------------------------------------------------------------------------------------


def test_the_list_needs_a_signed_in_user(dudley, client):
    response = client.get("/organisations/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def rows(html: str) -> list[tuple[str, str]]:
    """(key, name) of each row of a list."""
    return re.findall(
        r'<td class="govuk-table__cell"><a class="govuk-link" href="[^"]+">([^<]+)</a></td>\s*'
        r'<td class="govuk-table__cell">([^<]+)',
        html,
    )


def test_the_list_searches_and_filters_by_the_query_string(viewer):
    html = viewer.get("/organisations/?q=police").get_data(as_text=True)
    assert "West Midlands Police" in html
    assert "Dudley Metropolitan Borough Council" not in html

    html = viewer.get("/organisations/?kind=police&public_authority=yes").get_data(as_text=True)
    assert [key for key, _ in rows(html)] == ["wmp"]


def test_archived_organisations_are_hidden_unless_asked_for(dudley, viewer):
    with dudley.app_context():
        services.create_organisation(db.session, "t", organisation("old-body", name="Old Body"))
        services.archive(db.session, "t", "organisation", "old-body")

    assert "Old Body" not in viewer.get("/organisations/?q=old").get_data(as_text=True)
    html = viewer.get("/organisations/?q=old&include_archived=1").get_data(as_text=True)
    assert "Old Body" in html and "Archived" in html


def test_the_list_pages_fifty_at_a_time(dudley, viewer):
    with dudley.app_context():
        for i in range(60):
            services.create_organisation(db.session, "t", organisation(f"zz-{i:02d}", name=f"Zed {i:02d}"))
    first = viewer.get("/organisations/?q=zed&sort=name").get_data(as_text=True)
    second = viewer.get("/organisations/?q=zed&sort=name&page=2").get_data(as_text=True)

    assert "Showing 1 to 50 of 60 organisations" in first
    assert [name for _, name in rows(first)][:2] == ["Zed 00", "Zed 01"]
    assert "Zed 49" in first and "Zed 50" not in first
    assert "Showing 51 to 60 of 60 organisations" in second and "Zed 59" in second
    assert "page=2" in first  # the pagination links keep the search
    desc = viewer.get("/organisations/?q=zed&sort=name&dir=desc").get_data(as_text=True)
    assert rows(desc)[0] == ("zz-59", "Zed 59")
    assert 'aria-sort="descending"' in desc


# --- Record page ---------------------------------------------------------------------------------


def test_the_record_page_shows_details_flows_agreements_findings_and_history(viewer):
    html = viewer.get("/organisations/wmp").get_data(as_text=True)

    assert "West Midlands Police" in html
    assert 'id="flows-out"' in html and 'id="flows-in"' in html
    assert "/flows/FLOW-001" in html
    assert "/agreements/DSPP-ISA-001" in html
    assert 'id="findings"' in html
    assert 'id="history"' in html and "cli:load-demo" in html


def test_a_long_list_of_flows_shows_the_first_and_links_to_the_rest(viewer, monkeypatch):
    from isa_registry.web import organisations as organisations_view

    monkeypatch.setattr(organisations_view, "FLOWS_SHOWN", 2)
    html = viewer.get("/organisations/dudley-mbc").get_data(as_text=True)
    sent = html[html.index('id="flows-out"') : html.index('id="flows-in"')]
    total = int(re.search(r"Flows it sends \((\d+)\)", sent).group(1))  # type: ignore[union-attr]
    assert (
        total > 2
        and len(re.findall(r'<td class="govuk-table__cell"><a class="govuk-link" href="/flows/', sent)) == 2
    )
    assert f"The first 2 of {total} by key" in sent
    assert 'href="/flows/?source=dudley-mbc&amp;include_archived=1"' in sent
    listed = viewer.get("/flows/?source=dudley-mbc&include_archived=1").get_data(as_text=True)
    assert f"of {total} flows" in listed or f"Showing 1 to {total} of {total}" in listed


def test_a_viewer_sees_no_edit_links(viewer):
    html = viewer.get("/organisations/wmp").get_data(as_text=True)
    assert "/organisations/wmp/edit" not in html
    assert "/organisations/wmp/archive" not in html
    assert "/organisations/new" not in viewer.get("/organisations/").get_data(as_text=True)


def test_an_editor_sees_the_edit_links(editor):
    html = editor.get("/organisations/wmp").get_data(as_text=True)
    assert "/organisations/wmp/edit" in html and "/organisations/wmp/archive" in html


def test_a_missing_organisation_is_404(viewer):
    assert viewer.get("/organisations/nobody").status_code == 404


def test_the_record_page_issues_a_bounded_number_of_statements(dudley, viewer):
    with statements(dudley) as seen:
        assert viewer.get("/organisations/dudley-mbc").status_code == 200
    # The user, load_registry's four, the history; a few more at most, however big the registry.
    assert len(seen) <= 8, seen


# --- Roles ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/organisations/new"),
        ("post", "/organisations/new"),
        ("get", "/organisations/wmp/edit"),
        ("post", "/organisations/wmp/edit"),
        ("get", "/organisations/wmp/archive"),
        ("post", "/organisations/wmp/archive"),
        ("post", "/organisations/wmp/restore"),
    ],
)
def test_a_viewer_cannot_change_organisations(dudley, viewer, method, url):
    before = count_rows(dudley, AuditEntry)
    response = getattr(viewer, method)(url, data=VALID)
    assert response.status_code == 403
    assert count_rows(dudley, AuditEntry) == before


def test_there_is_no_way_to_delete_an_organisation(editor):
    assert editor.delete("/organisations/wmp").status_code == 405
    assert editor.post("/organisations/wmp/delete").status_code in (404, 405)


# --- Create and edit -----------------------------------------------------------------------------


def test_the_form_shows_the_fields_by_their_spec_names(editor):
    html = editor.get("/organisations/new").get_data(as_text=True)
    for name in (
        "key",
        "name",
        "kind",
        "public_authority",
        "ico_registration",
        "dpo_contact",
        "appropriate_policy_document",
        "status",
        "successor",
    ):
        assert f'name="{name}"' in html, name


def test_creating_an_organisation_redirects_to_its_page_with_a_message(dudley, editor):
    response = editor.post("/organisations/new", data=VALID)

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/organisations/new-charity")
    html = editor.get(response.headers["Location"]).get_data(as_text=True)
    assert "Organisation new-charity saved" in html
    with dudley.app_context():
        assert services.get_organisation(db.session, "new-charity")[0].public_authority is False
        [entry] = services.history(db.session, "organisation", "new-charity")
        assert entry.actor == "editor@example.org" and entry.action == "create"


def test_bad_input_is_reported_by_field_and_nothing_is_written(dudley, editor):
    before = count_rows(dudley, OrganisationModel)
    response = editor.post(
        "/organisations/new",
        data={
            "key": "bad key!",
            "name": "",
            "kind": "",
            "email": "not-an-email",
            "appropriate_policy_document": "apd.pdf",
        },
    )

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    errors = dict(error_summary(html))
    assert errors["#key"].startswith("Key must be letters, digits")
    assert errors["#name"] == "Enter the organisation&#39;s name"
    assert errors["#kind"] == "Select the kind of organisation"
    assert errors["#public_authority"] == "Select yes if the organisation is a public authority"
    assert errors["#email"].startswith("Email must be an email address")
    assert errors["#appropriate_policy_document"].startswith("The appropriate policy document link must be")
    assert "<title>Error: " in html
    assert 'value="bad key!"' in html  # the input is kept
    assert count_rows(dudley, OrganisationModel) == before


def test_a_duplicate_key_is_named(editor):
    response = editor.post("/organisations/new", data={**VALID, "key": "wmp"})
    assert ("#key", "An organisation with key wmp already exists") in error_summary(
        response.get_data(as_text=True)
    )


def test_editing_saves_audits_and_keeps_the_key(dudley, editor):
    html = editor.get("/organisations/wmp/edit").get_data(as_text=True)
    assert 'name="key"' not in html
    version = re.search(r'name="version_id" type="hidden" value="(\d+)"', html) or re.search(
        r'id="version_id" name="version_id" type="hidden" value="(\d+)"', html
    )
    assert version

    with dudley.app_context():
        current, version_id = services.get_organisation(db.session, "wmp")
    data = {
        "name": current.name,
        "kind": current.kind,
        "public_authority": "yes",
        "status": current.status,
        "telephone": "101",
        "version_id": str(version_id),
    }
    response = editor.post("/organisations/wmp/edit", data=data)

    assert response.status_code == 302
    with dudley.app_context():
        saved, new_version = services.get_organisation(db.session, "wmp")
        assert saved.telephone == "101" and new_version == version_id + 1
        assert services.history(db.session, "organisation", "wmp")[0].changed == ["telephone"]


# --- Archive -------------------------------------------------------------------------------------


def test_an_organisation_with_live_flows_cannot_be_archived(dudley, editor):
    confirm = editor.get("/organisations/wmp/archive").get_data(as_text=True)
    assert "cannot be archived yet" in confirm and "FLOW-001" in confirm
    assert "Archive organisation</button>" not in confirm

    response = editor.post("/organisations/wmp/archive", data={"version_id": "1"})

    assert response.status_code == 409
    assert "FLOW-001" in response.get_data(as_text=True)
    with dudley.app_context():
        assert services.get_organisation(db.session, "wmp")[0].archived is False


def test_archiving_asks_first_then_hides_the_organisation_and_keeps_its_page(dudley, editor):
    with dudley.app_context():
        services.create_organisation(db.session, "t", organisation("spare", name="Spare Body"))
    confirm = editor.get("/organisations/spare/archive").get_data(as_text=True)
    assert "Archive organisation</button>" in confirm

    response = editor.post("/organisations/spare/archive", data={"version_id": "1"})

    assert response.status_code == 302
    page = editor.get("/organisations/spare").get_data(as_text=True)
    assert "Organisation spare archived" in page and "Archived" in page
    assert "Spare Body" not in editor.get("/organisations/?q=spare").get_data(as_text=True)

    editor.post("/organisations/spare/restore")
    assert "Spare Body" in editor.get("/organisations/?q=spare").get_data(as_text=True)
    with dudley.app_context():
        actions = [e.action for e in services.history(db.session, "organisation", "spare")]
    assert actions == ["restore", "archive", "create"]


def test_status_severity_and_archived_tags_are_written_as_govuk_tag_writes_them():
    from types import SimpleNamespace

    from isa_registry.web import archived_tag, severity_tag, status_tag

    assert (
        status_tag("active", {"active": "Active"})
        == '<strong class="govuk-tag govuk-tag--green">Active</strong>'
    )
    assert status_tag("unheard_of", {}) == '<strong class="govuk-tag">unheard_of</strong>'
    # The label is text, never markup.
    assert status_tag("draft", {"draft": "<b>Draft</b>"}) == (
        '<strong class="govuk-tag govuk-tag--grey">&lt;b&gt;Draft&lt;/b&gt;</strong>'
    )
    assert severity_tag("error") == '<strong class="govuk-tag govuk-tag--red">Error</strong>'
    assert severity_tag("info") == '<strong class="govuk-tag">Info</strong>'
    tag = ' <strong class="govuk-tag govuk-tag--grey app-archived-tag">Archived</strong>'
    assert archived_tag({"archived": True}) == tag  # a list's row
    assert archived_tag(SimpleNamespace(archived=True)) == tag  # a record
    assert archived_tag({"archived": False}) == archived_tag(SimpleNamespace(archived=False)) == ""


# --- The ODS code (an extension) -----------------------------------------------------------------


def test_an_ods_code_entered_on_the_form_is_saved_shown_and_offered_again(dudley, editor):
    response = editor.post("/organisations/new", data={**VALID, "ods_code": "RYK"})
    assert response.status_code == 302
    key = VALID["key"]
    with dudley.app_context():
        assert services.get_organisation(db.session, key)[0].ods_code == "RYK"
    page = editor.get(f"/organisations/{key}").get_data(as_text=True)
    assert "ODS code" in page and "RYK" in page
    form = editor.get(f"/organisations/{key}/edit").get_data(as_text=True)
    assert re.search(r'name="ods_code"[^>]*value="RYK"', form) or re.search(
        r'value="RYK"[^>]*name="ods_code"', form
    )


def test_an_ods_code_that_is_not_capital_letters_and_digits_names_the_field(dudley, editor):
    response = editor.post("/organisations/new", data={**VALID, "ods_code": "ryk!"})
    assert response.status_code == 400
    [(href, message)] = error_summary(response.get_data(as_text=True))
    assert href == "#ods_code" and message.startswith("ODS code is not valid")
