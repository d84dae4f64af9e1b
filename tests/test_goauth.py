"""`rightbrain-helper goauth`: exact GOAUTH output, checked against `go help goauth` and Go 1.24's parser.

Go is not installed here. `parse_like_go` below restates src/cmd/go/internal/auth/userauth.go (parseUserAuth) and
`go_lookup` auth.go's loadCredential (strip "https://", walk up with path.Dir), so the tests show that what the
helper prints is accepted by the go command and reaches the URLs it should, and only those.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rightbrain_helper.errors import UsageError
from rightbrain_helper.integrations.goauth import parse_request, render, response_status
from rightbrain_helper.ports import TransportFactory
from rightbrain_helper.token.entry import Token
from rightbrain_helper.token.service import default_transport

from .conftest import CliResult, run_cli, run_helper
from .support.fakes import never_transport
from .support.heavy import HEAVY_MODULES
from .support.probe import probe
from .support.procs import write_config
from .support.tokenserver import Reply, TokenServer

PROXY = "proxy.example.com"
RESPONSE_401 = 'HTTP/1.1 401 Unauthorized\nWww-Authenticate: Bearer realm="x"\nContent-Length: 0\n\n'
RESPONSE_404 = "HTTP/1.1 404 Not Found\nContent-Type: text/plain; charset=utf-8\n\n"


def goauth(
    env: dict[str, str], *url: str, stdin: str = "", transport_factory: TransportFactory = default_transport
) -> CliResult:
    """`rightbrain-helper goauth [URL]` in process, with the response go passes on stdin."""
    return run_cli(["goauth", *url], env, stdin=stdin, transport_factory=transport_factory)


def parse_like_go(output: str) -> dict[str, dict[str, list[str]]]:
    """Go 1.24's parseUserAuth: sets of URL lines, blank, `Name: value` lines, blank; prefix -> header."""
    credentials: dict[str, dict[str, list[str]]] = {}
    data = output
    while data:
        urls = []
        while True:
            line, newline, data = data.partition("\n")
            assert newline, "invalid format: missing empty line after URLs"
            if not line:
                break
            assert line.startswith("https://"), line
            assert " " not in line, line
            assert len(line) > len("https://"), line
            urls.append(line)
        header: dict[str, list[str]] = {}
        while True:
            line, newline, data = data.partition("\n")
            assert newline, "invalid format: missing empty line after headers"
            if not line:
                break
            name, colon, value = line.partition(": ")
            assert colon, f"invalid header line {line!r}"
            assert name, f"invalid header line {line!r}"
            assert value.strip() == value, f"invalid header line {line!r}"
            header.setdefault(name, []).append(value)
        for url in urls:
            credentials[url.removeprefix("https://")] = header
    return credentials


def go_lookup(credentials: dict[str, dict[str, list[str]]], url: str) -> dict[str, list[str]] | None:
    """Go 1.24's loadCredential: the header stored for the URL or its nearest parent prefix."""
    prefix = url.removeprefix("https://")
    while prefix not in ("/", ".", ""):
        if prefix in credentials:
            return credentials[prefix]
        prefix = posixpath.dirname(prefix) if "/" in prefix else "."
    return None


@pytest.fixture
def env(helper_env: dict[str, str]) -> dict[str, str]:
    """helper_env with the proxy host configured through RIGHTBRAIN_HOSTS."""
    return {**helper_env, "RIGHTBRAIN_HOSTS": PROXY}


def test_start_up_call_answers_every_configured_host_in_go_help_goauth_format(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """No URL: one credential set per token (URL lines, blank, header, blank); hosts sharing a profile share it."""
    write_config(
        helper_env,
        f'[hosts."{PROXY}"]\n[hosts."git.example.com:8443"]\n[hosts."::1"]\n'
        '[hosts."other.example.com"]\nscope = "read"\n',
    )
    result = goauth(helper_env)
    assert (result.code, result.stderr) == (0, "")
    first, second = token_server.issued
    assert result.stdout == (
        f"https://{PROXY}\nhttps://git.example.com:8443\nhttps://[::1]\n\nAuthorization: Bearer {first}\n\n"
        f"https://other.example.com\n\nAuthorization: Bearer {second}\n\n"
    )


def test_go_applies_the_start_up_answer_to_its_hosts_and_no_others(
    env: dict[str, str], token_server: TokenServer
) -> None:
    """Parsed as go parses it, the token reaches every path on the configured host (and port), not other hosts."""
    credentials = parse_like_go(goauth(env).stdout)
    header = {"Authorization": [f"Bearer {token_server.issued[0]}"]}
    assert go_lookup(credentials, f"https://{PROXY}/github.com/org/mod/@v/list") == header
    assert go_lookup(credentials, f"https://{PROXY}/") == header
    for url in (f"https://{PROXY}.evil.example/x", f"https://{PROXY}:8443/x", "https://example.com/x"):
        assert go_lookup(credentials, url) is None, url


def test_url_call_answers_that_host_with_the_url_authority(env: dict[str, str], token_server: TokenServer) -> None:
    """With a URL (after a 4xx): one set whose prefix is the URL's scheme and authority as go wrote it."""
    url = "https://user@Proxy.Example.com/github.com/org/mod/@v/v1.0.0.info"
    result = goauth(env, url, stdin=RESPONSE_404)
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == f"https://Proxy.Example.com\n\nAuthorization: Bearer {token_server.issued[0]}\n\n"
    assert go_lookup(parse_like_go(result.stdout), url.replace("user@", "")) is not None


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/mod",
        f"https://{PROXY}.evil.example/mod",
        f"http://{PROXY}/mod",  # go never sends GOAUTH credentials over http
        f"https://{PROXY}:x/mod",
        f"https://{PROXY}%0a/mod",
        f"https://{PROXY}\nAuthorization: x/mod",
        "https:///mod",
        "not a url",
    ],
)
def test_unconfigured_or_unusable_url_gets_nothing(url: str, env: dict[str, str]) -> None:
    """Empty output, exit 0, no token request: go then goes on without our credentials."""
    result = goauth(env, url, stdin=RESPONSE_401, transport_factory=never_transport)
    assert (result.code, result.stdout, result.stderr) == (0, "", "")


def test_a_401_replaces_the_cached_token(env: dict[str, str], token_server: TokenServer) -> None:
    """After a 401 the URL-specific call fetches a new token; after a 404 it keeps the cached one."""
    goauth(env)
    url = f"https://{PROXY}/mod/@v/list"
    kept = goauth(env, url, stdin=RESPONSE_404)
    replaced = goauth(env, url, stdin=RESPONSE_401)
    first, second = token_server.issued
    assert kept.stdout == f"https://{PROXY}\n\nAuthorization: Bearer {first}\n\n"
    assert replaced.stdout == f"https://{PROXY}\n\nAuthorization: Bearer {second}\n\n"
    assert goauth(env).stdout == replaced.stdout


def test_no_configured_host_prints_nothing(helper_env: dict[str, str]) -> None:
    """The start-up call with no host list: empty output, exit 0, no token request."""
    result = goauth(helper_env, transport_factory=never_transport)
    assert (result.code, result.stdout, result.stderr) == (0, "", "")


def test_a_failing_profile_is_skipped_and_the_rest_answered(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """go drops all output of a failing command, so one bad profile costs only its own hosts (a warning on
    stderr, which go shows with -x); exit 1 only when no host could be answered."""
    write_config(helper_env, f'[hosts."{PROXY}"]\n[hosts."bad.example.com"]\nprofile = "missing"\n')
    result = goauth(helper_env)
    assert result.code == 0
    assert result.stdout == f"https://{PROXY}\n\nAuthorization: Bearer {token_server.issued[0]}\n\n"
    assert result.stderr.startswith("rightbrain-helper: warning: no token for bad.example.com: ")
    token_server.queue(Reply(401, {"error": "invalid_client"}))
    env = {**helper_env, "RIGHTBRAIN_CACHE_DIR": helper_env["RIGHTBRAIN_CACHE_DIR"] + "-2"}
    failed = goauth(env)
    assert (failed.code, failed.stdout) == (1, "")
    assert failed.stderr.count("warning: no token for") == 2


@pytest.mark.parametrize("command", [["goauth"], ["bazel", "get"]])
def test_profile_options_are_refused_for_host_list_commands(command: list[str], env: dict[str, str]) -> None:
    """goauth and bazel answer per host from the host list; --profile/--scope/--audience would be silently
    ignored, so they are a usage error (exit 2) instead."""
    for option in (["--profile", "x"], ["--scope", "y"], ["--audience", "z"]):
        result = run_cli([*option, *command], env, transport_factory=never_transport)
        assert (result.code, result.stdout) == (2, "")
        assert "from the host list" in result.stderr


def test_more_than_one_argument_is_a_usage_error(env: dict[str, str]) -> None:
    """go appends exactly one URL; two are a mistake in GOAUTH: exit 2, nothing on stdout."""
    result = goauth(env, f"https://{PROXY}/a", f"https://{PROXY}/b")
    assert (result.code, result.stdout) == (2, "")
    with pytest.raises(UsageError):
        parse_request(["a", "b"])


@pytest.mark.parametrize(
    ("text", "status"),
    [(RESPONSE_401, 401), (RESPONSE_404, 404), ("HTTP/2.0 403 Forbidden\n\n", 403), ("", 0), ("garbage 401\n", 0)],
)
def test_response_status_reads_the_status_line(text: str, status: int) -> None:
    """The pure codec: the status of go's response text, 0 when there is none."""
    assert response_status(text) == status


def test_render_is_one_credential_set() -> None:
    """Prefix lines, blank line, header line, blank line: exactly the grammar of `go help goauth`."""
    token = Token("tok-1", "Bearer", expires_at=2.0, obtained_at=1.0)
    text = render(["https://a.example", "https://b.example:8443"], token)
    assert text == "https://a.example\nhttps://b.example:8443\n\nAuthorization: Bearer tok-1\n\n"
    assert parse_like_go(text)["b.example:8443"] == {"Authorization": ["Bearer tok-1"]}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    url=st.text(max_size=60).filter(lambda text: not text.startswith("-"))
    | st.builds(lambda rest: f"https://{PROXY}{rest}", st.text(max_size=20))
)
def test_any_url_gets_output_go_can_parse(url: str, env: dict[str, str], token_server: TokenServer) -> None:
    """Whatever URL go passes: nothing, or one set that go's parser accepts and that matches the URL's host;
    never a traceback."""
    goauth(env)  # warm the cache; nothing after may reach the network
    result = goauth(env, url, transport_factory=never_transport)
    assert (result.code, result.stderr) == (0, "")
    parse_like_go(result.stdout)


def test_real_subprocess_with_go_style_arguments(env: dict[str, str], token_server: TokenServer) -> None:
    """As go runs it: argv `goauth URL`, the response on stdin; exit 0 and the set."""
    result = run_helper(["goauth", f"https://{PROXY}/x"], env, stdin=RESPONSE_404)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == f"https://{PROXY}\n\nAuthorization: Bearer {token_server.issued[0]}\n\n"


def test_cache_hit_imports_no_heavy_module(env: dict[str, str], token_server: TokenServer, tmp_path: Path) -> None:
    """The start-up call served from the cache, in a fresh process, imports none of the heavy modules."""
    write_config(env, f'[hosts."{PROXY}"]\n', age=60)
    argv = ["rightbrain-helper", "goauth"]
    miss, miss_modules = probe("rightbrain_helper.integrations.commands", argv, env, tmp_path / "miss")
    hit, hit_modules = probe("rightbrain_helper.integrations.commands", argv, env, tmp_path / "hit")
    assert "requests" in miss_modules, "the probe must see the fetch path's imports"
    assert sorted(HEAVY_MODULES & hit_modules) == []
    assert miss.stdout == hit.stdout
    assert len(token_server.token_requests()) == 1
