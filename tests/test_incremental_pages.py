"""After a change, what a process keeps per revision is updated rather than worked out again, and
the pages it gives are the pages a fresh process gives."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bench.generate import generate
from isa_registry.core.exchange import parse_document
from isa_registry.store import cache, services
from isa_registry.store import decisions as store_decisions
from isa_registry.store.db import db
from isa_registry.store.queries import LOADS, checked_registry, load_registry
from isa_registry.web.findings import Filters, _select, filter_choices, filter_options, selection_for
from tests.conftest import Auth, demo_registry, store

PAGES = [
    "/findings",
    "/findings?severity=warning",
    "/findings?state=decided",
    "/findings?code=FLOW_NO_RETENTION",
    "/findings?organisation=dudley-mbc",
    "/findings?page=2",
]
FILTERS = [Filters(), Filters(state="open"), Filters(code="AGREEMENT_UNSIGNED"), Filters(organisation="wmp")]


def _page(client: FlaskClient, path: str) -> str:
    """The page, less its CSRF tokens (signed with the time)."""
    return re.sub(r'name="csrf_token"[^>]*>', "", client.get(path).text)


def _edits(app: Flask) -> list:
    s, actor = db.session, "editor@example.org"

    def retention() -> None:
        key = sorted(load_registry().flows)[3]
        flow, version = services.get_flow(s, key)
        services.update_flow(s, actor, key, replace(flow, retention=None), version)

    def rename() -> None:
        key = sorted(load_registry().organisations)[0]
        org, version = services.get_organisation(s, key)
        services.update_organisation(s, actor, key, replace(org, name="Renamed body"), version)

    def status() -> None:
        key = sorted(load_registry().agreements)[0]
        services.set_agreement_status(s, actor, key, "terminated", None)

    def decide() -> None:
        finding = checked_registry(date.today()).findings[0]
        store_decisions.decide(s, actor, True, finding, "not_applicable", "Checked.", None, date.today())

    def archive() -> None:
        key = sorted(load_registry().flows)[5]
        services.archive(s, actor, "flow", key)

    return [retention, rename, status, decide, archive]


def test_the_findings_page_after_each_kind_of_change_is_the_page_a_fresh_process_gives(
    dudley: Flask, client: FlaskClient, auth: Auth
) -> None:
    viewer = auth.sign_in(client, "admin")
    for edit in _edits(dudley):
        for page in PAGES:
            assert viewer.get(page).status_code == 200  # the revision before, kept
        with dudley.app_context():
            edit()
            db.session.commit()
        rechecked = LOADS["rechecked"]
        updated = {page: _page(viewer, page) for page in PAGES}
        assert LOADS["rechecked"] == rechecked + 1
        cache.clear()
        for page in PAGES:
            assert _page(viewer, page) == updated[page], page


@pytest.fixture(params=["dudley", "S"])
def partnership(request: pytest.FixtureRequest, app: Flask) -> Flask:
    """The demo partnership, and the benchmark's S registry (whose rules find several things of
    one code about one record)."""
    store(app, demo_registry() if request.param == "dudley" else parse_document(generate("S")))
    return app


def test_the_findings_selection_is_updated_to_what_selecting_afresh_gives(partnership: Flask) -> None:
    with partnership.test_request_context():
        for edit in _edits(partnership):
            for filters in FILTERS:
                selection_for(checked_registry(date.today()), filters)
            edit()
            db.session.commit()
            checked = checked_registry(date.today())
            assert checked.since is not None
            for filters in FILTERS:
                assert selection_for(checked, filters) == _select(checked, checked.findings, filters)
            assert checked.reviewed_by_id == {r.id: r for r in checked.reviewed}
            assert filter_options(checked) == filter_choices(
                checked.live, sorted({a.owner for a in checked.actions})
            )
