"""Redaction on the paths of bazel, goauth, env and the Python API: with --verbose (or RIGHTBRAIN_VERBOSE), the
client secret in any encoding never reaches stdout or stderr, and the token never reaches stderr."""

from __future__ import annotations

import pytest

import rightbrain_helper
from rightbrain_helper import api
from rightbrain_helper.errors import TokenEndpointRejected

from .conftest import CLIENT_SECRET, run_cli
from .support.tokenserver import Reply, TokenServer
from .test_redaction import assert_clean, assert_no_secret

HOST = "tools.example.com"


@pytest.mark.parametrize(
    ("argv", "stdin"),
    [
        (["-v", "bazel", "get"], '{"uri":"https://tools.example.com/x"}'),
        (["-v", "goauth"], ""),
        (["-v", "goauth", "https://tools.example.com/x"], "HTTP/1.1 401 Unauthorized\n\n"),
        (["-v", "env"], ""),
    ],
)
def test_tool_paths_keep_the_secret_off_every_stream(
    argv: list[str], stdin: str, helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """The token is printed only where the protocol puts it (stdout); the secret nowhere; debug lines were written."""
    env = {**helper_env, "RIGHTBRAIN_HOSTS": HOST}
    result = run_cli(argv, env, stdin=stdin)
    assert result.code == 0, result.stderr
    assert "debug:" in result.stderr
    assert token_server.issued[-1] in result.stdout
    assert_clean(result, token_server, token_on_stdout=True)


@pytest.mark.parametrize(
    "argv", [["-v", "bazel", "get"], ["-v", "goauth"], ["-v", "goauth", "https://tools.example.com/x"], ["-v", "env"]]
)
def test_tool_failure_lines_carry_no_secret(
    argv: list[str], helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """An issuer that echoes the client secret in its error: the helper's error or warning line masks it."""
    token_server.queue(Reply(400, {"error": "invalid_request", "error_description": f"bad secret {CLIENT_SECRET}"}))
    env = {**helper_env, "RIGHTBRAIN_HOSTS": HOST}
    result = run_cli(argv, env, stdin='{"uri":"https://tools.example.com/x"}')
    assert result.code != 0
    assert "invalid_request" in result.stderr
    assert_clean(result, token_server)


def test_api_errors_carry_no_secret(
    helper_env: dict[str, str], token_server: TokenServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """get_token's exception, which a program may log, holds no form of the secret the issuer echoed."""
    for key, value in helper_env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(api, "_shared", api._Shared())
    token_server.queue(Reply(400, {"error": "invalid_request", "error_description": f"bad secret {CLIENT_SECRET}"}))
    with pytest.raises(TokenEndpointRejected) as caught:
        rightbrain_helper.get_token()
    assert "invalid_request" in str(caught.value)
    assert_no_secret(str(caught.value), "exception")
    assert_no_secret(repr(caught.value), "exception repr")
