"""The HTTP rows: gunicorn with four workers on PostgreSQL, loaded by ``wrk`` on 127.0.0.1.

A dedicated database (``isa_bench``) is created, filled with the document's rows and dropped at
the end. The benchmark signs in once with the standard library's ``http.client`` (the CSRF token
from the sign-in form, then the session cookie) and hands the cookie to ``wrk``, with the same
User-Agent (Flask-Login's strong session protection ties a session to it). Every page is checked to
answer 200 before and after its run, because ``wrk`` does not count redirects as errors.
"""

from __future__ import annotations

import http.client
import math
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.engine import URL, make_url

from . import worker
from .measure import ROOT, Row, worker_env
from .worker import BENCH_USER

__all__ = ["BENCH_DATABASE", "WrkResult", "http_rows", "parse_wrk"]

BENCH_DATABASE = "isa_bench"
USER_AGENT = "isa-registry-bench"
P99_TARGET = 5.0
#: gunicorn workers serving the pages.
WORKERS = 4
#: gunicorn's worker timeout, and the client's: far beyond any page that could meet its target.
GUNICORN_TIMEOUT = 300
#: A slow page is loaded for longer than the usual run, up to this many times its length.
LONGEST_RUN = 3
#: A page that takes longer than this for one request alone is not put under load: wrk would
#: finish too few requests to tell a percentile, and its p99 under load can only be worse.
SLOW_REQUEST = 10.0
_TOO_SLOW = f"one request took {SLOW_REQUEST:g} s or more, so the page was not loaded with wrk"
#: A page whose first request takes this long is not asked for again.
GIVE_UP = 60.0
#: What a page says when it answered 200 but could not do its job (the map's picture timed out).
DEGRADED = (b"cannot be drawn",)
_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


@dataclass
class WrkResult:
    """What one ``wrk --latency`` run reported."""

    requests: int
    p50: float
    p99: float
    errors: int
    requests_per_second: float


def _seconds(value: str, unit: str) -> float:
    return float(value) * _UNITS[unit]


def parse_wrk(output: str) -> WrkResult:
    """Read the latency percentiles, request count and errors from ``wrk --latency`` output."""

    def percentile(p: str) -> float:
        found = re.search(rf"^\s*{p}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M)
        return _seconds(*found.groups()) if found else float("nan")

    requests = re.search(r"^\s*(\d+) requests in", output, re.M)
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    errors = 0
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if sockets:
        errors += sum(int(n) for n in sockets.groups())
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    return WrkResult(
        requests=int(requests.group(1)) if requests else 0,
        p50=percentile("50"),
        p99=percentile("99"),
        errors=errors,
        requests_per_second=float(rate.group(1)) if rate else 0.0,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class _Client:
    """Just enough of an HTTP client: one signed-in session against 127.0.0.1."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: dict[str, str] | None = None, extra: dict[str, str] | None = None
    ) -> tuple[int, bytes, float]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=GUNICORN_TIMEOUT)
        headers = {"User-Agent": USER_AGENT, "Cookie": self.cookie_header(), **(extra or {})}
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            payload = response.read()
        finally:
            conn.close()
        elapsed = time.perf_counter() - start
        for header in response.msg.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        return response.status, payload, elapsed

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def sign_in(self, email: str, password: str) -> None:
        status, page, _ = self.request("GET", "/login")
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
            rb'value="([^"]+)"[^>]*name="csrf_token"', page
        )
        if status != 200 or token is None:
            raise RuntimeError(f"the sign-in form did not load (HTTP {status})")
        status, _, _ = self.request(
            "POST", "/login", {"csrf_token": token.group(1).decode(), "email": email, "password": password}
        )
        if status != 302:
            raise RuntimeError(f"signing in failed (HTTP {status})")


def _database_urls(admin_url: str) -> tuple[str, URL]:
    """A libpq URL of the maintenance database, and the SQLAlchemy URL of the benchmark's database."""
    url = make_url(admin_url)
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return admin, url.set(drivername="postgresql+psycopg", database=BENCH_DATABASE)


def _recreate_database(admin: str, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
        if not drop_only:
            conn.execute(f"CREATE DATABASE {BENCH_DATABASE}")


def _wrk(
    port: int, path: str, cookie: str, duration: int, extra: dict[str, str] | None = None
) -> tuple[WrkResult, str]:
    headers = [arg for name, value in (extra or {}).items() for arg in ("-H", f"{name}: {value}")]
    cmd = [
        "wrk",
        "-t2",
        "-c8",
        f"-d{duration}s",
        "--latency",
        "--timeout",
        "60s",
        "-H",
        f"User-Agent: {USER_AGENT}",
        "-H",
        f"Cookie: {cookie}",
        *headers,
        f"http://127.0.0.1:{port}{path}",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=duration + 120)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr.strip() or done.stdout.strip()}")
    return parse_wrk(done.stdout), done.stdout


def _wait_until_up(client: _Client, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited: " + log.read_text(errors="replace")[-2000:])
        try:
            if client.request("GET", "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz within 60 seconds")


def http_rows(
    doc: dict[str, Any], doc_path: Path, label: str, admin_url: str, duration: int, tmp: Path
) -> list[Row]:
    """Serve the document from PostgreSQL with gunicorn (:data:`WORKERS` workers); load each page with wrk."""
    flow = next(f["key"] for f in doc["flows"] if not f.get("archived") and f.get("agreement"))
    pages = [
        ("flows list", "/flows/"),
        ("a flow page", f"/flows/{flow}"),
        ("findings page", "/findings"),
        ("map page", "/map"),
        ("API flows list", "/api/v1/flows?per_page=100"),
    ]
    admin, url = _database_urls(admin_url)
    if shutil.which("wrk") is None:
        return [_not_measured(label, name, path, "wrk is not installed") for name, path in pages]
    try:
        _recreate_database(admin)
    except Exception as exc:  # noqa: BLE001 - any connection failure: report the rows unmeasured
        return [_not_measured(label, name, path, f"PostgreSQL unreachable: {exc}") for name, path in pages]
    server = None
    try:
        worker.load(str(doc_path), url.render_as_string(hide_password=False), user=True)
        port = _free_port()
        env = worker_env()
        env["DATABASE_URL"] = url.render_as_string(hide_password=False)
        env["BENCH_MAP_CACHE_DIR"] = str(tmp / "http-map-cache")
        log = tmp / "gunicorn.log"
        with log.open("wb") as fh:
            server = subprocess.Popen(  # noqa: S603 - fixed command line, no shell
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--workers",
                    str(WORKERS),
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--timeout",
                    str(GUNICORN_TIMEOUT),
                    "bench.wsgi:app",
                ],
                cwd=ROOT,
                env=env,
                stdout=fh,
                stderr=subprocess.STDOUT,
            )
        client = _Client(port)
        _wait_until_up(client, server, log)
        client.sign_in(*BENCH_USER)
        cookie = client.cookie_header()
        bearer = {"Authorization": f"Bearer {_api_token(env)}"}
        floor, _ = _wrk(port, "/healthz", cookie, duration)
        rows = []
        for name, path in pages:
            extra = bearer if path.startswith("/api/") else None
            rows.append(_page_row(label, name, path, client, port, cookie, duration, floor, extra))
        return rows
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        _recreate_database(admin, drop_only=True)


def _api_token(env: dict[str, str]) -> str:
    """A new API token for the benchmark's user, made as an admin would (``flask create-token``)."""
    done = subprocess.run(  # noqa: S603 - fixed command line, no shell
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "bench.wsgi",
            "create-token",
            BENCH_USER[0],
            "--name",
            "bench",
        ],
        cwd=ROOT,
        env={**env, "BENCH_MAP_CACHE_DIR": env.get("BENCH_MAP_CACHE_DIR", "")},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"create-token failed: {done.stderr.strip()[-500:]}")
    return done.stdout.strip().splitlines()[-1]


def _page_row(
    label: str,
    name: str,
    path: str,
    client: _Client,
    port: int,
    cookie: str,
    duration: int,
    floor: WrkResult,
    extra: dict[str, str] | None = None,
) -> Row:
    what = f"HTTP {label}: {name} ({path}) p99"
    target = f"<= {P99_TARGET:g}x, no errors"
    try:
        first = client.request("GET", path, extra=extra)  # fills what a worker keeps between requests
        warm = client.request("GET", path, extra=extra) if first[2] < GIVE_UP else first
    except OSError as exc:
        return _not_measured(label, name, path, f"GET {path} failed: {exc}", what)
    if first[0] != 200 or warm[0] != 200:
        return _not_measured(label, name, path, f"GET {path} answered {first[0]}, then {warm[0]}", what)
    degraded = [phrase.decode() for phrase in DEGRADED if phrase in warm[1]]
    details: dict[str, Any] = {"floor_seconds": floor.p99, "first_request_seconds": first[2]}
    if degraded:
        details["degraded"] = f"the page says: '{degraded[0]}'"
    if warm[2] >= SLOW_REQUEST:
        ratio: float | None = warm[2] / floor.p99
        return Row(
            what=what,
            ratio=ratio,
            target=target,
            met=False,
            subject=f"{warm[2]:.1f} s (one request)",
            floor=f"{floor.p99 * 1000:.1f} ms",
            details={**details, "seconds": warm[2], "errors": len(degraded), "note": _TOO_SLOW},
        )
    # A slow page gets long enough for about ten rounds of requests through the workers.
    seconds = min(duration * LONGEST_RUN, max(duration, math.ceil(warm[2] * 10)))
    result, _ = _wrk(port, path, cookie, seconds, extra)
    if result.requests == 0:
        return _not_measured(label, name, path, "no request finished within wrk's run", what)
    after = client.request("GET", path, extra=extra)[0]
    errors = result.errors + (after != 200) + len(degraded)
    ratio = result.p99 / floor.p99 if floor.p99 > 0 else None
    return Row(
        what=what,
        ratio=ratio,
        target=target,
        met=ratio is not None and ratio <= P99_TARGET and errors == 0,
        subject=f"{result.p99 * 1000:.0f} ms",
        floor=f"{floor.p99 * 1000:.1f} ms",
        details={
            **details,
            "seconds": result.p99,
            "p50_seconds": result.p50,
            "requests": result.requests,
            "requests_per_second": result.requests_per_second,
            "errors": errors,
            "floor_requests": floor.requests,
            "floor_errors": floor.errors,
        },
    )


def _not_measured(label: str, name: str, path: str, why: str, what: str | None = None) -> Row:
    return Row(
        what=what or f"HTTP {label}: {name} ({path}) p99",
        ratio=None,
        target=f"<= {P99_TARGET:g}x, no errors",
        met=False,
        subject="not measured",
        details={"error": why},
    )
