"""Many real processes against one cache: single-flight refresh, and dead and stuck lock holders (writers that
die mid-write: test_crash.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from rightbrain_helper.token.cache import TokenCache
from rightbrain_helper.token.entry import Token, decode

from .conftest import run_helper
from .support.procs import HELPER, Gate, LockHolder, entry_paths, read_exactly, spawn_hooked, write_config
from .support.tokenserver import Reply, TokenServer

PROCESSES = 16
HELD_TOKEN = "tok-held-single-flight"


def held_reply(gate: Gate, token: str = HELD_TOKEN) -> Reply:
    """A successful token response the server sends only once `gate` is opened."""
    return Reply(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600}, hold=gate)


def test_cold_start_of_many_processes_makes_one_token_request(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """16 processes missing the cache at once make one token request and all print that token."""
    write_config(helper_env, "[profiles.default]\nlock_timeout = 120\n")
    gate = Gate()
    token_server.queue(held_reply(gate))
    report_read, report_write = os.pipe()
    try:
        children = [spawn_hooked("report-lock", ["token"], helper_env, report_write) for _ in range(PROCESSES)]
        os.close(report_write)
        # every process has missed the cache and reached the lock, and one request is in flight: only now answer
        read_exactly(report_read, PROCESSES, timeout=60, what="processes reached the refresh lock")
        assert gate.arrived.wait(60)
        gate.set()
        results = [(child.communicate(timeout=60), child.returncode) for child in children]
    finally:
        os.close(report_read)
    for (stdout, stderr), code in results:
        assert code == 0, stderr
        assert stdout == HELD_TOKEN + "\n"
        assert "warning" not in stderr
    assert len(token_server.token_requests()) == 1
    token_path, _ = entry_paths(helper_env)
    with open(token_path, "rb") as handle:
        cached = decode(handle.read())
    assert cached is not None
    assert cached.access_token == HELD_TOKEN


def test_lock_of_a_sigkilled_holder_is_free_at_once(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """A process SIGKILLed while holding the refresh lock does not make the next run wait for the lock timeout."""
    write_config(helper_env, "[profiles.default]\nlock_timeout = 30\n")
    _, lock_path = entry_paths(helper_env)
    with LockHolder(lock_path, helper_env) as holder:
        assert holder.kill() == -signal.SIGKILL
    started = time.monotonic()
    result = run_helper(["token"], helper_env)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert result.stdout == token_server.issued[0] + "\n"
    assert "cache lock busy" not in result.stderr
    # a cold fetch takes ~1 s; waiting on the dead holder would take the 30 s lock_timeout
    assert elapsed < 20, f"took {elapsed:.1f} s: waited on a dead holder's lock"
    assert os.stat(lock_path).st_mode & 0o777 == 0o600


def test_cli_killed_mid_fetch_leaves_nothing_that_blocks_or_poisons(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """A CLI SIGKILLed while its token request is in flight (lock held) leaves no entry; the next run fetches."""
    write_config(helper_env, "[profiles.default]\nlock_timeout = 30\n")
    gate = Gate()
    token_server.queue(held_reply(gate, "tok-never-delivered"))
    victim = subprocess.Popen([HELPER, "token"], env=helper_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert gate.arrived.wait(60)
    victim.kill()
    victim.communicate(timeout=30)
    assert victim.returncode == -signal.SIGKILL
    token_path, _ = entry_paths(helper_env)
    assert not os.path.lexists(token_path)
    started = time.monotonic()
    result = run_helper(["token"], helper_env)
    elapsed = time.monotonic() - started
    gate.set()
    assert result.returncode == 0, result.stderr
    assert result.stdout == token_server.issued[0] + "\n"
    assert "cache lock busy" not in result.stderr
    assert elapsed < 20  # a cold fetch takes ~1 s; waiting on the dead process's lock would take 30 s
    assert len(token_server.token_requests()) == 2


def test_lock_held_past_lock_timeout_still_yields_a_token(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """A live process holding the lock longer than lock_timeout: the CLI warns, fetches anyway, does not hang."""
    write_config(helper_env, "[profiles.default]\nlock_timeout = 0.5\n")
    _, lock_path = entry_paths(helper_env)
    with LockHolder(lock_path, helper_env) as holder:
        started = time.monotonic()
        result = run_helper(["token"], helper_env, timeout=30)
        elapsed = time.monotonic() - started
        assert holder.proc.poll() is None, "the holder must still hold the lock during the run"
    assert result.returncode == 0, result.stderr
    assert result.stdout == token_server.issued[0] + "\n"
    assert "cache lock busy" in result.stderr
    assert 0.5 <= elapsed < 20  # 0.5 s of lock_timeout plus a cold fetch: ~1.5 s


def test_entry_written_while_waiting_for_the_lock_is_served_after_the_timeout(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """If the lock holder's token lands while we wait, a lock timeout serves it: no request, no warning."""
    write_config(helper_env, "[profiles.default]\nlock_timeout = 2\n")
    token_path, lock_path = entry_paths(helper_env)
    report_read, report_write = os.pipe()
    try:
        with LockHolder(lock_path, helper_env):
            child = spawn_hooked("report-lock", ["token"], helper_env, report_write)
            os.close(report_write)
            read_exactly(report_read, 1, timeout=30, what="process reached the refresh lock")
            now = time.time()
            landed = Token("tok-landed-meanwhile", "Bearer", now + 3600, now, profile="default")
            TokenCache(os.path.dirname(token_path)).write(os.path.basename(token_path).removesuffix(".token"), landed)
            stdout, stderr = child.communicate(timeout=30)
    finally:
        os.close(report_read)
    assert child.returncode == 0, stderr
    assert stdout == "tok-landed-meanwhile\n"
    assert "warning" not in stderr
    assert token_server.token_requests() == []
