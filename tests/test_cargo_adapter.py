"""cargo-credential-rightbrain: exact transcripts of cargo's JSON-lines protocol (hello, one request, one answer)."""

from __future__ import annotations

import json
import subprocess

import pytest

from rightbrain_helper.integrations.cargo import CARGO, index_address
from rightbrain_helper.ports import TransportFactory
from rightbrain_helper.token.service import default_transport

from .conftest import BIN_DIR, CliResult
from .support.adapters import cargo_request, run_adapter
from .support.fakes import FakeClock, never_transport
from .support.tokenserver import Reply, TokenServer

HELLO = '{"v":[1]}\n'
INDEX = "sparse+https://crates.example.com/index/"
URL_NOT_SUPPORTED = HELLO + '{"Err":{"kind":"url-not-supported"}}\n'
CLOCK_START = 1_800_000_000


def cargo(
    line: str,
    env: dict[str, str],
    *,
    transport_factory: TransportFactory = default_transport,
    argv: list[str] | None = None,
) -> CliResult:
    """One provider run as cargo makes it: `--cargo-plugin`, one request line on stdin; a fixed clock."""
    argv = ["--cargo-plugin"] if argv is None else argv
    return run_adapter(CARGO, argv, env, line + "\n", clock=FakeClock(CLOCK_START), transport_factory=transport_factory)


def ok_get(token: str) -> str:
    """The exact answer to a get: expiration = expiry (3600 s) - min_valid (60 s) from the fake clock."""
    answer = {
        "kind": "get",
        "token": token,
        "cache": "expires",
        "expiration": CLOCK_START + 3600 - 60,
        "operation_independent": True,
    }
    return HELLO + json.dumps({"Ok": answer}, separators=(",", ":")) + "\n"


def err_other(message: str) -> str:
    """The exact answer for a failure."""
    return HELLO + json.dumps({"Err": {"kind": "other", "message": message}}, separators=(",", ":")) + "\n"


@pytest.fixture
def env(helper_env: dict[str, str]) -> dict[str, str]:
    """helper_env with crates.example.com, a loopback registry and an http-only name configured."""
    return {**helper_env, "RIGHTBRAIN_HOSTS": "crates.example.com,127.0.0.1:5000,plain.example.com"}


@pytest.mark.parametrize("operation", [{"operation": "read"}, {"operation": "publish", "name": "x", "vers": "1.0.0"}])
def test_get_answers_with_a_bearer_token_and_its_expiry(
    operation: dict[str, str], env: dict[str, str], token_server: TokenServer
) -> None:
    """get for a configured registry: hello, then Ok with "Bearer <token>", cache=expires and the expiration."""
    result = cargo(cargo_request("get", INDEX, **operation), env)
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == ok_get(f"Bearer {token_server.issued[0]}")


def test_no_bearer_arg_sends_the_bare_token(env: dict[str, str], token_server: TokenServer) -> None:
    """credential-provider args ["--no-bearer"] (per registry): the token without a scheme."""
    result = cargo(cargo_request("get", INDEX, args=["--no-bearer"]), env)
    assert result.stdout == ok_get(token_server.issued[0])


@pytest.mark.parametrize(
    "index",
    [
        "sparse+https://other.example.com/index/",
        "sparse+https://crates.example.com.evil/index/",
        "sparse+http://127.0.0.1:5001/index/",
        "file:///srv/index",
        "not a url",
    ],
)
def test_other_registries_are_not_supported(index: str, env: dict[str, str]) -> None:
    """An index whose host[:port] is not configured: url-not-supported (cargo asks its next provider), silently."""
    result = cargo(cargo_request("get", index), env, transport_factory=never_transport)
    assert (result.code, result.stdout, result.stderr) == (0, URL_NOT_SUPPORTED, "")


def test_plain_http_is_refused_unless_loopback(env: dict[str, str], token_server: TokenServer) -> None:
    """http:// to a configured non-loopback host: url-not-supported and a warning; to 127.0.0.1 it is served."""
    refused = cargo(cargo_request("get", "sparse+http://plain.example.com/index/"), env)
    assert refused.stdout == URL_NOT_SUPPORTED
    assert "plain http would send it in clear; use an https:// URL" in refused.stderr
    served = cargo(cargo_request("get", "sparse+http://127.0.0.1:5000/index/"), env)
    assert served.stdout == ok_get(f"Bearer {token_server.issued[0]}")


def test_logout_drops_the_cached_token(env: dict[str, str], token_server: TokenServer) -> None:
    """logout (cargo logout): Ok logout, and the next get fetches a new token."""
    cargo(cargo_request("get", INDEX), env)
    result = cargo(cargo_request("logout", INDEX), env)
    assert (result.code, result.stdout) == (0, HELLO + '{"Ok":{"kind":"logout"}}\n')
    assert cargo(cargo_request("get", INDEX), env).stdout == ok_get(f"Bearer {token_server.issued[1]}")


def test_login_is_not_supported_and_ignores_the_token(env: dict[str, str]) -> None:
    """login (cargo login): operation-not-supported, the reason on stderr; the token is neither kept nor echoed."""
    line = cargo_request("login", INDEX, token="pasted-secret", **{"login-url": "https://crates.example.com/me"})
    result = cargo(line, env, transport_factory=never_transport)
    assert result.code == 0
    assert result.stdout.startswith(HELLO + '{"Err":{"kind":"operation-not-supported","message":"tokens for this')
    assert "pasted-secret" not in result.stdout + result.stderr
    assert result.stderr == (
        "rightbrain-helper: warning: cargo login --registry test: tokens for this registry come from the OAuth "
        "issuer; there is nothing to log in to (see docs/how-to/cargo.md)\n"
    )


@pytest.mark.parametrize("kind", ["login", "logout"])
def test_login_and_logout_for_other_registries_are_not_supported(kind: str, env: dict[str, str]) -> None:
    """login and logout of a registry that is not ours: url-not-supported, so cargo tries its other providers."""
    result = cargo(cargo_request(kind, "sparse+https://other.example.com/"), env, transport_factory=never_transport)
    assert result.stdout == URL_NOT_SUPPORTED


def test_an_unknown_kind_is_an_unsupported_operation(env: dict[str, str]) -> None:
    """A kind from a newer cargo: operation-not-supported."""
    result = cargo(cargo_request("rotate", INDEX), env, transport_factory=never_transport)
    assert result.stdout == HELLO + '{"Err":{"kind":"operation-not-supported"}}\n'


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("", "cargo's request is not JSON (expected a JSON value at character 0)"),
        ("{not json", "cargo's request is not JSON (expected a member name at character 1)"),
        ("[]", "cargo's request is not a JSON object"),
        ('{"v":2,"kind":"get"}', "cargo asked for protocol version 2; cargo-credential-rightbrain speaks version 1"),
        (
            '{"v":true,"kind":"get"}',
            "cargo asked for protocol version True; cargo-credential-rightbrain speaks version 1",
        ),
        ('{"v":1,"kind":"get"}', "cargo's request has no kind or no registry"),
        ('{"v":1,"kind":"get","registry":{}}', "cargo's request has no registry index-url"),
    ],
)
def test_bad_requests_get_an_error_answer(line: str, message: str, env: dict[str, str]) -> None:
    """A request cargo would never send: an Err other answer naming the problem, exit 0 (cargo reads stdout)."""
    result = cargo(line, env, transport_factory=never_transport)
    assert (result.code, result.stdout, result.stderr) == (0, err_other(message), "")


def test_unknown_provider_args_are_refused(env: dict[str, str]) -> None:
    """credential-provider args other than --no-bearer and -v: an Err naming the allowed ones."""
    result = cargo(cargo_request("get", INDEX, args=["--profile", "x"]), env, transport_factory=never_transport)
    expected = "credential-provider arguments ['--profile', 'x']: cargo-credential-rightbrain takes only "
    assert result.stdout == err_other(expected + "--no-bearer, -v, --verbose")


def test_a_refused_fetch_is_an_error_answer(env: dict[str, str], token_server: TokenServer) -> None:
    """The issuer refuses: Err other with the reason (cargo prints it under `failed action get`), exit 0."""
    token_server.queue(Reply(401, {"error": "invalid_client"}))
    result = cargo(cargo_request("get", INDEX), env)
    assert result.code == 0
    answer = json.loads(result.stdout.removeprefix(HELLO))
    assert answer["Err"]["kind"] == "other"
    assert answer["Err"]["message"].startswith("token endpoint refused (invalid_client, HTTP 401)")
    assert result.stderr == ""


@pytest.mark.parametrize("argv", [[], ["get"], ["--cargo-plugin", "extra"]])
def test_run_by_hand_it_explains_itself_without_a_hello(argv: list[str], env: dict[str, str]) -> None:
    """Without exactly `--cargo-plugin`: no hello, a usage line on stderr, exit 2."""
    result = cargo("", env, argv=argv, transport_factory=never_transport)
    assert (result.code, result.stdout) == (2, "")
    assert "is run by cargo as `cargo-credential-rightbrain --cargo-plugin`" in result.stderr


def test_the_real_script_speaks_the_protocol_over_pipes(env: dict[str, str], token_server: TokenServer) -> None:
    """The installed console script: hello first, then the answer line for the request; exit 0."""
    result = subprocess.run(
        [str(BIN_DIR / "cargo-credential-rightbrain"), "--cargo-plugin"],
        env=env,
        input=cargo_request("get", INDEX) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    hello, answer = result.stdout.splitlines()
    assert hello == '{"v":[1]}'
    assert json.loads(answer)["Ok"]["token"] == f"Bearer {token_server.issued[0]}"


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("sparse+https://Crates.Example.com/index/", ("https", "crates.example.com", "", "/index/")),
        ("sparse+http://127.0.0.1:5000/index/", ("http", "127.0.0.1", "5000", "/index/")),
        ("https://github.com/rust-lang/crates.io-index", ("https", "github.com", "", "/rust-lang/crates.io-index")),
        ("registry+https://user@host.example:8443", ("https", "host.example", "8443", "")),
        ("sparse+https://[::1]:8443/i/", ("https", "::1", "8443", "/i/")),
        ("sparse+https://host:port/", ("https", "", "", "")),
        ("no-scheme/index", ("", "", "", "")),
    ],
)
def test_index_address(url: str, address: tuple[str, str, str, str]) -> None:
    """The scheme, host, port and path of an index URL: the sparse+/registry+ prefix and userinfo dropped."""
    assert index_address(url) == address
