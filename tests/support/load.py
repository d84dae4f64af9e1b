"""The reliability load run, shared by tests/test_load.py (which asserts) and bench/bench_load.py (which prints):
worker processes (tests/support/loadworker.py) call the installed console scripts on one cache directory while
the token server issues short-lived tokens, and every call is checked against the server's record of the token.

Timing model. The server's tokens live LIFETIMES seconds in turn (2, 3, 2, ...). With `min_valid = MIN_VALID`
the helper hands a token out only while more than min(MIN_VALID, lifetime / 2) = 1 s of it is left, so each token
has a usable *window* of lifetime - 1 s (1 s or 2 s) after which the next call must fetch a new one. Single flight
means one token request per window, whichever tool or process hits the end of the window first.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .procs import write_config
from .tokenserver import Issued, TokenServer

WORKER = str(Path(__file__).with_name("loadworker.py"))
BIN_DIR = str(Path(sys.executable).parent)
CLIENT_ID, CLIENT_SECRET = "load-client", "load-secret-canary"
HOST = "load.example.com"
LIFETIMES = (2, 3)
MIN_VALID = 1
# A second request inside a window would come from a process racing the same refresh: it arrives milliseconds
# after the first. A legitimate next request can come a little *before* the server-side end of the window,
# because the helper starts the window when it sends the request and the server stamps it on arrival (one
# loopback round trip: milliseconds, well under 0.5 s even on a loaded 2-core machine). Windows are >= 1 s.
LATENCY_SLACK = 0.5
RUN_TIMEOUT = 600.0  # the whole run takes ~30-60 s on 2 cores; this bound is only against a hang


class Call:
    """One console-script call as a worker saw it (times are time.time() seconds)."""

    def __init__(self, record: dict[str, object]) -> None:
        self.tool = str(record["tool"])
        self.code = int(str(record["code"]))
        self.token = str(record["token"])
        told = record["told_expiry"]
        self.told_expiry = float(str(told)) if told is not None else None
        self.started = float(str(record["started"]))
        self.received = float(str(record["received"]))
        self.stderr = str(record["stderr"])

    @property
    def latency(self) -> float:
        """Seconds from starting the process to having its whole output."""
        return self.received - self.started


def load_env(home: Path, server: TokenServer) -> dict[str, str]:
    """An environment in a throwaway `home` (made here) with its own config and cache directories: the client's
    settings in RIGHTBRAIN_*, HOST served to every adapter, and `min_valid = MIN_VALID` in the config file (its
    mtime an hour back, so the helper uses its parsed snapshot as it would on a user's machine)."""
    home.mkdir(parents=True, exist_ok=True)
    drop = ("RIGHTBRAIN_", "XDG_", "GIT_", "DOCKER_", "KUBE")
    env = {key: value for key, value in os.environ.items() if not key.startswith(drop)}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        RIGHTBRAIN_CACHE_DIR=str(home / "cache"),
        RIGHTBRAIN_TOKEN_URL=server.url,
        RIGHTBRAIN_CLIENT_ID=CLIENT_ID,
        RIGHTBRAIN_CLIENT_SECRET=CLIENT_SECRET,
        RIGHTBRAIN_HOSTS=HOST,
    )
    write_config(env, f"[profiles.default]\nmin_valid = {MIN_VALID}\n", age=3600)
    return env


def load_server() -> TokenServer:
    """A started token server for CLIENT_ID whose tokens live LIFETIMES seconds in turn."""
    server = TokenServer({CLIENT_ID: CLIENT_SECRET})
    server.lifetimes = list(LIFETIMES)
    return server.start()


def run_workers(env: dict[str, str], workers: int, calls: int) -> list[Call]:
    """Start `workers` worker processes, release them together, wait for all; every call they made.

    Raises AssertionError naming the worker if one exits non-zero or prints something that is not a record."""
    children = [
        subprocess.Popen(
            [sys.executable, WORKER, BIN_DIR, str(index), str(calls), HOST],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for index in range(workers)
    ]
    try:
        for child in children:  # the start barrier: every worker is blocked reading its stdin until now
            assert child.stdin is not None
            child.stdin.close()
            child.stdin = None
        outputs = [child.communicate(timeout=RUN_TIMEOUT) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
    results: list[Call] = []
    for index, (child, (stdout, stderr)) in enumerate(zip(children, outputs, strict=True)):
        assert child.returncode == 0, f"worker {index} exited {child.returncode}: {stderr[-2000:]}"
        results += [Call(json.loads(line)) for line in stdout.splitlines()]
    return results


class Figures:
    """What a load run shows, computed from the calls and the server's grants (times in seconds)."""

    def __init__(self, calls: list[Call], grants: dict[str, Issued], min_valid: float = MIN_VALID) -> None:
        self.calls = calls
        self.issued = sorted(grants.values(), key=lambda grant: grant.issued_at)
        self.min_valid = min_valid
        self.failures = [call for call in calls if call.code != 0 or call.token not in grants]
        self.noisy = [call for call in calls if call.stderr]
        served = [(call, grants[call.token]) for call in calls if call.token in grants]
        # handed out stale: when the call started, the token had less than the safety margin left at the server, so
        # the helper served one it should have refreshed (an expired token is the extreme case). Load cannot cause
        # this: the helper decides after the call started, and then wants more than the margin left.
        self.stale = [call for call, grant in served if grant.expires_at - call.started < self._margin(grant)]
        # expired on arrival: the server's expiry had passed when the worker had the output. With no stale token,
        # only a call that took longer than the margin itself (1 s here, 60 s with real lifetimes) can do that.
        self.expired_on_arrival = [call for call, grant in served if grant.expires_at <= call.received]
        # the tool was told the token lives longer than it does
        self.overclaimed = [
            call for call, grant in served if call.told_expiry is not None and call.told_expiry > grant.expires_at
        ]

    def _margin(self, grant: Issued) -> float:
        """The safety margin the helper applies to this token: min(min_valid, lifetime / 2)."""
        return min(self.min_valid, grant.expires_in / 2)

    def window(self, grant: Issued) -> float:
        """How long after its issue a token is handed out."""
        return grant.expires_in - self._margin(grant)

    @property
    def requests(self) -> int:
        """Token requests the server answered with a token."""
        return len(self.issued)

    @property
    def elapsed(self) -> float:
        """From the first token's issue to the last call's output."""
        return max(call.received for call in self.calls) - self.issued[0].issued_at

    @property
    def windows(self) -> int:
        """Expiry windows elapsed: how many back-to-back windows (lifetimes in the server's order) it takes to
        cover `elapsed`: the number of requests single flight allows if every refresh came at once."""
        count, covered = 0, 0.0
        lifetimes = [grant.expires_in for grant in self.issued]
        while covered < self.elapsed:
            lifetime = lifetimes[count % len(lifetimes)]
            covered += lifetime - min(self.min_valid, lifetime / 2)
            count += 1
        return count

    def early_refreshes(self, slack: float = LATENCY_SLACK) -> list[tuple[Issued, Issued]]:
        """Pairs of consecutive tokens where the second was requested before the first's window was over (less
        `slack`): a second request in one window, i.e. single flight broken."""
        pairs = zip(self.issued, self.issued[1:], strict=False)
        return [(old, new) for old, new in pairs if new.issued_at - old.issued_at < self.window(old) - slack]

    def late_refreshes(self, slack: float = LATENCY_SLACK) -> list[tuple[Issued, Issued]]:
        """Pairs of consecutive tokens where the second came later than calls can explain: once a window is over,
        every worker's next call (started within one call latency) must refresh, and its request reaches the
        server within one more; so a gap over the window plus twice the longest call (plus `slack` for the
        workers' own bookkeeping) means a token was served past its window."""
        allowance = 2 * max(call.latency for call in self.calls) + slack
        pairs = zip(self.issued, self.issued[1:], strict=False)
        return [(old, new) for old, new in pairs if new.issued_at - old.issued_at > self.window(old) + allowance]

    @property
    def wall(self) -> float:
        """From the first call's start to the last call's output."""
        return max(call.received for call in self.calls) - min(call.started for call in self.calls)

    def latency(self, fraction: float) -> float:
        """The `fraction` quantile (0.5 = median) of the calls' latencies."""
        ordered = sorted(call.latency for call in self.calls)
        return ordered[min(int(fraction * len(ordered)), len(ordered) - 1)]

    def summary(self) -> str:
        """The figures as a few lines of text."""
        return (
            f"calls {len(self.calls)} in {self.wall:.1f} s ({len(self.calls) / self.wall:.0f} calls/s), "
            f"latency p50 {self.latency(0.5) * 1000:.0f} ms, p99 {self.latency(0.99) * 1000:.0f} ms\n"
            f"token requests {self.requests} over {self.windows} expiry windows "
            f"({self.requests / self.windows:.2f} per window; {len(self.early_refreshes())} inside a window, "
            f"{len(self.late_refreshes())} late)\n"
            f"failures {len(self.failures)}, stale or expired tokens handed out {len(self.stale)}, expiry "
            f"overstated to the tool {len(self.overclaimed)}, calls with stderr {len(self.noisy)}; expired on "
            f"arrival {len(self.expired_on_arrival)} (calls slower than the {self.min_valid:g} s margin)"
        )
