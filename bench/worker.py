"""One measured step of the benchmark, run in a fresh process: ``python -m bench.worker STEP ARGS_JSON``.

Each step sets up what it needs untimed (the app, the schema, a loaded registry), times only its
work with ``time.perf_counter`` and prints one line ``BENCH-RESULT {json}`` on standard output.
The parent (:mod:`bench.run`) reads the process's peak resident memory from ``wait4``, so the
floor and the subject of a row are each measured in a process of their own, and every process
imports the same app first (the same starting memory).
"""

from __future__ import annotations

import json
import math
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask

from isa_registry import create_app
from isa_registry.store.db import db

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
    from isa_registry.store.queries import load_registry

    with make_app(url).app_context():
        seconds, registry = _timed(load_registry)
    return {"seconds": seconds, "flows": len(registry.flows)}


def check_subject(url: str) -> dict[str, Any]:
    """Load the registry and run every rule on it (what ``flask check`` does before printing)."""
    from isa_registry.core.rules import run_rules
    from isa_registry.store.queries import load_registry

    with make_app(url).app_context():
        seconds, findings = _timed(lambda: run_rules(load_registry(), TODAY))
    return {"seconds": seconds, "findings": len(findings)}


# --- ROPA --------------------------------------------------------------------------------------


def ropa_cells(url: str, out: str, fresh: bool = True) -> dict[str, Any]:
    """Record every cell of the partnership's ROPA workbook, for the floor (set-up, untimed).

    :func:`isa_registry.core.ropa.write_xlsx` is run once with XlsxWriter's workbook and worksheets
    replaced by subclasses that note calls before passing them on: the workbook's options, each
    format's properties (in the order they are added), and for each sheet its name and its cells in
    the order written, ``[kind, row, col, value, format]``: the kind is the index of the
    ``write_*`` method in :data:`ROPA_WRITES`, the value is as written (already neutralised; a date
    as ISO text; a link as ``[url, args, kwargs]``, with the text shown), the format an index into
    the formats (``-1`` for none). What is written to JSON is therefore the cells the subject asked
    XlsxWriter for, with none of the work that decided them. The sheets' settings (column widths,
    filter, frozen panes, printing) and the document properties are not cells, and not recorded.

    With ``fresh`` (the default) the recording is done by this step in a process of its own: Linux
    counts the peak memory of the process a worker is started from into the worker's
    (``ru_maxrss`` from ``wait4``), so recording in the benchmark's process would raise the peak
    memory reported for the floor and the subject started after it.
    """
    if fresh:
        from .measure import run_worker

        result, _ = run_worker("ropa-cells", url=url, out=out, fresh=False)
        return result

    import io
    from unittest import mock

    import xlsxwriter
    from xlsxwriter.worksheet import Worksheet

    from isa_registry.core import ropa
    from isa_registry.store.queries import load_registry

    with make_app(url).app_context():
        record = ropa.build_ropa(load_registry(), TODAY)
    book: dict[str, Any] = {"options": None, "formats": [], "sheets": []}
    format_index: dict[int, int] = {}

    def cell_recorder(kind: int, method: Callable[..., Any], cells: list[Any]) -> Callable[..., Any]:
        def write(row: int, col: int, value: Any, cell_format: Any = None, *rest: Any, **options: Any) -> Any:
            stored = value
            if kind == ROPA_WRITES.index("write_datetime"):
                stored = value.isoformat()
            elif kind == ROPA_WRITES.index("write_url"):
                stored = [value, rest, options]
            fmt = -1 if cell_format is None else format_index[id(cell_format)]
            cells.append([kind, row, col, stored, fmt])
            return method(row, col, value, cell_format, *rest, **options)

        return write

    class RecordingWorkbook(xlsxwriter.Workbook):
        def __init__(self, filename: Any, options: dict[str, Any]):
            self.recording = False  # not the defaults the workbook adds for itself
            super().__init__(filename, options)
            book["options"] = options
            self.recording = True

        def add_format(self, properties: dict[str, Any] | None = None) -> Any:
            made = super().add_format(properties)
            if self.recording:
                format_index[id(made)] = len(book["formats"])
                book["formats"].append(properties)
            return made

        def add_worksheet(self, name: str | None = None, worksheet_class: Any = None) -> Worksheet:
            sheet = super().add_worksheet(name)
            cells: list[Any] = []
            book["sheets"].append({"name": name, "cells": cells})
            for kind, method in enumerate(ROPA_WRITES):
                setattr(sheet, method, cell_recorder(kind, getattr(sheet, method), cells))
            return sheet

    with mock.patch("xlsxwriter.Workbook", RecordingWorkbook):
        ropa.write_xlsx(record, io.BytesIO())
    Path(out).write_text(json.dumps(book), encoding="utf-8")
    return {"sheets": len(book["sheets"]), "cells": sum(len(s["cells"]) for s in book["sheets"])}


#: The ``Worksheet.write_*`` methods the workbook's cells are written with; a cell's kind in
#: :func:`ropa_cells` is its method's index here.
ROPA_WRITES = ("write_string", "write_blank", "write_number", "write_datetime", "write_url")


def ropa_floor(cells: str, out: str) -> dict[str, Any]:
    """XlsxWriter writing the cells of the subject's workbook directly, from what :func:`ropa_cells`
    recorded: the cheapest program that makes the same cells.

    Untimed: reading the JSON, and turning dates back into dates. Timed: a workbook with the same
    options, the same formats added in the same order, and for each sheet in order the same cells
    written in the same order, each with the same ``write_*`` method, value and format (so the
    shared strings and styles come out the same), then saving it. Not done: the subject's column
    widths, header row height, filter, frozen panes, print settings and document properties, which
    are not cells. The cyclic garbage collector is held off while writing, as the subject does.
    """
    import gc
    from datetime import date

    import xlsxwriter

    make_app("sqlite://")  # the same imports, and so the same starting memory, as the subject
    book = json.loads(Path(cells).read_text(encoding="utf-8"))
    dated = ROPA_WRITES.index("write_datetime")
    for sheet in book["sheets"]:
        for cell in sheet["cells"]:
            if cell[0] == dated:
                cell[3] = date.fromisoformat(cell[3])

    def work() -> None:
        with open(out, "wb") as fh:
            workbook = xlsxwriter.Workbook(fh, book["options"])
            formats = [*(workbook.add_format(p) for p in book["formats"]), None]
            for sheet in book["sheets"]:
                ws = workbook.add_worksheet(sheet["name"])
                write = (
                    ws.write_string,
                    ws.write_blank,
                    ws.write_number,
                    ws.write_datetime,
                    lambda row, col, args, fmt, url=ws.write_url: url(
                        row, col, args[0], fmt, *args[1], **args[2]
                    ),
                )
                for kind, row, col, value, fmt in sheet["cells"]:
                    write[kind](row, col, value, formats[fmt])
            workbook.close()

    gc.disable()
    try:
        seconds, _ = _timed(work)
    finally:
        gc.enable()
    return {"seconds": seconds, "bytes": Path(out).stat().st_size}


def ropa_subject(url: str, out: str) -> dict[str, Any]:
    """Build the partnership's ROPA from a loaded registry and write the workbook to a file."""
    from isa_registry.core import ropa
    from isa_registry.store.queries import load_registry

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
    from isa_registry.store.models import User
    from isa_registry.store.passwords import hash_password

    db.session.add(User(email=email, role=role, password_hash=hash_password(password)))
    db.session.commit()


def map_render(url: str, cache_dir: str, dot_out: str, repeats: int) -> dict[str, Any]:
    """Time ``GET /map.svg`` with an empty render cache and again from the cache; save its DOT.

    Each first render starts from an empty cache directory; the best of ``repeats`` is kept. The
    very first also loads and checks the registry, which the process then keeps for the revision,
    as a running server does; its time is reported as ``cold_seconds``.
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
        return bytes(response.data)

    first, cached = [], []
    for _ in range(repeats):
        shutil.rmtree(cache_dir, ignore_errors=True)
        first.append(_timed(lambda: get("/map.svg"))[0])
        cached.append(_timed(lambda: get("/map.svg"))[0])
    Path(dot_out).write_bytes(get("/map.dot"))
    page = [_timed(lambda: get("/map"))[0] for _ in range(2)]
    return {
        "seconds": min(first),
        "cached_seconds": min(cached),
        "page_seconds": min(page),
        "cold_seconds": first[0],  # the first render, which also loaded and checked the registry
    }


# --- After an edit ------------------------------------------------------------------------------


def _signed_in_client(app: Flask) -> Any:
    with app.app_context():
        add_user(*BENCH_USER)
    client = app.test_client()
    signed_in = client.post("/login", data={"email": BENCH_USER[0], "password": BENCH_USER[1]})
    if signed_in.status_code != 302:
        raise RuntimeError(f"could not sign in: {signed_in.status_code}")
    return client


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile ``p`` (0 to 100) of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def after_edit(url: str, path: str, edits: int) -> dict[str, Any]:
    """The first request for ``path`` after one flow's retention is edited, ``edits`` times, flows
    spread over the registry; and the same request, warm, just before each edit (the floor).

    The edit is written as an editor's save writes it (``services.update_flow``: the row, its
    audit entry, one transaction), outside any request, so the process serving the page learns of it
    only as a worker does: from the revision its next request reads.
    """
    from isa_registry.store import services
    from isa_registry.store.queries import load_registry
    from isa_registry.web.warmup import warm_up

    app = make_app(url, WTF_CSRF_ENABLED=False)
    client = _signed_in_client(app)
    warm_up(app)  # as gunicorn's post_worker_init warms each worker before its first request

    def get() -> None:
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code}")

    get()
    get()
    with app.app_context():
        keys = sorted(load_registry().flows)
    step = max(1, len(keys) // edits)
    floor: list[float] = []
    subject: list[float] = []
    floor_cpu: list[float] = []
    subject_cpu: list[float] = []

    def timed(into: list[float], cpu: list[float]) -> None:
        start, start_cpu = time.perf_counter(), time.process_time()
        get()
        into.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)

    for n, key in enumerate(keys[::step][:edits]):
        timed(floor, floor_cpu)
        with app.app_context():
            flow, version = services.get_flow(db.session, key)
            services.update_flow(db.session, "bench", key, replace(flow, retention=f"{n + 1} years"), version)
        timed(subject, subject_cpu)
    return {
        "seconds": percentile(subject, 50),
        "p99_seconds": percentile(subject, 99),
        "floor_seconds": percentile(floor, 50),
        "floor_p99_seconds": percentile(floor, 99),
        # The same in the process's CPU time, which other work on the machine disturbs less.
        "cpu_seconds": percentile(subject_cpu, 50),
        "cpu_p99_seconds": percentile(subject_cpu, 99),
        "cpu_floor_seconds": percentile(floor_cpu, 50),
        "cpu_floor_p99_seconds": percentile(floor_cpu, 99),
        "edits": len(subject),
    }


# --- Decisions ---------------------------------------------------------------------------------


def _decision_rows(findings: list[Any], decided_by: str) -> list[dict[str, Any]]:
    """The ``finding_decision`` rows of a "does not apply here" decision on each finding."""
    return [
        {
            "subject_type": f.subject_type,
            "subject_key": f.subject_key,
            "code": f.code,
            "decision": "not_applicable",
            "reason": "Checked by the benchmark.",
            "decided_by": decided_by,
            "decided_on": date.today(),
            "review_by": None,
            "message": f.message,
            "withdrawn_on": None,
        }
        for f in findings
    ]


def bulk_decisions(url: str, count: int) -> dict[str, Any]:
    """Deciding ``count`` findings of one code in one request (``POST /findings/decide``, as the
    findings page's "decide on these together" sends it), in a process whose registry is warm;
    against inserting the same rows with one executemany (the floor), each committed."""
    from sqlalchemy import delete, insert

    from isa_registry.store.models import FindingDecision
    from isa_registry.store.queries import checked_registry

    app = make_app(url, WTF_CSRF_ENABLED=False)
    with app.app_context():
        add_user("bench-admin@bench.invalid", BENCH_USER[1], role="admin")
    client = app.test_client()
    signed_in = client.post("/login", data={"email": "bench-admin@bench.invalid", "password": BENCH_USER[1]})
    if signed_in.status_code != 302:
        raise RuntimeError(f"could not sign in: {signed_in.status_code}")
    if client.get("/findings").status_code != 200:
        raise RuntimeError("the findings page did not load")
    with app.app_context():
        findings = checked_registry(date.today()).findings
        by_code: dict[str, list[Any]] = {}
        for f in findings:
            by_code.setdefault(f.code, []).append(f)
        code, chosen = max(by_code.items(), key=lambda item: len(item[1]))
        chosen = chosen[:count]
        table = FindingDecision.__table__
        rows = _decision_rows(chosen, "bench-admin@bench.invalid")

        def floor() -> None:
            with db.engine.begin() as conn:
                conn.execute(insert(table), rows)

        floor_cpu = time.process_time()
        floor_seconds, _ = _timed(floor)
        floor_cpu = time.process_time() - floor_cpu
        with db.engine.begin() as conn:
            conn.execute(delete(table))
    form = {
        "finding": [f"{f.subject_type}|{f.subject_key}|{f.code}" for f in chosen],
        "decision": "not_applicable",
        "reason": "Checked by the benchmark.",
    }
    cpu = time.process_time()
    seconds, response = _timed(lambda: client.post("/findings/decide", data=form))
    cpu = time.process_time() - cpu
    if response.status_code != 302:
        raise RuntimeError(f"POST /findings/decide answered {response.status_code}")
    after, _ = _timed(lambda: client.get("/findings"))
    return {
        "seconds": seconds,
        "floor_seconds": floor_seconds,
        # The same in the process's CPU time, which other work on the machine disturbs less.
        "cpu_seconds": cpu,
        "floor_cpu_seconds": floor_cpu,
        "code": code,
        "decided": len(chosen),
        "next_page_seconds": after,
    }


def decide_every(url: str, every: int) -> dict[str, Any]:
    """Decide every ``every``-th finding of the registry (set-up for the "check with decisions" row,
    run once before its pairs): the rules are run once and the decisions inserted with one
    executemany, the same rows in every run on this database (a rule gives one finding per record
    and code, so each finding chosen takes one decision)."""
    from sqlalchemy import delete, insert

    from isa_registry.core.rules import run_rules
    from isa_registry.store.models import FindingDecision
    from isa_registry.store.queries import load_registry

    with make_app(url).app_context():
        chosen = run_rules(load_registry(), TODAY)[::every]
        with db.engine.begin() as conn:
            conn.execute(delete(FindingDecision.__table__))
            conn.execute(insert(FindingDecision.__table__), _decision_rows(chosen, "bench@bench.invalid"))
    return {"decided": len(chosen)}


def check_decided(url: str) -> dict[str, Any]:
    """``flask check`` on a registry with decisions (:func:`decide_every`): load the registry and
    the decisions, run every rule, review each finding against its decision. In a fresh process,
    as the floor is: a process that had already checked the registry would load it into memory
    its first run left scattered."""
    from isa_registry.core.decisions import review
    from isa_registry.core.rules import run_rules
    from isa_registry.store.decisions import load_decisions
    from isa_registry.store.queries import load_registry

    with make_app(url).app_context():

        def work() -> list[Any]:
            checked = run_rules(load_registry(), TODAY)
            return review(checked, load_decisions(db.session), TODAY)

        seconds, reviewed = _timed(work)
    return {"seconds": seconds, "findings": len(reviewed), "decided": sum(not r.is_open for r in reviewed)}


STEPS: dict[str, Callable[..., dict[str, Any]]] = {
    "bulk-decisions": bulk_decisions,
    "check-decided": check_decided,
    "decide-every": decide_every,
    "after-edit": after_edit,
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


def peak_rss_bytes() -> int | None:
    """This process's peak resident memory since it started its program (``VmHWM``), or None
    where ``/proc`` does not say.

    Not ``ru_maxrss`` from ``wait4``: Linux carries the peak of the process a child was started
    from into the child's ``ru_maxrss``, so a worker started by a big benchmark process would be
    reported as big as its parent. ``VmHWM`` belongs to the memory the program was given at
    ``exec``, and so to the worker alone.
    """
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024  # reported in kB
    return None


def main(argv: list[str]) -> int:
    step, args = argv[0], json.loads(argv[1]) if len(argv) > 1 else {}
    result = STEPS[step](**args)
    result["peak_rss_bytes"] = peak_rss_bytes()
    sys.stdout.write(RESULT + json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
