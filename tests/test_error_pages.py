"""Error pages never need the database: with it unreachable, a signed-in request still gets the
GOV.UK 500 page, with the security headers and no traceback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from isa_registry import create_app
from isa_registry.store.db import db
from tests.conftest import Auth

UNREACHABLE = {
    "sqlite in a folder that does not exist": "sqlite:///{tmp}/no-such-folder/registry.sqlite",
    "postgresql on a closed port": "postgresql+psycopg://isa@127.0.0.1:1/registry?connect_timeout=2",
}


def another_app(working: Flask, **config: Any) -> Flask:
    """A second app with the working app's secret key (so its session cookies are good here)."""
    return create_app(
        {
            "TESTING": True,
            "PROPAGATE_EXCEPTIONS": False,  # answer as production does, not raise into the test
            "SECRET_KEY": working.config["SECRET_KEY"],
            "SQLALCHEMY_DATABASE_URI": working.config["SQLALCHEMY_DATABASE_URI"],
            "WTF_CSRF_ENABLED": False,
            "MAP_CACHE_DIR": working.config["MAP_CACHE_DIR"],
            **config,
        }
    )


@pytest.fixture()
def disposed() -> Iterator[list[Flask]]:
    """Apps made by a test, whose connections are closed after it."""
    made: list[Flask] = []
    yield made
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def assert_the_500_page(response: Any) -> None:
    assert response.status_code == 500
    page = response.text
    assert "<title>Sorry, there is a problem with the service – " in page
    assert "Nothing you were changing has been saved" in page
    assert "Traceback" not in page and "OperationalError" not in page and "Internal Server Error" not in page
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("url", list(UNREACHABLE.values()), ids=list(UNREACHABLE))
def test_a_signed_in_request_gets_the_gov_uk_500_page_when_the_database_is_unreachable(
    app: Flask, auth: Auth, disposed: list[Flask], tmp_path: Path, url: str
) -> None:
    cookie = auth.client("editor").get_cookie("session")
    assert cookie is not None
    broken = another_app(app, SQLALCHEMY_DATABASE_URI=url.format(tmp=tmp_path))
    disposed.append(broken)
    client = broken.test_client()
    client.set_cookie("session", cookie.value)
    for path in ("/", "/organisations/", "/users"):
        response = client.get(path)
        assert_the_500_page(response)
        assert "Sign out" not in response.text  # shown as to someone signed out: no account to load


def test_an_error_after_the_account_loaded_keeps_the_page_signed_in_without_asking_the_database(
    app: Flask, auth: Auth, disposed: list[Flask]
) -> None:
    cookie = auth.client("editor").get_cookie("session")
    assert cookie is not None
    failing = another_app(app)
    disposed.append(failing)

    def broken_view() -> str:
        db.session.commit()  # expires what the session holds, as any save does
        raise RuntimeError("something broke after the account was loaded")

    def half_done_view() -> str:
        raise RuntimeError("something broke")

    failing.add_url_rule("/after-a-save", "after_a_save", broken_view)
    failing.add_url_rule("/half-done", "half_done", half_done_view)
    client = failing.test_client()
    client.set_cookie("session", cookie.value)
    kept = client.get("/half-done")
    assert_the_500_page(kept)
    assert "Signed in as editor@example.org (editor)" in kept.text
    assert_the_500_page(client.get("/after-a-save"))
