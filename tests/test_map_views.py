"""The map page and its downloads, on the real database."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from isa_registry.core import graph
from isa_registry.core.domain import Registry
from isa_registry.core.graph import render
from isa_registry.store import cache
from isa_registry.store.db import db
from isa_registry.web.map_query import DATE_PROBLEM
from tests.builders import agreement, basis, days, flow, organisation, registry
from tests.conftest import Auth, _empty_tables, store

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot is not installed")


@pytest.fixture(autouse=True)
def own_cache(app: Flask, tmp_path, monkeypatch) -> None:
    """A fresh render cache for each test: revisions start again from 0 when the tables are emptied."""
    monkeypatch.setitem(app.config, "MAP_CACHE_DIR", str(tmp_path / "map-cache"))


def partnership() -> Registry:
    return registry(
        agreements=[agreement("ISA-1", parties=("wmp", "dudley"))],
        flows=[
            flow(
                "F1",
                "wmp",
                "dudley",
                "ISA-1",
                data_categories=["identity_contact", "criminal_offence"],
                official_authority=True,
                recipient_basis=basis(official_authority=True),
            ),
            flow("F2", "dudley", "bcicb", None, data_categories=["health"], programme="Early help"),
            flow("F3", "dudley", "bcicb", None, data_categories=["education"]),
        ],
    )


@pytest.fixture()
def signed_in(app: Flask, client: FlaskClient, auth: Auth) -> FlaskClient:
    store(app, partnership())
    return auth.sign_in(client)


@pytest.fixture()
def dot_calls(monkeypatch) -> Iterator[list[str]]:
    """Every format ``dot`` is asked to render, through the one function that runs it."""
    calls: list[str] = []
    real = render.run_dot

    def counting(source: str, fmt: str, **kwargs) -> bytes:
        calls.append(fmt)
        return real(source, fmt, **kwargs)

    monkeypatch.setattr(render, "run_dot", counting)
    yield calls


def page(client: FlaskClient, query: str = "") -> str:
    response = client.get("/map" + query)
    assert response.status_code == 200, response.data
    return response.get_data(as_text=True)


def inline_svg(html: str) -> ET.Element:
    match = re.search(r"<svg\b.*?</svg>", html, re.S)
    assert match, "no inline SVG"
    return ET.fromstring(match.group(0))  # noqa: S314 - our own page


# --- The page ----------------------------------------------------------------------------------


def test_the_map_needs_a_signed_in_user(app: Flask, client: FlaskClient) -> None:
    for url in ("/map", "/map.svg", "/map.json"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@needs_dot
def test_the_page_draws_the_map_with_links_and_tooltips(signed_in: FlaskClient) -> None:
    html = page(signed_in)
    root = inline_svg(html)
    links = {a.get("{http://www.w3.org/1999/xlink}href") for a in root.iter("{http://www.w3.org/2000/svg}a")}
    assert {"/organisations/wmp", "/flows/F1", "/flows?source=dudley&recipient=bcicb"} <= links
    assert 'role="group"' in html and "Dudley Metropolitan" in html
    assert "js/map-panzoom.js" in html


@needs_dot
def test_the_table_lists_the_same_edges_as_the_picture(signed_in: FlaskClient) -> None:
    html = page(signed_in)
    table = html[html.index('id="map-edges"') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', table, re.S)[1:]
    assert len(rows) == 2
    pair = next(r for r in rows if "Black Country" in r)
    assert ">2<" in pair and 'href="/flows?source=dudley&amp;recipient=bcicb"' in pair
    assert "Health" in pair
    police = next(r for r in rows if "West Midlands Police" in r)
    assert 'href="/flows/F1"' in police


@needs_dot
def test_the_page_shows_the_analyses(signed_in: FlaskClient) -> None:
    html = page(signed_in)
    hubs = html[html.index('id="map-hubs"') :]
    assert hubs.index("Dudley Metropolitan Borough Council") < hubs.index("West Midlands Police")
    sensitive = html[html.index('id="map-sensitive"') : html.index('id="chains"')]
    assert "Black Country Integrated Care Board" in sensitive and "West Midlands Police" in sensitive
    assert 'id="map-chains"' in html  # F2/F3 have no agreement: the onward legs are flagged
    chains = html[html.index('id="map-chains"') :]
    assert "/flows/F2" in chains[: chains.index("</table>")]
    reach = html[html.index('id="map-reach"') :]
    assert "ISA-1" in reach[: reach.index("</table>")]


@needs_dot
def test_an_agreement_filter_shows_what_loses_cover_if_it_ends(signed_in: FlaskClient) -> None:
    html = page(signed_in, "?agreement=ISA-1")
    selected = html[html.index('id="map-reach-selected"') :]
    selected = selected[: selected.index("</div>")]
    assert "/flows/F1" in selected and "Left with no cover at all" in selected
    assert "West Midlands Police" in selected


@needs_dot
def test_names_cannot_inject_script_into_the_page(app: Flask, client: FlaskClient, auth: Auth) -> None:
    reg = partnership()
    reg.organisations["wmp"] = replace(reg.organisations["wmp"], name="<script>alert(1)</script>")
    reg.organisations["bcicb"] = replace(reg.organisations["bcicb"], name='Say "hi" & <b>bye</b>')
    reg.flows["F1"] = replace(reg.flows["F1"], name='"]; injected [label="x')
    store(app, reg)
    auth.sign_in(client)
    html = page(client)
    assert "<script>alert(1)" not in html
    assert "<b>bye</b>" not in html
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all('src="/static/' in s for s in scripts)
    root = inline_svg(html)  # still well-formed XML
    titles = {t.text for t in root.iter("{http://www.w3.org/2000/svg}title")}
    assert "injected" not in titles
    tooltips = " ".join(a.get("{http://www.w3.org/1999/xlink}title") or "" for a in root.iter())
    assert "<script>alert(1)</script> (wmp)" in tooltips and 'Say "hi" & <b>bye</b> (bcicb)' in tooltips


@needs_dot
def test_filters_in_the_url_narrow_the_map(signed_in: FlaskClient) -> None:
    html = page(signed_in, "?organisation=wmp")
    assert "/flows/F1" in html and "/flows?source=dudley" not in html
    html = page(signed_in, "?category=special")
    assert "/flows/F2" in html and "/flows/F1" not in html
    html = page(signed_in, "?programme=Early+help")
    assert "/flows/F2" in html and "/flows/F3" not in html
    html = page(signed_in, "?flagged=1")
    assert "/flows?source=dudley&amp;recipient=bcicb" in html and "/flows/F1" not in html


def test_unknown_filters_are_explained_not_an_error_page(signed_in: FlaskClient) -> None:
    response = signed_in.get("/map?organisation=nobody&as_of-day=31&as_of-month=2&as_of-year=2026")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html
    assert "There is no organisation with the key &#39;nobody&#39;." in html
    assert DATE_PROBLEM in html and 'id="map-filters"' in html


@needs_dot
def test_flows_not_live_on_the_as_of_date_are_left_out(app: Flask, client: FlaskClient, auth: Auth) -> None:
    reg = partnership()
    reg.flows["OLD"] = flow(
        "OLD", "wmp", "bcicb", None, status="ceased", start_date=days(-400), end_date=days(-30)
    )
    store(app, reg)
    auth.sign_in(client)
    html = page(client)
    assert "/flows/OLD" not in html and "1 flow is not live on that date" in html
    html = page(client, f"?as_of={days(-60).isoformat()}")
    assert "/flows/OLD" in html


@needs_dot
def test_a_hundred_schools_are_one_node_until_expanded(app: Flask, client: FlaskClient, auth: Auth) -> None:
    reg = partnership()
    for i in range(100):
        reg.organisations[f"school-{i}"] = organisation(f"school-{i}", name=f"School {i}", kind="education")
        reg.flows[f"S{i}"] = flow(f"S{i}", f"school-{i}", "dudley", None, data_categories=["education"])
    store(app, reg)
    auth.sign_in(client)
    html = page(client)
    svg = ET.tostring(inline_svg(html), encoding="unicode")
    table = html[html.index('id="map-edges"') : html.index('id="analyses"')]
    assert "Schools and colleges (100)" in svg and "Schools and colleges (100)" in table
    assert "school-42" not in svg and "school-42" not in table
    assert 'href="/map?expand=education"' in html
    expanded = page(client, "?expand=education")
    assert "Schools and colleges (100)" not in expanded and "/organisations/school-42" in expanded


def schools(count: int) -> Registry:
    """The partnership with ``count`` schools each sending special category data to the council
    under an agreement of its own."""
    reg = partnership()
    for i in range(count):
        key = f"school-{i:03}"
        reg.organisations[key] = organisation(key, name=f"School {i:03}", kind="education")
        reg.agreements[f"ISA-S{i:03}"] = agreement(f"ISA-S{i:03}", parties=(key, "dudley"))
        reg.flows[f"S{i:03}"] = flow(f"S{i:03}", key, "dudley", f"ISA-S{i:03}", data_categories=["health"])
    return reg


def table_rows(html: str) -> list[str]:
    table = html[html.index('id="map-edges"') :]
    return re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', table[: table.index("</table>")], re.S)[1:]


@needs_dot
def test_a_long_table_of_connections_comes_a_page_at_a_time(
    app: Flask, client: FlaskClient, auth: Auth, monkeypatch
) -> None:
    from isa_registry.web import map as map_view

    monkeypatch.setattr(map_view, "CONNECTIONS_PER_PAGE", 20)
    store(app, schools(30))
    auth.sign_in(client)
    first = page(client, "?expand=education")
    assert len(table_rows(first)) == 20
    assert "Showing 1 to 20 of 32 connections" in first
    assert 'href="/map?expand=education&amp;page=2#connections"' in first  # the filters are kept

    second = page(client, "?expand=education&page=2")
    assert len(table_rows(second)) == 12 and "Showing 21 to 32 of 32 connections" in second
    shown = {
        re.search(r"School \d+", r).group(0) for r in table_rows(first) + table_rows(second) if "School" in r
    }  # type: ignore[union-attr]
    assert len(shown) == 30  # every school once, over the two pages
    assert (
        page(client, "?expand=education&page=99").count("Showing 21 to 32") == 1
    )  # past the end: the last page
    assert "Showing" not in page(client)  # the schools in one cluster: one page, no pager


@needs_dot
def test_long_analyses_show_the_largest_and_point_to_the_rest(
    app: Flask, client: FlaskClient, auth: Auth, monkeypatch
) -> None:
    from isa_registry.web import map as map_view

    monkeypatch.setattr(map_view, "SENSITIVE_SHOWN", 1)
    monkeypatch.setattr(map_view, "SENSITIVE_SOURCES_SHOWN", 5)
    monkeypatch.setattr(map_view, "REACH_SHOWN", 3)
    reg = schools(8)
    reg.flows["S000B"] = flow("S000B", "school-000", "dudley", "ISA-S000", data_categories=["health"])
    store(app, reg)
    auth.sign_in(client)
    html = page(client, "?expand=education")
    sensitive = html[html.index('id="map-sensitive"') : html.index('id="chains"')]
    assert "Dudley Metropolitan Borough Council" in sensitive  # the most sources: 8 schools and the police
    assert (
        "And 4 more sources" in sensitive
        and 'href="/map?organisation=dudley&amp;expand=education"' in sensitive
    )
    assert "Black Country Integrated Care Board</a></th>" not in sensitive  # the second recipient
    assert "The 1 recipients with the most sources, of 2" in sensitive
    reach = html[html.index('id="map-reach"') :]
    reach = reach[: reach.index('id="map-reach"') + reach[reach.index('id="map-reach"') :].index("</table>")]
    assert reach.count("Show its flows") == 3
    assert reach.index("ISA-S000") < reach.index("Show its flows")  # two flows: the widest reach first
    assert "The 3 agreements covering the most flows, of 9" in html


# --- Caching -----------------------------------------------------------------------------------


@needs_dot
def test_a_repeat_view_does_not_run_dot_again(
    app: Flask, signed_in: FlaskClient, dot_calls: list[str]
) -> None:
    page(signed_in)
    page(signed_in)
    assert dot_calls == ["svg"]
    page(signed_in, "?organisation=wmp")
    assert dot_calls == ["svg", "svg"]
    assert signed_in.get("/map.png").status_code == 200
    assert signed_in.get("/map.png").status_code == 200
    assert dot_calls == ["svg", "svg", "png"]
    store(app, registry(flows=[flow("F9", "bcicb", "wmp", None)]))  # a new revision
    page(signed_in)
    assert dot_calls == ["svg", "svg", "png", "svg"]


@needs_dot
def test_a_registry_emptied_and_reloaded_is_not_served_an_old_render(
    app: Flask, signed_in: FlaskClient, auth: Auth, dot_calls: list[str]
) -> None:
    first = signed_in.get("/map.svg").data
    with app.app_context():
        _empty_tables()
    other = partnership()
    other.organisations["wmp"] = replace(other.organisations["wmp"], name="Staffordshire Police")
    store(app, other)  # the same number of changes: the same revision number
    auth.sign_in(signed_in, "editor")
    second = signed_in.get("/map.svg").data
    assert dot_calls == ["svg", "svg"]
    assert b"Staffordshire Police" in second and b"Staffordshire Police" not in first


@needs_dot
def test_an_unwritable_cache_costs_time_not_the_page(
    app: Flask, signed_in: FlaskClient, tmp_path, monkeypatch
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setitem(app.config, "MAP_CACHE_DIR", str(blocker / "cache"))
    assert "<svg" in page(signed_in)


@needs_dot
def test_a_cached_download_does_not_load_the_registry(app: Flask, signed_in: FlaskClient) -> None:
    assert signed_in.get("/map.svg").status_code == 200
    with app.app_context():
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert signed_in.get("/map.svg").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    assert not any("FROM flow" in s for s in statements)


def count_statements(app: Flask, client: FlaskClient, url: str) -> int:
    with app.app_context():
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    return len(statements)


@needs_dot
def test_a_repeat_page_view_comes_from_the_cache_without_reading_the_registry(
    app: Flask, signed_in: FlaskClient
) -> None:
    first = page(signed_in, "?organisation=dudley")
    with app.app_context():
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            second = page(signed_in, "?organisation=dudley")
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    assert not any("FROM flow" in s or "FROM organisation" in s for s in statements)
    assert second == first


@needs_dot
def test_a_page_without_its_picture_is_not_cached(app: Flask, signed_in: FlaskClient, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "GRAPHVIZ_DOT", "/nonexistent/graphviz/dot")
    assert "not installed" in page(signed_in)
    monkeypatch.setitem(app.config, "GRAPHVIZ_DOT", "dot")
    assert "<svg" in page(signed_in)


@needs_dot
def test_the_page_reads_the_registry_once_whatever_its_size(app: Flask, signed_in: FlaskClient) -> None:
    small = count_statements(app, signed_in, "/map")
    bigger = partnership()
    for i in range(30):
        bigger.organisations[f"org-{i}"] = organisation(f"org-{i}", kind="voluntary")
        bigger.flows[f"V{i}"] = flow(f"V{i}", "dudley", f"org-{i}", "ISA-1")
    store(app, bigger)
    cache.clear()  # read the tables again, as the first time (not a replay of the audit entries)
    large = count_statements(app, signed_in, "/map")
    assert small == large <= 7  # the user, the revision, and load_registry's four


# --- Without Graphviz --------------------------------------------------------------------------


def test_without_dot_the_page_says_so_and_still_shows_the_table(
    app: Flask, signed_in: FlaskClient, monkeypatch
) -> None:
    monkeypatch.setitem(app.config, "GRAPHVIZ_DOT", "/nonexistent/graphviz/dot")
    html = page(signed_in)
    assert "Graphviz (the dot program) is not installed" in html
    assert "<svg" not in html
    assert 'id="map-edges"' in html and 'href="/flows/F1"' in html
    assert 'id="map-hubs"' in html
    response = signed_in.get("/map.png")
    assert response.status_code == 503 and b"not installed" in response.data
    assert signed_in.get("/map.dot").status_code == 200
    assert signed_in.get("/map.json").status_code == 200


# --- Downloads ---------------------------------------------------------------------------------


@needs_dot
@pytest.mark.parametrize(
    ("fmt", "content_type", "start"),
    [
        ("svg", "image/svg+xml", b"<?xml"),
        ("png", "image/png", b"\x89PNG"),
        ("pdf", "application/pdf", b"%PDF"),
        ("dot", "text/vnd.graphviz; charset=utf-8", b"digraph map {"),
    ],
)
def test_downloads_in_each_format(signed_in: FlaskClient, fmt: str, content_type: str, start: bytes) -> None:
    response = signed_in.get(f"/map.{fmt}?organisation=dudley&depth=2")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.data.startswith(start)
    assert 'filename="data-map-' in response.headers["Content-Disposition"]


def test_the_json_download_is_node_link_data_with_the_analyses(signed_in: FlaskClient) -> None:
    response = signed_in.get("/map.json?category=criminal")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
    document = json.loads(response.data)
    assert document["filters"]["category"] == "criminal"
    assert [e["key"] for e in document["graph"]["edges"]] == ["F1"]
    assert {n["id"] for n in document["graph"]["nodes"]} == {"wmp", "dudley"}
    assert document["graph"]["directed"] and document["graph"]["multigraph"]
    [sensitive] = document["analyses"]["sensitive_recipients"]
    assert sensitive["recipient"] == "dudley" and sensitive["criminal"] == ["criminal_offence"]
    assert document["revision"] > 0


def test_the_page_links_to_every_download_with_its_filters(
    signed_in: FlaskClient, monkeypatch, app: Flask
) -> None:
    monkeypatch.setitem(app.config, "GRAPHVIZ_DOT", "/nonexistent/graphviz/dot")
    html = page(signed_in, "?organisation=wmp&depth=2&flagged=1")
    for fmt in graph.FORMATS:
        assert f'href="/map.{fmt}?organisation=wmp&amp;depth=2&amp;flagged=1"' in html


def test_a_download_with_an_unknown_organisation_is_refused(signed_in: FlaskClient) -> None:
    response = signed_in.get("/map.svg?organisation=nobody")
    assert response.status_code == 400 and b"no organisation with the key 'nobody'" in response.data


@needs_dot
def test_the_demo_partnership_maps_and_downloads(demo: Flask, client: FlaskClient, auth: Auth) -> None:
    auth.sign_in_demo(client, "viewer")
    html = page(client)
    assert inline_svg(html) is not None and 'id="map-edges"' in html
    for fmt in graph.FORMATS:
        assert client.get(f"/map.{fmt}?flagged=1").status_code == 200, fmt


# --- What a viewer can make the server keep and run (issue 13, item 3) ---------------------------


def cache_files(app: Flask, pattern: str = "r*-*.*") -> set[str]:
    folder = app.config["MAP_CACHE_DIR"]
    return {p.name for p in Path(folder).glob(pattern)} if Path(folder).exists() else set()


@needs_dot
def test_a_hundred_and_fifty_page_numbers_keep_one_page_file(
    app: Flask, signed_in: FlaskClient, dot_calls: list[str]
) -> None:
    first = table_rows(page(signed_in))
    for number in range(1000, 1150):
        assert table_rows(page(signed_in, f"?page={number}")) == first  # past the end: the one page there is
    assert len(cache_files(app, "*.html")) == 1
    assert dot_calls == ["svg"]


@needs_dot
def test_page_numbers_past_the_end_keep_at_most_one_file_per_real_page(
    app: Flask, client: FlaskClient, auth: Auth, monkeypatch
) -> None:
    from isa_registry.web import map as map_view

    monkeypatch.setattr(map_view, "CONNECTIONS_PER_PAGE", 20)
    store(app, schools(30))
    auth.sign_in(client)
    for number in (1, 2, 3, 99, 1000, 9223372036854775807):
        html = page(client, f"?expand=education&page={number}")
        assert ("Showing 1 to 20" if number == 1 else "Showing 21 to 32") in html
    assert len(cache_files(app, "*.html")) == 2


def test_as_of_dates_out_of_range_are_refused_not_drawn(
    app: Flask, signed_in: FlaskClient, dot_calls: list[str]
) -> None:
    for year in range(2201, 2251):
        response = signed_in.get(f"/map.svg?as_of={year}-01-01")
        assert response.status_code == 400
        assert b"The as-of date must be between 1 January 1900 and 31 December 2200." in response.data
    response = signed_in.get("/map?as_of=9999-12-31")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and 'href="#as_of-day">The as-of date must be between' in html
    assert signed_in.get("/map?as_of-day=1&as_of-month=1&as_of-year=2300").status_code == 400
    assert dot_calls == [] and cache_files(app) == set()


def test_an_unknown_programme_is_refused_not_drawn(
    app: Flask, signed_in: FlaskClient, dot_calls: list[str]
) -> None:
    for n in range(20):
        response = signed_in.get(f"/map.svg?programme=made-up-{n}")
        assert (
            response.status_code == 400 and f"There is no programme 'made-up-{n}'.".encode() in response.data
        )
    assert signed_in.get("/map?programme=made-up").status_code == 400
    assert dot_calls == [] and cache_files(app) == set()
    assert signed_in.get("/map.json?programme=Early+help").status_code == 200  # a programme the flows have


@needs_dot
def test_the_cache_keeps_within_its_size_dropping_the_least_recently_used(
    app: Flask, signed_in: FlaskClient, monkeypatch
) -> None:
    maps = ("?organisation=wmp", "?organisation=dudley", "?organisation=bcicb")
    sizes = []
    for query in maps:
        before = cache_files(app)
        assert signed_in.get("/map.svg" + query).status_code == 200
        (name,) = cache_files(app) - before
        sizes.append((Path(app.config["MAP_CACHE_DIR"]) / name).stat().st_size)
    shutil.rmtree(app.config["MAP_CACHE_DIR"])
    monkeypatch.setitem(app.config, "MAP_CACHE_MAX_MB", (sum(sizes) - 1) / 1024 / 1024)  # not all three

    def draw(query: str) -> str:
        before = cache_files(app)
        assert signed_in.get("/map.svg" + query).status_code == 200
        time.sleep(0.02)  # the next file's time is later, at any clock resolution
        return (cache_files(app) - before).pop() if cache_files(app) - before else ""

    wmp, dudley = draw(maps[0]), draw(maps[1])
    assert draw(maps[0]) == ""  # read from the cache: used again, so no longer the oldest
    bcicb = draw(maps[2])
    assert dudley not in cache_files(app)  # used least recently: dropped
    assert cache_files(app) == {wmp, bcicb}
    total = sum(p.stat().st_size for p in Path(app.config["MAP_CACHE_DIR"]).glob("r*"))
    assert total <= sum(sizes) - 1


def hold_slots(app: Flask, numbers: range) -> list[int]:
    """Take ``dot`` slots as another process drawing maps would."""
    folder = Path(app.config["MAP_CACHE_DIR"]) / ".dot-slots"
    folder.mkdir(parents=True, exist_ok=True)
    held = []
    for number in numbers:
        fd = os.open(folder / f"slot-{number}", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.append(fd)
    return held


@needs_dot
def test_when_every_dot_slot_is_taken_the_map_is_busy_not_an_error(
    app: Flask, signed_in: FlaskClient, dot_calls: list[str], monkeypatch
) -> None:
    monkeypatch.setitem(app.config, "MAP_DOT_WAIT", 0.3)
    held = hold_slots(app, range(2))  # MAP_DOT_CONCURRENCY is 2 by default
    try:
        for url in ("/map", "/map.svg?organisation=wmp", "/map.png"):
            response = signed_in.get(url)
            assert response.status_code == 503, url
            assert response.headers["Retry-After"] == "5"
            html = response.get_data(as_text=True)
            assert '<h1 class="govuk-heading-l">The map is busy</h1>' in html
            assert f'href="{url.replace("&", "&amp;")}">try again</a>' in html
        assert signed_in.get("/map.dot").status_code == 200  # no dot program needed
    finally:
        for fd in held:
            os.close(fd)
    assert dot_calls == ["svg", "svg", "png"]  # asked, and each waited in vain for a slot
    assert cache_files(app) == set()  # nothing kept of the busy pages
    assert "<svg" in page(signed_in)  # once a slot is free, the map is drawn


@needs_dot
def test_one_free_slot_is_enough_to_draw(app: Flask, signed_in: FlaskClient, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "MAP_DOT_WAIT", 0.3)
    held = hold_slots(app, range(1))
    try:
        assert "<svg" in page(signed_in)
    finally:
        for fd in held:
            os.close(fd)


def test_dot_waits_for_a_slot_that_comes_free(tmp_path) -> None:
    slots = render.DotSlots(tmp_path, count=1, wait=5)
    order: list[str] = []

    def second() -> None:
        with slots.hold():
            order.append("second")

    with slots.hold():
        waiting = threading.Thread(target=second)
        waiting.start()
        time.sleep(0.2)
        order.append("first done")
    waiting.join(timeout=5)
    assert order == ["first done", "second"]


@needs_dot
def test_the_left_out_sentence_counts_the_flows_of_the_map_shown(
    app: Flask, client: FlaskClient, auth: Auth
) -> None:
    reg = partnership()
    reg.flows["OLD"] = flow(
        "OLD", "wmp", "bcicb", None, status="ceased", start_date=days(-400), end_date=days(-30)
    )
    store(app, reg)
    auth.sign_in(client)
    assert "1 flow is not live on that date" in page(client, "?organisation=wmp")
    assert 'id="map-left-out"' not in page(client, "?organisation=dudley")  # OLD is not dudley's


# --- The overview ------------------------------------------------------------------------------


@needs_dot
def test_the_page_opens_on_the_overview_when_more_organisations_share_than_fit(
    app: Flask, client: FlaskClient, auth: Auth
) -> None:
    store(app, schools(30))
    auth.sign_in(client)
    html = page(client)
    assert 'id="map-overview"' in html and "grouped by\n  kind of organisation" in html
    svg = ET.tostring(inline_svg(html), encoding="unicode")
    assert "Schools and colleges (30)" in svg and "/organisations/school-005" not in svg
    assert "30 S" in svg  # the group's edge: its count and the special category data it carries
    links = {
        a.get("{http://www.w3.org/1999/xlink}href")
        for a in inline_svg(html).iter("{http://www.w3.org/2000/svg}a")
    }
    assert "/map?expand=education" in links
    assert 'href="/map?group=programme"' in html and 'href="/map?group=agreement"' in html
    assert 'href="/map?detail=1">draw every organisation</a>' in html
    rows = table_rows(html)
    assert any("Schools and colleges (30)" in row and ">30<" in row for row in rows)
    expanded = page(client, "?expand=education")
    assert "/organisations/school-005" in expanded and "drawn one by one" in expanded


@needs_dot
def test_the_detailed_map_draws_each_organisation(app: Flask, client: FlaskClient, auth: Auth) -> None:
    store(app, schools(30))
    auth.sign_in(client)
    html = page(client, "?detail=1")
    assert 'id="map-detail"' in html and 'id="map-overview"' not in html
    svg = ET.tostring(inline_svg(html), encoding="unicode")
    # Thirty schools is more than the detailed map's cluster threshold (12): they are still one node.
    assert "Schools and colleges (30)" in svg
    assert "/organisations/school-005" in page(client, "?detail=1&expand=education")


@needs_dot
def test_the_overview_groups_by_agreement_on_request(app: Flask, client: FlaskClient, auth: Auth) -> None:
    store(app, schools(30))
    auth.sign_in(client)
    html = page(client, "?group=agreement")
    assert "by\n  the agreement most of their flows run under" in html
    assert "<strong>agreement</strong>" in html and 'href="/map">kind of organisation</a>' in html
    # Thirty schools each under an agreement of its own: no more than twelve groups are drawn, the
    # council and the police under ISA-1, the nine schools first by key, bcicb under none, and the
    # other twenty-one schools together.
    svg = inline_svg(html)
    assert len(svg.findall(".//{http://www.w3.org/2000/svg}g[@class='node']")) == graph.OVERVIEW_MAX_GROUPS
    assert "Under other agreements (21) are drawn as one node." in html
    assert "They fall into more agreements than fit" in html
    expanded = page(client, "?group=agreement&expand=others")
    assert "Organisations under other agreements: drawn one by one." in expanded
    assert "/organisations/school-029" in expanded


def test_an_unknown_grouping_is_refused_not_drawn(
    app: Flask, signed_in: FlaskClient, dot_calls: list[str]
) -> None:
    response = signed_in.get("/map?group=colour")
    assert response.status_code == 400
    assert "Organisations cannot be grouped by &#39;colour&#39;." in response.get_data(as_text=True)
    assert signed_in.get("/map.svg?group=programme&expand=nothing").status_code == 400
    assert dot_calls == [] and cache_files(app) == set()


@needs_dot
def test_organisations_with_no_live_flow_are_listed_under_the_map_not_drawn(
    app: Flask, client: FlaskClient, auth: Auth
) -> None:
    reg = partnership()
    reg.organisations["evaluators"] = organisation(
        "evaluators", name="Evaluation Partners Ltd", kind="research"
    )
    store(app, reg)
    auth.sign_in(client)
    html = page(client)
    listed = html[html.index('id="map-not-drawn-list"') :]
    listed = listed[: listed.index("</ul>")]
    assert '<a class="govuk-link" href="/organisations/evaluators">Evaluation Partners Ltd</a>' in listed
    assert "Evaluation Partners" not in ET.tostring(inline_svg(html), encoding="unicode")
    assert html.index('id="picture"') < html.index('id="not-drawn"') < html.index('id="connections"')


@needs_dot
def test_the_key_draws_the_shapes_and_lines_as_symbols(signed_in: FlaskClient) -> None:
    html = page(signed_in)
    key = html[html.index('id="map-legend"') :]
    key = key[: key.index('id="connections"')]
    symbols = re.findall(r'<svg class="app-map-legend__symbol"', key)
    assert len(symbols) >= len(graph.KIND_STYLES) + 6
    assert "Carries special category data (S) or criminal offence data (C)" in key
    # The picture on the page no longer draws a key of its own; the download still does.
    assert "cluster_legend" not in html and "Flow with an error finding" not in html
    assert b"Flow with an error finding" in signed_in.get("/map.svg").data


def test_the_map_page_uses_the_full_width_of_the_window(signed_in: FlaskClient) -> None:
    assert 'class="govuk-width-container app-width-container--full"' in page(signed_in)
    other = signed_in.get("/flows/").get_data(as_text=True)
    assert 'class="govuk-width-container">' in other and "app-width-container--full" not in other


def test_the_filters_form_keeps_the_detail_and_the_grouping(app: Flask, signed_in: FlaskClient) -> None:
    def form(html: str) -> str:
        start = html.index('id="map-filters"')
        return html[start : html.index("</form>", start)]

    kept = form(page(signed_in, "?detail=1&group=programme"))
    assert '<input type="hidden" name="detail" value="1">' in kept
    assert '<input type="hidden" name="group" value="programme">' in kept
    assert 'name="detail"' not in form(page(signed_in)) and 'name="group"' not in form(page(signed_in))
