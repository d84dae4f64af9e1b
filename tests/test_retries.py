"""Bounded retries: back-off on network errors, 5xx and 429 (honouring Retry-After, capped), all inside one
deadline; never a retry on the issuer's final word. Waits go through a fake clock, so they cost no real time."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path

import pytest

from rightbrain_helper.errors import EXIT_REJECTED, EXIT_UNAVAILABLE
from rightbrain_helper.oauth import fetch

from .conftest import CLIENT_ID, CliResult, run_cli
from .support.fakes import FakeClock
from .support.tokenserver import Reply, TokenServer


def write_profile(env: dict[str, str], server_url: str, body: str) -> None:
    """[profiles.default] in $XDG_CONFIG_HOME/rightbrain-helper/config.toml (mode 600) with token_url and `body`."""
    env.pop("RIGHTBRAIN_TOKEN_URL")
    path = Path(env["XDG_CONFIG_HOME"]) / "rightbrain-helper" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'[profiles.default]\ntoken_url = "{server_url}"\nclient_id = "{CLIENT_ID}"\n{body}\n')
    path.chmod(0o600)


def fetch_with(env: dict[str, str], clock: FakeClock) -> CliResult:
    """Run `token` in process on `clock`."""
    return run_cli(["token"], env, clock=clock)


def error_line(result: CliResult) -> str:
    """The last stderr line, which must be the error."""
    lines = result.stderr.splitlines()
    assert lines, "no error reported"
    assert "Traceback" not in result.stderr
    assert lines[-1].startswith("rightbrain-helper: error: ")
    return lines[-1]


def closed_port() -> int:
    """A 127.0.0.1 port that was just bound and released, so nothing listens there."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def never_answer(token_server: TokenServer) -> Iterator[threading.Event]:
    """An event that holds queued replies back until the test ends (a server that accepts and never answers)."""
    hold = threading.Event()
    yield hold
    hold.set()


def test_503_then_success_gives_one_token_from_two_requests(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """A transient 503 is retried after a short jittered back-off; the user just gets the token, with nothing on
    stderr (git and kubectl show a plugin's stderr verbatim): the retry is a debug line for --verbose."""
    token_server.queue(Reply(503, "busy", {"Content-Type": "text/plain"}))
    clock = FakeClock()
    result = fetch_with(helper_env, clock)
    assert result.code == 0, result.stderr
    assert result.stdout == token_server.issued[0] + "\n"
    assert result.stderr == ""
    assert len(token_server.issued) == 1
    assert len(token_server.token_requests()) == 2
    assert len(clock.slept) == 1
    assert fetch.FIRST_DELAY / 2 <= clock.slept[0] <= fetch.FIRST_DELAY
    token_server.queue(Reply(503, "busy", {"Content-Type": "text/plain"}))
    verbose = run_cli(["--verbose", "token", "--force-refresh"], helper_env, clock=clock)
    assert verbose.code == 0, verbose.stderr
    retries = [line for line in verbose.stderr.splitlines() if "retrying in" in line]
    assert len(retries) == 1
    assert retries[0].startswith("rightbrain-helper: debug: token endpoint 127.0.0.1:")
    assert "HTTP 503 (text/plain): busy" in retries[0]


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_seconds_is_honoured(helper_env: dict[str, str], token_server: TokenServer, status: int) -> None:
    """Retry-After: 7 on a 429 or 503 means waiting exactly 7 s before the next attempt."""
    token_server.queue(Reply(status, "slow down", {"Retry-After": "7"}))
    clock = FakeClock()
    result = fetch_with(helper_env, clock)
    assert result.code == 0, result.stderr
    assert clock.slept == [7.0]
    assert len(token_server.token_requests()) == 2


def test_retry_after_http_date_is_honoured(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """Retry-After as an HTTP date (RFC 9110 §10.2.3) waits until that moment."""
    clock = FakeClock()
    token_server.queue(Reply(503, "maintenance", {"Retry-After": formatdate(clock.now() + 12, usegmt=True)}))
    result = fetch_with(helper_env, clock)
    assert result.code == 0, result.stderr
    assert clock.slept == [pytest.approx(12.0)]


def test_retry_after_in_the_past_retries_at_once(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """An HTTP date already gone by means no wait at all, not a negative one."""
    clock = FakeClock()
    token_server.queue(Reply(429, "", {"Retry-After": formatdate(clock.now() - 300, usegmt=True)}))
    result = fetch_with(helper_env, clock)
    assert result.code == 0, result.stderr
    assert clock.slept == [0.0]


def test_unreadable_retry_after_falls_back_to_back_off(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """A Retry-After that is neither seconds nor a date is ignored in favour of the normal back-off."""
    token_server.queue(Reply(503, "", {"Retry-After": "soon-ish"}))
    clock = FakeClock()
    assert fetch_with(helper_env, clock).code == 0
    assert len(clock.slept) == 1
    assert 0 < clock.slept[0] <= fetch.FIRST_DELAY


def test_long_retry_after_is_capped(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """Retry-After: 25 (more than the 20 s cap, within the 30 s deadline) waits 20 s, then succeeds."""
    token_server.queue(Reply(429, "", {"Retry-After": "25"}))
    clock = FakeClock()
    result = fetch_with(helper_env, clock)
    assert result.code == 0, result.stderr
    assert clock.slept == [fetch.MAX_RETRY_AFTER]
    assert fetch.MAX_RETRY_AFTER == 20.0


def test_retry_after_beyond_the_deadline_gives_up_without_waiting(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """When the wait asked for would pass the deadline, give up at once (exit 5) naming the 429."""
    write_profile(helper_env, token_server.url, "deadline = 10")
    token_server.queue(Reply(429, "rate limited", {"Retry-After": "3600", "Content-Type": "text/plain"}))
    clock = FakeClock()
    result = fetch_with(helper_env, clock)
    assert result.code == EXIT_UNAVAILABLE, result.stderr
    assert clock.slept == []
    assert len(token_server.token_requests()) == 1
    line = error_line(result)
    assert "HTTP 429" in line
    assert "rate limited" in line


def test_persistent_500_gives_up_after_bounded_attempts(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """A 500 every time: MAX_ATTEMPTS requests within the deadline, then exit 5 in one stderr line saying how many
    attempts were made over how long, and naming the last failure."""
    token_server.queue(*[Reply(500, f"failure #{n}", {"Content-Type": "text/plain"}) for n in range(1, 11)])
    clock = FakeClock()
    result = fetch_with(helper_env, clock)
    assert result.code == EXIT_UNAVAILABLE, result.stderr
    assert len(token_server.token_requests()) == fetch.MAX_ATTEMPTS
    assert len(clock.slept) == fetch.MAX_ATTEMPTS - 1
    assert sum(clock.slept) < 30
    assert clock.slept == sorted(clock.slept)  # the back-off grows
    line = error_line(result)
    assert result.stderr == line + "\n"
    assert f"failed {fetch.MAX_ATTEMPTS} attempts over {sum(clock.slept):.1f} s, last: " in line
    assert f"HTTP 500 (text/plain): failure #{fetch.MAX_ATTEMPTS}" in line
    assert result.stdout == ""


def test_deadline_bounds_the_attempts(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """With deadline = 1 the back-off stops early: fewer attempts, and no waiting past the deadline."""
    write_profile(helper_env, token_server.url, "deadline = 1")
    token_server.queue(*[Reply(502, "bad gateway") for _ in range(10)])
    clock = FakeClock()
    result = fetch_with(helper_env, clock)
    assert result.code == EXIT_UNAVAILABLE, result.stderr
    assert 1 <= len(token_server.token_requests()) < fetch.MAX_ATTEMPTS
    assert sum(clock.slept) < 1
    assert "HTTP 502" in error_line(result)


@pytest.mark.parametrize(
    "reply",
    [
        Reply(400, {"error": "invalid_request"}),
        Reply(401, {"error": "invalid_client"}, {"WWW-Authenticate": 'Basic realm="token"'}),
        Reply(403, "<h1>Forbidden</h1>", {"Content-Type": "text/html"}),
        Reply(404, "not found"),
    ],
    ids=["400", "401", "403", "404"],
)
def test_client_errors_are_never_retried(helper_env: dict[str, str], token_server: TokenServer, reply: Reply) -> None:
    """A 4xx (other than 429) is the issuer's final word: one request, no wait, exit 4."""
    token_server.queue(reply)
    clock = FakeClock()
    result = fetch_with(helper_env, clock)
    assert result.code == EXIT_REJECTED
    assert len(token_server.token_requests()) == 1
    assert clock.slept == []


def test_connection_refused_is_retried_then_unavailable(helper_env: dict[str, str]) -> None:
    """Nothing listening on the port: retried with back-off, then exit 5 naming the connection failure."""
    port = closed_port()
    helper_env["RIGHTBRAIN_TOKEN_URL"] = f"http://127.0.0.1:{port}/oauth2/token"
    clock = FakeClock()
    result = fetch_with(helper_env, clock)
    assert result.code == EXIT_UNAVAILABLE, result.stderr
    assert len(clock.slept) == fetch.MAX_ATTEMPTS - 1
    line = error_line(result)
    assert f"127.0.0.1:{port}" in line
    assert "connection failed" in line
    assert "refused" in line.lower()


def test_slow_server_times_out_within_bounded_wall_time(
    helper_env: dict[str, str], token_server: TokenServer, never_answer: threading.Event
) -> None:
    """A server that accepts and never answers: each read gives up after read_timeout; exit 5 says timed out."""
    write_profile(helper_env, token_server.url, "read_timeout = 0.5\ndeadline = 1")
    token_server.queue(*[Reply(200, "", hold=never_answer) for _ in range(fetch.MAX_ATTEMPTS)])
    started = time.monotonic()
    result = fetch_with(helper_env, FakeClock())
    elapsed = time.monotonic() - started
    assert result.code == EXIT_UNAVAILABLE, result.stderr
    assert "timed out" in error_line(result)
    attempts = len(token_server.token_requests())
    assert 1 <= attempts < fetch.MAX_ATTEMPTS
    assert elapsed < 2.5 * attempts + 5  # 0.5 s per attempt expected; a read that never gives up takes minutes


def test_deadline_cuts_a_slow_read_in_real_time(
    helper_env: dict[str, str], token_server: TokenServer, never_answer: threading.Event
) -> None:
    """On the real clock a long read_timeout is cut to the deadline: one attempt, done in about a second."""
    write_profile(helper_env, token_server.url, "read_timeout = 60\ndeadline = 1")
    token_server.queue(*[Reply(200, "", hold=never_answer) for _ in range(fetch.MAX_ATTEMPTS)])
    started = time.monotonic()
    result = run_cli(["token"], helper_env)
    elapsed = time.monotonic() - started
    assert result.code == EXIT_UNAVAILABLE, result.stderr
    assert "timed out" in error_line(result)
    assert len(token_server.token_requests()) == 1
    assert elapsed < 10  # ~1 s expected; without the cut, the 60 s read_timeout


def test_body_that_stalls_mid_read_is_a_timeout_not_a_crash(
    helper_env: dict[str, str], token_server: TokenServer, never_answer: threading.Event
) -> None:
    """Headers arrive, then the body stalls: a retryable read timeout (exit 5), never an internal error."""
    write_profile(helper_env, token_server.url, "read_timeout = 0.3\ndeadline = 1")
    body = {"access_token": "tok-never-finished", "token_type": "Bearer", "expires_in": 3600}
    token_server.queue(*[Reply(200, body, stall_body=never_answer) for _ in range(fetch.MAX_ATTEMPTS)])
    result = run_cli(["token"], helper_env)
    assert result.code == EXIT_UNAVAILABLE, result.stderr
    line = error_line(result)
    assert "internal error" not in line
    assert "timed out" in line.lower()
    assert result.stdout == ""


class SuspendingClock(FakeClock):
    """A clock whose sleeps overrun by a minute, as when the machine is suspended during a back-off."""

    def sleep(self, seconds: float) -> None:
        """Record the wait and jump a minute further than asked."""
        super().sleep(seconds)
        self.current += 60


def test_back_off_overrunning_the_deadline_gives_up_cleanly(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """If a back-off wait ends past the deadline (a suspended laptop), the helper reports exit 5, not a crash."""
    token_server.queue(Reply(503, "busy"))
    result = fetch_with(helper_env, SuspendingClock())
    assert result.code == EXIT_UNAVAILABLE, result.stderr
    line = error_line(result)
    assert "HTTP 503" in line
    assert "internal error" not in line
    assert len(token_server.token_requests()) == 1


def test_zero_deadline_is_a_config_error(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """deadline = 0 leaves no time for any request: exit 3 naming the setting, and nothing is sent."""
    write_profile(helper_env, token_server.url, "deadline = 0")
    result = fetch_with(helper_env, FakeClock())
    assert result.code == 3
    line = error_line(result)
    assert "deadline" in line
    assert "more than 0" in line
    assert token_server.token_requests() == []


@pytest.mark.parametrize(("deadline", "requests"), [("2", 2), ("1.4", 1)])
def test_no_retry_without_half_a_second_left(
    helper_env: dict[str, str], token_server: TokenServer, deadline: str, requests: int
) -> None:
    """A retry is made only if, after waiting, at least 0.5 s of the deadline is left for it."""
    write_profile(helper_env, token_server.url, f"deadline = {deadline}")
    token_server.queue(*[Reply(503, "busy", {"Retry-After": "1"}) for _ in range(3)])
    clock = FakeClock()
    result = fetch_with(helper_env, clock)
    assert len(token_server.token_requests()) == requests
    assert clock.slept == [1.0] * (requests - 1)
    assert result.code == EXIT_UNAVAILABLE, result.stderr
