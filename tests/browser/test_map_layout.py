"""The map page at 1280 px in Chromium, on the demo and on the benchmark's M registry: the overview,
grouped by kind, by programme and by agreement, is drawn with no text smaller than 10 CSS px,
inside the window (the page never scrolls sideways), with its key drawn as symbols and GOV.UK's
focus style on the picture's links; it passes axe.

The smallest text is measured as the browser draws it: each SVG ``text`` element's computed font
size times the scale of its transform to the screen (``getScreenCTM``), checked against the height
of its bounding box.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from werkzeug.serving import make_server

from bench.generate import generate
from isa_registry import create_app
from isa_registry.core.graph import GROUPINGS
from isa_registry.store.db import db
from tests.conftest import DEMO_ACCOUNTS

from .conftest import LiveServer, login
from .test_accessibility import csp_problems, serious_violations

pytestmark = pytest.mark.browser

WINDOW = {"width": 1280, "height": 900}

MEASURE = """() => {
  const svg = document.querySelector('#map-picture svg')
  const texts = [...svg.querySelectorAll('text')].filter((t) => t.textContent.trim())
  let smallest = Infinity
  let smallestBox = Infinity
  for (const text of texts) {
    const m = text.getScreenCTM()
    const scale = Math.hypot(m.a, m.b)
    smallest = Math.min(smallest, parseFloat(getComputedStyle(text).fontSize) * scale)
    smallestBox = Math.min(smallestBox, text.getBoundingClientRect().height)
  }
  const picture = svg.getBoundingClientRect()
  return {
    texts: texts.length,
    smallest,
    smallestBox,
    pictureLeft: picture.left,
    pictureRight: picture.right,
    boxRight: document.querySelector('#map-picture').getBoundingClientRect().right,
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth
  }
}"""


@pytest.fixture(scope="module")
def m_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app with the benchmark's M registry (200 organisations, 2,000 flows) and a viewer."""
    root: Path = tmp_path_factory.mktemp("browser-m")
    app = create_app(
        {
            "SECRET_KEY": "browser-test-secret-key",
            "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(root / "m.sqlite"),
            "MAP_CACHE_DIR": str(root / "map-cache"),
            "AUDIT_KEY": "browser-test-audit-key",
            "AUDIT_ANCHOR": str(root / "audit-anchor.log"),
            "LOGIN_IP_MAX_FAILURES": 1000,
        }
    )
    with app.app_context():
        db.create_all()
    registry = root / "M.json"
    registry.write_text(json.dumps(generate("M")))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-registry", str(registry)])
    assert result.exit_code == 0, result.output
    email, password = DEMO_ACCOUNTS["viewer"]
    result = runner.invoke(args=["create-user", email, "--role", "viewer"], input=f"{password}\n{password}\n")
    assert result.exit_code == 0, result.output
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


def open_map(browser: Browser, server: LiveServer, query: str = "") -> Page:
    context = browser.new_context(base_url=server.url, viewport=WINDOW)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(f"uncaught: {exc}"))
    page.problems = problems  # type: ignore[attr-defined]
    login(page, "viewer")
    response = page.goto("/map" + query)
    assert response is not None and response.status == 200
    return page


@pytest.fixture(params=["demo", "M"])
def overview(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    server = request.getfixturevalue("live_server" if request.param == "demo" else "m_server")
    page = open_map(browser, server)
    yield page
    page.context.close()


@pytest.fixture(params=[(r, g) for r in ("demo", "M") for g in GROUPINGS], ids="-".join)
def grouped(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    """The overview grouped by kind (the default), by programme and by agreement."""
    registry, grouping = request.param
    server = request.getfixturevalue("live_server" if registry == "demo" else "m_server")
    page = open_map(browser, server, "" if grouping == "kind" else f"?group={grouping}")
    assert page.locator("#map-grouping strong").inner_text() == GROUPINGS[grouping]
    yield page
    page.context.close()


def test_the_overview_text_is_never_smaller_than_10_css_px_and_the_page_never_scrolls_sideways(
    grouped: Page,
) -> None:
    assert grouped.locator("#map-overview").count() == 1  # more organisations share than fit: grouped
    measured = grouped.evaluate(MEASURE)
    assert measured["texts"] > 10, measured
    assert measured["smallest"] >= 10 - 1e-6, measured
    assert measured["smallestBox"] >= 10, measured
    assert measured["scrollWidth"] <= measured["innerWidth"], measured
    # The whole overview is inside the window, not scrolled inside its box.
    assert 0 <= measured["pictureLeft"] and measured["pictureRight"] <= measured["boxRight"], measured


def test_the_map_page_uses_the_full_width_of_the_window(overview: Page) -> None:
    main = overview.locator("main").bounding_box()
    assert main is not None and main["width"] >= 1280 - 2 * 30 - 20  # the gutters, and a scroll bar


def test_the_groups_say_how_many_they_hold_and_expand_when_selected(overview: Page) -> None:
    groups = overview.evaluate(
        """() => [...document.querySelectorAll('#map-picture svg g.node a')]
          .map((a) => ({ href: a.href.baseVal, label: a.textContent.trim() }))
          .filter((a) => a.href.includes('expand='))"""
    )
    assert groups, "no group on the overview"
    counted = [g for g in groups if g["label"].endswith(")") and g["label"].rsplit("(", 1)[-1][:-1].isdigit()]
    assert counted == groups, groups
    overview.goto(groups[0]["href"])
    assert overview.locator("#map-clusters").inner_text().count("drawn one by one") == 1


def test_keyboard_focus_on_the_map_uses_the_govuk_focus_style(overview: Page) -> None:
    overview.locator("#map-picture").focus()
    overview.keyboard.press("Tab")
    focused = overview.evaluate(
        """() => {
          const el = document.activeElement
          const shape = el.querySelector('polygon, ellipse, path')
          return {
            inMap: el.closest('#map-picture svg') !== null && el.tagName.toLowerCase() === 'a',
            outline: getComputedStyle(el).outlineColor,
            outlineStyle: getComputedStyle(el).outlineStyle,
            stroke: shape ? getComputedStyle(shape).stroke : null
          }
        }"""
    )
    assert focused["inMap"], focused
    assert focused["outline"] == "rgb(255, 221, 0)" and focused["outlineStyle"] == "solid", focused
    assert focused["stroke"] == "rgb(11, 12, 12)", focused


def test_the_key_draws_each_kind_and_line_as_a_symbol(overview: Page) -> None:
    items = overview.locator("#map-legend .app-map-legend__item")
    assert items.count() >= 15
    assert overview.locator("#map-legend svg.app-map-legend__symbol").count() == items.count()
    assert "Police" in overview.locator("#map-legend").inner_text()


def test_the_map_page_passes_axe_with_its_overview(grouped: Page) -> None:
    assert serious_violations(grouped) == []
    assert csp_problems(grouped) == []
