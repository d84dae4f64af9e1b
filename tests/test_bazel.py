"""The Bazel credential helper: exact GetCredentialsResponse bytes, the spec's JSON schemas, and every bad input.

Bazel is not installed here, so the answers are checked against EngFlow/credential-helper-spec: spec.md and
schemas/get-credentials-{request,response}.schema.json (draft 2020-12), and Bazel's `expires` parser
(`yyyy-MM-dd'T'HH:mm:ssXXX`: whole seconds, upper-case Z).
"""

from __future__ import annotations

import calendar
import json
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rightbrain_helper.errors import UsageError
from rightbrain_helper.integrations.bazel import MAX_DEPTH, MAX_INPUT, NOT_FOUND, parse_request, render
from rightbrain_helper.ports import TransportFactory
from rightbrain_helper.token.entry import Token
from rightbrain_helper.token.service import default_transport

from .conftest import CliResult, helper_command, run_cli, run_helper
from .support.fakes import FakeClock, never_transport
from .support.heavy import HEAVY_MODULES
from .support.probe import probe
from .support.procs import write_config
from .support.tokenserver import TokenServer

HOST = "cache.example.com"
NOW = 1_800_000_000.0


def bazel(
    env: dict[str, str],
    stdin: str,
    *,
    clock: FakeClock | None = None,
    verb: str = "get",
    transport_factory: TransportFactory = default_transport,
) -> CliResult:
    """`rightbrain-helper bazel VERB` in process with `stdin`."""
    argv = ["bazel", verb] if verb else ["bazel"]
    return run_cli(argv, env, stdin=stdin, clock=clock, transport_factory=transport_factory)


def request(uri: str) -> str:
    """A GetCredentialsRequest as Bazel's Gson writes it."""
    return json.dumps({"uri": uri}, separators=(",", ":"))


def expected(token: str, expires: str) -> str:
    """The exact response for `token`."""
    return f'{{"headers":{{"Authorization":["Bearer {token}"]}},"expires":"{expires}"}}\n'


def check_response_schema(document: object) -> None:
    """GetCredentialsResponse, structurally: an object; `headers` an object of arrays of strings; `expires` a
    string; other properties allowed; nothing required."""
    assert isinstance(document, dict)
    headers = document.get("headers", {})
    assert isinstance(headers, dict)
    for values in headers.values():
        assert isinstance(values, list)
        assert all(isinstance(value, str) for value in values)
    assert isinstance(document.get("expires", ""), str)


def check_bazel_expires(text: str) -> float:
    """Parse as Bazel does (yyyy-MM-dd'T'HH:mm:ssXXX, here UTC only); the epoch seconds."""
    assert len(text) == 20, text
    assert text.endswith("Z"), text
    assert text[10] == "T", text
    return float(calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ")))


@pytest.fixture
def env(helper_env: dict[str, str]) -> dict[str, str]:
    """helper_env with HOST configured through RIGHTBRAIN_HOSTS."""
    return {**helper_env, "RIGHTBRAIN_HOSTS": f"{HOST},127.0.0.1"}


def test_get_answers_the_exact_response(env: dict[str, str], token_server: TokenServer) -> None:
    """A configured host gets the Authorization header and `expires` = expiry minus min_valid, whole seconds, Z."""
    clock = FakeClock(NOW)
    result = bazel(env, request(f"https://{HOST}/cas/0123"), clock=clock)
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == expected(token_server.issued[0], "2027-01-15T08:59:00Z")  # NOW + 3600 - 60
    assert check_bazel_expires("2027-01-15T08:59:00Z") == NOW + 3600 - 60


def test_response_matches_the_spec_schema_and_bazels_parser(env: dict[str, str], token_server: TokenServer) -> None:
    """The answer validates against GetCredentialsResponse, and `expires` parses with Bazel's pattern although the
    token's expiry has a fraction (whole seconds, rounded down)."""
    token_server.expires_in = 3600.75
    result = bazel(env, request(f"grpcs://{HOST}"), clock=FakeClock(NOW + 0.5))
    document = json.loads(result.stdout)
    check_response_schema(document)
    assert document["headers"] == {"Authorization": [f"Bearer {token_server.issued[0]}"]}
    assert check_bazel_expires(document["expires"]) == int(NOW + 0.5 + 3600.75 - 60)


def test_render_never_gives_an_expiry_before_now() -> None:
    """A token whose usable time is already past (a clock jump) expires `now`, not in the past."""
    token = Token("tok", "Bearer", expires_at=NOW + 10, obtained_at=NOW - 100)
    assert render(token, NOW + 50, 60) == expected("tok", "2027-01-15T08:00:50Z")


@pytest.mark.parametrize(
    "uri",
    [
        "https://other.example.com/x",
        f"https://{HOST}.evil.example/x",
        f"https://sub.{HOST}/x",
        f"http://{HOST}/x",  # cleartext to a remote host
        f"grpc://{HOST}",
        f"ftp://{HOST}/x",
        f"https://{HOST}:notaport/x",
        "unix:///var/run/cache.sock",
        "https:///no-host",
        "not a uri",
        "",
    ],
)
def test_unconfigured_or_unsafe_uri_gets_an_empty_object(uri: str, env: dict[str, str]) -> None:
    """`{}` (no credentials needed), exit 0, and no token request."""
    result = bazel(env, request(uri), transport_factory=never_transport)
    assert (result.code, result.stdout, result.stderr) == (0, NOT_FOUND, "")
    check_response_schema(json.loads(result.stdout))


@pytest.mark.parametrize(
    ("uri", "answer"),
    [
        ("https://h.example/a/b?q=1#f", ("get", "h.example", "443", "/a/b")),
        ("GRPCS://User@H.Example:8980", ("get", "h.example", "8980", "/")),
        ("http://127.0.0.1:8080/x", ("get", "127.0.0.1", "8080", "/x")),
        ("grpc://[::1]/x", ("get", "::1", "80", "/x")),
        ("https://[2001:db8::1]:9/x", ("get", "2001:db8::1", "9", "/x")),
        ("http://cache.example.com/x", None),
    ],
)
def test_parse_request_extracts_host_port_and_path(uri: str, answer: tuple[str, str, str, str] | None) -> None:
    """The pure codec: host lower-cased, userinfo dropped, the scheme's default port, no query or fragment."""
    parsed = parse_request("get", request(uri))
    assert ((parsed.verb, parsed.host, parsed.port, parsed.path) if parsed.host else None) == answer


def test_loopback_http_is_served(env: dict[str, str], token_server: TokenServer) -> None:
    """Cleartext is allowed to a loopback host (a local cache), never elsewhere."""
    result = bazel(env, request("http://127.0.0.1:9092/cas"))
    assert result.stdout.startswith('{"headers":{"Authorization":["Bearer tok-')


@pytest.mark.parametrize(
    "stdin",
    [
        '{"uri":"https://cache.example.com/a?x\\u003d1\\u0026y"}',  # Gson's HTML-safe escapes
        '{\n  "uri": "https://cache.example.com/a",\n  "extra": [1, {"a": null}]\n}\n',  # extra properties
        '{"extra":"x","uri":"https:\\/\\/cache.example.com"}',
    ],
)
def test_any_json_encoding_of_the_request_is_understood(
    stdin: str, env: dict[str, str], token_server: TokenServer
) -> None:
    """Requests not in Bazel's exact encoding go through the bounded JSON loader and get the same answer."""
    result = bazel(env, stdin)
    assert (result.code, result.stderr) == (0, "")
    assert json.loads(result.stdout)["headers"] == {"Authorization": [f"Bearer {token_server.issued[0]}"]}


@pytest.mark.parametrize(
    ("stdin", "fragment"),
    [
        ("", "not a GetCredentialsRequest"),
        ("https://cache.example.com", "not a GetCredentialsRequest"),
        ('{"url":"https://cache.example.com"}', "not a GetCredentialsRequest"),
        ('{"uri":42}', "not a GetCredentialsRequest"),
        ('["https://cache.example.com"]', "not a GetCredentialsRequest"),
        ('{"uri":"https://cache.example.com"', "not a GetCredentialsRequest"),
        ('{"uri":"x","a":' + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "}", "nests deeper"),
        ('{"a":"' + "[" * 10_000 + '\\"","uri":"https://other.example"}', ""),  # brackets in a string are text
        ('{"uri":"https://cache.example.com/' + "a" * MAX_INPUT + '"}', "larger than"),
    ],
)
def test_bad_requests_are_one_line_usage_errors(stdin: str, fragment: str, env: dict[str, str]) -> None:
    """Input that is not a GetCredentialsRequest within the bounds: exit 2, one line on stderr, stdout empty."""
    result = bazel(env, stdin, transport_factory=never_transport)
    if not fragment:
        assert (result.code, result.stdout, result.stderr) == (0, NOT_FOUND, "")
        return
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr.count("\n") == 1, result.stderr
    assert fragment in result.stderr


@pytest.mark.parametrize(("verb", "fragment"), [("", "usage: bazel-credential-rightbrain get"), ("put", "'put'")])
def test_missing_or_unknown_command_is_a_usage_error(verb: str, fragment: str, env: dict[str, str]) -> None:
    """The spec: no command prints usage and fails; an unknown command fails; nothing on stdout."""
    result = bazel(env, request(f"https://{HOST}"), verb=verb)
    assert (result.code, result.stdout) == (2, "")
    assert fragment in result.stderr


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stdin=st.text(max_size=60) | st.builds(request, st.text(max_size=40)))
def test_any_stdin_gets_an_answer_or_a_usage_error(stdin: str, env: dict[str, str], token_server: TokenServer) -> None:
    """Whatever arrives on stdin: a response, `{}`, or exit 2 with one line; never a traceback or a fetch for an
    unconfigured host."""
    bazel(env, request(f"https://{HOST}"))  # warm the cache; after that nothing may reach the network
    result = bazel(env, stdin, transport_factory=never_transport)
    if result.code == 0:
        assert result.stderr == ""
        check_response_schema(json.loads(result.stdout))
    else:
        assert (result.code, result.stdout, result.stderr.count("\n")) == (2, "", 1)
        assert "internal error" not in result.stderr


def test_console_script_and_cli_share_the_cache(env: dict[str, str], token_server: TokenServer) -> None:
    """`bazel-credential-rightbrain get` (what Bazel runs) and `rightbrain-helper bazel get` give the same token;
    one token request in all; a real subprocess exits 0."""
    first = run_helper(["bazel", "get"], env, stdin=request(f"https://{HOST}/a"))
    second = subprocess.run(
        [helper_command("bazel-credential-rightbrain"), "get"],
        env=env,
        input=request(f"https://{HOST}/b"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (first.returncode, second.returncode, first.stderr, second.stderr) == (0, 0, "", "")
    assert json.loads(first.stdout)["headers"] == json.loads(second.stdout)["headers"]
    assert len(token_server.token_requests()) == 1


def test_cache_hit_imports_no_heavy_module(env: dict[str, str], token_server: TokenServer, tmp_path: Path) -> None:
    """A hit with Bazel's own request encoding, in a fresh process, imports neither json nor requests nor the rest."""
    write_config(env, f'[hosts."{HOST}"]\n', age=60)
    argv = ["bazel-credential-rightbrain", "get"]
    stdin = request(f"https://{HOST}/cas/1")
    miss, miss_modules = probe("rightbrain_helper.integrations.bazel", argv, env, tmp_path / "miss", stdin)
    hit, hit_modules = probe("rightbrain_helper.integrations.bazel", argv, env, tmp_path / "hit", stdin)
    assert "requests" in miss_modules, "the probe must see the fetch path's imports"
    assert sorted(HEAVY_MODULES & hit_modules) == []
    assert miss.stdout == hit.stdout
    assert len(token_server.token_requests()) == 1


def test_parse_request_rejects_other_verbs() -> None:
    """The codec raises UsageError for a verb other than get."""
    with pytest.raises(UsageError):
        parse_request("store", request(f"https://{HOST}"))
