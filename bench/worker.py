"""One measured step of the benchmark, run in a fresh process: ``python -m bench.worker STEP ARGS_JSON``.

Each step sets up what it needs untimed (the app, the schema, a loaded registry), times only its
work with ``time.perf_counter`` and prints one line ``BENCH-RESULT {json}`` on standard output.
The parent (:mod:`bench.run`) reads the process's peak resident memory from ``wait4``, so the
floor and the subject of a row are each measured in a process of their own, and every process
imports the same app first (the same starting memory).
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask

from isa_registry import create_app
from isa_registry.extensions import db

from .generate import TODAY

RESULT = "BENCH-RESULT "
BENCH_USER = ("bench@bench.invalid", "bench-viewer-password")


def make_app(url: str, **config: Any) -> Flask:
    """The app on ``url``, with no instance settings (``SECRET_KEY`` comes from the environment)."""
    return create_app({"SQLALCHEMY_DATABASE_URI": url, **config})


@contextmanager
def fresh_app(url: str, **config: Any) -> Iterator[Flask]:
    """The app in its context, with the schema built on the (empty) database."""
    app = make_app(url, **config)
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


def _timed(work: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = work()
    return time.perf_counter() - start, value


# --- Import ------------------------------------------------------------------------------------


def import_floor(doc: str, url: str) -> dict[str, Any]:
    """Read the document and insert its rows with one executemany per table, in one transaction."""
    from .rows import insert_rows, table_rows

    with fresh_app(url):

        def work() -> None:
            rows = table_rows(json.loads(Path(doc).read_text(encoding="utf-8")))
            with db.engine.begin() as conn:
                insert_rows(conn, rows)

        seconds, _ = _timed(work)
    return {"seconds": seconds}


def import_subject(doc: str, url: str) -> dict[str, Any]:
    """What ``flask import-registry DOC`` does: read, validate, apply by key with audit, commit."""
    from isa_registry.cli import import_file

    with fresh_app(url):
        seconds, report = _timed(lambda: import_file(doc, actor="cli:bench"))
    return {"seconds": seconds, "report": report.lines()}


# --- Check -------------------------------------------------------------------------------------


def load(doc: str, url: str, user: bool = False) -> dict[str, Any]:
    """Build the schema and fill it with the document's rows, and with ``user`` the benchmark's
    viewer (set-up for the other steps)."""
    from .rows import load_document_rows

    with fresh_app(url):
        with db.engine.begin() as conn:
            load_document_rows(conn, json.loads(Path(doc).read_text(encoding="utf-8")))
        if user:
            add_user(*BENCH_USER)
    return {}


def check_floor(url: str) -> dict[str, Any]:
    """Load the registry from the database, as ``flask check`` does, and nothing else."""
    from isa_registry.queries import load_registry

    with make_app(url).app_context():
        seconds, registry = _timed(load_registry)
    return {"seconds": seconds, "flows": len(registry.flows)}


def check_subject(url: str) -> dict[str, Any]:
    """Load the registry and run every rule on it (what ``flask check`` does before printing)."""
    from isa_registry.queries import load_registry
    from isa_registry.rules import run_rules

    with make_app(url).app_context():
        seconds, findings = _timed(lambda: run_rules(load_registry(), TODAY))
    return {"seconds": seconds, "findings": len(findings)}


# --- ROPA --------------------------------------------------------------------------------------


def ropa_cells(url: str, out: str) -> dict[str, Any]:
    """Write the cells of the partnership's ROPA workbook as JSON, for the floor (set-up, untimed)."""
    from isa_registry import ropa
    from isa_registry.queries import load_registry

    with make_app(url).app_context():
        record = ropa.build_ropa(load_registry(), TODAY)
    sheets: list[dict[str, Any]] = [
        {
            "name": "Summary",
            "rows": [
                [
                    r.organisation.name,
                    r.organisation.key,
                    r.organisation.ico_registration or "",
                    r.organisation.dpo_contact or "",
                    len(r.activities),
                    r.flows_sent,
                    r.flows_received,
                ]
                for r in record.records
            ],
        }
    ]
    for r in record.records:
        org = r.organisation
        rows: list[list[Any]] = [
            [f"Record of processing activities (UK GDPR Article 30(1)): {org.name}"],
            ["ICO registration number", org.ico_registration or ""],
            [org.name, org.address or "", org.email or "", org.telephone or ""],
            list(ropa.COLUMNS),
        ]
        rows.extend([ropa.neutralise(c or "") for c in a.cells] for a in r.activities)
        sheets.append({"name": org.key[:31], "rows": rows})
    Path(out).write_text(json.dumps(sheets), encoding="utf-8")
    return {"sheets": len(sheets), "cells": sum(len(row) for s in sheets for row in s["rows"])}


def ropa_floor(cells: str, out: str) -> dict[str, Any]:
    """Write the same cells with XlsxWriter directly (the library and options ``ropa`` uses)."""
    import xlsxwriter

    make_app("sqlite://")  # the same imports, and so the same starting memory, as the subject
    sheets = json.loads(Path(cells).read_text(encoding="utf-8"))

    def work() -> None:
        options = {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        }
        with open(out, "wb") as fh:
            workbook = xlsxwriter.Workbook(fh, options)
            for sheet in sheets:
                ws = workbook.add_worksheet(sheet["name"])
                for r, row in enumerate(sheet["rows"]):
                    for c, value in enumerate(row):
                        ws.write(r, c, value)
            workbook.close()

    seconds, _ = _timed(work)
    return {"seconds": seconds, "bytes": Path(out).stat().st_size}


def ropa_subject(url: str, out: str) -> dict[str, Any]:
    """Build the partnership's ROPA from a loaded registry and write the workbook to a file."""
    from isa_registry import ropa
    from isa_registry.queries import load_registry

    with make_app(url).app_context():
        registry = load_registry()

        def work() -> None:
            with open(out, "wb") as fh:
                ropa.write_xlsx(ropa.build_ropa(registry, TODAY), fh)

        seconds, _ = _timed(work)
    return {"seconds": seconds, "bytes": Path(out).stat().st_size}


# --- Map ---------------------------------------------------------------------------------------


def add_user(email: str, password: str, role: str = "viewer") -> None:
    """A user straight into the database (the benchmark signs in as this user)."""
    from isa_registry.models import User
    from isa_registry.security import hash_password

    db.session.add(User(email=email, role=role, password_hash=hash_password(password)))
    db.session.commit()


def map_render(url: str, cache_dir: str, dot_out: str, repeats: int) -> dict[str, Any]:
    """Time ``GET /map.svg`` with an empty render cache and again from the cache; save its DOT.

    Each first render starts from an empty cache directory; the best of ``repeats`` is kept.
    """
    app = make_app(url, MAP_CACHE_DIR=cache_dir, WTF_CSRF_ENABLED=False)
    with app.app_context():
        add_user(*BENCH_USER)
    client = app.test_client()
    signed_in = client.post("/login", data={"email": BENCH_USER[0], "password": BENCH_USER[1]})
    if signed_in.status_code != 302:
        raise RuntimeError(f"could not sign in: {signed_in.status_code}")

    def get(path: str) -> bytes:
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code}")
        return response.data

    first, cached = [], []
    for _ in range(repeats):
        shutil.rmtree(cache_dir, ignore_errors=True)
        first.append(_timed(lambda: get("/map.svg"))[0])
        cached.append(_timed(lambda: get("/map.svg"))[0])
    Path(dot_out).write_bytes(get("/map.dot"))
    page = [_timed(lambda: get("/map"))[0] for _ in range(2)]
    return {"seconds": min(first), "cached_seconds": min(cached), "page_seconds": min(page)}


STEPS: dict[str, Callable[..., dict[str, Any]]] = {
    "import-floor": import_floor,
    "import": import_subject,
    "load": load,
    "check-floor": check_floor,
    "check": check_subject,
    "ropa-cells": ropa_cells,
    "ropa-floor": ropa_floor,
    "ropa": ropa_subject,
    "map": map_render,
}


def main(argv: list[str]) -> int:
    step, args = argv[0], json.loads(argv[1]) if len(argv) > 1 else {}
    result = STEPS[step](**args)
    sys.stdout.write(RESULT + json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
