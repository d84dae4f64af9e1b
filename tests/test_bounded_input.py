"""Every structure from outside is bounded: JSON (the token response, docker's `store` input, KUBERNETES_EXEC_INFO,
and TOML) in size and depth, git's attribute lines in length and count, and ports in range. Each protocol gives
its own clean answer, never a RecursionError or an "internal error"."""

from __future__ import annotations

import os

import pytest

from rightbrain_helper.errors import EXIT_CONFIG, EXIT_REJECTED, EXIT_USAGE
from rightbrain_helper.integrations.git import MAX_LINES

from .conftest import run_cli
from .support.fakes import FakeClock, never_transport
from .support.procs import entry_paths, write_config
from .support.tokenserver import Reply, TokenServer
from .test_config import assert_one_line_error
from .test_docker_adapter import NOT_FOUND, docker
from .test_git_adapter import basic, credential
from .test_kubectl_adapter import assert_one_line_failure, kubectl_env

DEEP = 100_000  # far past the interpreter's recursion limit
DEEP_ARRAY = "[" * DEEP + "]" * DEEP
DEEP_OBJECT = '{"a":' * DEEP + "1" + "}" * DEEP


@pytest.mark.parametrize(
    "body",
    [
        DEEP_ARRAY,
        DEEP_OBJECT,
        '{"access_token":"tok-x","token_type":"Bearer","authorization_details":' + DEEP_ARRAY + "}",
        '{"access_token":"tok-x","token_type":"Bearer","padding":"' + "x" * (2 * 1024 * 1024) + '"}',
    ],
    ids=["deep-array", "deep-object", "deep-field", "over-1-MiB"],
)
def test_token_response_too_deep_or_large_is_a_bad_response(
    helper_env: dict[str, str], token_server: TokenServer, body: str
) -> None:
    """A token response nested past the limit or longer than 1 MiB: exit 4, one line, nothing cached."""
    token_server.queue(Reply(200, body, {"Content-Type": "application/json"}))
    result = run_cli(["token"], helper_env, clock=FakeClock())
    assert_one_line_error(result, EXIT_REJECTED, "token endpoint answer ")
    assert "internal error" not in result.stderr
    assert not os.path.exists(entry_paths(helper_env)[0])


def test_moderately_nested_token_response_is_accepted(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """Nesting well within the limit (RFC 9396 authorization_details and the like) does not stop a token."""
    token_server.extra_fields = {"authorization_details": [{"type": "x", "locations": [[["a"]]]}]}
    result = run_cli(["token"], helper_env, clock=FakeClock())
    assert (result.code, result.stdout) == (0, token_server.issued[0] + "\n")


@pytest.mark.parametrize(
    "stdin",
    [DEEP_ARRAY[:60_000], '{"ServerURL":' + "[" * 30_000, '{"ServerURL":"' + "r" * 70_000 + '"}'],
    ids=["deep", "deep-unclosed", "over-64-KiB"],
)
def test_docker_store_with_deep_or_huge_input_still_exits_zero(helper_env: dict[str, str], stdin: str) -> None:
    """docker's `store` never fails (docker login would): deep or huge input is one warning and exit 0."""
    result = docker("store", helper_env, stdin, transport_factory=never_transport)
    assert (result.code, result.stdout) == (0, "")
    assert result.stderr == (
        "rightbrain-helper: warning: store: input is not the JSON object docker sends; nothing was stored\n"
    )


@pytest.mark.parametrize(
    "info",
    [DEEP_ARRAY, '{"spec":' + DEEP_OBJECT + "}", '{"apiVersion":"' + "v" * (1024 * 1024) + '"}'],
    ids=["deep-array", "deep-spec", "over-1-MiB"],
)
def test_kubectl_exec_info_too_deep_or_large_is_one_line(helper_env: dict[str, str], info: str) -> None:
    """KUBERNETES_EXEC_INFO nested past the limit or over 1 MiB: kubectl's usual answer, one line and exit 1."""
    result = run_cli(["kubectl"], kubectl_env(helper_env, info), transport_factory=never_transport)
    assert_one_line_failure(result)
    assert "KUBERNETES_EXEC_INFO" in result.stderr
    assert "internal error" not in result.stderr


@pytest.mark.parametrize("value", ["[" * DEEP + "]" * DEEP, "{b=" * 5000 + "1" + "}" * 5000], ids=["array", "table"])
def test_deeply_nested_config_file_is_a_config_error(helper_env: dict[str, str], value: str) -> None:
    """A config file nesting arrays or inline tables past the parser's recursion: exit 3, one line."""
    write_config(helper_env, f"[profiles.default]\nscope = {value}\n")
    result = run_cli(["token"], helper_env, transport_factory=never_transport)
    assert_one_line_error(result, EXIT_CONFIG, "nests arrays or inline tables too deeply")


# --- git's attribute lines ---------------------------------------------------------------------------------------


def test_git_input_with_too_many_lines_is_a_usage_error(helper_env: dict[str, str]) -> None:
    """More attribute lines than any git sends: exit 2 and one line, before any host lookup or fetch."""
    stdin = "protocol=https\n" * (MAX_LINES + 1) + "\n"
    result = credential("get", stdin, helper_env, transport_factory=never_transport)
    assert (result.code, result.stdout) == (EXIT_USAGE, "")
    assert f"more than {MAX_LINES} input lines" in result.stderr


def test_git_input_of_exactly_the_line_limit_is_read(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """MAX_LINES attribute lines are still a request (the bound is not off by one)."""
    filler = "wwwauth[]=Basic realm=x\n" * (MAX_LINES - 2)
    stdin = f"protocol=https\nhost=git.example.com\n{filler}\n"
    result = credential("get", stdin, {**helper_env, "RIGHTBRAIN_HOSTS": "git.example.com"})
    assert result.code == 0, result.stderr
    assert result.stdout == basic(token_server.issued[0])


# --- ports -------------------------------------------------------------------------------------------------------

BAD_PORTS = ["99999", "65536", "0", "-1", "+443", "\u0664\u0664\u0663", "\u00b2", "4 43", "0x1bb"]


@pytest.mark.parametrize("port", BAD_PORTS)
def test_git_host_with_an_impossible_port_gets_nothing(helper_env: dict[str, str], port: str) -> None:
    """host=H:PORT with a port no connection could use is no configured host: no answer, exit 0, no fetch."""
    env = {**helper_env, "RIGHTBRAIN_HOSTS": "git.example.com"}
    result = credential("get", f"protocol=https\nhost=git.example.com:{port}\n", env, transport_factory=never_transport)
    assert (result.code, result.stdout, result.stderr) == (0, "", "")


@pytest.mark.parametrize("port", BAD_PORTS)
def test_docker_server_url_with_an_impossible_port_is_not_found(helper_env: dict[str, str], port: str) -> None:
    """A registry address with a port no connection could use gets docker's exact not-found answer."""
    env = {**helper_env, "RIGHTBRAIN_HOSTS": "reg.example.com"}
    result = docker("get", env, f"https://reg.example.com:{port}/v2/", transport_factory=never_transport)
    assert (result.code, result.stdout) == (1, NOT_FOUND)


@pytest.mark.parametrize(("configured", "asked"), [("443", "0443"), ("0443", "443"), ("00443", "0443")])
def test_port_with_leading_zeros_is_the_same_port(
    helper_env: dict[str, str], token_server: TokenServer, configured: str, asked: str
) -> None:
    """Ports compare as numbers on both sides: host=H:0443 matches an `H:443` entry and the other way round."""
    env = {**helper_env, "RIGHTBRAIN_HOSTS": f"git.example.com:{configured}"}
    result = credential("get", f"protocol=https\nhost=git.example.com:{asked}\n", env)
    assert result.stdout == basic(token_server.issued[-1])


def test_configured_entry_with_an_impossible_port_matches_nothing(helper_env: dict[str, str]) -> None:
    """A host entry `H:99999` serves no port at all (and is not taken for a host-only entry)."""
    env = {**helper_env, "RIGHTBRAIN_HOSTS": "git.example.com:99999"}
    for port in ("99999", "443"):
        stdin = f"protocol=https\nhost=git.example.com:{port}\n"
        assert credential("get", stdin, env, transport_factory=never_transport).stdout == ""


@pytest.mark.parametrize("port", ["\u00b2", "99999", "\u0664\u0664\u0663"])
def test_configure_git_with_an_impossible_port_is_a_usage_error(helper_env: dict[str, str], port: str) -> None:
    """`configure git --host H:PORT` with a bad port is refused in one line (exit 2), never an internal error."""
    result = run_cli(["configure", "git", "--host", f"git.example.com:{port}"], helper_env)
    assert_one_line_error(result, EXIT_USAGE, "--host")


def test_token_url_with_a_huge_numeric_label_is_a_config_error(helper_env: dict[str, str]) -> None:
    """An http token URL whose host has a 5000-digit label is no loopback address: refused as config (exit 3)."""
    env = {**helper_env, "RIGHTBRAIN_TOKEN_URL": "http://" + "1" * 5000 + ".0.0.1/token"}
    result = run_cli(["token"], env, transport_factory=never_transport)
    assert_one_line_error(result, EXIT_CONFIG, "token_url")
