"""Each page issues as many SQL statements for a registry four times bigger: no N+1 anywhere.

The benchmark's partnership of size S is loaded and every page requested twice (the first request
warms what a worker keeps between requests); the statements of the second are counted. Then the
same with size M (four times S) in its place, and the counts must be equal.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import event

from bench.generate import generate
from bench.rows import load_document_rows
from isa_registry.store import cache
from isa_registry.store.db import db
from tests.conftest import Auth, _empty_tables

pytestmark = pytest.mark.db

#: Records present in both sizes (the generator numbers them the same way).
PAGES = (
    "/",
    "/flows/",
    "/flows/BSP-FLOW-00001",
    "/agreements/",
    "/organisations/",
    "/ropa",
    "/organisations/la-0001",
    "/agreements/BSP-ISA-0001",
    "/findings",
    "/map",
)


def _statements_per_page(app: Flask, size: str) -> dict[str, int]:
    with app.app_context():
        _empty_tables()
        with db.engine.begin() as conn:
            load_document_rows(conn, generate(size))
        cache.clear()  # the rows went in without the audit log, so the revision did not move
        engine = db.engine
    client = Auth(app).client("viewer")
    counts: dict[str, int] = {}
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    for page in PAGES:
        warm = client.get(page)
        assert warm.status_code == 200, f"GET {page} answered {warm.status_code}"
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get(page).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        counts[page] = len(statements)
    return counts


@pytest.fixture(scope="module")
def counts(_app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, int]]]:
    """Statements per page for S and for M, each on a fresh render cache; the tables emptied after."""
    cache = _app.config["MAP_CACHE_DIR"]
    found = {}
    try:
        for size in ("S", "M"):
            _app.config["MAP_CACHE_DIR"] = str(tmp_path_factory.mktemp(f"map-cache-{size}"))
            found[size] = _statements_per_page(_app, size)
        yield found
    finally:
        _app.config["MAP_CACHE_DIR"] = cache
        with _app.app_context():
            db.session.rollback()
            _empty_tables()
            db.session.remove()


@pytest.mark.parametrize("page", PAGES)
def test_a_page_issues_as_many_statements_for_a_registry_four_times_bigger(
    counts: dict[str, dict[str, int]], page: str
) -> None:
    assert counts["M"][page] == counts["S"][page], (
        f"GET {page}: {counts['S'][page]} statements with S, {counts['M'][page]} with M"
    )
