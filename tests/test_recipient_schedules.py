"""The recipient's basis names only real Schedule 1 and Schedule 8 paragraphs, as the disclosing
side must: the exchange format, the spreadsheet, the forms, the API and the services each refuse
another, naming the recipient's field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from isa_registry.core.domain import Basis
from isa_registry.core.exchange import InvalidDocument, parse_document, to_document
from isa_registry.core.spreadsheet import read_tabular
from isa_registry.store import services
from isa_registry.store.services import InvalidRecord
from tests.api_helpers import Api, make_token
from tests.builders import basis, clean_registry, flow, organisation
from tests.conftest import Auth
from tests.test_flow_views import VALID, saved_flow
from tests.test_organisation_views import error_summary
from tests.test_tabular import FLOWS, filled_template, problems


def _document(recipient_basis: dict) -> dict:
    doc = json.loads(json.dumps(to_document(clean_registry())))
    doc["flows"][0]["recipient_basis"] = recipient_basis
    return doc


# --- The exchange format ----------------------------------------------------------------------------


def test_the_import_refuses_a_schedule1_paragraph_of_the_recipients_basis_that_does_not_exist() -> None:
    doc = _document({"article6": "e", "article9": "g", "schedule1": ["18", "99"]})
    with pytest.raises(InvalidDocument) as caught:
        parse_document(doc)
    [problem] = caught.value.problems
    assert "FLOW-012" in problem.record and problem.field == "recipient_basis.schedule1.1"
    assert "'99'" in problem.message and "Schedule 1" in problem.message


def test_the_import_refuses_a_schedule8_paragraph_of_the_recipients_basis_that_does_not_exist() -> None:
    doc = _document({"regime": "law_enforcement", "law_enforcement_basis": "task", "schedule8": ["4", "10"]})
    with pytest.raises(InvalidDocument) as caught:
        parse_document(doc)
    assert [p.field for p in caught.value.problems] == ["recipient_basis.schedule8.1"]


def test_the_import_refuses_schedule1_paragraph_5_in_the_recipients_basis() -> None:
    with pytest.raises(InvalidDocument) as caught:
        parse_document(_document({"article6": "e", "article9": "g", "schedule1": ["5"]}))
    assert [p.field for p in caught.value.problems] == ["recipient_basis.schedule1.0"]


def test_real_paragraphs_of_the_recipients_basis_are_imported() -> None:
    registry = parse_document(_document({"article6": "e", "article9": "g", "schedule1": ["18", "37"]}))
    basis_read = registry.flows["FLOW-012"].recipient_basis
    assert basis_read is not None and basis_read.schedule1 == ["18", "37"]


# --- The spreadsheet --------------------------------------------------------------------------------


def test_the_spreadsheet_import_refuses_an_unknown_recipients_schedule1_paragraph(tmp_path: Path) -> None:
    row = {
        **FLOWS[0],
        "Recipient's Article 6": "e",
        "Recipient's Article 9": "g",
        "Recipient's Schedule 1": "99",
    }
    [problem] = problems(filled_template(tmp_path, flows=[row]))
    assert "Flows sheet row 2" in problem.record and problem.field == "recipient_basis.schedule1.0"
    assert "'99'" in problem.message


def test_the_spreadsheet_import_reads_real_recipients_schedule8_paragraphs(tmp_path: Path) -> None:
    row = {**FLOWS[0], "Recipient's Regime": "law enforcement", "Recipient's Schedule 8": "para 4"}
    doc = read_tabular(filled_template(tmp_path, flows=[row]))
    assert doc["flows"][0]["recipient_basis"]["schedule8"] == ["4"]


# --- The services, the forms and the API --------------------------------------------------------------


@pytest.fixture()
def partners(session):
    for key in ("dudley", "wmp"):
        services.create_organisation(session, "test", organisation(key))
    return session


@pytest.mark.parametrize(
    ("recipient_basis", "field", "words"),
    [
        (basis(article9="g", schedule1=["99"]), "recipient_basis-schedule1", "no paragraph 99"),
        (basis(article9="g", schedule1=["5"]), "recipient_basis-schedule1", "paragraph 5 is not a condition"),
        (
            Basis(regime="law_enforcement", law_enforcement_basis="task", schedule8=["10"]),
            "recipient_basis-schedule8",
            "no paragraph 10",
        ),
    ],
)
def test_the_services_refuse_an_unknown_paragraph_of_the_recipients_basis_naming_its_field(
    partners, recipient_basis: Basis, field: str, words: str
) -> None:
    with pytest.raises(InvalidRecord) as caught:
        services.create_flow(partners, "test", flow(agreement_key=None, recipient_basis=recipient_basis))
    assert field in caught.value.errors and words in caught.value.errors[field]
    assert "recipient" in caught.value.errors[field].lower()


def test_the_services_keep_a_recipients_basis_of_real_paragraphs(partners) -> None:
    created = flow(agreement_key=None, recipient_basis=basis(article9="g", schedule1=["18"]))
    services.create_flow(partners, "test", created)
    saved, _ = services.get_flow(partners, "FLOW-012")
    assert saved.recipient_basis is not None and saved.recipient_basis.schedule1 == ["18"]


def test_the_flow_form_refuses_an_unknown_recipients_paragraph_naming_its_field(
    dudley, client, auth: Auth
) -> None:
    editor = auth.sign_in(client, "editor")
    data = {
        **VALID,
        "recipient_basis-regime": "uk_gdpr",
        "recipient_basis-article6": "e",
        "recipient_basis-article9": "g",
        "recipient_basis-schedule1": ["99"],
    }
    response = editor.post("/flows/new", data=data)
    assert response.status_code == 400
    summary = error_summary(response.get_data(as_text=True))
    assert [href for href, _ in summary] == ["#recipient_basis-schedule1"]
    with pytest.raises(services.NotFound):
        saved_flow(dudley)


def test_the_api_refuses_an_unknown_recipients_paragraph_naming_its_field(dudley, auth: Auth) -> None:
    api = Api(dudley.test_client(), make_token(dudley, auth, "editor"))
    record = {
        **VALID,
        "recipient_basis": {"article6": "e", "article9": "g", "schedule1": ["18", "99"]},
    }
    response = api.post("/api/v1/flows", json=record)
    assert response.status_code == 422
    assert [e["field"] for e in response.json["errors"]] == ["recipient_basis.schedule1.1"]


def test_the_services_refuse_a_recipients_basis_that_is_not_a_choice(partners) -> None:
    with pytest.raises(InvalidRecord) as caught:
        services.create_flow(partners, "test", flow(agreement_key=None, recipient_basis=basis(article6="z")))
    assert caught.value.errors == {
        "recipient_basis-article6": "Select a valid Art 6(1) lawful basis for the recipient"
    }
