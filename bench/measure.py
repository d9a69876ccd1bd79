"""Running a step in a process of its own and reading what it cost, and the table of results."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
#: Signs the benchmark's own sessions; set so that no process generates ``instance/secret_key``.
SECRET_KEY = "isa-registry-bench-not-a-secret"  # noqa: S105 - a throwaway key for throwaway databases

__all__ = ["MIB", "ROOT", "Measured", "Row", "StepFailed", "format_table", "run_measured", "run_worker"]


class StepFailed(RuntimeError):
    """A measured process exited with an error."""


@dataclass
class Measured:
    """A finished process: its exit status, wall time, peak resident memory and its stderr lines,
    each with the second (from the start) at which it was read."""

    returncode: int
    wall_seconds: float
    max_rss_bytes: int
    stdout: str
    stderr: list[tuple[float, str]]

    @property
    def longest_silence(self) -> float:
        """The longest stretch with nothing printed on stderr, start and exit included."""
        times = [0.0, *(t for t, _ in self.stderr), self.wall_seconds]
        return max(b - a for a, b in itertools.pairwise(times))


def run_measured(cmd: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT) -> Measured:
    """Run ``cmd`` to the end. Its peak memory comes from ``wait4``, which on Linux is at least the
    peak of the process that started it (this one) when that was higher; :func:`run_worker`
    replaces it with the worker's own ``VmHWM``."""
    start = time.monotonic()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(  # noqa: S603 - our own fixed command lines, no shell
            cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.PIPE, text=True, errors="replace"
        )
        assert proc.stderr is not None
        lines = [(time.monotonic() - start, line.rstrip("\n")) for line in proc.stderr]
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        proc.stderr.close()
        out.seek(0)
        stdout = out.read().decode("utf-8", "replace")
    # Linux reports ru_maxrss in KiB.
    return Measured(proc.returncode, wall, usage.ru_maxrss * 1024, stdout, lines)


def worker_env() -> dict[str, str]:
    """The environment of every process the benchmark starts: no instance secret is generated."""
    env = dict(os.environ)
    env.setdefault("SECRET_KEY", SECRET_KEY)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def run_worker(step: str, **args: Any) -> tuple[dict[str, Any], Measured]:
    """Run one :mod:`bench.worker` step in a fresh interpreter; its result and what it cost."""
    from .worker import RESULT

    measured = run_measured([sys.executable, "-m", "bench.worker", step, json.dumps(args)], env=worker_env())
    results = [line for line in measured.stdout.splitlines() if line.startswith(RESULT)]
    if measured.returncode != 0 or not results:
        tail = "\n".join(line for _, line in measured.stderr[-15:])
        raise StepFailed(f"step {step} failed (exit {measured.returncode}):\n{tail}")
    result = json.loads(results[-1][len(RESULT) :])
    own_peak = result.pop("peak_rss_bytes", None)
    if own_peak:  # the worker's own peak (VmHWM): wait4's can include the benchmark process's
        measured.max_rss_bytes = own_peak
    return result, measured


@dataclass
class Row:
    """One line of the table: a ratio against a floor measured in the same run, and its target."""

    what: str
    ratio: float | None
    target: str
    met: bool
    subject: str = ""
    floor: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        details = out.pop("details")
        out["ratio"] = None if self.ratio is None else round(self.ratio, 4)
        return {**out, **details}


def format_table(rows: list[Row]) -> str:
    """The rows as a plain-text table."""
    head = ("what", "subject", "floor", "ratio", "target", "met")
    cells = [
        (
            r.what,
            r.subject,
            r.floor,
            "-" if r.ratio is None else f"{r.ratio:.2f}x",
            r.target,
            "yes" if r.met else "NO",
        )
        for r in rows
    ]
    widths = [max(len(str(c[i])) for c in [head, *cells]) for i in range(len(head))]
    lines = [
        "  ".join(str(v).ljust(w) for v, w in zip(line, widths, strict=True)).rstrip()
        for line in [head, *cells]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
