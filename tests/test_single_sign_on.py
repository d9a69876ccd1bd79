"""Single sign-on with OpenID Connect, against a real OpenID provider (``tests/oidc/provider.mjs``)
on 127.0.0.1: the test client plays the browser on the app's side and ``requests`` on the
provider's, following the redirects between the two by hand.
"""

from __future__ import annotations

import base64
import doctest
import hashlib
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from isa_registry import config as config_module
from isa_registry import create_app
from isa_registry.store import users
from isa_registry.store.db import db
from isa_registry.store.models import AuditEntry, User
from isa_registry.web import auth as web_auth
from isa_registry.web import oidc
from tests.conftest import PASSWORD
from tests.oidc import CLIENT_ID, CLIENT_SECRET, OTHER_CLIENT_ID, OpenIDProvider, free_port

CALLBACK = "http://localhost/login/oidc/callback"


@pytest.fixture(scope="module")
def provider() -> Iterator[OpenIDProvider]:
    running = OpenIDProvider.start([CALLBACK])
    yield running
    running.stop()


@pytest.fixture(scope="module")
def _sso_app(_app: Flask, provider: OpenIDProvider) -> Iterator[Flask]:
    """An app on the test database that signs in through ``provider``."""
    sso_app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": _app.config["SQLALCHEMY_DATABASE_URI"],
            "WTF_CSRF_ENABLED": False,
            "MAP_CACHE_DIR": _app.config["MAP_CACHE_DIR"],
            "OIDC_ISSUER": provider.issuer,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_GROUPS_CLAIM": "groups",
            "OIDC_GROUP_ROLES": {"isa-admins": "admin", "isa-editors": "editor", "isa-viewers": "viewer"},
        }
    )
    yield sso_app
    with sso_app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def sso_app(app: Flask, _sso_app: Flask, provider: OpenIDProvider) -> Iterator[Flask]:
    """The single sign-on app on an empty database; its settings and the provider are put back after."""
    settings = dict(_sso_app.config)
    yield _sso_app
    provider.misbehave()
    _sso_app.config.clear()
    _sso_app.config.update(settings)


def sign_in_at_provider(
    client: FlaskClient, provider: OpenIDProvider, login: str, next_page: str = ""
) -> str:
    """Press the single sign-on button and sign in at the provider as ``login``; the callback
    address the provider sends the browser back to (not yet visited)."""
    response = client.get("/login/oidc" + (f"?next={next_page}" if next_page else ""))
    assert response.status_code == 302, response.data
    assert response.location.startswith(provider.issuer + "/auth?")
    callback = provider.follow(response.location + "&" + urlencode({"login_hint": login}))
    assert callback.startswith(CALLBACK + "?"), callback
    return callback


def back_at_app(client: FlaskClient, callback: str) -> Any:
    parts = urlsplit(callback)
    return client.get(f"{parts.path}?{parts.query}")


def signed_in(client: FlaskClient) -> bool:
    return client.get("/").status_code == 200


def account(app: Flask, email: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            db.session.expunge(user)
        return user


def test_signing_in_with_the_provider_starts_a_session_with_the_role_its_groups_give(
    sso_app: Flask, provider: OpenIDProvider
) -> None:
    sso_app.config["OIDC_AUTO_CREATE"] = True
    provider.accounts({"ada": {"sub": "sub-ada", "email": "ada@council.example", "groups": ["isa-editors"]}})
    client = sso_app.test_client()
    response = back_at_app(client, sign_in_at_provider(client, provider, "ada"))
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/"
    user = account(sso_app, "ada@council.example")
    assert user is not None
    assert (user.role, user.active, user.oidc_subject) == ("editor", True, f"{provider.issuer} sub-ada")
    with client.session_transaction() as session:
        assert session["_user_id"] == str(user.id)
        assert session[web_auth.SESSION_GENERATION] == user.session_generation
        assert session[web_auth.SESSION_STARTED] == session[web_auth.SESSION_SEEN]
        assert not any(key.startswith("_state_") for key in session)
    assert signed_in(client)
    assert client.get("/organisations/new").status_code == 200  # an editor's page
    with sso_app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.subject_type == "user")).one()
        assert (entry.actor, entry.action, entry.subject_key) == ("sso", "create", "ada@council.example")


def test_the_page_asked_for_before_signing_in_is_shown_after(
    sso_app: Flask, provider: OpenIDProvider
) -> None:
    sso_app.config["OIDC_AUTO_CREATE"] = True
    client = sso_app.test_client()
    response = back_at_app(client, sign_in_at_provider(client, provider, "nell@council.example", "/flows"))
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/flows"


def test_an_account_an_admin_made_is_found_by_email_once_then_by_subject(
    sso_app: Flask, provider: OpenIDProvider
) -> None:
    with sso_app.app_context():
        users.create_user(
            db.session, "admin@example.org", users.NewAccount("bo@police.example", "viewer", PASSWORD)
        )
    provider.accounts({"bo": {"sub": "sub-bo", "email": "Bo@Police.example", "groups": ["isa-admins"]}})
    client = sso_app.test_client()
    assert back_at_app(client, sign_in_at_provider(client, provider, "bo")).status_code == 302
    user = account(sso_app, "bo@police.example")
    assert user is not None and user.oidc_subject == f"{provider.issuer} sub-bo"
    assert user.role == "admin"  # from the groups, audited as a change of role
    provider.accounts(
        {"bo": {"sub": "sub-bo", "email": "bo.renamed@police.example", "groups": ["isa-admins"]}}
    )
    again = sso_app.test_client()
    assert back_at_app(again, sign_in_at_provider(again, provider, "bo")).status_code == 302
    assert signed_in(again)
    assert account(sso_app, "bo.renamed@police.example") is None
    with sso_app.app_context():
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.actor == "sso").order_by(AuditEntry.id)
        ).all()
        assert actions == ["link_single_sign_on", "change_role"]


def test_someone_without_an_account_is_refused_unless_accounts_are_made(
    sso_app: Flask, provider: OpenIDProvider
) -> None:
    client = sso_app.test_client()
    response = back_at_app(client, sign_in_at_provider(client, provider, "stranger@example.net"))
    assert response.status_code == 403
    assert "There is no account in the registry" in response.get_data(as_text=True)
    assert account(sso_app, "stranger@example.net") is None
    assert not signed_in(client)


def test_a_new_account_is_a_viewer_when_no_group_gives_a_role(
    sso_app: Flask, provider: OpenIDProvider
) -> None:
    sso_app.config["OIDC_AUTO_CREATE"] = True
    provider.accounts({"cy": {"sub": "sub-cy", "email": "cy@nhs.example", "groups": ["finance"]}})
    client = sso_app.test_client()
    assert back_at_app(client, sign_in_at_provider(client, provider, "cy")).status_code == 302
    user = account(sso_app, "cy@nhs.example")
    assert user is not None and user.role == "viewer"
    assert client.get("/organisations/new").status_code == 403
    # An account made this way has no password: none signs in to it.
    assert (
        sso_app.test_client().post("/login", data={"email": "cy@nhs.example", "password": ""}).status_code
        == 200
    )


def test_a_switched_off_account_is_refused(sso_app: Flask, provider: OpenIDProvider) -> None:
    with sso_app.app_context():
        user = users.create_user(
            db.session, "admin@example.org", users.NewAccount("di@council.example", "editor", PASSWORD)
        )
        users.deactivate(db.session, "admin@example.org", user)
    provider.accounts({"di": {"sub": "sub-di", "email": "di@council.example", "groups": []}})
    client = sso_app.test_client()
    response = back_at_app(client, sign_in_at_provider(client, provider, "di"))
    assert response.status_code == 403
    assert "This account has been switched off" in response.get_data(as_text=True)
    assert not signed_in(client)
    found = account(sso_app, "di@council.example")
    assert found is not None and found.oidc_subject is None


def test_a_switched_off_account_is_refused_when_found_by_subject(
    sso_app: Flask, provider: OpenIDProvider
) -> None:
    sso_app.config["OIDC_AUTO_CREATE"] = True
    provider.accounts({"ed": {"sub": "sub-ed", "email": "ed@council.example", "groups": []}})
    first = sso_app.test_client()
    assert back_at_app(first, sign_in_at_provider(first, provider, "ed")).status_code == 302
    with sso_app.app_context():
        user = db.session.scalar(select(User).where(User.email == "ed@council.example"))
        assert user is not None
        users.deactivate(db.session, "admin@example.org", user)
    assert not signed_in(first)  # switching it off ended the session
    client = sso_app.test_client()
    response = back_at_app(client, sign_in_at_provider(client, provider, "ed"))
    assert response.status_code == 403
    assert "This account has been switched off" in response.get_data(as_text=True)


def test_a_tampered_state_is_refused(sso_app: Flask, provider: OpenIDProvider) -> None:
    sso_app.config["OIDC_AUTO_CREATE"] = True
    client = sso_app.test_client()
    callback = sign_in_at_provider(client, provider, "fay@council.example")
    query = parse_qs(urlsplit(callback).query)
    query["state"] = [query["state"][0][:-2] + "xx"]
    response = client.get("/login/oidc/callback?" + urlencode(query, doseq=True))
    assert response.status_code == 400
    assert "Single sign-on did not finish" in response.get_data(as_text=True)
    assert not signed_in(client)
    assert account(sso_app, "fay@council.example") is None


def test_a_wrong_nonce_is_refused(sso_app: Flask, provider: OpenIDProvider) -> None:
    sso_app.config["OIDC_AUTO_CREATE"] = True
    client = sso_app.test_client()
    callback = sign_in_at_provider(client, provider, "gil@council.example")
    with client.session_transaction() as session:
        (key,) = [key for key in session if key.startswith("_state_oidc_")]
        kept = dict(session[key])
        kept["data"] = {**kept["data"], "nonce": "a-nonce-this-app-never-sent"}
        session[key] = kept
    response = back_at_app(client, callback)
    assert response.status_code == 400
    assert not signed_in(client)
    assert account(sso_app, "gil@council.example") is None


def _code_for_the_other_client(provider: OpenIDProvider, login: str) -> str:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = {
        "client_id": OTHER_CLIENT_ID,
        "response_type": "code",
        "scope": "openid email",
        "redirect_uri": CALLBACK,
        "state": "theirs",
        "nonce": "theirs",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "login_hint": login,
    }
    landed = provider.follow(f"{provider.issuer}/auth?{urlencode(query)}")
    return parse_qs(urlsplit(landed).query)["code"][0]


def test_a_code_issued_to_another_client_is_refused(sso_app: Flask, provider: OpenIDProvider) -> None:
    sso_app.config["OIDC_AUTO_CREATE"] = True
    client = sso_app.test_client()
    ours = parse_qs(urlsplit(sign_in_at_provider(client, provider, "hal@council.example")).query)
    theirs = _code_for_the_other_client(provider, "hal@council.example")
    response = client.get("/login/oidc/callback?" + urlencode({"code": theirs, "state": ours["state"][0]}))
    assert response.status_code == 400
    assert not signed_in(client)
    assert account(sso_app, "hal@council.example") is None


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": OTHER_CLIENT_ID, "azp": OTHER_CLIENT_ID},
        {"aud": OTHER_CLIENT_ID},
        # An authorised party naming us does not make up for an audience that leaves us out.
        {"aud": [OTHER_CLIENT_ID], "azp": CLIENT_ID},
    ],
    ids=["for-another-client", "audience-only", "audience-without-us"],
)
def test_an_id_token_for_another_client_is_refused(
    sso_app: Flask, provider: OpenIDProvider, claims: dict[str, Any]
) -> None:
    sso_app.config["OIDC_AUTO_CREATE"] = True
    provider.misbehave(id_token_claims=claims)
    client = sso_app.test_client()
    response = back_at_app(client, sign_in_at_provider(client, provider, "ivy@council.example"))
    assert response.status_code == 400
    assert not signed_in(client)
    assert account(sso_app, "ivy@council.example") is None


def test_an_id_token_from_another_issuer_is_refused(sso_app: Flask, provider: OpenIDProvider) -> None:
    sso_app.config["OIDC_AUTO_CREATE"] = True
    provider.misbehave(id_token_claims={"iss": "https://login.example.net"})
    client = sso_app.test_client()
    response = back_at_app(client, sign_in_at_provider(client, provider, "max@council.example"))
    assert response.status_code == 400
    assert account(sso_app, "max@council.example") is None


def test_an_id_token_with_a_forged_signature_is_refused(sso_app: Flask, provider: OpenIDProvider) -> None:
    sso_app.config["OIDC_AUTO_CREATE"] = True
    provider.misbehave(forge_signature=True)
    client = sso_app.test_client()
    response = back_at_app(client, sign_in_at_provider(client, provider, "ned@council.example"))
    assert response.status_code == 400
    assert not signed_in(client)
    assert account(sso_app, "ned@council.example") is None


def test_an_expired_id_token_is_refused(sso_app: Flask, provider: OpenIDProvider) -> None:
    sso_app.config["OIDC_AUTO_CREATE"] = True
    provider.misbehave(clock_offset=-3600)  # issued an hour ago: expired minutes ago
    client = sso_app.test_client()
    response = back_at_app(client, sign_in_at_provider(client, provider, "jo@council.example"))
    assert response.status_code == 400
    assert not signed_in(client)
    assert account(sso_app, "jo@council.example") is None


def test_the_misbehaving_provider_still_signs_in_when_it_behaves(
    sso_app: Flask, provider: OpenIDProvider
) -> None:
    """The refusals above are the app's doing: the same provider with its clock right signs in."""
    sso_app.config["OIDC_AUTO_CREATE"] = True
    provider.misbehave(clock_offset=-30)  # within the allowed clock difference
    client = sso_app.test_client()
    assert (
        back_at_app(client, sign_in_at_provider(client, provider, "kit@council.example")).status_code == 302
    )
    assert signed_in(client)


def test_a_refusal_from_the_provider_is_shown_as_such(sso_app: Flask, provider: OpenIDProvider) -> None:
    client = sso_app.test_client()
    state = parse_qs(urlsplit(sign_in_at_provider(client, provider, "lu@council.example")).query)["state"][0]
    response = client.get("/login/oidc/callback?" + urlencode({"error": "access_denied", "state": state}))
    assert response.status_code == 400
    assert "Single sign-on did not finish" in response.get_data(as_text=True)


def test_the_sign_in_page_offers_single_sign_on_beside_passwords(sso_app: Flask) -> None:
    page = sso_app.test_client().get("/login").get_data(as_text=True)
    assert "Sign in with your organisation&#39;s account" in page
    assert 'href="/login/oidc"' in page
    assert 'id="password"' in page


def test_password_sign_in_can_be_switched_off(sso_app: Flask, auth: Any) -> None:
    auth.account("editor")
    sso_app.config["PASSWORD_LOGIN"] = False
    client = sso_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/login/oidc"' in page
    assert 'id="password"' not in page
    response = client.post("/login", data={"email": "editor@example.org", "password": PASSWORD})
    assert response.status_code == 403
    assert "Signing in with a password is switched off" in response.get_data(as_text=True)
    assert not signed_in(client)


def test_without_single_sign_on_the_page_has_only_the_password_form(client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert "/login/oidc" not in page
    assert 'id="password"' in page
    assert client.get("/login/oidc").status_code == 404
    assert client.get("/login/oidc/callback?code=x&state=y").status_code == 404


def test_an_unreachable_provider_is_reported(app: Flask) -> None:
    unreachable = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "WTF_CSRF_ENABLED": False,
            "OIDC_ISSUER": f"http://127.0.0.1:{free_port()}",
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        }
    )
    response = unreachable.test_client().get("/login/oidc")
    assert response.status_code == 503
    assert "could not be reached" in response.get_data(as_text=True)
    with unreachable.app_context():
        db.engine.dispose()


def test_switching_password_sign_in_off_needs_single_sign_on() -> None:
    with pytest.raises(ValueError, match="PASSWORD_LOGIN=0 needs single sign-on"):
        create_app({"TESTING": True, "SECRET_KEY": "x", "PASSWORD_LOGIN": False})


def test_the_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OIDC_ISSUER", "https://login.microsoftonline.com/tenant/v2.0")
    monkeypatch.setenv("OIDC_GROUP_ROLES", "isa-admins=admin, isa-editors=editor")
    monkeypatch.setenv("OIDC_AUTO_CREATE", "1")
    monkeypatch.setenv("PASSWORD_LOGIN", "0")
    settings = config_module.single_sign_on()
    assert settings["OIDC_GROUP_ROLES"] == {"isa-admins": "admin", "isa-editors": "editor"}
    assert settings["OIDC_AUTO_CREATE"] is True and settings["PASSWORD_LOGIN"] is False
    assert oidc.button_label(settings) == "Sign in with Microsoft"
    monkeypatch.setenv("OIDC_GROUP_ROLES", "isa-admins=owner")
    with pytest.raises(ValueError, match="OIDC_GROUP_ROLES"):
        config_module.single_sign_on()


def test_the_examples_in_the_docstrings_hold() -> None:
    for module in (oidc, config_module):
        assert doctest.testmod(module).failed == 0
