"""The flow pages: list with filters, the record page with the law in words and its findings, and
the form that guides the editor through the law; roles; errors naming fields; no half-writes."""

from __future__ import annotations

import re

import pytest

from isa_registry.store import services
from isa_registry.store.db import db
from isa_registry.store.models import AuditEntry
from isa_registry.store.models import Flow as FlowModel
from tests.conftest import statements
from tests.test_organisation_views import count_rows, error_summary


def flow_keys(html: str) -> list[str]:
    """The keys of the flows listed, in order."""
    return re.findall(r'<td class="govuk-table__cell"><a class="govuk-link" href="/flows/([^"]+)">', html)


VALID = {
    "key": "FLOW-123",
    "name": "Health visitor notes to the MASH",
    "source": "dgft",
    "recipient": "dudley-mbc",
    "agreement": "DSPP-ISA-001",
    "status": "active",
    "identifiability": "identifiable",
    "regime": "uk_gdpr",
    "data_subjects": ["children", "parents_carers"],
    "data_categories": ["identity_contact", "health"],
    "article6": "e",
    "legislation": ["ukpga/2004/31/section/11"],
    "retention": "Until the child is 25",
}


def saved_flow(app, key: str = "FLOW-123"):
    with app.app_context():
        return services.get_flow(db.session, key)[0]


# --- List --------------------------------------------------------------------------------------


def test_the_list_filters_by_source_category_programme_and_agreement(viewer):
    from_police = flow_keys(viewer.get("/flows/?source=wmp").get_data(as_text=True))
    assert "FLOW-001" in from_police

    mash = flow_keys(viewer.get("/flows/?programme=MASH&category=criminal_offence").get_data(as_text=True))
    assert "FLOW-001" in mash

    uncovered = flow_keys(viewer.get("/flows/?agreement=none").get_data(as_text=True))
    assert "FLOW-001" not in uncovered


def test_the_severity_filter_uses_the_rules(dudley, editor):
    editor.post("/flows/new", data={**VALID, "article6": ""})  # no lawful basis: an error

    with_errors = flow_keys(editor.get("/flows/?severity=error").get_data(as_text=True))
    without = flow_keys(editor.get("/flows/?severity=none").get_data(as_text=True))

    assert "FLOW-123" in with_errors
    assert "FLOW-123" not in without
    assert not set(with_errors) & set(without)


def test_the_list_sorts_by_a_column_both_ways(viewer):
    ascending = flow_keys(viewer.get("/flows/?sort=key").get_data(as_text=True))
    descending = flow_keys(viewer.get("/flows/?sort=key&dir=desc").get_data(as_text=True))
    assert ascending[0] == "FLOW-001"
    assert descending[0] > ascending[0]


def test_the_count_and_the_filter_choices_follow_each_change(dudley, editor):
    """What the list keeps per registry revision (the count of a search, the filters' options) is
    worked out again after a change, in the same process."""
    before = editor.get("/flows/?q=health").get_data(as_text=True)
    total = int(re.search(r"of (\d+) flows", before).group(1))  # type: ignore[union-attr]
    assert 'value="new-charity"' not in before

    editor.post("/flows/new", data=VALID)  # "Health visitor notes to the MASH"
    new_charity = {"key": "new-charity", "name": "New Charity", "kind": "voluntary", "public_authority": "no"}
    assert editor.post("/organisations/new", data={**new_charity, "status": "active"}).status_code == 302

    after = editor.get("/flows/?q=health").get_data(as_text=True)
    assert f"of {total + 1} flows" in after
    assert '<option value="new-charity">New Charity</option>' in after


def test_the_chosen_filters_stay_selected(viewer):
    html = viewer.get("/flows/?source=wmp&agreement=none&status=active&severity=error").get_data(as_text=True)
    source = html[html.index('id="source"') : html.index("</select>", html.index('id="source"'))]
    assert source.count(" selected") == 1 and '<option value="wmp" selected>' in source
    recipient = html[html.index('id="recipient"') : html.index("</select>", html.index('id="recipient"'))]
    assert '<option value="" selected>' in recipient
    assert '<option value="none" selected>No agreement</option>' in html
    assert '<option value="active" selected>Active</option>' in html
    assert '<option value="error" selected>With errors</option>' in html


# --- Record page -------------------------------------------------------------------------------


def test_the_record_page_shows_the_law_in_words(viewer):
    html = viewer.get("/flows/FLOW-001").get_data(as_text=True)

    assert "Art 6(1)(e) Public task" in html
    assert "Art 9(2)(g) Substantial public interest" in html
    assert "Sch 1 para 18 Safeguarding of children and of individuals at risk" in html
    assert "Children Act 2004 s11" in html
    assert "https://www.legislation.gov.uk/ukpga/2004/31/section/11" in html
    assert 'id="findings"' in html and 'id="history"' in html


def test_the_record_page_issues_a_bounded_number_of_statements(dudley, viewer):
    with statements(dudley) as seen:
        assert viewer.get("/flows/FLOW-001").status_code == 200
    assert len(seen) <= 8, seen


def test_a_viewer_sees_no_edit_links(viewer):
    html = viewer.get("/flows/FLOW-001").get_data(as_text=True)
    assert "/flows/FLOW-001/edit" not in html and "/flows/FLOW-001/archive" not in html
    assert "/flows/new" not in viewer.get("/flows/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/flows/new"),
        ("post", "/flows/new"),
        ("get", "/flows/FLOW-001/edit"),
        ("post", "/flows/FLOW-001/edit"),
        ("post", "/flows/FLOW-001/archive"),
        ("post", "/flows/FLOW-001/restore"),
    ],
)
def test_a_viewer_cannot_change_flows(dudley, viewer, method, url):
    before = count_rows(dudley, AuditEntry)
    assert getattr(viewer, method)(url, data=VALID).status_code == 403
    assert count_rows(dudley, AuditEntry) == before


def test_there_is_no_way_to_delete_a_flow(editor):
    assert editor.delete("/flows/FLOW-001").status_code == 405


# --- The form ----------------------------------------------------------------------------------


def test_the_form_asks_every_question_by_its_spec_name_without_javascript(editor):
    html = editor.get("/flows/new").get_data(as_text=True)

    for name in (
        "key",
        "name",
        "source",
        "recipient",
        "agreement",
        "identifiability",
        "regime",
        "data_categories",
        "article6",
        "recognised_interest",
        "article9",
        "schedule1",
        "law_enforcement_basis",
        "schedule8",
        "legislation",
        "legislation_other",
        "international_transfer-country",
        "international_transfer-safeguard",
    ):
        assert f'name="{name}"' in html, name
    assert "Answer if you chose special category data" in html
    assert "Art 9(2)(b) needs para 1, (h) para 2, (i) para 3, (j) para 4" in html
    assert "Children Act 1989" in html  # legislation grouped by Act
    assert "js/flow-form.js" in html


def test_the_schedule1_guidance_follows_the_chosen_art9_condition(editor):
    response = editor.post("/flows/new", data={**VALID, "name": "", "article9": "h"})
    html = response.get_data(as_text=True)
    assert (
        "You chose Art 9(2)(h) Health or social care: it needs Sch 1 para 2 Health or social care purposes."
        in html
    )


def test_saving_redirects_to_the_flow_with_a_message_and_its_findings(dudley, editor):
    response = editor.post("/flows/new", data=VALID)

    assert response.status_code == 302 and response.headers["Location"].endswith("/flows/FLOW-123")
    html = editor.get(response.headers["Location"]).get_data(as_text=True)
    assert "Flow FLOW-123 saved" in html
    # Health data with no Art 9 condition may be saved; the page then says what is missing.
    assert "FLOW_SPECIAL_NO_CONDITION" in html
    flow = saved_flow(dudley)
    assert flow.data_categories == ["identity_contact", "health"]
    assert flow.legislation == ["ukpga/2004/31/section/11"]
    with dudley.app_context():
        [entry] = services.history(db.session, "flow", "FLOW-123")
    assert entry.actor == "editor@example.org"


def test_bad_input_names_each_field_and_writes_nothing(dudley, editor):
    flows, entries = count_rows(dudley, FlowModel), count_rows(dudley, AuditEntry)
    response = editor.post(
        "/flows/new",
        data={
            **VALID,
            "key": "FLOW-001",
            "name": "",
            "recipient": "dgft",
            "identifiability": "",
            "start_date": "2026-06-01",
            "end_date": "2026-05-01",
            "legislation_other": "Children Act s47",
        },
    )

    assert response.status_code == 400
    errors = dict(error_summary(response.get_data(as_text=True)))
    assert errors["#key"] == "A flow with key FLOW-001 already exists"
    assert errors["#name"] == "Enter the flow&#39;s name"
    assert errors["#recipient"] == "Recipient must be a different organisation from the source"
    assert errors["#identifiability"].startswith("Select whether the data is identifiable")
    assert errors["#end_date"] == "End date must be the same as or after the start date"
    assert errors["#legislation_other"].startswith("Other provision &#39;Children Act s47&#39;")
    assert (count_rows(dudley, FlowModel), count_rows(dudley, AuditEntry)) == (flows, entries)


def test_other_provisions_are_kept_as_identifiers(dudley, editor):
    other = "https://www.legislation.gov.uk/ukpga/1989/41/section/17\nukpga/2099/1/section/1"
    editor.post("/flows/new", data={**VALID, "legislation_other": other})

    assert saved_flow(dudley).legislation == [
        "ukpga/2004/31/section/11",
        "ukpga/1989/41/section/17",
        "ukpga/2099/1/section/1",
    ]
    edit = editor.get("/flows/FLOW-123/edit").get_data(as_text=True)
    assert "ukpga/2099/1/section/1" in edit.split('name="legislation_other"', 1)[1].split("</textarea>", 1)[0]


def test_answers_that_do_not_apply_are_not_saved(dudley, editor):
    editor.post(
        "/flows/new",
        data={**VALID, "recognised_interest": "6", "law_enforcement_basis": "task", "schedule8": ["4"]},
    )
    flow = saved_flow(dudley)
    assert (flow.recognised_interest, flow.law_enforcement_basis, flow.schedule8) == (None, None, [])


def test_law_enforcement_answers_are_saved_under_that_regime(dudley, editor):
    editor.post(
        "/flows/new",
        data={
            **VALID,
            "source": "wmp",
            "regime": "law_enforcement",
            "law_enforcement_basis": "task",
            "schedule8": ["4"],
            "article9": "",
        },
    )
    flow = saved_flow(dudley)
    assert (flow.regime, flow.law_enforcement_basis, flow.schedule8) == ("law_enforcement", "task", ["4"])
    assert "Sch 8 para 4 Safeguarding of children" in editor.get("/flows/FLOW-123").get_data(as_text=True)


def test_editing_keeps_values_not_offered_and_audits_the_change(dudley, editor):
    with dudley.app_context():
        version_id = services.version_of(db.session, "flow", "FLOW-001")
    form = editor.get("/flows/FLOW-001/edit").get_data(as_text=True)
    assert 'name="key"' not in form
    assert f'value="{version_id}"' in form

    current = saved_flow(dudley, "FLOW-001")
    data = {
        "name": current.name,
        "source": current.source,
        "recipient": current.recipient,
        "agreement": current.agreement,
        "status": current.status,
        "identifiability": current.identifiability,
        "regime": current.regime,
        "data_subjects": current.data_subjects,
        "data_categories": current.data_categories,
        "article6": current.article6,
        "article9": current.article9,
        "schedule1": current.schedule1,
        "legislation": current.legislation,
        "retention": "Seven years",
        "frequency": current.frequency,
        "method": current.method,
        "purpose": current.purpose,
        "programme": current.programme,
        "start_date": current.start_date.isoformat(),
        "version_id": str(version_id),
        # The recipient's own basis, as the page holds it.
        "recipient_basis-regime": current.recipient_basis.regime,
        "recipient_basis-article6": current.recipient_basis.article6,
        "recipient_basis-article9": current.recipient_basis.article9,
        "recipient_basis-schedule1": current.recipient_basis.schedule1,
        "recipient_basis-legislation": current.recipient_basis.legislation,
    }
    response = editor.post("/flows/FLOW-001/edit", data=data)

    assert response.status_code == 302
    assert saved_flow(dudley, "FLOW-001").retention == "Seven years"
    with dudley.app_context():
        assert services.history(db.session, "flow", "FLOW-001")[0].changed == ["retention"]


def test_archiving_a_flow_hides_it_and_keeps_its_page(dudley, editor):
    with dudley.app_context():
        version_id = services.version_of(db.session, "flow", "FLOW-001")
    assert "Archive flow</button>" in editor.get("/flows/FLOW-001/archive").get_data(as_text=True)

    response = editor.post("/flows/FLOW-001/archive", data={"version_id": str(version_id)})

    assert response.status_code == 302
    page = editor.get("/flows/FLOW-001").get_data(as_text=True)
    assert "Flow FLOW-001 archived" in page and "Archived flows are not checked" in page
    assert "FLOW-001" not in flow_keys(editor.get("/flows/").get_data(as_text=True))
    assert "FLOW-001" in flow_keys(editor.get("/flows/?include_archived=1").get_data(as_text=True))


# --- The recipient's own basis (issue 15) --------------------------------------------------------


def test_the_form_asks_for_the_recipients_basis_collapsed_until_used(editor):
    page = editor.get("/flows/new").get_data(as_text=True)
    assert "The recipient&#39;s basis" in page or "The recipient's basis" in page
    details = re.search(r'<details[^>]*id="recipient-basis-details"[^>]*>', page)
    assert details is not None and " open" not in details.group(0)
    # The same questions as the source's, under the recipient's names, with the same guidance.
    for name in ("regime", "article6", "article9", "schedule1", "official_authority", "legislation_other"):
        assert f'name="recipient_basis-{name}"' in page, name
    assert "The basis of the receiving organisation" in page
    assert "UK GDPR Art 6(1) lawful basis of the recipient" in page


def test_the_recipients_basis_entered_is_saved_shown_and_offered_open_again(dudley, editor):
    data = {
        **VALID,
        "recipient_basis-regime": "uk_gdpr",
        "recipient_basis-article6": "e",
        "recipient_basis-article9": "g",
        "recipient_basis-schedule1": ["18"],
        "recipient_basis-legislation": ["ukpga/1989/41/section/47"],
    }
    assert editor.post("/flows/new", data=data).status_code == 302
    saved = saved_flow(dudley).recipient_basis
    assert saved is not None
    assert (saved.article6, saved.article9, saved.schedule1) == ("e", "g", ["18"])
    assert saved.legislation == ["ukpga/1989/41/section/47"]
    page = editor.get("/flows/FLOW-123").get_data(as_text=True)
    recipient = page[page.index('id="recipient-basis"') :]
    assert "Art 6(1)(e)" in recipient and "Art 9(2)(g)" in recipient
    form = editor.get("/flows/FLOW-123/edit").get_data(as_text=True)
    details = re.search(r'<details[^>]*id="recipient-basis-details"[^>]*>', form)
    assert details is not None and " open" in details.group(0)


def test_a_flow_without_the_recipients_basis_records_none_and_its_page_says_so(dudley, editor):
    assert editor.post("/flows/new", data=VALID).status_code == 302
    assert saved_flow(dudley).recipient_basis is None
    page = editor.get("/flows/FLOW-123").get_data(as_text=True)
    assert "Recipient&#39;s basis" in page or "Recipient's basis" in page
    assert "FLOW_RECIPIENT_BASIS_MISSING" in page or "no basis of its own is recorded" in page


def test_a_bad_provision_in_the_recipients_basis_names_its_field(dudley, editor):
    data = {**VALID, "recipient_basis-article6": "e", "recipient_basis-legislation_other": "not a law"}
    response = editor.post("/flows/new", data=data)
    assert response.status_code == 400
    [(href, message)] = error_summary(response.get_data(as_text=True))
    assert href == "#recipient_basis-legislation_other" and "not a legislation.gov.uk identifier" in message
