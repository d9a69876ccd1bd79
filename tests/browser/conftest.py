"""Playwright fixtures: the app with the demo loaded, served on a free port, and Chromium.

The server is the real app (CSRF on, security headers on) on its own SQLite file, run in a thread
of the test process so a test can also look in the database. Chromium is Debian's
``/usr/bin/chromium``: these tests never download a browser. The tests here do not use the ``app``
fixtures, so they are not ``db`` tests and run once, on SQLite.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from werkzeug.serving import make_server

from isa_registry import create_app
from isa_registry.store.db import db
from tests.conftest import DEMO_ACCOUNTS

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass(frozen=True)
class LiveServer:
    """The running app and where to reach it."""

    app: Flask
    url: str


def browser_app(root: Path, **config: object) -> Flask:
    """The real app on an empty database of its own in ``root``, with ``config`` besides."""
    app = create_app(
        {
            "SECRET_KEY": "browser-test-secret-key",
            "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(root / "browser.sqlite"),
            "MAP_CACHE_DIR": str(root / "map-cache"),
            "AUDIT_KEY": "browser-test-audit-key",
            "AUDIT_ANCHOR": str(root / "audit-anchor.log"),
            **config,
        }
    )
    with app.app_context():
        db.create_all()
    return app


@contextmanager
def serving(app: Flask, port: int = 0) -> Iterator[LiveServer]:
    """``app`` served on 127.0.0.1 (a free port unless ``port`` is given) in a thread, until the
    block ends."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


def watched_page(context: BrowserContext) -> Page:
    """A new page of ``context`` whose ``page.problems`` collects console errors (CSP violations
    among them) and uncaught exceptions."""
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(f"uncaught: {exc}"))
    page.problems = problems  # type: ignore[attr-defined]
    return page


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app with the demo partnership and demo users, served on 127.0.0.1 and a free port."""
    # Tests sign in many times from one address.
    app = browser_app(tmp_path_factory.mktemp("browser"), LOGIN_IP_MAX_FAILURES=1000)
    result = app.test_cli_runner().invoke(args=["load-demo", "--with-demo-users"])
    assert result.exit_code == 0, result.output
    with serving(app) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A fresh browser context and page; ``page.problems`` collects console errors (CSP
    violations among them) and uncaught exceptions."""
    context = browser.new_context(base_url=live_server.url)
    yield watched_page(context)
    context.close()


def login(page: Page, role: str) -> None:
    """Sign in as the demo ``role`` (viewer, editor or admin) and land on the dashboard."""
    email, password = DEMO_ACCOUNTS[role]
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/")
