"""The public register (opt-in): off by default, and when on it lists only the published agreements
that are not drafts or archived, to anyone, and never a finding, a user, a signatory or an audit entry."""

from __future__ import annotations

import copy
import csv
import io
import json
from dataclasses import replace

import pytest
from flask import Flask
from pypdf import PdfReader

from isa_registry.core.domain import AGREEMENT_STATUSES, Registry
from isa_registry.core.rules import run_rules

from .builders import AS_OF
from .conftest import demo_registry, store

ADDRESSES = ("/register", "/register.csv", "/register.json")


def _states() -> tuple[Registry, dict[str, bool]]:
    """The demo with one published agreement in each status, one archived, one not published; and
    whether each should be listed."""
    registry = copy.deepcopy(demo_registry())
    for n, agreement in enumerate(registry.agreements.values()):
        for i, party in enumerate(agreement.parties):
            if party.signed_on:
                party.signed_by, party.signatory_role = (
                    f"Hidden Signatory {n}-{i}",
                    f"Secret Director {n}-{i}",
                )
    keys = sorted(registry.agreements)
    listed: dict[str, bool] = {}
    for key, status in zip(keys, AGREEMENT_STATUSES, strict=False):
        registry.agreements[key] = replace(registry.agreements[key], status=status, publish=True)
        listed[key] = status != "draft"
    archived, unpublished = keys[len(AGREEMENT_STATUSES)], keys[len(AGREEMENT_STATUSES) + 1]
    registry.agreements[archived] = replace(registry.agreements[archived], publish=True, archived=True)
    registry.agreements[unpublished] = replace(
        registry.agreements[unpublished], publish=False, status="active"
    )
    listed[archived] = listed[unpublished] = False
    return registry, listed


@pytest.fixture()
def published(app: Flask, monkeypatch: pytest.MonkeyPatch) -> tuple[Flask, Registry, dict[str, bool]]:
    registry, listed = _states()
    store(app, registry)
    monkeypatch.setitem(app.config, "PUBLIC_REGISTER", "1")
    return app, registry, listed


@pytest.mark.parametrize("address", [*ADDRESSES, "/register/DSPP-ISA-002.pdf"])
def test_the_register_is_off_by_default(dudley: Flask, address: str) -> None:
    assert dudley.test_client().get(address).status_code == 404


def test_anyone_sees_exactly_the_published_agreements_that_are_not_drafts_or_archived(published) -> None:
    app, _registry, listed = published
    client = app.test_client()
    page = client.get("/register")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    data = client.get("/register.json").get_json()
    rows = list(
        csv.DictReader(io.StringIO(client.get("/register.csv").get_data(as_text=True).lstrip("\ufeff")))
    )
    assert {a["key"] for a in data["agreements"]} == {k for k, shown in listed.items() if shown}
    assert {r["Reference"] for r in rows} == {k for k, shown in listed.items() if shown}
    for key, shown in listed.items():
        assert (f'id="agreement-{key}"' in html) == shown, key
    entry = data["agreements"][0]
    assert entry["parties"] and entry["lawful_bases"] and entry["data_categories"]
    assert set(entry) == {
        "key",
        "title",
        "status",
        "parties",
        "purpose",
        "lawful_bases",
        "special_category_conditions",
        "statutes",
        "data_categories",
        "start_date",
        "review_date",
        "end_date",
    }


def test_the_register_never_shows_signatories_findings_users_or_audit_entries(published, auth) -> None:
    app, registry, listed = published
    auth.account("editor")
    client = app.test_client()
    texts = [client.get(a).get_data(as_text=True) for a in ADDRESSES]
    for key, shown in listed.items():
        response = client.get(f"/register/{key}.pdf")
        assert response.status_code == (200 if shown else 404), key
        if shown:
            texts.append("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages))
    names = {p.signed_by for a in registry.agreements.values() for p in a.parties if p.signed_by}
    roles = {p.signatory_role for a in registry.agreements.values() for p in a.parties if p.signatory_role}
    assert names, "the demo records who signed"
    messages = {f.message for f in run_rules(registry, AS_OF)}
    whole = "\n".join(texts)
    for secret in [*names, *roles, *messages, "editor@example.org", "cli:load-demo", "Annex: open findings"]:
        assert secret not in whole, secret
    assert "Sign out" not in texts[0]


def test_the_register_page_and_downloads_need_no_sign_in_when_on(published) -> None:
    app, _, _ = published
    client = app.test_client()
    for address in ADDRESSES:
        response = client.get(address)
        assert response.status_code == 200, address
    assert json.loads(client.get("/register.json").data)["agreements"]
    assert client.get("/agreements/").status_code == 302  # the rest still needs a sign-in


def test_the_publish_flag_is_set_on_the_form_and_shown_on_the_page(dudley, auth) -> None:
    editor = auth.client("editor")
    form = editor.get("/agreements/DSPP-ISA-002/edit").get_data(as_text=True)
    assert 'name="publish"' in form
    page = editor.get("/agreements/DSPP-ISA-002").get_data(as_text=True)
    assert "Not listed" in page
