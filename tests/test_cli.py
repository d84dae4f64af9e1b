"""The `rightbrain-helper` command line: token, header, json, status, clear, --version, --help, usage errors
and the documented exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rightbrain_helper import __version__
from rightbrain_helper.errors import (
    EXIT_CACHE,
    EXIT_CONFIG,
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_REJECTED,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
    CacheError,
    ConfigError,
    HelperError,
    TokenEndpointRejected,
    TokenEndpointUnavailable,
    UsageError,
    exit_code_for,
)

from .conftest import CLIENT_ID, run_cli
from .support.fakes import FakeClock, never_transport
from .support.profiles import full_profile
from .support.tokenserver import TokenServer
from .test_config import assert_one_line_error, write_config

# FakeClock starts at 1_800_000_000 = 2027-01-15T08:00:00Z; a default token expires an hour later.


def test_token_prints_token_and_newline(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """`token` prints exactly the access token and a newline, and nothing on stderr."""
    result = run_cli(["token"], helper_env)
    assert (result.code, result.stdout, result.stderr) == (0, token_server.issued[0] + "\n", "")


def test_header_prints_authorization_line(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """`header` prints exactly `Authorization: Bearer <token>` and a newline."""
    result = run_cli(["header"], helper_env)
    assert (result.code, result.stdout) == (0, f"Authorization: Bearer {token_server.issued[0]}\n")


def test_json_output(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """`json` prints one JSON object: the token, Bearer, expires_at in RFC 3339 UTC with Z, expires_in, scope."""
    clock = FakeClock()
    result = run_cli(["json"], helper_env, clock=clock)
    assert result.code == 0, result.stderr
    assert result.stdout.endswith("}\n")
    assert result.stdout.count("\n") == 1
    assert json.loads(result.stdout) == {
        "access_token": token_server.issued[0],
        "token_type": "Bearer",
        "expires_at": "2027-01-15T09:00:00Z",
        "expires_in": 3600,
        "scope": None,
    }
    clock.advance(61.7)
    later = json.loads(run_cli(["json"], helper_env, clock=clock).stdout)
    assert (later["expires_at"], later["expires_in"]) == ("2027-01-15T09:00:00Z", 3538)
    assert isinstance(later["expires_in"], int)


def test_json_scope_is_the_granted_scope(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """`json` reports the scope the issuer granted."""
    token_server.extra_fields["scope"] = "read"
    result = run_cli(["json", "--scope", "read write"], helper_env)
    assert json.loads(result.stdout)["scope"] == "read"
    assert token_server.token_requests()[0].field("scope") == "read write"


def test_status_with_empty_cache(helper_env: dict[str, str]) -> None:
    """`status` with nothing cached says so (and needs no token endpoint)."""
    result = run_cli(["status"], helper_env, transport_factory=never_transport)
    assert (result.code, result.stdout, result.stderr) == (0, "no cached tokens\n", "")


def test_status_lists_entries_never_tokens(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """`status` prints profile, issuer host, client id, scope and expiry per entry, and never a token."""
    write_config(helper_env, "[profiles.default]\n" + full_profile(helper_env, "ci", 'scope = "deploy read"'))
    clock = FakeClock()
    assert run_cli(["token"], helper_env, clock=clock).code == 0
    assert run_cli(["token", "--profile", "ci"], helper_env, clock=clock).code == 0
    clock.advance(3 * 60 + 3)
    result = run_cli(["status"], helper_env, clock=clock, transport_factory=never_transport)
    assert result.code == 0, result.stderr
    host = f"127.0.0.1:{token_server.port}"
    width = len(host)
    expires = "expires in 56m 57s (2027-01-15T09:00:00Z)"
    assert result.stdout.splitlines()[0] == f"PROFILE  {'ISSUER':<{width}}  CLIENT ID  SCOPE        EXPIRES"
    assert sorted(result.stdout.splitlines()[1:]) == [
        f"ci       {host}  {CLIENT_ID}   deploy read  {expires}",
        f"default  {host}  {CLIENT_ID}   -            {expires}",
    ]
    for token in token_server.issued:
        assert token not in result.stdout + result.stderr


def test_status_shows_expired_entries(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """An expired entry is listed as `expired ... ago`."""
    clock = FakeClock()
    run_cli(["token"], helper_env, clock=clock)
    clock.advance(3600 + 125)
    result = run_cli(["status"], helper_env, clock=clock)
    assert result.stdout.splitlines()[1].endswith("expired 2m 5s ago")


def test_clear_removes_every_entry(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """`clear` removes all cached tokens and says how many; the next `token` fetches again."""
    write_config(helper_env, "[profiles.default]\n" + full_profile(helper_env, "ci", 'audience = "ci"'))
    run_cli(["token"], helper_env)
    run_cli(["token", "--profile", "ci"], helper_env)
    result = run_cli(["clear"], helper_env, transport_factory=never_transport)
    assert (result.code, result.stdout) == (0, "removed 2 cached token(s)\n")
    assert run_cli(["status"], helper_env).stdout == "no cached tokens\n"
    assert run_cli(["token"], helper_env).stdout == token_server.issued[2] + "\n"


def test_clear_one_profile(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """`clear --profile X` removes only X's entries; other profiles stay cached."""
    write_config(helper_env, "[profiles.default]\n" + full_profile(helper_env, "ci", 'audience = "ci"'))
    run_cli(["token"], helper_env)
    run_cli(["token", "--profile", "ci"], helper_env)
    result = run_cli(["clear", "--profile", "ci"], helper_env)
    assert result.stdout == "removed 1 cached token(s)\n"
    kept = run_cli(["token"], helper_env, transport_factory=never_transport)
    assert kept.stdout == token_server.issued[0] + "\n"
    assert run_cli(["token", "--profile", "ci"], helper_env).stdout == token_server.issued[2] + "\n"


def test_clear_with_empty_cache(helper_env: dict[str, str]) -> None:
    """`clear` with nothing cached succeeds and says it removed nothing."""
    result = run_cli(["clear"], helper_env)
    assert (result.code, result.stdout) == (0, "removed 0 cached token(s)\n")


def test_version(helper_env: dict[str, str]) -> None:
    """`--version` prints the program name and version, exit 0."""
    result = run_cli(["--version"], helper_env)
    assert (result.code, result.stdout, result.stderr) == (0, f"rightbrain-helper {__version__}\n", "")


def test_python_dash_m_version(helper_env: dict[str, str]) -> None:
    """`python -m rightbrain_helper --version` works like the console script."""
    done = subprocess.run(
        [sys.executable, "-m", "rightbrain_helper", "--version"],
        env=helper_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, f"rightbrain-helper {__version__}\n", "")


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help(helper_env: dict[str, str], flag: str) -> None:
    """`--help` prints usage with every command and the secret sources, exit 0."""
    result = run_cli([flag], helper_env)
    assert result.code == 0
    assert result.stdout.startswith("usage: rightbrain-helper [OPTIONS] COMMAND\n")
    for word in ("token", "header", "json", "status", "clear", "--force-refresh", "--no-cache", "RIGHTBRAIN_"):
        assert word in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        ([], "no command given"),
        (["frobnicate"], "unknown command 'frobnicate'"),
        (["token", "--frobnicate"], "unknown option '--frobnicate'"),
        (["--client-secret", "x", "token"], "unknown option '--client-secret'"),
        (["token", "--profile"], "--profile needs a value"),
        (["token", "extra"], "unexpected argument 'extra'"),
    ],
)
def test_usage_errors_exit_2(helper_env: dict[str, str], argv: list[str], fragment: str) -> None:
    """A bad command line is one error line on stderr and exit 2, before any config or network."""
    result = run_cli(argv, helper_env, transport_factory=never_transport)
    assert_one_line_error(result, EXIT_USAGE, fragment)


def test_options_after_the_command(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """Options may follow the command (`token --audience X`)."""
    assert run_cli(["token", "--audience", "api"], helper_env).code == 0
    assert token_server.token_requests()[0].field("audience") == "api"


def test_exit_code_table() -> None:
    """The exit codes the docs promise: 0 ok, 1 other, 2 usage, 3 config, 4 refused, 5 unavailable, 6 cache."""
    assert (EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_CONFIG, EXIT_REJECTED, EXIT_UNAVAILABLE, EXIT_CACHE) == (
        0,
        1,
        2,
        3,
        4,
        5,
        6,
    )
    errors = [HelperError, UsageError, ConfigError, TokenEndpointRejected, TokenEndpointUnavailable, CacheError]
    assert [exit_code_for(kind("x")) for kind in errors] == [1, 2, 3, 4, 5, 6]
    assert exit_code_for(RuntimeError("x")) == 1


def test_exit_4_when_the_issuer_refuses(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """invalid_client from the issuer: exit 4, one line naming the OAuth error and what to check."""
    token_server.clients[CLIENT_ID] = "another-secret"
    result = run_cli(["token"], helper_env)
    assert_one_line_error(result, EXIT_REJECTED, "invalid_client", "HTTP 401", "check client_id, the client secret")


def test_exit_5_when_the_issuer_is_unreachable(helper_env: dict[str, str]) -> None:
    """Nothing listening at token_url: retries (on the fake clock), then exit 5 naming the host."""
    closed = TokenServer()
    url = closed.url
    closed.httpd.server_close()  # the port is now closed: connections are refused
    clock = FakeClock()
    result = run_cli(["token"], {**helper_env, "RIGHTBRAIN_TOKEN_URL": url}, clock=clock)
    assert result.code == EXIT_UNAVAILABLE
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1].startswith(
        f"rightbrain-helper: error: token endpoint 127.0.0.1:{closed.port}"
    )
    assert len(clock.slept) == 4


def test_exit_6_when_the_cache_dir_must_not_be_used(helper_env: dict[str, str], tmp_path: Path) -> None:
    """A cache directory that is a symlink: exit 6, one line naming it and RIGHTBRAIN_CACHE_DIR (the fix)."""
    (tmp_path / "real").mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(tmp_path / "real")
    result = run_cli(["token"], {**helper_env, "RIGHTBRAIN_CACHE_DIR": str(tmp_path / "link")})
    assert_one_line_error(result, EXIT_CACHE, str(tmp_path / "link"), "symlink", "RIGHTBRAIN_CACHE_DIR")
