"""Every main page fits the window: nothing makes the page scroll sideways at 1280 px (a laptop)
or at 390 px (a phone), where a wide table scrolls inside its own box instead."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from .conftest import LiveServer, login
from .pages import MAIN_PAGES, url_of

pytestmark = pytest.mark.browser

WIDTHS = (1280, 390)


def sideways_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the window (0 when it fits)."""
    return int(page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth"))


def widest(page: Page) -> list[str]:
    """The elements that reach past the window's right edge, for the failure message."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('body *'))
            .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
            .filter((e) => !e.parentElement.closest('.app-table-scroll, .app-map'))
            .slice(0, 5)
            .map((e) => `${e.tagName.toLowerCase()}.${e.className} (${Math.round(e.getBoundingClientRect().right)}px)`)"""
    )


@pytest.mark.parametrize(("name", "width"), [(n, w) for n in MAIN_PAGES for w in WIDTHS])
def test_the_page_does_not_scroll_sideways(
    page: Page, live_server: LiveServer, name: str, width: int
) -> None:
    url = url_of(live_server.app, name)
    assert url is not None, name
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "admin")
    response = page.goto(url)
    assert response is not None and response.status == 200
    assert sideways_overflow(page) <= 0, widest(page)


def test_a_wide_table_scrolls_in_its_own_labelled_box_on_a_phone(page: Page, live_server: LiveServer) -> None:
    page.set_viewport_size({"width": 390, "height": 900})
    login(page, "viewer")
    page.goto("/flows/")
    box = page.locator(".app-table-scroll").first
    assert box.get_attribute("tabindex") == "0" and box.get_attribute("role") == "region"
    assert box.get_attribute("aria-label")
    assert box.evaluate("(e) => e.scrollWidth > e.clientWidth")  # the table scrolls inside it
    assert sideways_overflow(page) <= 0


def test_every_table_on_the_map_page_scrolls_in_its_own_labelled_box_on_a_phone(
    page: Page, live_server: LiveServer
) -> None:
    page.set_viewport_size({"width": 390, "height": 900})
    login(page, "viewer")
    page.goto("/map")
    tables = page.evaluate(
        """() => [...document.querySelectorAll('main table')].map((t) => {
          const box = t.parentElement
          return {
            table: t.id,
            boxed: box.classList.contains('app-table-scroll') && box.getAttribute('tabindex') === '0'
              && box.getAttribute('role') === 'region' && Boolean(box.getAttribute('aria-label')),
          }
        })"""
    )
    assert len(tables) >= 5, tables  # the connections, and the analyses' four
    assert [t for t in tables if not t["boxed"]] == []
    assert page.locator("#map-edges").evaluate(
        "(t) => t.parentElement.scrollWidth > t.parentElement.clientWidth"
    )
    assert sideways_overflow(page) <= 0
