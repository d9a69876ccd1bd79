"""What a server process keeps between requests: the warm-up before the first one, the per-revision
values, and the long selects written out once."""

from __future__ import annotations

import logging
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask

from isa_registry import create_app
from isa_registry.store.queries import per_revision
from isa_registry.web._options import Options
from isa_registry.web.warmup import warm_up
from tests.conftest import statements

ROOT = Path(__file__).resolve().parent.parent


def test_options_are_escaped_and_mark_the_chosen_one() -> None:
    options = Options.of([("", "Any"), ('a"&<b', "A & <B>"), ("c", "C")])
    assert options.html == (
        '<option value="">Any</option><option value="a&#34;&amp;&lt;b">A &amp; &lt;B&gt;</option>'
        '<option value="c">C</option>'
    )
    assert str(options.render('a"&<b')).count(" selected") == 1
    assert '<option value="a&#34;&amp;&lt;b" selected>' in options.render('a"&<b')
    assert '<option value="" selected>' in options.render("")
    assert " selected" not in options.render("not an option") and " selected" not in options.render(None)
    assert options.render("c").count("selected") == 1  # "c" is not matched inside other values


def test_a_value_is_worked_out_once_per_revision(app: Flask) -> None:
    calls: list[int] = []
    with app.app_context():
        for revision in [(1, "a"), (1, "a"), (2, "b"), (1, "a")]:
            value = per_revision(revision, "test", "key", lambda: calls.append(1) or len(calls))
            assert value == (2 if revision == (2, "b") else 1)
        assert per_revision((1, "a"), "test", "other key", lambda: "other") == "other"
    assert len(calls) == 2


@pytest.mark.parametrize("path", ["/findings", "/flows/"])
def test_after_the_warm_up_a_page_needs_no_more_than_the_user_and_the_revision(
    dudley, client, auth, path
) -> None:
    auth.sign_in(client, "viewer")
    assert warm_up(dudley) > 0
    with statements(dudley) as seen:
        assert client.get(path).status_code == 200
    # the user and the revision (read once, though the list keys its count and its filters by it);
    # for the list, its rows
    assert len(seen) == (2 if path == "/findings" else 3), seen


def test_the_warm_up_of_a_database_without_tables_is_logged_not_fatal(tmp_path, caplog) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.db'}", "SECRET_KEY": "x"})
    log = logging.getLogger("test-warm-up")
    with caplog.at_level(logging.WARNING, logger="test-warm-up"):
        warm_up(app, log)
    assert "Warm-up skipped" in caplog.text


def test_gunicorn_warms_each_worker_unless_told_not_to(dudley, monkeypatch) -> None:
    hooks = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    warmed: list[Flask] = []
    monkeypatch.setattr("isa_registry.web.warmup.warm_up", lambda app, log: warmed.append(app))
    worker = SimpleNamespace(wsgi=dudley, log=logging.getLogger("test"))

    frozen = []
    monkeypatch.setattr("gc.freeze", lambda: frozen.append(True))
    hooks["post_worker_init"](worker)
    assert warmed == [dudley]
    assert frozen == [True]  # what the worker keeps from its warm-up is out of the collector's way

    monkeypatch.setenv("ISA_WARM_UP", "0")
    hooks["post_worker_init"](worker)
    assert warmed == [dudley]


def test_the_warm_up_builds_the_maps_graph_so_the_first_map_does_not(dudley, monkeypatch) -> None:
    from datetime import date

    from isa_registry.core import graph
    from isa_registry.store.queries import checked_registry
    from isa_registry.web import map as map_page

    assert warm_up(dudley) > 0

    def built_again(*args, **kwargs):
        raise AssertionError("the map's graph was built again after the warm-up")

    monkeypatch.setattr(graph, "build_graph", built_again)
    with dudley.app_context():
        graph_kept, _ = map_page.full_graph(checked_registry(date.today()))
    assert graph_kept.number_of_nodes() > 0
