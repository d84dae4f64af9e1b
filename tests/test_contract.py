"""The adapter contract, run over every adapter (tests/support/adapters.py: terraform, cargo, git, docker, kubectl,
bazel, goauth): the exact not-found bytes, the exact answer, a failure in the tool's dialect, any input answered
cleanly, and the host/port matching matrix, once for all tools."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rightbrain_helper.errors import EXIT_REJECTED
from rightbrain_helper.token.entry import Token

from .support.adapters import CARGO_HELLO, CASES, HOST_CASES, AdapterCase, seed_cache
from .support.fakes import FakeClock, never_transport
from .support.tokenserver import Reply, TokenServer

DOCUMENTED_EXIT_CODES = {0, 1, 2, 3, 4, 5, 6}
KEYS = ["v", "kind", "registry", "index-url", "name", "args", "uri", "apiVersion", "protocol", "host", "token"]
NOW = 1_800_000_000.0
CACHED = Token("tok-cached", "Bearer", NOW + 3600, NOW)  # usable until NOW + 3540 (min_valid 60)
# Other protocol answers to input that names no host: docker's no-URL error, cargo's unknown kind.
PROTOCOL_ANSWERS = {
    "docker": {("no credentials server URL\n", 1)},
    "cargo": {(CARGO_HELLO + '{"Err":{"kind":"operation-not-supported"}}\n', 0)},
}


def ids(cases: list[AdapterCase]) -> list[str]:
    """Test ids: the tools' names."""
    return [case.name for case in cases]


@pytest.mark.parametrize("case", HOST_CASES, ids=ids(HOST_CASES))
@pytest.mark.parametrize("hosts", ["", "other.example.com", "tools.example.com:8443", "tools.example.com.evil"])
def test_an_unknown_host_gets_the_exact_not_found_answer(
    case: AdapterCase, hosts: str, helper_env: dict[str, str]
) -> None:
    """A host not in the host list: the tool's exact not-found bytes and exit code, nothing on stderr, no fetch."""
    call = case.call("https", "tools.example.com")
    result = case.run(call, {**helper_env, "RIGHTBRAIN_HOSTS": hosts}, transport_factory=never_transport)
    assert (result.stdout, result.code) == case.not_found
    assert result.stderr == ""


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_a_configured_host_gets_the_exact_answer(
    case: AdapterCase, helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """A configured host: the exact answer bytes with the token (and its usable-until time: expiry - min_valid)."""
    clock = FakeClock(NOW)
    env = {**helper_env, "RIGHTBRAIN_HOSTS": "tools.example.com"}
    result = case.run(case.call("https", "tools.example.com"), env, clock=clock)
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == case.answer(token_server.issued[0], NOW + 3600 - 60)


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_a_rejected_fetch_fails_in_the_dialect_without_a_token(
    case: AdapterCase, helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """The issuer refuses: the error reaches the tool in its dialect, names the OAuth error, never a traceback."""
    token_server.queue(Reply(400, {"error": "invalid_scope"}))
    env = {**helper_env, "RIGHTBRAIN_HOSTS": "tools.example.com"}
    result = case.run(case.call("https", "tools.example.com"), env)
    dialect = case.adapter.dialect
    shown = result.stdout if dialect.errors_on_stdout else result.stderr
    assert "invalid_scope" in shown
    assert result.code == (dialect.failure_exit if dialect.failure_exit is not None else EXIT_REJECTED)
    assert "Traceback" not in result.stdout + result.stderr
    assert token_server.issued == []


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), inner),
    max_leaves=12,
)
TOOLISH = st.sampled_from(
    [
        "https://tools.example.com/x",
        "tools.example.com",
        "protocol=https\nhost=tools.example.com\n",
        '{"uri":"https://tools.example.com"}',
        '{"v":1,"kind":"get","registry":{"index-url":"sparse+https://tools.example.com/"}}',
        '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1"}',
        "[::1",
        "\x00",
        "",
    ]
)
ANY_INPUT = st.text(max_size=200) | JSONISH.map(json.dumps) | TOOLISH
WORDS = st.sampled_from(["get", "store", "erase", "forget", "list", "--cargo-plugin", "-v", "tools.example.com", ""])


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=ANY_INPUT)
def test_any_input_gets_the_tools_clean_answer(case: AdapterCase, text: str, helper_env: dict[str, str]) -> None:
    """Any text where the tool's input goes (stdin, the host argument, the URL, KUBERNETES_EXEC_INFO), no host
    configured: the exact not-found answer, another protocol answer, the cached token's answer (kubectl), or one
    error in the tool's dialect; never an internal error, never a fetch."""
    seed_cache(helper_env, CACHED)
    result = case.run(case.inject(text), helper_env, clock=FakeClock(NOW), transport_factory=never_transport)
    assert "internal error" not in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    answer = (result.stdout, result.code)
    if answer == case.not_found or answer in PROTOCOL_ANSWERS.get(case.name, set()):
        assert result.stderr == ""
    elif result.code == 0 and "tok-cached" in result.stdout:
        assert case.name == "kubectl"
        assert result.stdout.endswith(case.answer("tok-cached", NOW + 3540).partition('"kind"')[2])
    else:
        assert_dialect_error(case, result.stdout, result.stderr, result.code)


def assert_dialect_error(case: AdapterCase, stdout: str, stderr: str, code: int) -> None:
    """One error as the tool reads it: cargo's Err answer after its hello with exit 0; else one stderr line,
    nothing on stdout, and the dialect's (or the documented) non-zero exit code."""
    dialect = case.adapter.dialect
    if dialect.errors_on_stdout:
        hello, _newline, error = stdout.partition("\n")
        assert (hello + "\n", code, stderr) == (CARGO_HELLO, 0, "")
        assert json.loads(error)["Err"]["kind"] == "other"
        return
    assert stdout == ""
    assert stderr.startswith("rightbrain-helper: error: ")
    assert stderr.count("\n") == 1
    assert code == (dialect.failure_exit if dialect.failure_exit is not None else code)
    assert code in DOCUMENTED_EXIT_CODES - {0}


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_command_line_never_crashes(case: AdapterCase, data: st.DataObject, helper_env: dict[str, str]) -> None:
    """Any argv with any stdin: a documented exit code and no internal error; no host is configured, no fetch."""
    usual_argv, _stdin, extra = case.call("https", "tools.example.com")
    argv = data.draw(st.just(usual_argv) | st.lists(WORDS | st.text(max_size=20), max_size=4), label="argv")
    stdin = data.draw(ANY_INPUT, label="stdin")
    seed_cache(helper_env, CACHED)
    result = case.run((argv, stdin, extra), helper_env, clock=FakeClock(NOW), transport_factory=never_transport)
    assert result.code in DOCUMENTED_EXIT_CODES
    assert "internal error" not in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


# The matching matrix: (host-list entry, scheme, authority the tool sends, whether the entry serves it).
MATRIX = [
    ("tools.example.com", "https", "tools.example.com", True),
    ("tools.example.com", "https", "tools.example.com:8443", True),  # a host-only entry serves every port
    ("TOOLS.Example.COM", "https", "tools.example.com", True),
    ("tools.example.com", "https", "Tools.EXAMPLE.com", True),
    ("tools.example.com:8443", "https", "tools.example.com:8443", True),
    ("tools.example.com:8443", "https", "tools.example.com", False),
    ("tools.example.com:8443", "https", "tools.example.com:9443", False),
    ("tools.example.com:443", "https", "tools.example.com", True),  # the scheme's default port
    ("tools.example.com:0443", "https", "tools.example.com:443", True),
    ("tools.example.com:443", "https", "tools.example.com:00443", True),
    ("tools.example.com", "https", "tools.example.com.", True),  # the absolute form of the same DNS name
    ("tools.example.com.", "https", "tools.example.com", True),
    ("tools.example.com", "https", "evil-tools.example.com", False),
    ("tools.example.com", "https", "tools.example.com.evil", False),
    ("tools.example.com", "https", "sub.tools.example.com", False),
    ("example.com", "https", "tools.example.com", False),
    ("tools.example.com", "https", "tools.example.com:99999", False),  # no port a connection could use
    ("tools.example.com", "https", "tools.example.com:0", False),
    ("[::1]:8443", "https", "[::1]:8443", True),
    ("[0:0:0:0:0:0:0:1]:8443", "https", "[::1]:8443", True),
    ("::1", "https", "[::1]:9443", True),
    ("[::1]:8443", "https", "[::2]:8443", False),
    ("127.0.0.1:80", "http", "127.0.0.1", True),  # http's default port (cleartext only to loopback)
    ("127.0.0.1:443", "http", "127.0.0.1", False),
    ("127.0.0.1", "http", "127.0.0.1:5000", True),
    ("127.0.0.1", "https", "127.000.000.001", False),  # not a canonical IPv4 address: no host at all
]
Row = tuple[str, str, str, bool]
MATRIX_CASES = [(case, row) for case in HOST_CASES for row in MATRIX if row[1] in case.schemes]


@pytest.mark.parametrize(
    ("case", "row"), MATRIX_CASES, ids=[f"{case.name}:{row[0]}<-{row[1]}://{row[2]}" for case, row in MATRIX_CASES]
)
def test_the_host_and_port_matrix(case: AdapterCase, row: Row, helper_env: dict[str, str]) -> None:
    """Every tool matches the host list alike: exact host (any case, a trailing dot, any IPv6 spelling), the port
    when the entry has one (the scheme's default when the tool sends none, leading zeros aside); never a suffix,
    a prefix or a port no connection could use (the not-found answer, or terraform's usage error)."""
    configured, scheme, authority, served = row
    seed_cache(helper_env, CACHED)
    env = {**helper_env, "RIGHTBRAIN_HOSTS": configured}
    result = case.run(case.call(scheme, authority), env, clock=FakeClock(NOW), transport_factory=never_transport)
    if served:
        assert (result.code, result.stderr) == (0, "")
        assert "tok-cached" in result.stdout
    elif (result.stdout, result.code) == case.not_found:
        assert result.stderr == ""
    else:  # terraform: a host terraform never sends (it checks ports itself) is a usage error
        assert case.name == "terraform"
        assert_dialect_error(case, result.stdout, result.stderr, result.code)
