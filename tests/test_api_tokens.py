"""Personal API tokens: made on the account page or by ``flask create-token``, shown once, kept
only as a hash, listed with their last use, revocable, expiring, and audited."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from isa_registry.store import tokens
from isa_registry.store.db import db
from isa_registry.store.models import ApiToken, AuditEntry, User
from tests.api_helpers import Api, make_token
from tests.conftest import Auth


def test_a_token_is_stored_only_as_its_hash(app: Flask, auth: Auth) -> None:
    text = make_token(app, auth, "viewer", "Power BI")
    assert text.startswith("isa_") and len(text) > 40
    with app.app_context():
        stored = db.session.scalars(select(ApiToken)).one()
        assert stored.token_hash == tokens.hash_token(text)
        assert text not in repr(stored.__dict__)


def test_a_token_authenticates_the_api_and_its_use_is_recorded(app: Flask, auth: Auth) -> None:
    text = make_token(app, auth, "viewer")
    assert Api(app.test_client(), text).get("/api/v1/flows").status_code == 200
    with app.app_context():
        assert db.session.scalars(select(ApiToken)).one().last_used_at is not None


def test_a_revoked_token_is_refused(app: Flask, auth: Auth) -> None:
    text = make_token(app, auth, "viewer")
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        token = db.session.scalars(select(ApiToken)).one()
        tokens.revoke(db.session, user.email, user, token.id)
    response = Api(app.test_client(), text).get("/api/v1/flows")
    assert response.status_code == 401
    assert "revoked" in response.json["detail"]


def test_an_expired_token_is_refused(app: Flask, auth: Auth) -> None:
    text = make_token(app, auth, "viewer")
    with app.app_context():
        db.session.scalars(select(ApiToken)).one().expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
    assert Api(app.test_client(), text).get("/api/v1/flows").status_code == 401


def test_a_deactivated_users_token_is_refused(app: Flask, auth: Auth) -> None:
    text = make_token(app, auth, "editor")
    with app.app_context():
        db.session.scalars(select(User)).one().active = False
        db.session.commit()
    assert Api(app.test_client(), text).get("/api/v1/flows").status_code == 401


def test_an_unknown_token_is_refused(app: Flask) -> None:
    response = Api(app.test_client(), "isa_not-a-token").get("/api/v1/flows")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert "Bearer" in response.headers["WWW-Authenticate"]


def test_creating_and_revoking_a_token_are_audited_without_the_token(app: Flask, auth: Auth) -> None:
    text = make_token(app, auth, "editor", "case system")
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        token = db.session.scalars(select(ApiToken)).one()
        tokens.revoke(db.session, "editor@example.org", user, token.id)
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert [(e.action, e.subject_type) for e in entries] == [("create", "api_token"), ("revoke", "api_token")]
    assert entries[0].after["name"] == "case system"
    assert entries[0].after["user"] == "editor@example.org"
    assert all(text not in str(e.after) for e in entries)


def test_a_token_needs_a_name_unique_among_the_users_working_tokens(app: Flask, auth: Auth) -> None:
    make_token(app, auth, "viewer", "report")
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        for name, expected in (("", "Enter a name"), ("report", "already have a token named report")):
            try:
                tokens.create(db.session, "test", user, name)
            except tokens.InvalidRecord as exc:
                assert expected in exc.errors["name"]
            else:
                raise AssertionError(f"{name!r} was accepted")


def test_the_command_prints_the_token_on_its_last_line_once(
    app: Flask, runner: FlaskCliRunner, auth: Auth
) -> None:
    auth.account("editor")
    result = runner.invoke(
        args=["create-token", "editor@example.org", "--name", "loader", "--expires", "2099-01-31"]
    )
    assert result.exit_code == 0, result.output
    text = result.output.strip().splitlines()[-1]
    assert text.startswith("isa_")
    assert result.output.count(text) == 1
    assert Api(app.test_client(), text).get("/api/v1/flows").status_code == 200
    with app.app_context():
        expires = db.session.scalars(select(ApiToken)).one().expires_at
        assert expires is not None and expires.date() == date(2099, 1, 31)


def test_the_command_refuses_an_unknown_account_and_a_past_date(runner: FlaskCliRunner, auth: Auth) -> None:
    assert runner.invoke(args=["create-token", "nobody@example.org", "--name", "x"]).exit_code == 1
    auth.account("viewer")
    result = runner.invoke(
        args=["create-token", "viewer@example.org", "--name", "x", "--expires", "2000-01-01"]
    )
    assert result.exit_code == 1
    assert "must be in the future" in result.output


def test_the_account_page_creates_shows_once_lists_and_revokes_a_token(app: Flask, auth: Auth) -> None:
    client = auth.client("viewer")
    page = client.get("/account")
    assert page.status_code == 200 and b"API tokens" in page.data
    created = client.post(
        "/account/tokens",
        data={"name": "Power BI", "expires-day": "", "expires-month": "", "expires-year": ""},
    )
    assert created.status_code == 201
    html = created.get_data(as_text=True)
    text = html.split('id="new-token" class="app-token">')[1].split("<")[0]
    assert text.startswith("isa_")
    again = client.get("/account").get_data(as_text=True)
    assert "Power BI" in again and text not in again and "Never" in again
    assert Api(app.test_client(), text).get("/api/v1/flows").status_code == 200
    assert "Never" not in client.get("/account").get_data(as_text=True)
    with app.app_context():
        token_id = db.session.scalars(select(ApiToken.id)).one()
    revoked = client.post(f"/account/tokens/{token_id}/revoke")
    assert revoked.status_code == 302
    assert Api(app.test_client(), text).get("/api/v1/flows").status_code == 401


def test_the_account_page_explains_a_missing_name_and_a_bad_date(app: Flask, auth: Auth) -> None:
    client = auth.client("viewer")
    response = client.post(
        "/account/tokens",
        data={"name": "", "expires-day": "31", "expires-month": "2", "expires-year": "2030"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Enter a name for the token" in html
    assert "The expiry date must be a real date" in html


def test_nobody_revokes_another_users_token(app: Flask, auth: Auth) -> None:
    make_token(app, auth, "editor")
    with app.app_context():
        token_id = db.session.scalars(select(ApiToken.id)).one()
    client = auth.client("viewer")
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 404
    with app.app_context():
        assert db.session.scalars(select(ApiToken)).one().revoked_at is None


def test_the_header_links_to_your_account(app: Flask, auth: Auth) -> None:
    html = auth.client("viewer").get("/").get_data(as_text=True)
    assert 'href="/account"' in html
