"""`deadline` is a wall-clock limit on the whole exchange, connect to last byte, retries included: a token endpoint
that drips its answer one byte a second (each byte resetting requests' per-read timeout) cannot keep the helper,
or the git adapter that runs it, past the deadline. The installed console scripts run as real processes on the
real clock against a real server on 127.0.0.1."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

import pytest

from .conftest import helper_command
from .support.procs import write_config
from .support.trickle import MODES, PADDING, TrickleServer

DEADLINE = 2.0
# The expected overrun is process start plus a fraction of a second; a loaded machine gets five times that.
SLACK = 5.0


@pytest.fixture(params=MODES)
def trickle(request: pytest.FixtureRequest) -> Iterator[TrickleServer]:
    """A server dripping its headers, or its body, one byte a second."""
    server = TrickleServer(request.param).start()
    yield server
    server.stop()


def run_timed(argv: list[str], env: dict[str, str], stdin: str = "") -> tuple[subprocess.CompletedProcess[str], float]:
    """Run an installed console script; its result and its wall time in seconds."""
    started = time.monotonic()
    result = subprocess.run(argv, env=env, input=stdin, capture_output=True, text=True, timeout=120, check=False)
    return result, time.monotonic() - started


def slow_env(helper_env: dict[str, str], server: TrickleServer, deadline: float = DEADLINE) -> dict[str, str]:
    """helper_env pointed at `server`, with long per-read timeouts and a short deadline."""
    write_config(helper_env, f"[profiles.default]\nread_timeout = 60\nconnect_timeout = 60\ndeadline = {deadline}\n")
    return {**helper_env, "RIGHTBRAIN_TOKEN_URL": server.url, "RIGHTBRAIN_HOSTS": "git.example.com"}


def test_dripping_server_is_cut_at_the_deadline(helper_env: dict[str, str], trickle: TrickleServer) -> None:
    """A one-byte-a-second answer (headers or body) ends the token command within the deadline: exit 5, one line
    naming the timeout, the attempt and the time spent; the full answer would have taken over ten minutes."""
    assert PADDING * trickle.interval > 600
    result, elapsed = run_timed([helper_command(), "token"], slow_env(helper_env, trickle))
    assert result.returncode == 5, result.stderr
    assert DEADLINE - 0.1 <= elapsed < DEADLINE + SLACK
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("rightbrain-helper: error: token endpoint 127.0.0.1:")
    assert "failed 1 attempt over 2.0 s" in result.stderr
    assert "timed out" in result.stderr
    assert len(trickle.requests()) == 1


def test_deadline_covers_the_retries_before_a_dripping_answer(helper_env: dict[str, str]) -> None:
    """A quick 503 (Retry-After: 1), then a dripped answer: the second attempt gets only what is left of the
    deadline, so the whole run still ends within it, and the error counts both attempts."""
    server = TrickleServer("body", busy_first=1).start()
    try:
        result, elapsed = run_timed([helper_command(), "token"], slow_env(helper_env, server, deadline=3))
    finally:
        server.stop()
    assert result.returncode == 5, result.stderr
    assert 3 - 0.1 <= elapsed < 3 + SLACK
    assert "failed 2 attempts over 3.0 s" in result.stderr
    assert result.stderr.count("\n") == 1
    assert len(server.requests()) == 2


def test_git_adapter_is_bounded_by_the_deadline(helper_env: dict[str, str], trickle: TrickleServer) -> None:
    """git-credential-rightbrain get against a dripping issuer: git gets exit 5 and one stderr line in time."""
    stdin = "protocol=https\nhost=git.example.com\n\n"
    result, elapsed = run_timed(
        [helper_command("git-credential-rightbrain"), "get"], slow_env(helper_env, trickle), stdin
    )
    assert (result.returncode, result.stdout) == (5, "")
    assert DEADLINE - 0.1 <= elapsed < DEADLINE + SLACK
    assert result.stderr.count("\n") == 1
    assert "timed out" in result.stderr
