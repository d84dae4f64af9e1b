"""A still-valid token served after a failed refresh is handed to each tool with an expiry in the future: git
>= 2.40 drops a password whose password_expiry_utc has passed, and client-go re-runs the plugin on every request
once expirationTimestamp has passed, so "expiry minus the safety margin" (already past) would waste the fallback.
"""

from __future__ import annotations

import json

from .conftest import run_cli
from .support.fakes import FakeClock
from .support.tokenserver import Reply, TokenServer
from .test_git_adapter import HOST, credential

LIFETIME = 600
LEFT = 30  # seconds of life the cached token has when the refresh fails: inside the 60 s margin


def break_issuer(server: TokenServer) -> None:
    """Every request from now on gets a 503 (Retry-After: 0, so the fake clock does not move)."""
    server.queue(*[Reply(503, "down for maintenance", {"Retry-After": "0"}) for _ in range(10)])


def test_git_gets_the_true_expiry_of_a_fallback_token(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """After a failed refresh git gets the cached token with password_expiry_utc = its true expiry, still ahead."""
    env = {**helper_env, "RIGHTBRAIN_HOSTS": "git.example.com"}
    token_server.expires_in = LIFETIME
    clock = FakeClock()
    fresh = credential("get", HOST, env, clock=clock)
    expires_at = int(clock.now()) + LIFETIME
    assert f"password_expiry_utc={expires_at - 60}\n" in fresh.stdout  # fresh: the margin is kept
    clock.advance(LIFETIME - LEFT)
    break_issuer(token_server)
    fallback = credential("get", HOST, env, clock=clock)
    assert fallback.code == 0, fallback.stderr
    assert f"password={token_server.issued[0]}\n" in fallback.stdout
    assert f"password_expiry_utc={expires_at}\n" in fallback.stdout
    assert expires_at > clock.now()
    assert "serving the cached token" in fallback.stderr


def test_kubectl_gets_the_true_expiry_of_a_fallback_token(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """After a failed refresh kubectl gets the cached token with expirationTimestamp = its true expiry, ahead."""
    token_server.expires_in = LIFETIME
    clock = FakeClock()  # 1_800_000_000 = 2027-01-15T08:00:00Z
    fresh = run_cli(["kubectl"], helper_env, clock=clock)
    assert '"expirationTimestamp":"2027-01-15T08:09:00Z"' in fresh.stdout  # fresh: the margin is kept
    clock.advance(LIFETIME - LEFT)
    break_issuer(token_server)
    fallback = run_cli(["kubectl"], helper_env, clock=clock)
    assert fallback.code == 0, fallback.stderr
    status = json.loads(fallback.stdout)["status"]
    assert status == {"token": token_server.issued[0], "expirationTimestamp": "2027-01-15T08:10:00Z"}
    assert "serving the cached token" in fallback.stderr


def test_json_reports_the_time_left_of_a_fallback_token(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """After a failed refresh `json` shows the cached token's true expiry and the seconds it still has."""
    token_server.expires_in = LIFETIME
    clock = FakeClock()
    run_cli(["json"], helper_env, clock=clock)
    clock.advance(LIFETIME - LEFT)
    break_issuer(token_server)
    fallback = run_cli(["json"], helper_env, clock=clock)
    assert fallback.code == 0, fallback.stderr
    answer = json.loads(fallback.stdout)
    assert (answer["expires_at"], answer["expires_in"]) == ("2027-01-15T08:10:00Z", LEFT)
