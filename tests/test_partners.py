"""Partner accounts: an account of one organisation reads only what its organisation is a party to
and signs for it alone; an editor still records a signature made on paper; with ``DPO_REVIEW`` the
owning organisation's data protection officer approves an agreement before it is activated.

What a partner must never see, page by page, is walked in ``tests/test_security.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from isa_registry.core.domain import Finding, Registry
from isa_registry.core.exchange import agreement_from_dict, agreement_to_dict, validate_document
from isa_registry.store import services, tokens, users
from isa_registry.store.db import db
from isa_registry.store.errors import InvalidRecord
from isa_registry.store.lists import ListParams, list_agreements, list_flows, list_organisations
from isa_registry.store.models import AuditEntry, User
from isa_registry.store.queries import checked_registry
from isa_registry.store.visibility import Scope, narrow, visible_keys, visible_registry
from tests.builders import agreement, flow, organisation
from tests.conftest import Auth, demo_registry

PASSWORD = "a partner's long password"


def make_account(app: Flask, email: str, role: str, organisation: str | None, dpo: bool = False) -> None:
    with app.app_context():
        users.create_user(
            db.session, "test", users.NewAccount(email, role, PASSWORD, organisation=organisation, dpo=dpo)
        )


def signed_in(app: Flask, email: str, role: str, organisation: str | None, dpo: bool = False) -> FlaskClient:
    make_account(app, email, role, organisation, dpo)
    client = app.test_client()
    Auth.sign_in_as(client, email, PASSWORD)
    return client


@pytest.fixture()
def dpo_review(demo: Flask) -> Iterator[Flask]:
    """The demo with ``DPO_REVIEW`` on."""
    demo.config["DPO_REVIEW"] = True
    try:
        yield demo
    finally:
        demo.config["DPO_REVIEW"] = False


# --- The scope, in memory ----------------------------------------------------------------------


def _three_organisations():
    """A and B share agreement AB (flow ab); B and C share BC (flow bc); A sends c-less flow a0."""
    orgs = [organisation("a"), organisation("b"), organisation("c")]
    ab = agreement("AB", ("a", "b"), owner="a")
    bc = agreement("BC", ("b", "c"), owner="c", title="Between B and C")
    flows = [
        flow("ab", "a", "b", "AB"),
        flow("bc", "b", "c", "BC"),
        flow("a0", "a", "c", None),
        flow("a-under-bc", "a", "c", "BC"),
    ]
    return Registry.of(orgs, [ab, bc], flows)


def test_a_partner_sees_the_agreements_its_organisation_is_a_party_to_and_their_flows() -> None:
    seen = visible_keys(_three_organisations(), Scope("a"))
    assert seen.agreements == {"AB"}
    assert seen.flows == {"ab", "a0"}  # not a-under-bc: it would name agreement BC
    assert seen.organisations == {"a", "b", "c"}  # c receives flow a0


def test_a_partner_of_no_organisation_sees_nothing() -> None:
    narrowed = narrow(_three_organisations(), Scope(None))
    assert not narrowed.organisations and not narrowed.agreements and not narrowed.flows


def test_everyone_else_sees_the_whole_registry() -> None:
    registry = _three_organisations()
    assert narrow(registry, None) is registry


def test_a_finding_that_names_a_hidden_agreement_is_left_out(dudley: Flask) -> None:
    with dudley.app_context():
        checked = checked_registry(date.today())
        leaky = Finding("X-1", "error", "organisation", "barnardos", "Also party to DSPP-ISA-011.", "", "")
        fine = Finding(
            "X-2", "error", "organisation", "barnardos", "Party to DSPP-ISA-0110 is not a key", "", ""
        )
        checked.findings.extend([leaky, fine])
        narrowed = visible_registry(checked, Scope("barnardos"))
        codes = {f.code for f in narrowed.findings}
        assert "X-2" in codes and "X-1" not in codes
        assert all(f.subject_key != "DSPP-ISA-011" for f in narrowed.findings)


# --- The scope, in SQL: the lists agree with the registry narrowed in memory --------------------


@pytest.mark.parametrize("org", ["barnardos", "uob", "dudley-mbc", "cafcass"])
def test_the_lists_show_exactly_what_the_scope_sees(dudley: Flask, org: str) -> None:
    scope = Scope(org)
    with dudley.app_context():
        seen = visible_keys(checked_registry(date.today()).live, scope)
        params = ListParams(per_page=500, visible_to=scope)
        assert {r["key"] for r in list_agreements(db.session, params).items} == seen.agreements
        assert {r["key"] for r in list_flows(db.session, params).items} == seen.flows
        assert {r["key"] for r in list_organisations(db.session, params).items} == seen.organisations
        if org != "dudley-mbc":  # a party to every agreement
            everyone = list_agreements(db.session, ListParams(per_page=500)).total
            assert list_agreements(db.session, params).total < everyone


# --- Accounts --------------------------------------------------------------------------------


def test_create_user_makes_a_partner_of_an_organisation(
    app: Flask, runner: FlaskCliRunner, dudley: Flask
) -> None:
    result = runner.invoke(
        args=["create-user", "Signer@Barnardos.example", "--role", "partner", "--organisation", "barnardos"],
        input=f"{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created partner signer@barnardos.example of barnardos." in result.output
    with app.app_context():
        user = users.find(db.session, "signer@barnardos.example")
        assert user is not None and user.role == "partner" and user.organisation.key == "barnardos"
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.subject_type == "user")).one()
        assert entry.after["organisation"] == "barnardos"


def test_create_user_makes_an_organisations_dpo(app: Flask, runner: FlaskCliRunner, dudley: Flask) -> None:
    result = runner.invoke(
        args=[
            "create-user",
            "dpo@dudley.example",
            "--role",
            "viewer",
            "--organisation",
            "dudley-mbc",
            "--dpo",
        ],
        input=f"{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = users.find(db.session, "dpo@dudley.example")
        assert user is not None and user.is_dpo and user.organisation.key == "dudley-mbc"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--role", "partner"], "give its key with --organisation"),
        (["--role", "partner", "--organisation", "nobody"], "There is no organisation with the key nobody"),
        (["--role", "viewer", "--dpo"], "give its key with --organisation"),
    ],
)
def test_create_user_refuses_a_partner_without_a_known_organisation(
    app: Flask, runner: FlaskCliRunner, dudley: Flask, args: list[str], message: str
) -> None:
    result = runner.invoke(args=["create-user", "p@example.org", *args], input=f"{PASSWORD}\n")
    assert result.exit_code == 1 and message in result.output
    with app.app_context():
        assert users.find(db.session, "p@example.org") is None


def test_an_admin_sets_an_accounts_organisation_and_dpo_flag(demo: Flask, auth: Auth) -> None:
    admin = auth.client("admin")
    make_account(demo, "someone@example.org", "viewer", None)
    with demo.app_context():
        user_id = users.find(db.session, "someone@example.org").id  # type: ignore[union-attr]
    response = admin.post(f"/users/{user_id}/organisation", data={"organisation": "barnardos", "dpo": "y"})
    assert response.status_code == 302
    page = admin.get(f"/users/{user_id}").text
    assert "Barnardo" in page and "data protection officer" in page
    with demo.app_context():
        user = db.session.get(User, user_id)
        assert user is not None and user.is_dpo and user.organisation.key == "barnardos"
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "change_organisation")).one()
        assert entry.after == {
            "email": "someone@example.org",
            "role": "viewer",
            "active": True,
            "organisation": "barnardos",
            "dpo": True,
        }


def test_an_admin_creates_a_partner_account_on_the_users_page(demo: Flask, auth: Auth) -> None:
    admin = auth.client("admin")
    data = {"email": "new@barnardos.example", "role": "partner", "password": PASSWORD, "confirm": PASSWORD}
    refused = admin.post("/users/new", data=data)
    assert (
        refused.status_code == 400 and "Select the organisation a partner account belongs to" in refused.text
    )
    assert admin.post("/users/new", data={**data, "organisation": "barnardos"}).status_code == 302
    with demo.app_context():
        assert users.find(db.session, "new@barnardos.example").organisation.key == "barnardos"  # type: ignore[union-attr]


def test_an_account_of_no_organisation_cannot_be_made_a_partner(demo: Flask, auth: Auth) -> None:
    admin = auth.client("admin")
    make_account(demo, "someone@example.org", "viewer", None)
    with demo.app_context():
        user_id = users.find(db.session, "someone@example.org").id  # type: ignore[union-attr]
    response = admin.post(f"/users/{user_id}/role", data={"role": "partner"})
    assert (
        response.status_code == 400
        and "Select the organisation a partner account belongs to" in response.text
    )


def test_a_partners_navigation_leaves_out_what_it_cannot_open(demo: Flask) -> None:
    page = signed_in(demo, "p@barnardos.example", "partner", "barnardos").get("/").text
    assert "Audit log" not in page and ">Users<" not in page
    assert "Agreements" in page and "Map" in page


# --- Signing ---------------------------------------------------------------------------------


def test_a_partner_signs_an_agreement_for_its_own_organisation(demo: Flask) -> None:
    partner = signed_in(demo, "p@barnardos.example", "partner", "barnardos")
    page = partner.get("/agreements/DSPP-ISA-009").text
    assert 'id="sign-for-own"' in page
    form = partner.get("/agreements/DSPP-ISA-009/parties/barnardos/sign")
    assert form.status_code == 200 and "Sign for" in form.text and 'name="signed_on' not in form.text
    response = partner.post(
        "/agreements/DSPP-ISA-009/parties/barnardos/sign",
        data={"signed_by": "Jo Bloggs", "signatory_role": "Director of Services"},
    )
    assert response.status_code == 302
    with demo.app_context():
        a, _ = services.get_agreement(db.session, "DSPP-ISA-009")
    signed = next(p for p in a.parties if p.organisation == "barnardos")
    assert (signed.signed_by, signed.signatory_role, signed.signed_on) == (
        "Jo Bloggs",
        "Director of Services",
        date.today(),
    )
    assert signed.signed_by_account == "p@barnardos.example" and signed.recorded_by is None
    assert signed.signed_at is not None and signed.signed_at.startswith(date.today().isoformat())
    shown = partner.get("/agreements/DSPP-ISA-009").text
    assert "signed in the registry by p@barnardos.example" in shown
    again = partner.post(
        "/agreements/DSPP-ISA-009/parties/barnardos/sign", data={"signed_by": "X", "signatory_role": "Y"}
    )
    assert again.status_code == 409 and "ask the business unit" in again.text


def test_a_partner_cannot_sign_for_another_party(demo: Flask) -> None:
    partner = signed_in(demo, "p@barnardos.example", "partner", "barnardos")
    assert partner.get("/agreements/DSPP-ISA-009/parties/dudley-mbc/sign").status_code == 403
    assert partner.get("/agreements/DSPP-ISA-011/parties/cafcass/sign").status_code == 404


def test_signing_for_another_organisation_is_refused_by_the_store(dudley: Flask) -> None:
    with dudley.app_context(), pytest.raises(InvalidRecord) as refused:
        services.sign_agreement(
            db.session,
            "p@x",
            "DSPP-ISA-009",
            "dudley-mbc",
            "A",
            "B",
            date.today(),
            None,
            as_partner_of="barnardos",
        )
    assert "can sign agreement DSPP-ISA-009 only for barnardos" in refused.value.errors["organisation"]


def test_an_editor_records_a_signature_made_on_paper(demo: Flask, auth: Auth) -> None:
    editor = auth.client("editor")
    response = editor.post(
        "/agreements/DSPP-ISA-009/parties/dudley-mbc/sign",
        data={
            "signed_by": "Ann Other",
            "signatory_role": "Chief Executive",
            "signed_on": "2025-02-01",
        },
    )
    assert response.status_code == 302, response.text
    with demo.app_context():
        a, _ = services.get_agreement(db.session, "DSPP-ISA-009")
    signed = next(p for p in a.parties if p.organisation == "dudley-mbc")
    assert signed.recorded_by == "editor@example.org" and signed.signed_by_account is None
    assert "recorded by editor@example.org on paper" in editor.get("/agreements/DSPP-ISA-009").text


def test_the_signing_fields_go_through_the_exchange_format(dudley: Flask) -> None:
    with dudley.app_context():
        services.sign_agreement(
            db.session,
            "p@b",
            "DSPP-ISA-009",
            "barnardos",
            "Jo",
            "Director",
            date.today(),
            None,
            as_partner_of="barnardos",
        )
        a, _ = services.get_agreement(db.session, "DSPP-ISA-009")
    written = agreement_to_dict(a)
    party = next(p for p in written["parties"] if p["organisation"] == "barnardos")
    assert party["signed_by_account"] == "p@b" and party["recorded_by"] is None
    assert agreement_from_dict(written) == a
    doc = {"format": "isa-registry/1", "organisations": [], "agreements": [written], "flows": []}
    known = set(demo_registry().organisations)
    assert validate_document(doc, known) == []
    party["signed_at"] = "yesterday"
    assert any(p.field.endswith("signed_at") for p in validate_document(doc, known))


# --- DPO review ------------------------------------------------------------------------------


def _draft_signed_by_all(app: Flask) -> None:
    """DSPP-ISA-009 (owned by Dudley MBC), every party signed: ready to activate but for review."""
    with app.app_context():
        for org in ("dudley-mbc", "barnardos"):
            services.sign_agreement(db.session, "test", "DSPP-ISA-009", org, "N", "R", date.today(), None)


def _activate(client: FlaskClient) -> int:
    with client.application.app_context():
        version = services.version_of(db.session, "agreement", "DSPP-ISA-009")
    return client.post(
        "/agreements/DSPP-ISA-009/status", data={"status": "active", "version_id": version}
    ).status_code


def test_under_dpo_review_an_agreement_is_activated_only_once_its_owners_dpo_approves(
    dpo_review: Flask, auth: Auth
) -> None:
    _draft_signed_by_all(dpo_review)
    editor = auth.client("editor")
    assert _activate(editor) == 409
    assert "Not yet reviewed" in editor.get("/agreements/DSPP-ISA-009").text
    dpo = signed_in(dpo_review, "dpo@dudley.example", "viewer", "dudley-mbc", dpo=True)
    assert 'id="dpo-review-link"' in dpo.get("/agreements/DSPP-ISA-009").text
    assert dpo.post("/agreements/DSPP-ISA-009/dpo-review", data={"outcome": "approved"}).status_code == 302
    assert "Approved by dpo@dudley.example" in editor.get("/agreements/DSPP-ISA-009").text
    assert _activate(editor) == 302
    with dpo_review.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "dpo_approve")).one()
        assert entry.actor == "dpo@dudley.example" and entry.subject_key == "DSPP-ISA-009"


def test_a_dpo_returns_an_agreement_with_comments(dpo_review: Flask, auth: Auth) -> None:
    _draft_signed_by_all(dpo_review)
    dpo = signed_in(dpo_review, "dpo@dudley.example", "partner", "dudley-mbc", dpo=True)
    refused = dpo.post("/agreements/DSPP-ISA-009/dpo-review", data={"outcome": "returned"})
    assert refused.status_code == 400 and "Enter your comments" in refused.text
    response = dpo.post(
        "/agreements/DSPP-ISA-009/dpo-review",
        data={"outcome": "returned", "comments": "Add a retention period"},
    )
    assert response.status_code == 302
    editor = auth.client("editor")
    assert "Add a retention period" in editor.get("/agreements/DSPP-ISA-009").text
    assert _activate(editor) == 409
    with dpo_review.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "dpo_return")).one()
        assert entry.after["comments"] == "Add a retention period"


def test_an_edit_after_approval_needs_a_new_review(dpo_review: Flask) -> None:
    _draft_signed_by_all(dpo_review)
    with dpo_review.app_context():
        services.review_agreement(db.session, "dpo@x", "DSPP-ISA-009", "dudley-mbc", "approved", "")
        assert services.dpo_approved(db.session, "DSPP-ISA-009")
        a, version = services.get_agreement(db.session, "DSPP-ISA-009")
        services.update_agreement(db.session, "editor", "DSPP-ISA-009", replace(a, purpose="New"), version)
        assert not services.dpo_approved(db.session, "DSPP-ISA-009")


def test_only_the_owning_organisations_dpo_may_review(dpo_review: Flask, auth: Auth) -> None:
    other = signed_in(dpo_review, "dpo@barnardos.example", "partner", "barnardos", dpo=True)
    assert other.post("/agreements/DSPP-ISA-009/dpo-review", data={"outcome": "approved"}).status_code == 403
    assert auth.client("editor").get("/agreements/DSPP-ISA-009/dpo-review").status_code == 403
    with dpo_review.app_context(), pytest.raises(InvalidRecord):
        services.review_agreement(db.session, "x", "DSPP-ISA-009", "barnardos", "approved", "")


def test_without_dpo_review_the_review_page_is_not_there(demo: Flask) -> None:
    dpo = signed_in(demo, "dpo@dudley.example", "viewer", "dudley-mbc", dpo=True)
    assert dpo.get("/agreements/DSPP-ISA-009/dpo-review").status_code == 404


# --- The API ---------------------------------------------------------------------------------


def _partner_token(app: Flask) -> str:
    make_account(app, "p@barnardos.example", "partner", "barnardos")
    with app.app_context():
        user = users.find(db.session, "p@barnardos.example")
        assert user is not None
        return tokens.create(db.session, "test", user, "t")[1]


def test_a_partners_token_reads_only_its_organisations_agreements(demo: Flask) -> None:
    token = _partner_token(demo)
    client = demo.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    listed = client.get("/api/v1/agreements?include_archived=1", headers=headers).get_json()
    assert {a["key"] for a in listed["items"]} == {"DSPP-ISA-008", "DSPP-ISA-009"}
    assert listed["total"] == 2
    assert client.get("/api/v1/agreements/DSPP-ISA-011", headers=headers).status_code == 404
    assert client.get("/api/v1/flows/FLOW-018", headers=headers).status_code == 404
    assert client.get("/api/v1/ropa.csv?controller=dudley-mbc", headers=headers).status_code == 404
    assert client.get("/api/v1/registry", headers=headers).status_code == 403
    refused = client.patch(
        "/api/v1/agreements/DSPP-ISA-009", json={"title": "x"}, headers={**headers, "If-Match": "*"}
    )
    assert refused.status_code == 403 and "partner" in refused.get_json()["detail"]


def test_a_partner_has_only_its_own_organisations_ropa(demo: Flask) -> None:
    partner = signed_in(demo, "p@barnardos.example", "partner", "barnardos")
    page = partner.get("/ropa").text
    assert 'id="controller-barnardos"' in page and 'id="controller-dudley-mbc"' not in page
    assert "partnership-downloads" not in page
    assert partner.get("/ropa.csv?controller=dudley-mbc").status_code == 404
    assert partner.get("/ropa.csv").status_code == 200
