"""The page that says the map is busy (every slot for running ``dot`` taken) passes axe and the
Content Security Policy like every other page."""

from __future__ import annotations

import fcntl
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page

from .conftest import LiveServer, login
from .test_accessibility import csp_problems, serious_violations

pytestmark = pytest.mark.browser


def test_the_map_busy_page_is_accessible(page: Page, live_server: LiveServer, monkeypatch) -> None:
    app = live_server.app
    monkeypatch.setitem(app.config, "MAP_DOT_WAIT", 0.2)
    folder = Path(app.config["MAP_CACHE_DIR"]) / ".dot-slots"
    folder.mkdir(parents=True, exist_ok=True)
    held = []
    try:
        for number in range(int(app.config["MAP_DOT_CONCURRENCY"])):
            fd = os.open(folder / f"slot-{number}", os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            held.append(fd)
        login(page, "viewer")
        response = page.goto("/map?flagged=1&as_of=2031-03-04")  # a map nobody has drawn yet
        assert response is not None and response.status == 503
        assert re.fullmatch(r"The map is busy – .+", page.title()), page.title()
        assert page.locator("h1").inner_text() == "The map is busy"
        assert serious_violations(page) == []
        assert csp_problems(page) == []
    finally:
        for fd in held:
            os.close(fd)
