"""The reliability load run as a report (tests/test_load.py asserts on the same run; this only prints).

Run: .venv/bin/python bench/bench_load.py [--workers 8] [--calls 200]

Worker processes call the installed console scripts (rightbrain-helper token, git-credential-rightbrain get,
docker-credential-rightbrain get, rightbrain-helper kubectl, in turn) on one cache directory while the test token
server (tests/support/tokenserver.py, in a thread here) issues tokens that live 2 s and 3 s in turn, with
min_valid = 1. Prints token requests against expiry windows, calls per second, latency percentiles (overall and
per tool) and the correctness counts. It never fails on a figure, only when a worker itself fails.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.timing import load, ms  # noqa: E402  (these need ROOT on sys.path)
from tests.support.load import LIFETIMES, MIN_VALID, Call, Figures, load_env, load_server, run_workers  # noqa: E402


def per_tool(calls: list[Call]) -> list[str]:
    """One line per tool: calls, median and p99 latency in milliseconds."""
    lines = []
    for tool in ("token", "git", "docker", "kubectl"):
        walls = sorted(call.latency for call in calls if call.tool == tool)
        if walls:
            p99 = walls[min(int(0.99 * len(walls)), len(walls) - 1)]
            lines.append(
                f"  {tool:<8} {len(walls):>5} calls  p50 {ms(statistics.median(walls)):>7} ms  p99 {ms(p99):>7} ms"
            )
    return lines


def main() -> None:
    """Parse the options, run the load in a throwaway HOME, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=8, help="worker processes (default 8)")
    parser.add_argument("--calls", type=int, default=200, help="calls per worker (default 200)")
    options = parser.parse_args()
    print(f"rightbrain-helper load run: {sys.executable}, {os.cpu_count()} CPUs, load average {load()}")
    print(
        f"{options.workers} workers x {options.calls} calls; token lifetimes {'/'.join(map(str, LIFETIMES))} s, "
        f"min_valid {MIN_VALID} s"
    )
    server = load_server()
    home = Path(tempfile.mkdtemp(prefix="rightbrain-load-"))
    cpu_before = children_cpu()
    try:
        calls = run_workers(load_env(home / "home", server), options.workers, options.calls)
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)
    cpu = children_cpu() - cpu_before
    figures = Figures(calls, dict(server.grants))
    print(figures.summary())
    print("\n".join(per_tool(calls)))
    print(f"CPU of all processes {cpu:.1f} s ({ms(cpu / len(calls))} ms per call); load average at the end {load()}")


def children_cpu() -> float:
    """User + system CPU seconds of every descendant reaped so far (the workers include their calls)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
