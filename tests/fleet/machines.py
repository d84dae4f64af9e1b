"""Simulated machines for the fleet-tier tests, and child processes that start together on a barrier and report
how far they got (reached the local lock; waited on the fleet lock), and the checks the failure tests share.
Every wait is on a pipe, never a sleep."""

from __future__ import annotations

import io
import os
import select
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from rightbrain_helper.fleet.seal import slot_for
from rightbrain_helper.runtime import Runtime
from rightbrain_helper.settings.load import Overrides
from rightbrain_helper.token.cache import TokenCache
from rightbrain_helper.token.client_secret import read_secret
from rightbrain_helper.token.entry import Token

from ..conftest import CliResult, run_cli, run_helper
from ..support.procs import HELPER, PYTHON, write_config
from ..support.redisserver import RedisServer

# The ACL docs/fleet-cache.md recommends: the tier's keys only, and only the commands it sends (redis-py's Lock
# releases with EVALSHA, loading its script with SCRIPT LOAD the first time; the script itself runs GET and DEL).
MINIMAL_ACL = (
    *("resetkeys", "~rightbrain:*", "resetchannels", "-@all"),
    *("+get", "+set", "+del", "+evalsha", "+script|load"),
)

# argv: BARRIER_FD REPORT_FD REDIS_PORT SCRIPT ARGS... Waits for EOF on BARRIER_FD (the test closes the write end:
# every child starts at once), then runs SCRIPT. Reports b"L" on first opening a *.lock file (reached the local
# refresh lock) and b"W" on its first sleep after connecting to Redis (polling the fleet lock another machine holds:
# filelock's own polling happens before any Redis connection, and a local waiter never connects).
FLEET_CHILD = r"""
import os, runpy, sys, time
barrier, report, redis_port, script = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
os.read(barrier, 1)
os.close(barrier)
state = {"lock": False, "redis": False, "wait": False}
def hook(event, args):
    if event == "open" and not state["lock"] and isinstance(args[0], str) and args[0].endswith(".lock"):
        state["lock"] = True
        os.write(report, b"L")
    elif event == "socket.connect" and isinstance(args[1], tuple) and args[1][1:2] == (redis_port,):
        state["redis"] = True
real_sleep = time.sleep
def reporting_sleep(seconds):
    if state["redis"] and not state["wait"]:
        state["wait"] = True
        os.write(report, b"W")
    real_sleep(seconds)
time.sleep = reporting_sleep  # redis-py's Lock polls through time.sleep (3.11 has no audit event for it)
sys.addaudithook(hook)
sys.argv = [script, *sys.argv[5:]]
runpy.run_path(script, run_name="__main__")
"""


class Machine:
    """One machine of a fleet: its own HOME, config dir and cache dir, the shared Redis in its environment."""

    def __init__(self, root: Path, base_env: dict[str, str], shared_cache: str, config: str = "") -> None:
        (root / "home").mkdir(parents=True)
        self.env = {
            **base_env,
            "HOME": str(root / "home"),
            "XDG_CONFIG_HOME": str(root / "config"),
            "RIGHTBRAIN_CACHE_DIR": str(root / "cache"),
        }
        if shared_cache:
            self.env["RIGHTBRAIN_SHARED_CACHE"] = shared_cache
        if config:
            write_config(self.env, config)

    def cli(self, *argv: str) -> CliResult:
        """Run the CLI in this process (its own Runtime, this machine's environment)."""
        return run_cli(list(argv), self.env)

    def process(self, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run the installed console script as a real process."""
        return run_helper(list(argv), self.env, timeout=timeout)

    def cached(self) -> list[Token]:
        """The tokens in this machine's local cache."""
        return [token for _, token in TokenCache(self.env["RIGHTBRAIN_CACHE_DIR"]).entries() if token is not None]

    def spawn(self, argv: list[str], barrier_fd: int, report_fd: int, redis_port: int) -> subprocess.Popen[str]:
        """Start the console script in a child that waits on `barrier_fd` and reports on `report_fd`."""
        args = [PYTHON, "-c", FLEET_CHILD, str(barrier_fd), str(report_fd), str(redis_port), HELPER, *argv]
        return subprocess.Popen(
            args,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            pass_fds=(barrier_fd, report_fd),
        )


def count_reports(fd: int, wanted: dict[bytes, int], timeout: float) -> dict[bytes, int]:
    """Read single-byte reports from `fd` until each byte in `wanted` came as often as asked; fail the test
    if they have not within `timeout` seconds. Returns every count seen."""
    deadline = time.monotonic() + timeout
    seen: dict[bytes, int] = {}
    while any(seen.get(byte, 0) < count for byte, count in wanted.items()):
        ready, _, _ = select.select([fd], [], [], max(deadline - time.monotonic(), 0))
        assert ready, f"reports {seen} within {timeout} s, wanted {wanted}"
        chunk = os.read(fd, 64)
        assert chunk, f"every reporter exited after {seen}, wanted {wanted}"
        for byte in chunk:
            seen[bytes([byte])] = seen.get(bytes([byte]), 0) + 1
    return seen


def fleet_key(machine: Machine) -> str:
    """The Redis key of `machine`'s default settings (computed as the helper does, from the secret's value)."""
    runtime = Runtime(env=machine.env, stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO())
    settings = runtime.settings(Overrides())
    return slot_for(settings, read_secret(settings.secret)).name


def warnings_in(stderr: str) -> list[str]:
    """The warning lines of a run's stderr."""
    return [line for line in stderr.splitlines() if ": warning: " in line]


BOUND = 10.0  # seconds a call may take when Redis fails (expected: one 0.5 s timeout at most, plus a fetch)
StartRedis = Callable[..., RedisServer]


def timed_token(member: Machine, *argv: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run `token` on `member` as a real process; the result and the wall time it took."""
    started = time.monotonic()
    result = member.process("token", *argv)
    return result, time.monotonic() - started


def assert_one_warning_and_a_token(
    result: subprocess.CompletedProcess[str], elapsed: float, token: str, *words: str
) -> None:
    """The call succeeded with `token`, within BOUND, with exactly one warning line holding each of `words`."""
    assert result.returncode == 0, result.stderr
    assert result.stdout == token + "\n"
    assert elapsed < BOUND, f"took {elapsed:.1f} s"
    [warning] = warnings_in(result.stderr)
    for word in words:
        assert word in warning, warning
