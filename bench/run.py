"""``python -m bench [--size S|M|L] [--json FILE]``: every row of the benchmark in one run.

Each row is a ratio against a floor measured in the same run on the same data (see
``docs/benchmark.md``): import, check and ROPA export on the chosen size, each in fresh processes
on a fresh SQLite database; the map on M when the size is L; the pages under load on PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import generate, worker
from .http import http_rows
from .measure import (
    MIB,
    SECRET_KEY,
    Measured,
    Row,
    StepFailed,
    format_table,
    run_measured,
    run_worker,
    worker_env,
)

__all__ = ["main", "run"]

MEMORY_LIMIT = 512 * MIB
MEMORY_RATIO = 2.0
TARGETS = {
    "import": 3.0,
    "check": 1.5,
    "ropa": 1.5,
    "map": 1.3,
    "map_cached": 0.05,
    "after_edit": 3.0,
    "bulk_decisions": 5.0,
    "cli": 1.3,
}
#: How many edits the "after an edit" row makes, how many findings the bulk row decides, and
#: which finding of every so many the "check with decisions" row has decided.
EDITS = 50
BULK = 500
DECIDED_EVERY = 10
#: How many times each command line of the CLI row is started; the quickest run of each counts.
CLI_REPEATS = 5
#: wrk's duration per URL, and how many times the map is drawn, by size (a quick S, a full L).
WRK_SECONDS = {"S": 2, "M": 5, "L": 10}
MAP_REPEATS = 3
#: How many times the floor and the subject of the import, check and ROPA rows each run.
PAIR_REPEATS = 3
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
ROWS = ("import", "check", "ropa", "map", "edits", "cli", "http")


def _sqlite(tmp: Path, name: str) -> str:
    return f"sqlite:///{tmp / name}.sqlite"


def _secs(seconds: float) -> str:
    return f"{seconds:.3f} s" if seconds < 10 else f"{seconds:.1f} s"


def _time_row(what: str, subject: float, floor: float, target: float, **details: Any) -> Row:
    ratio = subject / floor
    return Row(
        what=what,
        ratio=ratio,
        target=f"<= {target:g}x",
        met=ratio <= target,
        subject=_secs(subject),
        floor=_secs(floor),
        details={"seconds": subject, "floor_seconds": floor, **details},
    )


def _memory_row(what: str, subject: Measured, floor: Measured) -> Row:
    ratio = subject.max_rss_bytes / floor.max_rss_bytes
    return Row(
        what=what,
        ratio=ratio,
        target=f"<= {MEMORY_RATIO:g}x and <= {MEMORY_LIMIT // MIB} MiB",
        met=ratio <= MEMORY_RATIO and subject.max_rss_bytes <= MEMORY_LIMIT,
        subject=f"{subject.max_rss_bytes / MIB:.0f} MiB",
        floor=f"{floor.max_rss_bytes / MIB:.0f} MiB",
        details={
            "peak_rss_mib": subject.max_rss_bytes / MIB,
            "floor_peak_rss_mib": floor.max_rss_bytes / MIB,
        },
    )


def _pair(
    what: str,
    target: float,
    floor: Callable[[int], tuple[str, dict[str, Any]]],
    subject: Callable[[int], tuple[str, dict[str, Any]]],
    repeats: int = PAIR_REPEATS,
) -> list[Row]:
    """Run the floor and the subject in turn, ``repeats`` times each, every run in a fresh process
    (``floor(n)``/``subject(n)`` give the step and its arguments for run ``n``). The time rows
    compare the best run of each: on a shared machine the quickest run is the one least disturbed
    by other work. The memory rows compare the highest peak of each."""
    floors: list[tuple[dict[str, Any], Measured]] = []
    subjects: list[tuple[dict[str, Any], Measured]] = []
    for n in range(repeats):
        floors.append(run_worker(floor(n)[0], **floor(n)[1]))
        subjects.append(run_worker(subject(n)[0], **subject(n)[1]))
    floor_result = min((r for r, _ in floors), key=lambda r: r["seconds"])
    result, run = min(subjects, key=lambda pair: pair[0]["seconds"])
    extra = {k: v for k, v in result.items() if k != "seconds"}
    extra["longest_silence_seconds"] = round(run.longest_silence, 1)
    extra["runs"] = repeats
    extra["all_seconds"] = [r["seconds"] for r, _ in subjects]
    extra["all_floor_seconds"] = [r["seconds"] for r, _ in floors]
    return [
        _time_row(f"{what} (time)", result["seconds"], floor_result["seconds"], target, **extra),
        _memory_row(
            f"{what} (peak memory)",
            max((m for _, m in subjects), key=lambda m: m.max_rss_bytes),
            max((m for _, m in floors), key=lambda m: m.max_rss_bytes),
        ),
    ]


def import_rows(doc_path: Path, label: str, tmp: Path) -> list[Row]:
    """``import-registry`` against one bulk INSERT per table, each into a fresh database."""
    doc = str(doc_path)
    return _pair(
        f"import {label}",
        TARGETS["import"],
        lambda n: ("import-floor", {"doc": doc, "url": _sqlite(tmp, f"import-floor-{n}")}),
        lambda n: ("import", {"doc": doc, "url": _sqlite(tmp, f"import-{n}")}),
    )


def check_rows(doc_path: Path, label: str, tmp: Path) -> list[Row]:
    """Loading the registry and running every rule, against loading it alone."""
    url = _sqlite(tmp, "check")
    worker.load(str(doc_path), url)
    return _pair(
        f"check {label}",
        TARGETS["check"],
        lambda n: ("check-floor", {"url": url}),
        lambda n: ("check", {"url": url}),
    )


def check_decided_rows(doc_path: Path, label: str, tmp: Path) -> list[Row]:
    """``flask check`` with a decision on every tenth finding (loading and reviewing them too),
    against loading the registry alone: the check row's target."""
    url = _sqlite(tmp, "check-decided")
    worker.load(str(doc_path), url)
    run_worker("decide-every", url=url, every=DECIDED_EVERY)
    return _pair(
        f"check {label} with decisions",
        TARGETS["check"],
        lambda n: ("check-floor", {"url": url}),
        lambda n: ("check-decided", {"url": url}),
    )[:1]


def edit_rows(doc_path: Path, label: str, tmp: Path) -> list[Row]:
    """The findings page after an edit, and deciding findings in bulk, each in a warm process."""
    url = _sqlite(tmp, "edits")
    worker.load(str(doc_path), url)
    result, _ = run_worker("after-edit", url=url, path="/findings", edits=EDITS)
    rows = [
        _time_row(
            f"after an edit, {label}: findings page, first request ({which})",
            result[subject],
            result[floor],
            TARGETS["after_edit"],
            edits=result["edits"],
            cpu_seconds=result[f"cpu_{subject}"],
            floor_cpu_seconds=result[f"cpu_{floor}"],
        )
        for which, subject, floor in (
            ("p50", "seconds", "floor_seconds"),
            ("p99", "p99_seconds", "floor_p99_seconds"),
        )
    ]
    url = _sqlite(tmp, "bulk")
    worker.load(str(doc_path), url)
    result, _ = run_worker("bulk-decisions", url=url, count=BULK)
    rows.append(
        _time_row(
            f"bulk decisions, {label}: {result['decided']} findings in one request",
            result["seconds"],
            result["floor_seconds"],
            TARGETS["bulk_decisions"],
            code=result["code"],
            next_page_seconds=result["next_page_seconds"],
            cpu_seconds=result["cpu_seconds"],
            floor_cpu_seconds=result["floor_cpu_seconds"],
        )
    )
    return rows


def _started(cmd: list[str], env: dict[str, str], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        best = min(best, run_measured(cmd, env=env).wall_seconds)
    return best


def cli_rows(tmp: Path) -> list[Row]:
    """``flask --app wsgi --help``, and a command that reads the database (``verify-audit`` on an
    empty one), against ``python -c "import flask, flask_sqlalchemy"``: the quickest of a few runs
    each, with the bytecode written first, as an installed application has it."""
    env = worker_env()
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["DATABASE_URL"] = _sqlite(tmp, "cli")
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    if run_measured([*flask, "db", "upgrade"], env=env).returncode != 0:
        raise StepFailed("flask db upgrade failed")
    floor = _started([sys.executable, "-c", "import flask, flask_sqlalchemy"], env, CLI_REPEATS)
    help_seconds = _started([*flask, "--help"], env, CLI_REPEATS)
    reads = _started([*flask, "verify-audit"], env, CLI_REPEATS)
    return [
        _time_row("CLI start: flask --app wsgi --help", help_seconds, floor, TARGETS["cli"]),
        _time_row("CLI start: flask --app wsgi verify-audit (empty database)", reads, floor, TARGETS["cli"]),
    ]


def ropa_rows(doc_path: Path, label: str, tmp: Path) -> list[Row]:
    """The partnership's ROPA workbook, against XlsxWriter writing the same cells."""
    url, cells = _sqlite(tmp, "ropa"), str(tmp / "ropa-cells.json")
    worker.load(str(doc_path), url)
    worker.ropa_cells(url, cells)
    return _pair(
        f"ROPA export {label}",
        TARGETS["ropa"],
        lambda n: ("ropa-floor", {"cells": cells, "out": str(tmp / "floor.xlsx")}),
        lambda n: ("ropa", {"url": url, "out": str(tmp / "ropa.xlsx")}),
    )


def _dot_seconds(dot_file: Path, repeats: int) -> float:
    """dot alone on the DOT source, started the way the app starts it; the best of ``repeats``."""
    from isa_registry.core.graph import run_dot

    source = dot_file.read_text(encoding="utf-8")
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run_dot(source, "svg")
        best = min(best, time.perf_counter() - start)
    return best


def map_rows(doc_path: Path, label: str, tmp: Path) -> list[Row]:
    """``GET /map.svg`` (load, rules, graph, DOT, dot) against dot alone; then from the cache."""
    url, dot_file = _sqlite(tmp, "map"), tmp / "map.dot"
    worker.load(str(doc_path), url)
    result, _ = run_worker(
        "map", url=url, cache_dir=str(tmp / "map-cache"), dot_out=str(dot_file), repeats=MAP_REPEATS
    )
    floor = _dot_seconds(dot_file, MAP_REPEATS)
    first, cached = result["seconds"], result["cached_seconds"]
    return [
        _time_row(
            f"map render {label} (/map.svg, empty cache)",
            first,
            floor,
            TARGETS["map"],
            page_seconds=result["page_seconds"],
            cold_seconds=result.get("cold_seconds"),
        ),
        Row(
            what=f"map render {label} (/map.svg, cached repeat)",
            ratio=cached / first,
            target=f"<= {TARGETS['map_cached']:g}x of the first",
            met=cached / first <= TARGETS["map_cached"],
            subject=_secs(cached),
            floor=_secs(first) + " (first)",
            details={"seconds": cached, "floor_seconds": first},
        ),
    ]


def run(
    size: str, seed: int, pg_url: str, only: tuple[str, ...] = ROWS, say: Callable[[str], None] = print
) -> dict[str, Any]:
    """Run the benchmark; returns the JSON document (``rows`` and what was run)."""
    map_size = "M" if size == "L" else size
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="isa-bench-") as name:
        tmp = Path(name)
        docs: dict[str, tuple[dict[str, Any], Path]] = {}

        def doc(which: str) -> tuple[dict[str, Any], Path]:
            if which not in docs:
                say(f"Generating size {which} (seed {seed})...")
                document = generate.generate(which, seed)
                path = tmp / f"registry-{which}.json"
                generate.write(document, path)
                docs[which] = (document, path)
            return docs[which]

        steps: list[tuple[str, str, Callable[[], list[Row]]]] = [
            ("import", f"import {size}", lambda: import_rows(doc(size)[1], size, tmp)),
            ("check", f"check {size}", lambda: check_rows(doc(size)[1], size, tmp)),
            ("check", f"check {size} with decisions", lambda: check_decided_rows(doc(size)[1], size, tmp)),
            ("ropa", f"ROPA export {size}", lambda: ropa_rows(doc(size)[1], size, tmp)),
            ("map", f"map render {map_size}", lambda: map_rows(doc(map_size)[1], map_size, tmp)),
            ("edits", f"after an edit and bulk decisions {size}", lambda: edit_rows(doc(size)[1], size, tmp)),
            ("cli", "CLI start", lambda: cli_rows(tmp)),
            (
                "http",
                f"HTTP {size} on PostgreSQL",
                lambda: http_rows(*doc(size), f"{size} on PostgreSQL", pg_url, WRK_SECONDS[size], tmp),
            ),
        ]
        failed = []
        for key, title, step in steps:
            if key not in only:
                continue
            say(f"Measuring {title}...")
            begun = time.monotonic()
            try:
                rows.extend(step())
            except (StepFailed, RuntimeError, OSError) as exc:
                failed.append(f"{title}: {exc}")
                rows.append(
                    Row(
                        what=title,
                        ratio=None,
                        target="",
                        met=False,
                        subject="failed",
                        details={"error": str(exc)},
                    )
                )
            say(f"  ({time.monotonic() - begun:.0f} s)")
        sizes = {
            k: {
                "organisations": len(d["organisations"]),
                "agreements": len(d["agreements"]),
                "flows": len(d["flows"]),
            }
            for k, (d, _) in docs.items()
        }
    return {
        "size": size,
        "map_size": map_size,
        "seed": seed,
        "sizes": sizes,
        "seconds": round(time.monotonic() - started, 1),
        "cpus": os.cpu_count(),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "failed": failed,
        "rows": [r.as_dict() for r in rows],
        "table": format_table(rows),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Measure the registry on a synthetic partnership, each row against a floor "
        "measured in the same run.",
    )
    parser.add_argument(
        "--size",
        choices=sorted(generate.SIZES),
        default="L",
        help="L: the targets' sizes (the map on M); S or M: every row on that size, a quick check",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the table as JSON to FILE")
    parser.add_argument("--seed", type=int, default=1, help="the generator's seed (default 1)")
    parser.add_argument(
        "--pg-url",
        default=DEFAULT_PG_URL,
        help=f"a PostgreSQL server's maintenance database, for the HTTP rows (default {DEFAULT_PG_URL})",
    )
    parser.add_argument("--only", choices=ROWS, action="append", help="run only these rows (repeatable)")
    args = parser.parse_args(argv)
    os.environ.setdefault("SECRET_KEY", SECRET_KEY)  # the set-up builds apps in this process too
    result = run(
        args.size, args.seed, args.pg_url, tuple(args.only or ROWS), say=lambda m: print(m, file=sys.stderr)
    )
    if args.size == "L":
        heading = f"ISA Registry benchmark: size L (map on M), seed {args.seed}"
    else:
        heading = (
            f"ISA Registry benchmark: every row on size {args.size} (a quick check; the targets are for L)"
        )
    print(heading)
    print(result["table"])
    met = sum(r["met"] for r in result["rows"])
    print(f"{met} of {len(result['rows'])} targets met in {result['seconds']:.0f} s.")
    if max(result["load_average"]) > (result["cpus"] or 1):
        before, after = result["load_average"]
        print(
            f"Note: the machine was busy with other work (load average {before} at the start, {after} "
            f"at the end, on {result['cpus']} CPUs): the figures are noisy."
        )
    for failure in result["failed"]:
        print(f"FAILED {failure}")
    if args.json:
        Path(args.json).write_text(
            json.dumps({k: v for k, v in result.items() if k != "table"}, indent=2) + "\n"
        )
    return 1 if result["failed"] else 0
