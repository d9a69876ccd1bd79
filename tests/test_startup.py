"""Starting the app or a command imports only what it needs: the large libraries that one page or
one command uses (Alembic, networkx, the spreadsheet writers, JSON Schema, Authlib, python-docx, Argon2,
the rate limiter) wait for it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from flask import url_for
from sqlalchemy import create_engine, inspect

from isa_registry import create_app

ROOT = Path(__file__).resolve().parents[1]
#: What neither making the app nor ``flask --help`` may import.
LARGE = (
    "alembic",
    "flask_migrate",
    "networkx",
    "openpyxl",
    "xlsxwriter",
    "jsonschema",
    "fastjsonschema",
    "authlib",
    "docx",
    "lxml",
    "argon2",
    "limits",
    "flask_limiter",
    "rich",
)

_REPORT = (
    "import json, sys; print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {large!r})))"
)


def _imported_after(code: str) -> list[str]:
    """The large modules imported once ``code`` has run in a fresh interpreter."""
    env = {**os.environ, "SECRET_KEY": "startup-test"}
    done = subprocess.run(
        [sys.executable, "-c", code + "\n" + _REPORT.format(large=LARGE)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    found: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_making_the_app_imports_none_of_the_large_libraries() -> None:
    assert _imported_after("from isa_registry import create_app; create_app()") == []


def test_flask_help_imports_none_of_the_large_libraries() -> None:
    code = (
        "import sys\n"
        "from flask.cli import main\n"
        "sys.argv = ['flask', '--app', 'wsgi', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    assert _imported_after(code) == []


def test_the_db_commands_work_as_flask_migrate_gives_them(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"})
    runner = app.test_cli_runner()
    shown = runner.invoke(args=["db", "--help"])
    assert shown.exit_code == 0 and "upgrade" in shown.output and "--directory" in shown.output
    upgraded = runner.invoke(args=["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert {"organisation", "flow", "audit_entry"} <= set(inspect(create_engine(url)).get_table_names())
    assert runner.invoke(args=["db", "current"]).exit_code == 0  # Alembic prints past click


def _sample(converter: object) -> object:
    """A value each kind of URL variable takes: one of an ``any``, a number, or text to escape."""
    from werkzeug.routing.converters import AnyConverter, NumberConverter

    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[-1]
    return 7 if isinstance(converter, NumberConverter) else "a b/é"


def test_every_url_rule_builds_the_url_werkzeug_builds() -> None:
    """The rules compile their URL builders when first used (:mod:`isa_registry.web.routing`),
    and build what Werkzeug's own rules build, with and without query arguments."""
    from werkzeug.routing import Map, Rule

    from isa_registry.web.routing import BuildOnUseRule

    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    rules = [r for r in app.url_map.iter_rules() if r.endpoint != "static"]
    assert len(rules) > 80 and all(isinstance(r, BuildOnUseRule) for r in rules)
    plain = Map([Rule(r.rule, endpoint=r.endpoint, defaults=r.defaults, methods=r.methods) for r in rules])
    originals = {(r.rule, r.endpoint): r for r in plain.iter_rules()}
    for rule in rules:
        original = originals[(rule.rule, rule.endpoint)]
        values = {name: _sample(converter) for name, converter in rule._converters.items()}
        for extra in ({}, {"page": 2, "q": "x&y"}):
            for append_unknown in (True, False, True):  # the second time through, the compiled builder
                built = rule.build({**values, **extra}, append_unknown)
                assert built == original.build({**values, **extra}, append_unknown), rule.rule
    with app.test_request_context():
        assert url_for("flows.show", key="F 1") == "/flows/F%201"
