"""The second round on the pages: a processor's contract reference on the agreement form and
page, the flow form's suggested frequencies, and the country's UK adequacy status."""

from __future__ import annotations

import pytest

from isa_registry.store import services
from isa_registry.store.db import db
from tests.test_flow_views import VALID, saved_flow


def new_agreement(client, parties=("wmp", "dudley-mbc"), **rows):
    """Post a new agreement with ``parties``; ``rows`` sets any party row field by its name."""
    data = {"key": "ISA-NEW", "title": "New sharing", "status": "under_review"}
    for i in range(6):
        data[f"parties-{i}-organisation"] = parties[i] if i < len(parties) else ""
        data[f"parties-{i}-role"] = "controller"
    return client.post("/agreements/new", data={**data, **rows})


def saved_agreement(app, key: str):
    with app.app_context():
        return services.get_agreement(db.session, key)[0]


def test_a_processor_party_keeps_its_contract_reference_and_the_page_shows_it(app, editor):
    response = new_agreement(
        editor,
        parties=("wmp", "dudley-mbc"),
        **{"parties-1-role": "processor", "parties-1-contract_reference": "DPA-2026-14"},
    )
    assert response.status_code == 302
    parties = saved_agreement(app, "ISA-NEW").parties
    assert [(p.role, p.contract_reference) for p in parties] == [
        ("controller", None),
        ("processor", "DPA-2026-14"),
    ]
    html = editor.get("/agreements/ISA-NEW").get_data(as_text=True)
    assert "Contract: DPA-2026-14" in html


def test_the_agreement_form_offers_a_contract_reference_on_each_party_row(editor):
    html = editor.get("/agreements/DSPP-ISA-001/edit").get_data(as_text=True)
    assert 'name="parties-0-contract_reference"' in html
    assert "Only for processors" in html


def test_a_processor_without_a_contract_is_tagged_on_the_page(app, editor):
    new_agreement(editor, parties=("wmp", "dudley-mbc"), **{"parties-1-role": "processor"})
    assert "No contract recorded" in editor.get("/agreements/ISA-NEW").get_data(as_text=True)


def test_a_too_long_contract_reference_is_refused_naming_the_field(editor):
    response = new_agreement(
        editor, parties=("wmp", "dudley-mbc"), **{"parties-1-contract_reference": "x" * 301}
    )
    assert response.status_code == 400
    assert "Processing contract reference must be 300 characters or fewer" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("posted", "stored"),
    [
        ({"frequency_choice": "weekly"}, "weekly"),
        ({"frequency_choice": "other", "frequency": "per conference"}, "per conference"),
        ({"frequency": "daily"}, "daily"),
        ({"frequency_choice": ""}, None),
    ],
)
def test_the_flow_form_stores_a_suggested_frequency_or_the_text_given(app, editor, posted, stored):
    assert editor.post("/flows/new", data={**VALID, **posted}).status_code == 302
    assert saved_flow(app).frequency == stored


def test_editing_a_flow_preselects_its_suggested_frequency(app, editor):
    editor.post("/flows/new", data={**VALID, "frequency_choice": "one-off"})
    html = editor.get("/flows/FLOW-123/edit").get_data(as_text=True)
    assert 'value="one-off" checked' in html


def test_the_flow_page_shows_the_countrys_adequacy_status(app, editor):
    transfer = {"international_transfer-country": "USA", "international_transfer-safeguard": "adequacy"}
    editor.post("/flows/new", data={**VALID, **transfer})
    html = editor.get("/flows/FLOW-123").get_data(as_text=True)
    assert "UK adequacy regulations cover only some recipients in the United States" in html
    assert "UK adequacy regulations cover only some recipients" in editor.get(
        "/flows/FLOW-123/edit"
    ).get_data(as_text=True)


def test_the_flow_form_says_when_no_adequacy_regulations_cover_the_country(editor):
    data = {**VALID, "name": "", "international_transfer-country": "India"}
    html = editor.post("/flows/new", data=data).get_data(as_text=True)
    assert "No UK adequacy regulations cover India" in html
