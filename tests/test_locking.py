"""Two editors saving the same record: the second is told it changed under them, shown the
difference, keeps their input, and nothing is silently overwritten."""

from __future__ import annotations

import re

import pytest

from isa_registry.store import services
from isa_registry.store.db import db


@pytest.fixture()
def two_editors(dudley, auth):
    """Two signed-in editors (an editor and an admin), each with their own browser session."""
    return auth.client("editor"), auth.client("admin")


def form_version(html: str) -> str:
    return re.search(r'name="version_id" type="hidden" value="(\d+)"', html).group(1)


def conflict(html: str) -> dict[str, tuple[str, str]]:
    """Field -> (their value, the saved value) from the conflict table."""
    table = html.split('id="conflict-differences"', 1)[1].split("</table>", 1)[0]
    found = re.findall(
        r'<tr class="govuk-table__row" data-field="([^"]+)">\s*<th[^>]*>[^<]*</th>\s*'
        r'<td class="govuk-table__cell">([^<]*)</td>\s*<td class="govuk-table__cell">([^<]*)</td>',
        table,
    )
    return {name: (theirs, current) for name, theirs, current in found}


def organisation_form(telephone: str, version_id: str) -> dict[str, str]:
    return {
        "name": "Chief Constable of West Midlands Police",
        "kind": "police",
        "public_authority": "yes",
        "status": "active",
        "telephone": telephone,
        "version_id": version_id,
    }


def test_the_second_save_from_the_same_version_gets_the_conflict_page(dudley, two_editors):
    first, second = two_editors
    version_first = form_version(first.get("/organisations/wmp/edit").get_data(as_text=True))
    version_second = form_version(second.get("/organisations/wmp/edit").get_data(as_text=True))
    assert version_first == version_second

    assert (
        first.post("/organisations/wmp/edit", data=organisation_form("101", version_first)).status_code == 302
    )
    response = second.post("/organisations/wmp/edit", data=organisation_form("999", version_second))

    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "This organisation was changed by someone else while you were editing it" in html
    assert conflict(html)["telephone"] == ("999", "101")
    assert 'value="999"' in html  # their input is kept in the form
    assert form_version(html) == str(int(version_first) + 1)  # saving again is a deliberate choice
    with dudley.app_context():
        assert services.get_organisation(db.session, "wmp")[0].telephone == "101"

    # Having seen the difference, they save again and their value wins, audited as theirs.
    again = second.post("/organisations/wmp/edit", data=organisation_form("999", form_version(html)))
    assert again.status_code == 302
    with dudley.app_context():
        assert services.get_organisation(db.session, "wmp")[0].telephone == "999"
        assert [e.actor for e in services.history(db.session, "organisation", "wmp")][:2] == [
            "admin@example.org",
            "editor@example.org",
        ]


def flow_form(flow, version_id: str, **changes) -> dict[str, object]:
    data = {
        "name": flow.name,
        "source": flow.source,
        "recipient": flow.recipient,
        "agreement": flow.agreement or "",
        "status": flow.status,
        "identifiability": flow.identifiability,
        "regime": flow.regime,
        "data_subjects": flow.data_subjects,
        "data_categories": flow.data_categories,
        "article6": flow.article6 or "",
        "article9": flow.article9 or "",
        "schedule1": flow.schedule1,
        "legislation": flow.legislation,
        "retention": flow.retention or "",
        "version_id": version_id,
    }
    data.update(changes)
    return data


def test_a_flow_edited_by_two_editors_shows_each_differing_field(dudley, two_editors):
    first, second = two_editors
    with dudley.app_context():
        flow, version_id = services.get_flow(db.session, "FLOW-001")

    first.post("/flows/FLOW-001/edit", data=flow_form(flow, str(version_id), retention="One year"))
    response = second.post(
        "/flows/FLOW-001/edit", data=flow_form(flow, str(version_id), retention="Ten years", name="Renamed")
    )

    assert response.status_code == 409
    differences = conflict(response.get_data(as_text=True))
    assert differences["retention"] == ("Ten years", "One year")
    assert differences["name"] == ("Renamed", flow.name)
    with dudley.app_context():
        saved = services.get_flow(db.session, "FLOW-001")[0]
    assert (saved.retention, saved.name) == ("One year", flow.name)


def test_an_agreement_changed_by_a_sign_off_meanwhile_is_not_overwritten(dudley, two_editors):
    first, second = two_editors
    with dudley.app_context():
        agreement, version_id = services.get_agreement(db.session, "DSPP-ISA-001")
    form = {
        "title": "Retitled",
        "status": agreement.status,
        "version_id": str(version_id),
        **{f"parties-{i}-organisation": p.organisation for i, p in enumerate(agreement.parties)},
        **{f"parties-{i}-role": p.role for i, p in enumerate(agreement.parties)},
    }
    signed = first.post(
        "/agreements/DSPP-ISA-001/parties/wmp/sign",
        data={
            "signed_by": "New Chief",
            "signatory_role": "Chief Constable",
            "signed_on": "2026-11-01",
            "version_id": str(version_id),
        },
    )
    assert signed.status_code == 302

    response = second.post("/agreements/DSPP-ISA-001/edit", data=form)

    assert response.status_code == 409
    differences = conflict(response.get_data(as_text=True))
    assert differences["title"] == ("Retitled", agreement.title)
    assert "parties" not in differences  # their parties carry the saved sign-offs: no false alarm
    with dudley.app_context():
        saved = services.get_agreement(db.session, "DSPP-ISA-001")[0]
    assert saved.title == agreement.title
    assert next(p for p in saved.parties if p.organisation == "wmp").signed_by == "New Chief"


def test_a_stale_sign_off_is_refused_and_kept_for_another_try(dudley, two_editors):
    first, second = two_editors
    with dudley.app_context():
        version_id = services.version_of(db.session, "agreement", "DSPP-ISA-001")
    first.post(
        "/agreements/DSPP-ISA-001/status", data={"status": "under_review", "version_id": str(version_id)}
    )

    response = second.post(
        "/agreements/DSPP-ISA-001/parties/wmp/sign",
        data={
            "signed_by": "Late Signer",
            "signatory_role": "Chief",
            "signed_on": "2026-11-02",
            "version_id": str(version_id),
        },
    )

    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "was changed by someone else while you had this page open" in html
    assert 'value="Late Signer"' in html
    with dudley.app_context():
        saved = services.get_agreement(db.session, "DSPP-ISA-001")[0]
    assert next(p for p in saved.parties if p.organisation == "wmp").signed_by != "Late Signer"


def test_a_stale_status_change_and_a_stale_archive_are_refused(dudley, two_editors):
    first, second = two_editors
    with dudley.app_context():
        version_id = str(services.version_of(db.session, "agreement", "DSPP-ISA-001"))
    first.post("/agreements/DSPP-ISA-001/status", data={"status": "under_review", "version_id": version_id})

    response = second.post(
        "/agreements/DSPP-ISA-001/status", data={"status": "terminated", "version_id": version_id}
    )

    assert response.status_code == 409
    assert "was changed by someone else" in response.get_data(as_text=True)
    with dudley.app_context():
        assert services.get_agreement(db.session, "DSPP-ISA-001")[0].status == "under_review"
        flow_version = str(services.version_of(db.session, "flow", "FLOW-056"))
        flow, _ = services.get_flow(db.session, "FLOW-056")
    first.post("/flows/FLOW-056/edit", data=flow_form(flow, flow_version, retention="Changed"))
    archived = second.post("/flows/FLOW-056/archive", data={"version_id": flow_version})
    assert archived.status_code == 302
    assert "was changed by someone else" in second.get("/flows/FLOW-056").get_data(as_text=True)
    with dudley.app_context():
        assert services.get_flow(db.session, "FLOW-056")[0].archived is False
