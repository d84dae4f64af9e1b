"""A token's life through the whole CLI with a fake clock and the real token endpoint: fetch, hit, refresh before
expiry by the safety margin, serve-stale-on-failure only while unexpired, --force-refresh and --no-cache."""

from __future__ import annotations

from pathlib import Path

from rightbrain_helper.errors import EXIT_REJECTED, EXIT_UNAVAILABLE

from .conftest import CLIENT_ID, run_cli
from .support.fakes import FakeClock
from .support.tokenserver import Reply, TokenServer
from .test_config import write_config


def token_files(env: dict[str, str]) -> list[Path]:
    """The token entries in the cache directory."""
    return sorted(Path(env["RIGHTBRAIN_CACHE_DIR"]).glob("*.token"))


def queue_outage(server: TokenServer, count: int = 5) -> None:
    """Make the next `count` requests fail with 503 and Retry-After: 0 (every retry the helper makes)."""
    server.queue(*[Reply(503, "down for maintenance", {"Retry-After": "0"}) for _ in range(count)])


def test_four_step_lifecycle(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """Empty cache -> fetch; +1 min -> cached, no request; past expiry minus margin -> new token; again -> new."""
    clock = FakeClock()
    steps = [
        (0, 0, 1),  # empty cache: fetch the first token
        (60, 0, 1),  # a minute later: served from the cache, no request
        (3600 - 60 - 60, 1, 2),  # now at expiry minus the 60 s margin: refreshed
        (3600, 2, 3),  # an hour later again: refreshed once more
    ]
    for advance, issued_index, requests in steps:
        clock.advance(advance)
        result = run_cli(["token"], helper_env, clock=clock)
        assert result.code == 0, result.stderr
        assert result.stderr == ""
        assert result.stdout == token_server.issued[issued_index] + "\n"
        assert len(token_server.token_requests()) == requests
    assert len(set(token_server.issued)) == 3


def test_refresh_boundary_is_expiry_minus_min_valid(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """A 3600 s token is served until 60 s before expiry (min_valid default) and refreshed from then on."""
    clock = FakeClock()
    first = run_cli(["token"], helper_env, clock=clock).stdout
    clock.advance(3600 - 60 - 0.5)
    assert run_cli(["token"], helper_env, clock=clock).stdout == first
    clock.advance(0.5)
    assert run_cli(["token"], helper_env, clock=clock).stdout == token_server.issued[1] + "\n"


def test_short_token_refreshed_at_half_its_lifetime(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """Margin = min(min_valid, lifetime / 2): a 60 s token is served for 30 s, then refreshed."""
    token_server.expires_in = 60
    clock = FakeClock()
    first = run_cli(["token"], helper_env, clock=clock).stdout
    clock.advance(29)
    assert run_cli(["token"], helper_env, clock=clock).stdout == first
    clock.advance(1)
    assert run_cli(["token"], helper_env, clock=clock).stdout == token_server.issued[1] + "\n"
    assert len(token_server.token_requests()) == 2


def test_min_valid_from_profile(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """min_valid = 300 in the profile refreshes a 3600 s token 300 s before it expires."""
    write_config(helper_env, "[profiles.default]\nmin_valid = 300\n")
    clock = FakeClock()
    first = run_cli(["token"], helper_env, clock=clock).stdout
    clock.advance(3300 - 1)
    assert run_cli(["token"], helper_env, clock=clock).stdout == first
    clock.advance(1)
    assert run_cli(["token"], helper_env, clock=clock).stdout == token_server.issued[1] + "\n"


def test_failed_refresh_serves_unexpired_token_with_warning(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """Refresh due but the endpoint is down: the cached, not yet expired token is printed, with a warning."""
    token_server.expires_in = 60
    clock = FakeClock()
    first = run_cli(["token"], helper_env, clock=clock)
    clock.advance(45)  # past the 30 s margin, 15 s before expiry
    queue_outage(token_server)
    result = run_cli(["token"], helper_env, clock=clock)
    assert result.code == 0, result.stderr
    assert result.stdout == first.stdout
    assert "warning: refresh failed" in result.stderr
    assert "serving the cached token, which expires in 15 s" in result.stderr
    assert len(token_server.token_requests()) == 6


def test_refused_refresh_serves_unexpired_token_with_warning(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """Refresh due but the endpoint refuses the client: the unexpired cached token is printed, with a warning."""
    token_server.expires_in = 60
    clock = FakeClock()
    first = run_cli(["token"], helper_env, clock=clock)
    clock.advance(40)
    token_server.clients[CLIENT_ID] = "secret-was-revoked"
    result = run_cli(["token"], helper_env, clock=clock)
    assert result.code == 0, result.stderr
    assert result.stdout == first.stdout
    assert "warning: refresh failed (token endpoint refused (invalid_client" in result.stderr


def test_expired_token_is_never_served(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """Once the cached token has expired a failed refresh is an error (exit 5 or 4) and prints no token."""
    token_server.expires_in = 60
    clock = FakeClock()
    first = run_cli(["token"], helper_env, clock=clock)
    clock.advance(60)  # exactly at expiry
    queue_outage(token_server)
    down = run_cli(["token"], helper_env, clock=clock)
    assert down.code == EXIT_UNAVAILABLE
    assert down.stdout == ""
    assert "refresh failed" not in down.stderr
    assert down.stderr.splitlines()[-1].startswith("rightbrain-helper: error: token endpoint 127.0.0.1")

    token_server.clients[CLIENT_ID] = "secret-was-revoked"
    refused = run_cli(["header"], helper_env, clock=clock)
    assert refused.code == EXIT_REJECTED
    assert refused.stdout == ""
    assert first.stdout.strip() not in refused.stderr + down.stderr


def test_recovery_after_a_failed_refresh(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """After a stale serve, the next run (endpoint back) refreshes and caches the new token."""
    token_server.expires_in = 60
    clock = FakeClock()
    run_cli(["token"], helper_env, clock=clock)
    clock.advance(45)
    queue_outage(token_server)
    run_cli(["token"], helper_env, clock=clock)
    clock.advance(1)
    recovered = run_cli(["token"], helper_env, clock=clock)
    assert (recovered.code, recovered.stderr) == (0, "")
    assert recovered.stdout == token_server.issued[1] + "\n"
    assert run_cli(["token"], helper_env, clock=clock).stdout == recovered.stdout


def test_force_refresh_fetches_anew(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """--force-refresh gets a new token although the cached one is fresh, and caches it for later runs."""
    clock = FakeClock()
    first = run_cli(["token"], helper_env, clock=clock)
    forced = run_cli(["token", "--force-refresh"], helper_env, clock=clock)
    assert forced.code == 0, forced.stderr
    assert first.stdout == token_server.issued[0] + "\n"
    assert forced.stdout == token_server.issued[1] + "\n"
    clock.advance(60)
    assert run_cli(["token"], helper_env, clock=clock).stdout == forced.stdout
    assert len(token_server.token_requests()) == 2


def test_no_cache_neither_reads_nor_writes(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """--no-cache fetches although a fresh token is cached, leaves that entry alone, and writes nothing new."""
    clock = FakeClock()
    uncached_first = run_cli(["token", "--no-cache"], helper_env, clock=clock)
    assert uncached_first.stdout == token_server.issued[0] + "\n"
    assert token_files(helper_env) == []

    cached = run_cli(["token"], helper_env, clock=clock)
    assert cached.stdout == token_server.issued[1] + "\n"
    (entry,) = token_files(helper_env)
    before = entry.read_bytes()

    uncached = run_cli(["token", "--no-cache"], helper_env, clock=clock)
    assert uncached.stdout == token_server.issued[2] + "\n"
    assert token_files(helper_env) == [entry]
    assert entry.read_bytes() == before
    assert run_cli(["token"], helper_env, clock=clock).stdout == cached.stdout
    assert len(token_server.token_requests()) == 3
