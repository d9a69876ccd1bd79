"""Signing in through the test OpenID provider in Chromium: the button on the sign-in page, the
provider's pages and the way back, under the app's Content Security Policy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from isa_registry.store.db import db
from isa_registry.store.models import User
from tests.oidc import CLIENT_ID, CLIENT_SECRET, OpenIDProvider, free_port

from .conftest import LiveServer, browser_app, serving, watched_page
from .test_accessibility import csp_problems, serious_violations

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def sso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app, signing in through a test OpenID provider, served on 127.0.0.1."""
    root: Path = tmp_path_factory.mktemp("browser-sso")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    provider = OpenIDProvider.start(
        [f"{url}/login/oidc/callback"],
        {"pat": {"sub": "sub-pat", "email": "pat@council.example", "groups": ["isa-editors"]}},
    )
    app = browser_app(
        root,
        OIDC_ISSUER=provider.issuer,
        OIDC_CLIENT_ID=CLIENT_ID,
        OIDC_CLIENT_SECRET=CLIENT_SECRET,
        OIDC_GROUPS_CLAIM="groups",
        OIDC_GROUP_ROLES={"isa-editors": "editor"},
        OIDC_AUTO_CREATE=True,
    )
    try:
        with serving(app, port) as server:
            yield server
    finally:
        provider.stop()


@pytest.fixture()
def sso_page(browser: Browser, sso_server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(base_url=sso_server.url)
    yield watched_page(context)
    context.close()


def test_signing_in_through_the_organisations_provider(sso_page: Page, sso_server: LiveServer) -> None:
    page = sso_page
    page.goto("/login")
    assert serious_violations(page) == []
    button = page.get_by_role("button", name="Sign in with your organisation's account")
    button.click()
    page.wait_for_url(f"{sso_server.url}/")
    assert page.locator("h1").count() == 1
    assert "pat@council.example" in page.content()
    assert page.get_by_role("link", name="Organisations").count() >= 1
    assert csp_problems(page) == []
    with sso_server.app.app_context():
        user = db.session.scalar(select(User).where(User.email == "pat@council.example"))
        assert user is not None and user.role == "editor"
