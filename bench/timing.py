"""Timing helpers for the benchmarks: a command run as a subprocess, and interleaved A/B timing against a baseline."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path


class Case:
    """One command to time: argv, environment, stdin, and what its stdout must contain to count as a success."""

    def __init__(self, label: str, argv: list[str], env: dict[str, str], stdin: str = "", expect: str = "") -> None:
        self.label = label
        self.argv = argv
        self.env = env
        self.stdin = stdin
        self.expect = expect

    def run(self) -> tuple[float, subprocess.CompletedProcess[str]]:
        """Run once; wall seconds and the result."""
        started = time.perf_counter()
        done = subprocess.run(
            self.argv, env=self.env, input=self.stdin, capture_output=True, text=True, timeout=120, check=False
        )
        return time.perf_counter() - started, done

    def problem(self) -> str:
        """Why this case cannot be timed, or '' when a run succeeds with the expected output."""
        if not Path(self.argv[0]).exists():
            return f"{Path(self.argv[0]).name} is not installed in {Path(self.argv[0]).parent}"
        _, done = self.run()
        if done.returncode != 0 or self.expect not in done.stdout:
            return f"exit {done.returncode}: {' '.join(done.stderr.split())[:160] or 'no stderr'}"
        return ""

    def timed(self) -> float:
        """Wall seconds of one run that must succeed."""
        wall, done = self.run()
        if done.returncode != 0 or self.expect not in done.stdout:
            raise SystemExit(f"{self.label}: exit {done.returncode}: {done.stderr.strip()}")
        return wall


def interleaved(case: Case, baseline: Case, runs: int, warmup: int) -> tuple[list[float], list[float]]:
    """Warm both up, then time `runs` A/B pairs, alternating which goes first; (case walls, baseline walls)."""
    for _ in range(warmup):
        case.timed()
        baseline.timed()
    ours: list[float] = []
    base: list[float] = []
    for index in range(runs):
        if index % 2 == 0:
            ours.append(case.timed())
            base.append(baseline.timed())
        else:
            base.append(baseline.timed())
            ours.append(case.timed())
    return ours, base


def ms(seconds: float) -> str:
    """Seconds as milliseconds with one decimal."""
    return f"{seconds * 1000:.1f}"


def load() -> str:
    """The load averages, which say how noisy the machine was."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())
