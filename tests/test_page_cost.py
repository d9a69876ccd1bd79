"""The quicker ways the busiest pages are written give what the slower ways gave.

Each page under load (``python -m bench --only http``) is mostly CPU: these hold each shortcut to
the answer of the straightforward way it replaced, without timing anything.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from markupsafe import Markup
from sqlalchemy import text

from bench.generate import TODAY, generate
from isa_registry.core.exchange import parse_document
from isa_registry.core.rules import findings_for, run_rules
from isa_registry.core.rules.incremental import about_subjects
from isa_registry.store.lists import Page
from isa_registry.web import components
from isa_registry.web.components import component

# --- GOV.UK components written once per distinct arguments ---------------------------------------

CALLS: list[tuple[str, dict[str, Any]]] = [
    ("govukInput", {"id": "q", "name": "q", "type": "search", "label": {"text": "Key"}, "value": "A&B"}),
    ("govukInput", {"id": "q", "name": "q", "label": {"html": Markup("<b>Key</b>")}, "value": ""}),
    (
        "govukCheckboxes",
        {"idPrefix": "x", "name": "x", "items": [{"value": "1", "text": "Include", "checked": True}]},
    ),
    ("govukButton", {"text": "Apply", "classes": "govuk-!-margin-bottom-2"}),
    (
        "govukDateInput",
        {
            "id": "as_of",
            "namePrefix": "as_of",
            "fieldset": {"legend": {"text": "As of"}},
            "hint": {"text": "For example, 23 11 2026"},
            "errorMessage": {"text": "Enter a real date"},
            "items": [{"name": "day", "value": "31"}, {"name": "month", "value": "2"}],
        },
    ),
    (
        "govukPagination",
        {
            "previous": {"href": "/flows/?page=1"},
            "next": {"href": "/flows/?page=3"},
            "items": [
                {"number": 1, "href": "/flows/?page=1", "current": False},
                {"ellipsis": True},
                {"number": 2, "href": "/flows/?page=2", "current": True},
            ],
        },
    ),
    ("govukSkipLink", {"href": "#main-content", "text": "Skip to main content"}),
]


def _macro(app: Flask, name: str, params: dict[str, Any]) -> str:
    template = app.jinja_env.get_template(components.COMPONENTS[name])
    return str(getattr(template.module, name)(params))


@pytest.mark.parametrize(("name", "params"), CALLS)
def test_a_component_is_the_macros_markup_first_and_again(
    app: Flask, name: str, params: dict[str, Any]
) -> None:
    with app.test_request_context("/"):
        expected = _macro(app, name, params)
        first, again = component(name, params), component(name, params)
    assert str(first) == str(again) == expected
    assert isinstance(first, Markup)


def test_text_and_html_of_the_same_characters_are_kept_apart(app: Flask) -> None:
    as_text = {"text": "<b>Go</b>"}
    as_html = {"text": Markup("<b>Go</b>")}
    with app.test_request_context("/"):
        escaped, written = component("govukButton", as_text), component("govukButton", as_html)
    assert "&lt;b&gt;Go&lt;/b&gt;" in escaped and "<b>Go</b>" not in escaped
    assert "<b>Go</b>" in written


def test_true_and_one_are_kept_apart(app: Flask) -> None:
    def boxes(checked: Any) -> dict[str, Any]:
        return {"idPrefix": "x", "name": "x", "items": [{"value": "1", "text": "X", "checked": checked}]}

    with app.test_request_context("/"):
        for checked in (True, 1, False, 0):
            assert str(component("govukCheckboxes", boxes(checked))) == _macro(
                app, "govukCheckboxes", boxes(checked)
            )


def test_arguments_that_are_not_plain_data_are_written_every_time(app: Flask) -> None:
    class Text(str):
        """A str of another type: not kept (its type might write otherwise)."""

    params = {"text": Text("Apply")}
    app.extensions.pop("isa_components", None)
    with app.test_request_context("/"):
        assert str(component("govukButton", params)) == _macro(app, "govukButton", params)
        assert len(components.kept(app).newest_first()) == 0


def test_slots_are_put_in_after_and_not_kept(app: Flask) -> None:
    def navigation(token: str) -> dict[str, Any]:
        return {
            "serviceName": "ISA Registry",
            "serviceUrl": "/",
            "navigation": [{"text": "Flows", "href": "/flows/", "active": True}],
            "slots": {"navigationEnd": Markup('<li><input name="csrf_token" value="{}"></li>').format(token)},
        }

    app.extensions.pop("isa_components", None)
    with app.test_request_context("/"):
        for token in ("one", "two", "three"):
            params = navigation(token)
            shown = str(component("govukServiceNavigation", params))
            assert shown == _macro(app, "govukServiceNavigation", params)
            assert f'value="{token}"' in shown and "isa-slot" not in shown
        assert len(components.kept(app).newest_first()) == 1  # one markup, three tokens


def test_a_slot_left_empty_stays_empty(app: Flask) -> None:
    params = {"serviceName": "ISA Registry", "navigation": [], "slots": {"navigationEnd": Markup("")}}
    with app.test_request_context("/"):
        assert str(component("govukServiceNavigation", params)) == _macro(
            app, "govukServiceNavigation", params
        )


def test_components_kept_are_bounded(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(components, "SIZE", 3)
    app.extensions.pop("isa_components", None)
    with app.test_request_context("/"):
        for n in range(10):
            params = {"text": f"Apply {n}"}
            assert str(component("govukButton", params)) == _macro(app, "govukButton", params)
    assert len(components.kept(app).newest_first()) == 3


# --- The pager's page numbers ------------------------------------------------------------------


def _every_page_looked_at(
    page: Page, left_edge: int, left_current: int, right_current: int, right_edge: int
) -> list[int | None]:
    """What ``Page.iter_pages`` gave when it looked at every page in turn."""
    out: list[int | None] = []
    last = 0
    for number in range(1, page.pages + 1):
        if (
            number <= left_edge
            or page.page - left_current <= number < page.page + right_current
            or number > page.pages - right_edge
        ):
            if last + 1 != number:
                out.append(None)
            out.append(number)
            last = number
    return out


@pytest.mark.parametrize("pages", [1, 2, 3, 5, 7, 8, 12, 400])
def test_the_pagers_numbers_are_those_of_looking_at_every_page(pages: int) -> None:
    for current in range(1, pages + 1):
        page = Page(items=[], total=pages * 50 - 3, page=current, per_page=50)
        for edges in [(1, 2, 3, 1), (0, 0, 1, 0), (2, 3, 4, 2), (5, 0, 0, 5)]:
            assert list(page.iter_pages(*edges)) == _every_page_looked_at(page, *edges)
    assert list(Page(items=[], total=0, page=1).iter_pages()) == [1]


# --- A record's findings, by bisection ------------------------------------------------------------


def test_a_records_findings_by_bisection_are_those_of_going_through_them_all() -> None:
    registry = parse_document(generate("S"))
    findings = run_rules(registry, TODAY)
    subjects = {(f.subject_type, f.subject_key) for f in findings}
    assert len({f.severity for f in findings}) == 3 and len(subjects) > 100
    tables = {
        "organisation": registry.organisations,
        "agreement": registry.agreements,
        "flow": registry.flows,
    }
    for subject_type, records in tables.items():
        for key in records:
            expected = findings_for(findings, subject_type, key)
            assert about_subjects(findings, [(subject_type, key)]) == expected


# --- The API's rate limit -------------------------------------------------------------------------


def test_the_rate_limits_count_commits_without_waiting_for_the_disk_on_postgresql(app: Flask) -> None:
    """Every request of a token updates the same row, locked until its commit: on PostgreSQL that
    commit does not wait for the disk (``synchronous_commit`` off), for the counter's transaction
    only; the count is still right."""
    from sqlalchemy import event

    from isa_registry.store.db import db
    from isa_registry.store.rate_limits import DatabaseStorage

    settings: list[str] = []

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("INSERT INTO rate_limit_counter") and conn.dialect.name == "postgresql":
            settings.append(cursor.connection.execute("SHOW synchronous_commit").fetchone()[0])

    with app.app_context():
        event.listen(db.engine, "after_cursor_execute", after)
        try:
            storage = DatabaseStorage()
            assert [storage.incr("test-window", 60) for _ in range(3)] == [1, 2, 3]
            assert storage.get("test-window") == 3
            if db.engine.dialect.name == "postgresql":
                assert db.session.execute(text("SHOW synchronous_commit")).scalar() == "on"
        finally:
            event.remove(db.engine, "after_cursor_execute", after)
            db.session.rollback()
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        assert settings == ["off", "off", "off"]
