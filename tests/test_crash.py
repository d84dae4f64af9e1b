"""A helper process killed at each step of a write, or while it holds the refresh lock: the entry is the old one or
the new one, never torn; the next call succeeds without waiting out the lock timeout; stray temp files go."""

from __future__ import annotations

import os
import time

import pytest

from rightbrain_helper.token.entry import decode

from .conftest import run_helper
from .support.procs import entry_paths, run_hooked, write_config
from .support.tokenserver import TokenServer

# The steps of a write, in order: the hook kills the process (os._exit) at each one (tests/support/procs.py).
CRASH_POINTS = (
    "crash-temp-open",
    "crash-torn",
    "crash-written",
    "crash-fsynced",
    "crash-replace",
    "crash-replaced",
)
TEMPS_LEFT = {"crash-temp-open": 0, "crash-replaced": 0}  # every other point leaves its one temp file
COMPLETE_TEMP = ("crash-written", "crash-fsynced", "crash-replace")  # all bytes written before the crash
LOCK_TIMEOUT = 30  # a next call that waited on a dead process's lock would take this long
QUICK = 10  # a next call that did not wait takes well under a second


def leftover_temps(token_path: str) -> list[str]:
    """Temp files a crashed writer left beside the entry; each must be private (it holds a token)."""
    directory = os.path.dirname(token_path)
    temps = [os.path.join(directory, name) for name in os.listdir(directory) if name.endswith(".tmp")]
    for temp in temps:
        assert os.lstat(temp).st_mode & 0o777 == 0o600, temp
    return temps


def entry_token(token_path: str) -> str:
    """The access token of the entry at `token_path`, which must decode (a torn entry would not)."""
    with open(token_path, "rb") as handle:
        cached = decode(handle.read())
    assert cached is not None, "the entry is torn"
    return cached.access_token


def run_quickly(argv: list[str], env: dict[str, str]) -> str:
    """Run the CLI, which must succeed without waiting on a lock; its stdout."""
    started = time.monotonic()
    result = run_helper(argv, env)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr
    assert elapsed < QUICK, f"took {elapsed:.1f} s: waited on a dead process's lock"
    return result.stdout


@pytest.mark.parametrize("crash", CRASH_POINTS)
def test_crash_while_writing_a_new_entry(crash: str, helper_env: dict[str, str], token_server: TokenServer) -> None:
    """A process dying at any step of writing a first entry leaves none, or (once renamed) the complete new one;
    the next run serves or fetches at once, and no temp file survives its write."""
    write_config(helper_env, f"[profiles.default]\nlock_timeout = {LOCK_TIMEOUT}\n")
    token_path, _ = entry_paths(helper_env)
    crashed = run_hooked(crash, ["token"], helper_env)
    assert crashed.returncode == 70, crashed.stderr
    temps = leftover_temps(token_path)
    assert len(temps) == TEMPS_LEFT.get(crash, 1)
    for temp in temps:  # complete once every byte was written, torn before; never the entry
        with open(temp, "rb") as handle:
            assert (decode(handle.read()) is not None) == (crash in COMPLETE_TEMP)
    if crash == "crash-replaced":
        assert entry_token(token_path) == token_server.issued[0]
    else:
        assert not os.path.lexists(token_path)
    stdout = run_quickly(["token"], helper_env)
    served = token_server.issued[0] if crash == "crash-replaced" else token_server.issued[1]
    assert stdout == served + "\n"
    assert entry_token(token_path) == served
    assert leftover_temps(token_path) == []


@pytest.mark.parametrize("crash", CRASH_POINTS)
def test_crash_while_replacing_an_entry(crash: str, helper_env: dict[str, str], token_server: TokenServer) -> None:
    """A process dying at any step of replacing an entry leaves the old entry byte for byte, or (once renamed) the
    complete new one, which the next run serves; the next write removes the stray temp file."""
    write_config(helper_env, f"[profiles.default]\nlock_timeout = {LOCK_TIMEOUT}\n")
    first = run_quickly(["token"], helper_env)
    token_path, _ = entry_paths(helper_env)
    with open(token_path, "rb") as handle:
        old = handle.read()
    crashed = run_hooked(crash, ["token", "--force-refresh"], helper_env)
    assert crashed.returncode == 70, crashed.stderr
    if crash == "crash-replaced":
        assert entry_token(token_path) == token_server.issued[1]
    else:
        with open(token_path, "rb") as handle:
            assert handle.read() == old
    assert len(leftover_temps(token_path)) == TEMPS_LEFT.get(crash, 1)
    expected = token_server.issued[1] if crash == "crash-replaced" else token_server.issued[0]
    assert first == token_server.issued[0] + "\n"
    assert run_quickly(["token"], helper_env) == expected + "\n"
    assert len(token_server.token_requests()) == 2
    refreshed = run_quickly(["token", "--force-refresh"], helper_env)
    assert refreshed == token_server.issued[2] + "\n"
    assert entry_token(token_path) == token_server.issued[2]
    assert leftover_temps(token_path) == []


def test_crash_while_holding_the_lock(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """A process dying while it holds the refresh lock (before it fetched) leaves no entry and no stale lock: the
    next run fetches at once instead of waiting out the lock timeout."""
    write_config(helper_env, f"[profiles.default]\nlock_timeout = {LOCK_TIMEOUT}\n")
    token_path, lock_path = entry_paths(helper_env)
    crashed = run_hooked("crash-locked", ["token"], helper_env)
    assert crashed.returncode == 70, crashed.stderr
    assert os.path.exists(lock_path)
    assert not os.path.lexists(token_path)
    assert token_server.token_requests() == []
    assert run_quickly(["token"], helper_env) == token_server.issued[0] + "\n"
    assert entry_token(token_path) == token_server.issued[0]
