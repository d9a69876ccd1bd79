"""Signing in and out: passwords, lockouts, throttling, redirects, roles, cookies and headers."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_login import login_user
from sqlalchemy import select
from werkzeug.exceptions import Forbidden, InternalServerError

from isa_registry.store.db import db
from isa_registry.store.models import User
from isa_registry.web.auth import SIGN_IN_ERROR, admin_required, editor_required, safe_next
from tests.clock import clock_of
from tests.conftest import PASSWORD, Auth


@pytest.fixture()
def users(auth: Auth) -> dict[str, int]:
    """A viewer, an editor and an admin, all with ``PASSWORD``: role -> id."""
    return {role: auth.account(role) for role in ("viewer", "editor", "admin")}


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD, next_url: str | None = None):
    url = "/login" if next_url is None else f"/login?next={next_url}"
    return client.post(url, data={"email": email, "password": password})


def error_summary(page: str) -> str:
    return re.search(r'<div class="govuk-error-summary.*?</ul>', page, re.S).group(0)


def account(app: Flask, email: str) -> User:
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == email)).one()
        db.session.expunge(user)
        return user


def test_the_sign_in_page_is_a_gov_uk_page_without_gov_uk_branding(client: FlaskClient, app: Flask) -> None:
    page = client.get("/login").text
    assert "<title>Sign in – " + app.config["SERVICE_NAME"] + "</title>" in page
    assert 'class="govuk-skip-link"' in page and 'id="main-content"' in page
    assert "govuk-header__logotype" not in page and "govuk-footer__crown" not in page
    assert "Open Government Licence" not in page and "Crown copyright" not in page
    assert "<script>" not in page and "onclick" not in page.lower()
    assert '<script type="module" src="/static/js/app.js"></script>' in page


def test_signing_in_lands_on_the_dashboard(client: FlaskClient, users) -> None:
    response = sign_in(client, "editor@example.org")
    assert response.status_code == 302 and response.location == "/"
    assert client.get("/").status_code == 200


def test_email_is_matched_whatever_its_case_and_spacing(client: FlaskClient, users) -> None:
    assert sign_in(client, "  Editor@Example.ORG ").status_code == 302


def test_unknown_email_and_wrong_password_get_the_same_answer(client: FlaskClient, users) -> None:
    unknown = sign_in(client, "nobody@example.org")
    wrong = sign_in(client, "editor@example.org", "not the password")
    assert unknown.status_code == wrong.status_code == 200
    assert SIGN_IN_ERROR in unknown.text and SIGN_IN_ERROR in wrong.text
    assert error_summary(unknown.text) == error_summary(wrong.text)
    assert "<title>Error: Sign in" in wrong.text


def test_the_next_page_is_followed_when_it_is_on_this_site(client: FlaskClient, users) -> None:
    response = sign_in(client, "viewer@example.org", next_url="/findings?severity=error")
    assert response.location == "/findings?severity=error"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "findings"],
)
def test_the_next_page_is_ignored_when_it_leaves_the_site(client: FlaskClient, users, target: str) -> None:
    response = client.post(
        "/login", query_string={"next": target}, data={"email": "viewer@example.org", "password": PASSWORD}
    )
    assert response.location == "/"


def test_safe_next_accepts_only_local_paths() -> None:
    assert safe_next("/flows/FLOW-001?x=1") == "/flows/FLOW-001?x=1"
    for bad in (None, "", "//x.example", "/\\x.example", "https://x.example/", "/\tx", "x"):
        assert safe_next(bad) is None


def test_an_anonymous_visit_remembers_where_it_was_going(client: FlaskClient, users) -> None:
    response = client.get("/findings?severity=warning")
    assert urlsplit(response.location).path == "/login"
    assert parse_qs(urlsplit(response.location).query)["next"] == ["/findings?severity=warning"]
    assert sign_in(client, "viewer@example.org", next_url="/findings").location == "/findings"


def test_five_wrong_passwords_delay_the_account_rather_than_lock_it(
    client: FlaskClient, app: Flask, users
) -> None:
    """The lock of 15 minutes became growing delays: see tests/test_sign_in_throttle.py."""
    with clock_of(app):
        for _ in range(5):
            assert sign_in(client, "editor@example.org", "wrong password!").status_code == 200
        refused = sign_in(client, "editor@example.org")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"


def test_a_deactivated_account_cannot_sign_in_and_loses_its_session(
    client: FlaskClient, app: Flask, users
) -> None:
    sign_in(client, "editor@example.org")
    with app.app_context():
        db.session.get(User, users["editor"]).active = False
        db.session.commit()
    assert urlsplit(client.get("/").location).path == "/login"
    response = sign_in(client, "editor@example.org")
    assert response.status_code == 200 and SIGN_IN_ERROR in response.text


def test_signing_out_is_a_post(client: FlaskClient, users) -> None:
    sign_in(client, "viewer@example.org")
    assert client.get("/logout").status_code in (302, 405)
    assert client.get("/").status_code == 200  # a GET did not sign out
    response = client.post("/logout")
    assert urlsplit(response.location).path == "/login"
    assert urlsplit(client.get("/").location).path == "/login"


def test_the_sign_out_button_is_a_form_with_a_csrf_token(client: FlaskClient, users) -> None:
    sign_in(client, "viewer@example.org")
    page = client.get("/").text
    assert '<form method="post" action="/logout"' in page
    assert 'name="csrf_token"' in page


def test_the_session_cookie_is_http_only_and_same_site(client: FlaskClient, users) -> None:
    response = sign_in(client, "viewer@example.org")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_every_response_carries_the_security_headers(client: FlaskClient, users) -> None:
    sign_in(client, "viewer@example.org")
    for url in ("/", "/login", "/findings", "/static/js/app.js", "/no-such-page"):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp and "style-src 'self'" in csp and "img-src 'self' data:" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "camera=()" in headers["Permissions-Policy"]


def test_pages_are_not_stored_but_static_files_may_be(client: FlaskClient, users) -> None:
    sign_in(client, "viewer@example.org")
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/static/js/app.js").headers.get("Cache-Control", "")


def test_session_protection_is_strong(app: Flask) -> None:
    assert app.login_manager.session_protection == "strong"


def test_editor_required_refuses_viewers_and_admits_editors(app: Flask, users) -> None:
    view = editor_required(lambda: "done")
    with app.test_request_context():
        login_user(db.session.get(User, users["viewer"]))
        with pytest.raises(Forbidden):
            view()
    for role in ("editor", "admin"):
        with app.test_request_context():
            login_user(db.session.get(User, users[role]))
            assert view() == "done"


def test_admin_required_admits_only_admins(app: Flask, users) -> None:
    view = admin_required(lambda: "done")
    for role in ("viewer", "editor"):
        with app.test_request_context():
            login_user(db.session.get(User, users[role]))
            with pytest.raises(Forbidden):
                view()
    with app.test_request_context():
        login_user(db.session.get(User, users["admin"]))
        assert view() == "done"


def test_the_decorators_send_anonymous_users_to_sign_in(app: Flask) -> None:
    with app.test_request_context("/somewhere"):
        response = editor_required(lambda: "done")()
        assert urlsplit(response.location).path == "/login"


def test_errors_are_gov_uk_pages(client: FlaskClient, users) -> None:
    sign_in(client, "viewer@example.org")
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "<title>Page not found – " in missing.text
    forbidden = client.get("/users")
    assert forbidden.status_code == 403 and "You do not have permission" in forbidden.text


def test_a_stale_form_gets_a_helpful_page(client: FlaskClient, app: Flask, users) -> None:
    sign_in(client, "viewer@example.org")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/logout")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert "Your form could not be sent" in response.text


def test_a_server_error_is_a_gov_uk_page_that_says_nothing_was_saved(app: Flask) -> None:
    handler = app.error_handler_spec[None][500][InternalServerError]
    with app.test_request_context("/"):
        body, status = handler(InternalServerError())
    assert status == 500
    assert (
        "Sorry, there is a problem with the service" in body
        and "Nothing you were changing has been saved" in body
    )
