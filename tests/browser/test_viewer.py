"""A viewer (an auditor) reads everything and finds no way to change anything."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page

from tests.test_security import (
    STATE_CHANGING,
    build_url,
    is_api,
    is_own_account,
    routes,
    snapshot,
    url_values,
)

from .conftest import LiveServer, login
from .pages import MAIN_PAGES, url_of

pytestmark = pytest.mark.browser

#: Words on a link or button that would change something.
CHANGING = re.compile(
    r"\b(edit|new|add|create|archive|unarchive|restore|sign(?! out\b)|delete|remove|change|save|deactivate)\b",
    re.IGNORECASE,
)


def controls(page: Page) -> list[str]:
    """The text of every link and button on the page, with any hidden words."""
    return page.eval_on_selector_all(
        "main a, main button, main input[type=submit], header a, header button",
        "els => els.map(e => (e.innerText || e.value || '').trim())",
    )


#: Every signed-in user manages their own API tokens there (tests/test_api_tokens.py): it changes no record.
OWN_PAGES = ("your account",)


@pytest.mark.parametrize(
    "name", [n for n in MAIN_PAGES if not n.startswith("new ") and n != "users" and n not in OWN_PAGES]
)
def test_a_viewer_finds_no_way_to_change_anything(page: Page, live_server: LiveServer, name: str) -> None:
    url = url_of(live_server.app, name)
    if url is None:
        pytest.skip(f"the app has no {name} page yet")
    login(page, "viewer")
    response = page.goto(url)
    assert response is not None and response.status == 200
    offending = [text for text in controls(page) if CHANGING.search(text)]
    assert offending == []
    forms = page.eval_on_selector_all("form", "els => els.map(f => [f.method, f.getAttribute('action')])")
    assert [f for f in forms if f[0] == "post"] == [["post", "/logout"]]


@pytest.mark.parametrize("name", [n for n in MAIN_PAGES if n.startswith("new ")] + ["users"])
def test_a_viewer_cannot_open_forms_that_change_data(page: Page, live_server: LiveServer, name: str) -> None:
    url = url_of(live_server.app, name)
    if url is None:
        pytest.skip(f"the app has no {name} page yet")
    login(page, "viewer")
    response = page.goto(url)
    assert response is not None and response.status == 403


def test_direct_posts_from_a_viewer_are_refused(page: Page, live_server: LiveServer) -> None:
    app = live_server.app
    login(page, "viewer")
    # A valid CSRF token, so that only the viewer's role can be what refuses each request.
    token = page.locator("form[action='/logout'] input[name=csrf_token]").get_attribute("value")
    before, values = snapshot(app), url_values(app)
    answers = {}
    for method, rule in routes(app, STATE_CHANGING):
        # The API is bearer-only (a session is refused 401 before anything else: tests/test_security.py),
        # and one's own API tokens are one's own to manage.
        if rule.endpoint in ("auth.login", "auth.logout") or is_api(rule) or is_own_account(rule):
            continue
        url = build_url(rule, values)
        response = page.request.fetch(
            url,
            method=method,
            form={"csrf_token": token, "name": "Changed by a viewer", "role": "admin"},
            max_redirects=0,
        )
        answers[f"{method} {url}"] = response.status
    assert answers and set(answers.values()) == {403}, answers
    assert snapshot(app) == before
