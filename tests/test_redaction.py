"""Redaction: with --verbose, on every command and failure path, the client secret (in any encoding it travels
in) never reaches stdout, stderr or the cache directory, and a token never reaches stderr."""

from __future__ import annotations

import base64
import os
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from .conftest import CLIENT_ID, CLIENT_SECRET, CliResult, run_cli
from .support.fakes import FakeClock
from .support.tokenserver import Reply, TokenServer
from .test_config import write_config
from .test_secrets import file_env, secret_file


def secret_forms(secret: str = CLIENT_SECRET) -> dict[str, str]:
    """The secret as it may travel: raw, form-encoded, percent-encoded, base64 alone and in the Basic pair."""
    forms = {
        "raw": secret,
        "form-encoded": quote_plus(secret, safe=""),
        "percent-encoded": quote(secret, safe=""),
        "base64": base64.b64encode(secret.encode()).decode(),
        "basic": base64.b64encode(f"{CLIENT_ID}:{quote_plus(secret, safe='')}".encode()).decode(),
        "basic-raw": base64.b64encode(f"{CLIENT_ID}:{secret}".encode()).decode(),
    }
    return {name: form.rstrip("=") for name, form in forms.items()}


def assert_no_secret(text: str | bytes, where: str) -> None:
    """No form of the client secret in `text`."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    for name, form in secret_forms().items():
        assert form.encode() not in data, f"{name} secret in {where}"


def assert_clean(result: CliResult, server: TokenServer, *, token_on_stdout: bool = False) -> None:
    """The secret is nowhere in the output; tokens are never on stderr (nor on stdout unless asked for)."""
    assert_no_secret(result.stdout, "stdout")
    assert_no_secret(result.stderr, "stderr")
    for token in server.issued:
        assert token not in result.stderr, "token on stderr"
        if not token_on_stdout:
            assert token not in result.stdout, "token on stdout"


def assert_cache_clean(env: dict[str, str]) -> None:
    """No file anywhere in the cache directory holds the secret."""
    root = Path(env["RIGHTBRAIN_CACHE_DIR"])
    files = [path for path in root.rglob("*") if path.is_file()]
    assert files, "expected cache files to inspect"
    for path in files:
        assert_no_secret(path.read_bytes(), str(path))


@pytest.mark.parametrize("command", ["token", "header", "json"])
def test_printing_commands_keep_the_secret_and_token_off_stderr(
    helper_env: dict[str, str], token_server: TokenServer, command: str
) -> None:
    """token/header/json with --verbose: debug lines, but no secret anywhere and the token only on stdout."""
    clock = FakeClock()
    for advance in (0, 60, 3600):  # a fetch, a hit, a refresh
        clock.advance(advance)
        result = run_cli(["--verbose", command], helper_env, clock=clock)
        assert result.code == 0, result.stderr
        assert "debug:" in result.stderr
        assert_clean(result, token_server, token_on_stdout=True)
    assert_cache_clean(helper_env)


@pytest.mark.parametrize("command", [["status"], ["clear"], ["clear", "--profile", "default"]])
def test_status_and_clear_show_no_secret_or_token(
    helper_env: dict[str, str], token_server: TokenServer, command: list[str]
) -> None:
    """status and clear with --verbose print neither the secret nor any token."""
    run_cli(["token"], helper_env)
    result = run_cli(["--verbose", *command], helper_env)
    assert result.code == 0, result.stderr
    assert_clean(result, token_server)


@pytest.mark.parametrize("client_auth", ["basic", "basic-raw", "post"])
def test_invalid_client_message_has_no_secret(
    helper_env: dict[str, str], token_server: TokenServer, client_auth: str
) -> None:
    """The issuer refusing the client (any client_auth) yields an error that never shows the secret."""
    write_config(helper_env, f'[profiles.default]\nclient_auth = "{client_auth}"\n')
    token_server.clients[CLIENT_ID] = "the-right-secret"
    result = run_cli(["--verbose", "token"], helper_env)
    assert result.code == 4
    assert "invalid_client" in result.stderr
    assert_clean(result, token_server)


ECHOED_FORMS = ("raw", "form-encoded", "percent-encoded")  # as a server echoing the request body would show it


@pytest.mark.parametrize("form", ECHOED_FORMS)
def test_issuer_echoing_the_secret_is_masked(helper_env: dict[str, str], token_server: TokenServer, form: str) -> None:
    """An issuer whose error_description echoes the request body (raw or encoded secret) does not get it printed."""
    echoed = secret_forms()[form]
    token_server.queue(
        Reply(400, {"error": "invalid_request", "error_description": f"bad body client_secret={echoed}&x=1"})
    )
    result = run_cli(["--verbose", "token"], helper_env)
    assert result.code == 4
    assert "invalid_request" in result.stderr
    assert_clean(result, token_server)


def test_issuer_echoing_the_authorization_header_is_masked(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """An issuer that echoes our Basic Authorization header back in its error does not get it printed."""
    header = "Basic " + base64.b64encode(f"{CLIENT_ID}:{quote_plus(CLIENT_SECRET, safe='')}".encode()).decode()
    token_server.queue(Reply(401, {"error": "invalid_client", "error_description": f"rejected: {header}"}))
    result = run_cli(["--verbose", "token"], helper_env)
    assert result.code == 4
    assert "invalid_client" in result.stderr
    assert header.removeprefix("Basic ") not in result.stderr
    assert_clean(result, token_server)


def test_server_errors_echoing_the_secret_are_masked(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """500s whose HTML bodies echo the request (raw and encoded secret) are retried and reported without it."""
    forms = secret_forms()
    body = f"<html><body>Internal error for {forms['raw']} / {forms['form-encoded']}</body></html>"
    token_server.queue(*[Reply(500, body, {"Retry-After": "0", "Content-Type": "text/html"}) for _ in range(5)])
    result = run_cli(["--verbose", "token"], helper_env, clock=FakeClock())
    assert result.code == 5
    assert result.stderr.count("retrying in") == 4
    assert_clean(result, token_server)


def test_bad_token_type_names_the_type_not_the_token(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """A non-Bearer answer is refused naming its token_type; neither its token nor the secret is printed."""
    token_server.extra_fields["token_type"] = "mac"
    result = run_cli(["--verbose", "token"], helper_env)
    assert result.code == 4
    assert "token_type is 'mac'" in result.stderr
    assert token_server.issued
    assert_clean(result, token_server)
    assert list(Path(helper_env["RIGHTBRAIN_CACHE_DIR"]).glob("*.token")) == []


def test_stale_serve_warning_has_no_secret_or_token(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """The serve-stale warning after a failed refresh carries neither the secret nor the token."""
    token_server.expires_in = 60
    clock = FakeClock()
    run_cli(["token"], helper_env, clock=clock)
    clock.advance(45)
    token_server.queue(*[Reply(503, f"down {CLIENT_SECRET}", {"Retry-After": "0"}) for _ in range(5)])
    result = run_cli(["--verbose", "token"], helper_env, clock=clock)
    assert (result.code, result.stdout) == (0, token_server.issued[0] + "\n")
    assert "serving the cached token" in result.stderr
    assert_clean(result, token_server, token_on_stdout=True)


@pytest.mark.parametrize(
    ("content", "mode"),
    [
        (CLIENT_SECRET, 0o644),
        (f"{CLIENT_SECRET}\n{CLIENT_SECRET}\n", 0o600),
        (f"line one\n{CLIENT_SECRET}", 0o600),
    ],
    ids=["world-readable", "two-lines", "secret-on-line-two"],
)
def test_secret_file_errors_do_not_echo_it(
    helper_env: dict[str, str], token_server: TokenServer, tmp_path: Path, content: str, mode: int
) -> None:
    """A refused secret file's error names the file, never its content."""
    path = secret_file(tmp_path / "secret", content, mode)
    result = run_cli(["--verbose", "token"], file_env(helper_env, path))
    assert result.code == 3
    assert str(path) in result.stderr
    assert_clean(result, token_server)


def secret_by_env(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """The secret from RIGHTBRAIN_CLIENT_SECRET."""
    return env


def secret_by_file(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """The secret from a 0600 file."""
    return file_env(env, secret_file(tmp_path / "secret", CLIENT_SECRET + "\n"))


def secret_by_command(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """The secret from client_secret_command."""
    script = tmp_path / "secret.py"
    script.write_text(f"print({CLIENT_SECRET!r})\n", encoding="utf-8")
    write_config(env, f'[profiles.default]\nclient_secret_command = ["{sys.executable}", "{script}"]\n')
    return {key: value for key, value in env.items() if key != "RIGHTBRAIN_CLIENT_SECRET"}


@pytest.mark.parametrize("source", [secret_by_env, secret_by_file, secret_by_command])
def test_cache_directory_never_holds_the_secret(
    helper_env: dict[str, str],
    token_server: TokenServer,
    tmp_path: Path,
    source: Callable[[dict[str, str], Path], dict[str, str]],
) -> None:
    """Whatever the secret's source, no file in the cache directory (entries, locks, snapshots) contains it."""
    env = source(helper_env, tmp_path)
    config = Path(env["XDG_CONFIG_HOME"]) / "rightbrain-helper" / "config.toml"
    if config.exists():  # old enough for the parsed-config snapshot to be written into the cache dir
        os.utime(config, (1_000_000_000, 1_000_000_000))
    clock = FakeClock()
    for _ in range(2):
        result = run_cli(["--verbose", "token", "--force-refresh"], env, clock=clock)
        assert result.code == 0, result.stderr
        assert_clean(result, token_server, token_on_stdout=True)
        clock.advance(1)
    assert_cache_clean(env)
