"""The sign-in throttle lives in the database: every worker and host counts the same failures, per
account and per client address, and answers growing delays (429 with Retry-After) rather than a
lock that anyone could use to keep an admin out."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from isa_registry import create_app
from isa_registry.store import users
from isa_registry.store.db import db
from isa_registry.store.models import AuditEntry, SignInThrottle
from tests.clock import Clock, clock_of
from tests.conftest import PASSWORD, Auth

WRONG = "not the password at all"


@pytest.fixture()
def clock(app: Flask) -> Iterator[Clock]:
    with clock_of(app) as moved:
        yield moved


@pytest.fixture()
def accounts(auth: Auth) -> dict[str, int]:
    return {role: auth.account(role) for role in ("viewer", "editor", "admin")}


def attempt(client: FlaskClient, email: str, password: str = PASSWORD, address: str = "192.0.2.1") -> Any:
    return client.post(
        "/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def fail(client: FlaskClient, email: str, times: int, address: str = "192.0.2.1") -> None:
    for _ in range(times):
        response = attempt(client, email, WRONG, address)
        assert response.status_code == 200, response.status_code


def test_five_failures_are_free_and_the_sixth_attempt_must_wait_a_second(
    client: FlaskClient, accounts, clock: Clock
) -> None:
    fail(client, "editor@example.org", 5)
    delayed = attempt(client, "editor@example.org")
    assert delayed.status_code == 429
    assert delayed.headers["Retry-After"] == "1"
    assert "Too many failed attempts to sign in. Wait 1 second, then try again" in delayed.text
    assert "<title>Error: Sign in" in delayed.text and "govuk-error-summary" in delayed.text
    assert delayed.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_a_right_password_during_a_delay_is_refused_until_the_delay_passes(
    client: FlaskClient, accounts, clock: Clock
) -> None:
    fail(client, "editor@example.org", 5)
    assert attempt(client, "editor@example.org").status_code == 429
    clock.advance(seconds=1)
    assert attempt(client, "editor@example.org").status_code == 302


def wrong_passwords(app: Flask, clock: Clock, email: str, times: int) -> list[int]:
    """Try a wrong password ``times``, each as soon as it is allowed; the wait after each, in seconds."""
    waits = []
    with app.app_context():
        for _ in range(times):
            outcome = users.authenticate(db.session, email, WRONG, "192.0.2.1", now=clock())
            assert outcome.user is None and outcome.retry_after == 0
            until = users.delays(db.session, [email], clock()).get(email)
            wait = int((until - clock()).total_seconds()) if until else 0
            waits.append(wait)
            clock.advance(seconds=wait)
    return waits


def test_the_delays_double_up_to_15_minutes(app: Flask, accounts, clock: Clock) -> None:
    waits = wrong_passwords(app, clock, "admin@example.org", 20)
    assert waits == [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900, 900, 900]


def test_the_longest_wait_keeps_no_one_out_for_longer(
    client: FlaskClient, app: Flask, accounts, clock
) -> None:
    with app.app_context():
        for n in range(100):  # an attacker's hundred tries from a hundred addresses
            if n:
                clock.advance(minutes=15)
            outcome = users.authenticate(
                db.session, "admin@example.org", WRONG, f"198.51.100.{n}", now=clock()
            )
            assert outcome.retry_after == 0
    assert attempt(client, "admin@example.org").status_code == 429  # the last try's wait is running
    clock.advance(minutes=15)
    assert attempt(client, "admin@example.org").status_code == 302


def test_a_successful_sign_in_clears_the_accounts_count(client: FlaskClient, accounts, clock: Clock) -> None:
    fail(client, "editor@example.org", 4)
    assert attempt(client, "editor@example.org").status_code == 302
    other = client.application.test_client()
    fail(other, "editor@example.org", 4)
    assert attempt(other, "editor@example.org", WRONG).status_code == 200  # the 5th: still no wait


def test_unknown_emails_are_delayed_like_known_ones(client: FlaskClient, accounts, clock: Clock) -> None:
    fail(client, "nobody@example.org", 5)
    known = attempt(client, "viewer@example.org", WRONG, "192.0.2.99")
    fail(client, "viewer@example.org", 4, "192.0.2.99")
    unknown, known = attempt(client, "nobody@example.org"), attempt(client, "viewer@example.org", WRONG)
    assert unknown.status_code == known.status_code == 429
    assert unknown.headers["Retry-After"] == known.headers["Retry-After"] == "1"


def test_failures_from_one_address_are_delayed_whatever_the_account(
    client: FlaskClient, app: Flask, accounts, clock: Clock
) -> None:
    app.config["LOGIN_IP_MAX_FAILURES"] = 3
    try:
        for n in range(3):
            attempt(client, f"nobody{n}@example.org", WRONG)
        throttled = attempt(client, "viewer@example.org")
        assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
        assert attempt(client, "viewer@example.org", address="192.0.2.7").status_code == 302
    finally:
        app.config["LOGIN_IP_MAX_FAILURES"] = 30


def test_two_apps_on_one_database_count_the_same_failures(app: Flask, accounts, clock: Clock) -> None:
    """Two workers (or hosts): failures seen by either count for both."""
    second = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "WTF_CSRF_ENABLED": False,
            "MAP_CACHE_DIR": app.config["MAP_CACHE_DIR"],
            "CLOCK": clock,
            "LOGIN_IP_MAX_FAILURES": 6,
        }
    )
    app.config["LOGIN_IP_MAX_FAILURES"] = 6
    try:
        one, two = app.test_client(), second.test_client()
        fail(one, "editor@example.org", 3)
        fail(two, "editor@example.org", 2)
        assert attempt(one, "editor@example.org", address="192.0.2.50").status_code == 429  # the account
        assert attempt(two, "editor@example.org", address="192.0.2.51").status_code == 429
        fail(two, "viewer@example.org", 1)  # the address's 6th failure
        assert attempt(one, "viewer@example.org").status_code == 429  # the address
        clock.advance(seconds=2)
        assert attempt(two, "editor@example.org").status_code == 302
    finally:
        app.config["LOGIN_IP_MAX_FAILURES"] = 30
        with second.app_context():
            db.session.remove()
            db.engine.dispose()


def test_counts_quiet_for_an_hour_are_forgotten(app: Flask, client: FlaskClient, accounts, clock) -> None:
    fail(client, "editor@example.org", 5)
    clock.advance(hours=1, seconds=1)
    fail(client, "viewer@example.org", 1, "192.0.2.2")  # any failure trims the old counts
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SignInThrottle)) == 2  # viewer's two
    fail(client, "editor@example.org", 4)
    assert attempt(client, "editor@example.org", WRONG).status_code == 200


def test_what_is_stored_is_a_digest_not_the_email_or_address(app: Flask, client: FlaskClient, clock) -> None:
    fail(client, "my secret password typed in the wrong box", 1)
    with app.app_context():
        keys = db.session.scalars(select(SignInThrottle.key)).all()
    assert len(keys) == 2 and all(re.fullmatch(r"[0-9a-f]{64}", key) for key in keys)


# --- What admins see --------------------------------------------------------------------------


def test_the_users_pages_show_until_when_sign_in_is_delayed(
    app: Flask, auth: Auth, accounts, clock: Clock
) -> None:
    admin = auth.client("admin")
    fail(app.test_client(), "editor@example.org", 5)
    assert "Sign-in delayed until 9:00am" in admin.get("/users").text
    page = admin.get(f"/users/{accounts['editor']}").text
    assert "Sign-in delayed after wrong passwords until 9:00am" in page and "Unlock account" in page


def test_unlocking_lifts_the_delay_and_is_audited(app: Flask, auth: Auth, accounts, clock: Clock) -> None:
    admin = auth.client("admin")
    assert wrong_passwords(app, clock, "editor@example.org", 12)[-1] == 128
    with app.app_context():
        users.authenticate(db.session, "editor@example.org", WRONG, "192.0.2.1", now=clock())  # 256 s
    assert admin.post(f"/users/{accounts['editor']}/reactivate").status_code == 302
    assert "Sign-in delayed" not in admin.get("/users").text
    assert attempt(app.test_client(), "editor@example.org", address="192.0.2.80").status_code == 302
    with app.app_context():
        assert users.delays(db.session, ["editor@example.org"], clock()) == {}
        logged = db.session.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.subject_key).where(
                AuditEntry.subject_type == "user"
            )
        ).all()
    assert logged == [("admin@example.org", "unlock", "editor@example.org")]


def test_the_throttle_is_a_delay_not_a_lock(accounts) -> None:
    limits = users.Throttle()
    assert limits.delay("account", 4) == timedelta(0)
    assert limits.delay("account", 5) == timedelta(seconds=1)
    assert limits.delay("account", 1000) == timedelta(minutes=15)
    assert limits.delay("address", 29) == timedelta(0) and limits.delay("address", 30) == timedelta(seconds=1)
