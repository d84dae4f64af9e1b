"""terraform-credentials-rightbrain: exact transcripts of get, store and forget, in process and as terraform runs it."""

from __future__ import annotations

import io
import subprocess

import pytest

from rightbrain_helper.integrations.serve import serve
from rightbrain_helper.integrations.terraform import TERRAFORM, USAGE
from rightbrain_helper.ports import TransportFactory
from rightbrain_helper.runtime import Runtime
from rightbrain_helper.token.service import default_transport

from .conftest import BIN_DIR, CliResult
from .support.adapters import run_adapter
from .support.fakes import never_transport
from .support.tokenserver import Reply, TokenServer

HOST = "app.example.com"


def terraform(
    argv: list[str], env: dict[str, str], stdin: str = "", *, transport_factory: TransportFactory = default_transport
) -> CliResult:
    """One helper run as terraform makes it, in process."""
    return run_adapter(TERRAFORM, argv, env, stdin, transport_factory=transport_factory)


@pytest.fixture
def env(helper_env: dict[str, str]) -> dict[str, str]:
    """helper_env with HOST and a host with a port configured."""
    return {**helper_env, "RIGHTBRAIN_HOSTS": f"{HOST},tf.example.com:8443"}


@pytest.mark.parametrize("name", [HOST, "App.Example.COM", f"{HOST}:8443", "tf.example.com:8443"])
def test_get_prints_the_token_object(name: str, env: dict[str, str], token_server: TokenServer) -> None:
    """get HOST for a configured host prints exactly {"token":"<token>"} and a newline; case and port as sent."""
    result = terraform(["get", name], env)
    assert (result.code, result.stdout, result.stderr) == (0, f'{{"token":"{token_server.issued[0]}"}}\n', "")


@pytest.mark.parametrize("name", ["other.example.com", "tf.example.com", "tf.example.com:9443", "example.com"])
def test_get_prints_an_empty_object_for_other_hosts(name: str, env: dict[str, str]) -> None:
    """Any other host (or a configured host on another port): `{}`, exit 0, no token fetched."""
    result = terraform(["get", name], env, transport_factory=never_transport)
    assert (result.code, result.stdout, result.stderr) == (0, "{}\n", "")


def test_the_second_get_is_served_from_the_cache(env: dict[str, str], token_server: TokenServer) -> None:
    """Two terraform processes for one host: one token request, the same token."""
    first, second = terraform(["get", HOST], env), terraform(["get", HOST], env, transport_factory=never_transport)
    assert first.stdout == second.stdout
    assert len(token_server.token_requests()) == 1


def test_store_reads_its_input_and_keeps_nothing(env: dict[str, str], token_server: TokenServer) -> None:
    """store HOST (terraform login): the JSON input is read and ignored, no output, exit 0; get still fetches."""
    result = terraform(["store", HOST], env, '{"token":"user-supplied"}', transport_factory=never_transport)
    assert (result.code, result.stdout, result.stderr) == (0, "", "")
    assert "user-supplied" not in terraform(["get", HOST], env).stdout


@pytest.mark.parametrize("argv", [["store", HOST], ["--bogus", "store", HOST], ["store", "bad:host"]])
def test_store_reads_its_input_even_when_it_fails(argv: list[str], env: dict[str, str]) -> None:
    """store reads terraform's input to the end before anything can fail (terraform expects it read)."""
    stdin = io.StringIO('{"token":"x"}' * 1000)
    runtime = Runtime(env=env, stdin=stdin, stdout=io.StringIO(), stderr=io.StringIO())
    serve(TERRAFORM, argv, runtime)
    assert stdin.tell() == len('{"token":"x"}' * 1000)


def test_store_drains_large_and_undecodable_input(env: dict[str, str]) -> None:
    """The real script reads store's input to EOF even when it is large or not UTF-8, and exits 0 silently."""
    payload = b'{"token":"' + b"\xff\xfe" * 200_000 + b'"}'
    result = subprocess.run(
        [str(BIN_DIR / "terraform-credentials-rightbrain"), "store", HOST],
        env=env,
        input=payload,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")


def test_forget_drops_the_cached_token(env: dict[str, str], token_server: TokenServer) -> None:
    """forget HOST (terraform logout): no output, exit 0, and the next get fetches a new token."""
    first = terraform(["get", HOST], env)
    result = terraform(["forget", HOST], env)
    assert (result.code, result.stdout, result.stderr) == (0, "", "")
    second = terraform(["get", HOST], env)
    assert len(token_server.issued) == 2
    assert second.stdout == f'{{"token":"{token_server.issued[1]}"}}\n' != first.stdout


@pytest.mark.parametrize("name", ["other.example.com", HOST])
def test_forget_without_a_cached_token_succeeds(name: str, env: dict[str, str]) -> None:
    """forget for an unknown host, or with nothing cached: exit 0, nothing printed."""
    result = terraform(["forget", name], env, transport_factory=never_transport)
    assert (result.code, result.stdout, result.stderr) == (0, "", "")


def test_a_failing_fetch_goes_to_stderr_with_its_exit_code(env: dict[str, str], token_server: TokenServer) -> None:
    """The issuer refuses: nothing on stdout (terraform would parse it), the reason on stderr, exit 4."""
    token_server.queue(Reply(401, {"error": "invalid_client"}))
    result = terraform(["get", HOST], env)
    assert (result.code, result.stdout) == (4, "")
    assert result.stderr.startswith("rightbrain-helper: error: token endpoint refused (invalid_client, HTTP 401)")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "expected VERB HOST"),
        (["get"], "expected VERB HOST"),
        (["--bogus", "get", HOST], "unknown option '--bogus'"),
        (["get", "host:port"], "is not a HOST[:PORT]"),
        (["get", ""], "is not a HOST[:PORT]"),
        (["list", HOST], "unknown action 'list'"),
    ],
)
def test_bad_command_lines_are_usage_errors(argv: list[str], message: str, env: dict[str, str]) -> None:
    """A command line terraform never sends: exit 2, one stderr line saying what is wrong, nothing on stdout."""
    result = terraform(argv, env, transport_factory=never_transport)
    assert (result.code, result.stdout) == (2, "")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


def test_configured_args_before_the_verb_are_accepted(env: dict[str, str], token_server: TokenServer) -> None:
    """`args = ["-v"]` in the credentials_helper block comes before the verb: debug lines on stderr, same answer."""
    result = terraform(["-v", "get", HOST], env)
    assert result.stdout == f'{{"token":"{token_server.issued[0]}"}}\n'
    assert "rightbrain-helper: debug:" in result.stderr
    assert token_server.issued[0] not in result.stderr


def test_help_prints_the_usage(env: dict[str, str]) -> None:
    """--help prints the usage on stdout, exit 0."""
    result = terraform(["--help"], env)
    assert (result.code, result.stdout) == (0, USAGE)
