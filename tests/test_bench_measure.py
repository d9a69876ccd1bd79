"""The benchmark reads each worker's own peak memory, not one inherited from the benchmark."""

from __future__ import annotations

import os
import sys

import pytest

from bench.measure import MIB, run_measured, worker_env
from bench.worker import peak_rss_bytes

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux /proc")


def test_a_workers_peak_is_its_own_even_when_its_parent_is_bigger() -> None:
    ballast = bytearray(400 * MIB)  # the parent's peak: far above what the child uses
    ballast[::4096] = b"x" * len(ballast[::4096])  # touch every page, so that it is resident
    code = "from bench.worker import peak_rss_bytes; print(peak_rss_bytes())"
    measured = run_measured([sys.executable, "-c", code], env=worker_env())
    own = int(measured.stdout)
    assert own < 200 * MIB, f"the child's own peak is {own / MIB:.0f} MiB"
    # What wait4 said may include the parent's 400 MiB (Linux carries it over): not relied on.
    assert measured.max_rss_bytes >= own
    assert (peak_rss_bytes() or 0) >= 400 * MIB
    del ballast
