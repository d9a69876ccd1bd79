"""Sessions that end: signing out, deactivation, a new role or password end every copy of a
session; so do an idle timeout and an absolute lifetime; a "remember me" cookie brings nothing back.

Each attack is reproduced as it was found: a session cookie copied before the change is replayed
by another client afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_login.utils import encode_cookie
from sqlalchemy import func, select

from isa_registry import create_app
from isa_registry.store.db import db
from isa_registry.store.models import Organisation, User
from tests.clock import Clock, clock_of
from tests.conftest import PASSWORD, Auth

NEW_ORGANISATION = {
    "key": "made-after-sign-out",
    "name": "Made After Sign Out",
    "kind": "voluntary",
    "public_authority": "no",
    "status": "active",
}


@pytest.fixture()
def clock(app: Flask) -> Iterator[Clock]:
    with clock_of(app) as moved:
        yield moved


def copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another client holding the same session cookie, as a thief who copied it would."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def to_sign_in(response) -> bool:
    return response.status_code == 302 and urlsplit(response.location).path == "/login"


def organisations(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Organisation))


def test_a_session_copied_before_signing_out_can_neither_read_nor_write_afterwards(
    app: Flask, auth: Auth
) -> None:
    editor = auth.client("editor")
    thief = copy_of(app, editor)
    assert thief.get("/").status_code == 200  # the copy works while the session lasts
    editor.post("/logout")
    assert to_sign_in(thief.get("/"))
    assert to_sign_in(thief.get("/organisations/"))
    assert to_sign_in(thief.post("/organisations/new", data=NEW_ORGANISATION))
    assert organisations(app) == 0


def test_signing_out_ends_the_accounts_sessions_on_other_devices_too(app: Flask, auth: Auth) -> None:
    laptop = auth.client("viewer")
    phone = auth.sign_in(app.test_client(), "viewer")
    laptop.post("/logout")
    assert to_sign_in(phone.get("/"))
    assert auth.sign_in(phone, "viewer").get("/").status_code == 200  # signing in again works


def test_a_deactivated_then_reactivated_accounts_old_session_stays_ended(app: Flask, auth: Auth) -> None:
    editor_id = auth.account("editor")
    editor = auth.client("editor")
    old = copy_of(app, editor)
    admin = auth.client("admin")
    assert admin.post(f"/users/{editor_id}/deactivate").status_code == 302
    assert admin.post(f"/users/{editor_id}/reactivate").status_code == 302
    assert to_sign_in(old.get("/"))
    assert to_sign_in(old.post("/organisations/new", data=NEW_ORGANISATION))
    assert organisations(app) == 0
    assert auth.sign_in(app.test_client(), "editor").get("/").status_code == 200


def test_a_new_role_ends_the_accounts_sessions(app: Flask, auth: Auth) -> None:
    editor_id = auth.account("editor")
    editor = auth.client("editor")
    auth.client("admin").post(f"/users/{editor_id}/role", data={"role": "viewer"})
    assert to_sign_in(editor.post("/organisations/new", data=NEW_ORGANISATION))
    assert organisations(app) == 0


def test_a_new_password_ends_the_accounts_sessions(app: Flask, auth: Auth, runner) -> None:
    editor = auth.client("editor")
    result = runner.invoke(
        args=["create-user", "editor@example.org", "--role", "editor"], input="a brand new passphrase\n"
    )
    assert result.exit_code == 0, result.output
    assert to_sign_in(editor.get("/"))


def test_an_ended_session_is_told_why_on_the_sign_in_page(app: Flask, auth: Auth) -> None:
    editor = auth.client("editor")
    thief = copy_of(app, editor)
    editor.post("/logout")
    page = thief.get("/", follow_redirects=True).text
    assert "govuk-notification-banner" in page
    assert "You have been signed out because this account signed out" in page


def test_a_remember_me_cookie_cannot_bring_a_session_back(app: Flask, auth: Auth) -> None:
    editor_id = auth.account("editor")
    client = app.test_client()
    with app.test_request_context():
        token = encode_cookie(str(editor_id))  # signed with the app's own key: the strongest forgery
    client.set_cookie(app.config.get("REMEMBER_COOKIE_NAME", "remember_token"), token)
    assert to_sign_in(client.get("/"))
    assert to_sign_in(client.post("/organisations/new", data=NEW_ORGANISATION))
    assert organisations(app) == 0


def test_signing_in_issues_no_remember_me_cookie(app: Flask, auth: Auth) -> None:
    auth.account("viewer")
    response = app.test_client().post("/login", data={"email": "viewer@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert not [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]


# --- Idle timeout and absolute lifetime ---------------------------------------------------------


def test_a_session_idle_for_exactly_the_limit_still_works(app: Flask, auth: Auth, clock: Clock) -> None:
    viewer = auth.client("viewer")
    clock.advance(minutes=30)
    assert viewer.get("/").status_code == 200


def test_a_session_idle_past_the_limit_is_signed_out_and_told_why(
    app: Flask, auth: Auth, clock: Clock
) -> None:
    viewer = auth.client("viewer")
    clock.advance(minutes=30, seconds=1)
    response = viewer.get("/findings")
    assert to_sign_in(response)
    page = viewer.get(response.location).text
    assert "You have been signed out because you had not used the service for 30 minutes" in page
    assert to_sign_in(viewer.get("/"))  # and it stays signed out


def test_each_request_restarts_the_idle_timer(app: Flask, auth: Auth, clock: Clock) -> None:
    viewer = auth.client("viewer")
    for _ in range(4):
        clock.advance(minutes=25)
        assert viewer.get("/").status_code == 200


def test_a_busy_session_lasts_exactly_its_lifetime(app: Flask, auth: Auth, clock: Clock) -> None:
    viewer = auth.client("viewer")
    for _ in range(12 * 3):
        clock.advance(minutes=20)
        assert viewer.get("/").status_code == 200  # 12 hours on the dot: not past the line
    clock.advance(seconds=1)
    response = viewer.get("/")
    assert to_sign_in(response)
    assert "because you signed in more than 12 hours ago" in viewer.get(response.location).text


def test_the_limits_come_from_the_environment(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "5")
    monkeypatch.setenv("SESSION_MAX_HOURS", "2")
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})
    assert app.config["SESSION_IDLE_MINUTES"] == 5 and app.config["SESSION_MAX_HOURS"] == 2
    assert app.config["WTF_CSRF_TIME_LIMIT"] == 2 * 3600


def test_the_limits_default_to_30_minutes_and_12_hours_and_csrf_tokens_share_them(app: Flask) -> None:
    fresh = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert fresh.config["SESSION_IDLE_MINUTES"] == 30 and fresh.config["SESSION_MAX_HOURS"] == 12
    assert fresh.config["WTF_CSRF_TIME_LIMIT"] == 12 * 3600


@pytest.mark.parametrize("value", ["0", "-5", "half an hour"])
def test_a_limit_that_is_not_a_positive_whole_number_is_refused(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SESSION_IDLE_MINUTES", value)
    with pytest.raises(ValueError, match="SESSION_IDLE_MINUTES must be a whole number greater than 0"):
        create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_a_session_without_a_generation_is_refused(app: Flask, auth: Auth) -> None:
    """A session made before this check existed (or by anything but the sign-in form) holds no
    generation: it is signed out rather than trusted."""
    viewer = auth.client("viewer")
    with viewer.session_transaction() as stored:
        del stored["isa_generation"]
    assert to_sign_in(viewer.get("/"))


def test_the_generation_rises_on_sign_out(app: Flask, auth: Auth) -> None:
    viewer_id = auth.account("viewer")
    viewer = auth.client("viewer")
    with app.app_context():
        before = db.session.get(User, viewer_id).session_generation
    viewer.post("/logout")
    with app.app_context():
        assert db.session.get(User, viewer_id).session_generation == before + 1
