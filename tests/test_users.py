"""Managing accounts: admins only; every change audited, never the password hash."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from isa_registry.store import users
from isa_registry.store.db import db
from isa_registry.store.errors import InvalidRecord
from isa_registry.store.models import AuditEntry, User
from isa_registry.store.passwords import verify_password
from tests.conftest import PASSWORD, Auth


@pytest.fixture()
def accounts(auth: Auth) -> dict[str, int]:
    """An admin, an editor and a viewer: role -> id."""
    return {role: auth.account(role) for role in ("admin", "editor", "viewer")}


@pytest.fixture()
def admin(auth: Auth, accounts) -> FlaskClient:
    return auth.client("admin")


def user(app: Flask, email: str) -> User | None:
    with app.app_context():
        found = db.session.scalars(select(User).where(User.email == email)).one_or_none()
        if found is not None:
            db.session.expunge(found)
        return found


def user_entries(app: Flask) -> list[AuditEntry]:
    with app.app_context():
        found = db.session.scalars(
            select(AuditEntry).where(AuditEntry.subject_type == "user").order_by(AuditEntry.seq)
        ).all()
        for entry in found:
            db.session.expunge(entry)
        return list(found)


NEW_USER = {
    "email": "New.Person@Example.org",
    "role": "editor",
    "password": "a long new password",
    "confirm": "a long new password",
}


def test_admins_see_every_account(admin: FlaskClient) -> None:
    page = admin.get("/users").text
    assert "<title>Users – " in page
    for role in ("admin", "editor", "viewer"):
        assert f"{role}@example.org" in page


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_only_admins_manage_users(app: Flask, auth: Auth, accounts, role: str) -> None:
    client = auth.client(role)
    assert client.get("/users").status_code == 403
    assert client.get("/users/new").status_code == 403
    assert client.post("/users/new", data=NEW_USER).status_code == 403
    assert client.post(f"/users/{accounts['viewer']}/role", data={"role": "admin"}).status_code == 403
    assert user(app, "new.person@example.org") is None
    assert user(app, "viewer@example.org").role == "viewer"


def test_the_users_link_is_in_the_navigation_for_admins_only(auth: Auth, accounts) -> None:
    assert 'href="/users"' in auth.client("admin").get("/").text
    assert 'href="/users"' not in auth.client("editor").get("/").text


def test_an_admin_creates_an_account_that_can_sign_in(app: Flask, admin: FlaskClient) -> None:
    response = admin.post("/users/new", data=NEW_USER)
    assert response.status_code == 302 and response.location == "/users"
    created = user(app, "new.person@example.org")
    assert created.role == "editor" and created.active
    assert created.password_hash.startswith("$argon2id$")
    assert verify_password(created.password_hash, "a long new password")
    client = app.test_client()
    assert (
        client.post(
            "/login", data={"email": "new.person@example.org", "password": "a long new password"}
        ).status_code
        == 302
    )


def test_creating_an_account_is_audited_without_the_password(app: Flask, admin: FlaskClient) -> None:
    admin.post("/users/new", data=NEW_USER)
    [entry] = user_entries(app)
    assert (entry.actor, entry.action, entry.subject_key) == (
        "admin@example.org",
        "create",
        "new.person@example.org",
    )
    assert entry.before is None
    assert entry.after == {"email": "new.person@example.org", "role": "editor", "active": True}
    assert "argon2" not in json.dumps(entry.after) and "password" not in json.dumps(entry.after)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"password": "short", "confirm": "short"}, "at least 12 characters"),
        ({"confirm": "something else entirely"}, "The passwords do not match"),
        ({"email": "not-an-email"}, "correct format"),
        ({"email": "editor@example.org"}, "already exists"),
        ({"email": ""}, "Enter an email address"),
    ],
)
def test_a_bad_new_account_is_explained(app: Flask, admin: FlaskClient, changes: dict, message: str) -> None:
    response = admin.post("/users/new", data={**NEW_USER, **changes})
    assert response.status_code == 400  # as every other form answers a refused submission
    assert message in response.text
    assert "<title>Error: Add a user" in response.text and "govuk-error-summary" in response.text
    assert user_entries(app) == []


def test_an_admin_changes_a_role_and_it_is_audited(app: Flask, admin: FlaskClient, accounts) -> None:
    response = admin.post(f"/users/{accounts['viewer']}/role", data={"role": "editor"})
    assert response.status_code == 302
    assert user(app, "viewer@example.org").role == "editor"
    [entry] = user_entries(app)
    assert entry.action == "change_role"
    assert entry.before["role"] == "viewer" and entry.after["role"] == "editor"


def test_an_unknown_role_is_refused(app: Flask, admin: FlaskClient, accounts) -> None:
    assert admin.post(f"/users/{accounts['viewer']}/role", data={"role": "superuser"}).status_code == 400
    assert user(app, "viewer@example.org").role == "viewer"


def test_a_deactivated_account_cannot_sign_in(app: Flask, admin: FlaskClient, accounts) -> None:
    assert admin.post(f"/users/{accounts['editor']}/deactivate").status_code == 302
    assert not user(app, "editor@example.org").active
    client = app.test_client()
    assert (
        client.post("/login", data={"email": "editor@example.org", "password": PASSWORD}).status_code == 200
    )
    [entry] = user_entries(app)
    assert entry.action == "deactivate" and entry.after["active"] is False


MOMENT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def delay(app: Flask, email: str, failures: int = 5) -> None:
    """``failures`` wrong passwords in a row for ``email`` at ``MOMENT``: from the 5th, its sign-in
    is delayed."""
    with app.app_context():
        for _ in range(failures):
            users.authenticate(db.session, email, "wrong", "192.0.2.1", now=MOMENT)


def test_reactivating_lets_the_account_in_and_lifts_a_delay(app: Flask, admin: FlaskClient, accounts) -> None:
    with app.app_context():
        db.session.get(User, accounts["editor"]).active = False
        db.session.commit()
    delay(app, "editor@example.org", 8)
    assert admin.post(f"/users/{accounts['editor']}/reactivate").status_code == 302
    editor = user(app, "editor@example.org")
    assert editor.active
    with app.app_context():
        assert users.delays(db.session, ["editor@example.org"]) == {}
    assert [e.action for e in user_entries(app)] == ["reactivate"]


def test_admins_cannot_demote_or_deactivate_themselves(app: Flask, admin: FlaskClient, accounts) -> None:
    admin.post(f"/users/{accounts['admin']}/role", data={"role": "viewer"})
    admin.post(f"/users/{accounts['admin']}/deactivate")
    me = user(app, "admin@example.org")
    assert me.role == "admin" and me.active
    assert user_entries(app) == []
    assert "You cannot change your own role" in admin.get(f"/users/{accounts['admin']}").text


def test_an_unknown_account_is_not_found(admin: FlaskClient) -> None:
    assert admin.get("/users/99999").status_code == 404
    assert admin.post("/users/99999/deactivate").status_code == 404


# --- The service the pages and the commands use ------------------------------------------------


def test_the_service_refuses_a_taken_email_and_audits_nothing(app: Flask, accounts) -> None:
    with app.app_context():
        with pytest.raises(InvalidRecord) as refused:
            users.create_user(
                db.session, "admin@example.org", users.NewAccount("editor@example.org", "viewer", PASSWORD)
            )
        assert refused.value.errors == {"email": users.EMAIL_TAKEN}
    assert user_entries(app) == []


def test_the_service_delays_an_account_after_too_many_wrong_passwords(app: Flask, accounts) -> None:
    limits, moment = users.Throttle(account_free=3, max_delay=timedelta(minutes=15)), MOMENT
    with app.app_context():
        attempts = [
            users.authenticate(db.session, "editor@example.org", "wrong", "192.0.2.1", limits, moment)
            for _ in range(3)
        ]
        assert [(a.user, a.failures) for a in attempts] == [(None, 1), (None, 2), (None, 3)]
        refused = users.authenticate(db.session, "editor@example.org", PASSWORD, "192.0.2.1", limits, moment)
        assert refused.user is None and refused.retry_after == 1
        assert users.delays(db.session, ["editor@example.org"], moment) == {
            "editor@example.org": moment + timedelta(seconds=1)
        }
        later = moment + timedelta(seconds=1)
        assert users.authenticate(db.session, "editor@example.org", PASSWORD, "192.0.2.1", limits, later).user


def test_unlocking_a_delayed_but_active_account_is_audited_as_an_unlock(app: Flask, accounts) -> None:
    delay(app, "editor@example.org")
    with app.app_context():
        users.activate(db.session, "admin@example.org", db.session.get(User, accounts["editor"]), MOMENT)
    assert [(e.action, e.subject_key) for e in user_entries(app)] == [("unlock", "editor@example.org")]


def test_a_role_change_or_deactivation_raises_the_session_generation(app: Flask, accounts) -> None:
    with app.app_context():
        viewer = db.session.get(User, accounts["viewer"])
        users.change_role(db.session, "admin@example.org", viewer, "editor")
        assert viewer.session_generation == 1
        users.deactivate(db.session, "admin@example.org", viewer)
        assert viewer.session_generation == 2
        users.activate(db.session, "admin@example.org", viewer)
        assert viewer.session_generation == 2  # reactivating brings no old session back
