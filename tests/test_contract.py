"""The adapter contract, run over every adapter built on it (tests/support/adapters.py), and its error dialects."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rightbrain_helper.errors import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, HelperError, TokenEndpointRejected
from rightbrain_helper.integrations.cargo import CARGO
from rightbrain_helper.integrations.contract import Adapter, Dialect, Request, report, serve
from rightbrain_helper.integrations.terraform import TERRAFORM
from rightbrain_helper.runtime import Runtime

from .support.adapters import CASES, AdapterCase, run_adapter
from .support.fakes import FakeClock, never_transport
from .support.tokenserver import Reply, TokenServer

IDS = [case.name for case in CASES]
DOCUMENTED_EXIT_CODES = {0, 1, 2, 3, 4, 5, 6}
KEYS = ["v", "kind", "registry", "index-url", "name", "args", "operation", "token", "headers"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("hosts", ["", "other.example.com", "tools.example.com:8443"])
def test_an_unknown_host_gets_the_exact_not_found_answer(
    case: AdapterCase, hosts: str, helper_env: dict[str, str]
) -> None:
    """A host not in the host list: the tool's exact not-found bytes and exit code, nothing on stderr, no fetch."""
    argv, stdin = case.call("tools.example.com")
    result = run_adapter(
        case.adapter, argv, {**helper_env, "RIGHTBRAIN_HOSTS": hosts}, stdin, transport_factory=never_transport
    )
    assert (result.stdout, result.code) == case.not_found
    assert result.stderr == ""


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_configured_host_gets_the_exact_answer(
    case: AdapterCase, helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """A configured host: the exact answer bytes with the token (and its usable-until time: expiry - min_valid)."""
    clock = FakeClock()
    argv, stdin = case.call("tools.example.com")
    result = run_adapter(
        case.adapter, argv, {**helper_env, "RIGHTBRAIN_HOSTS": "tools.example.com"}, stdin, clock=clock
    )
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == case.answer(token_server.issued[0], int(clock.now()) + 3600 - 60)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_rejected_fetch_fails_in_the_dialect_without_a_token(
    case: AdapterCase, helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """The issuer refuses: the error reaches the tool in its dialect, names the OAuth error, never a traceback."""
    token_server.queue(Reply(400, {"error": "invalid_scope"}))
    argv, stdin = case.call("tools.example.com")
    result = run_adapter(case.adapter, argv, {**helper_env, "RIGHTBRAIN_HOSTS": "tools.example.com"}, stdin)
    dialect = case.adapter.dialect
    shown = result.stdout if dialect.errors_on_stdout else result.stderr
    assert "invalid_scope" in shown
    assert result.code == (dialect.failure_exit if dialect.failure_exit is not None else EXIT_REJECTED)
    assert "Traceback" not in result.stdout + result.stderr
    assert token_server.issued == []


WORDS = st.sampled_from(["get", "store", "forget", "--cargo-plugin", "-v", "tools.example.com", ""])
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), inner),
    max_leaves=12,
)
INDEX_URLS = [
    "sparse+https://tools.example.com/index/",
    "sparse+http://tools.example.com/",
    "file:///x",
    "https://[::1",
]
CARGO_SHAPED = st.fixed_dictionaries(
    {
        "v": st.just(1) | JSONISH,
        "registry": st.fixed_dictionaries({"index-url": st.sampled_from(INDEX_URLS) | st.text(max_size=30)}) | JSONISH,
        "kind": st.sampled_from(["get", "login", "logout", "publish-v2"]) | JSONISH,
    },
    optional={"args": st.lists(st.sampled_from(["--no-bearer", "-v", "--x"])) | JSONISH, "token": st.text(max_size=9)},
)


@pytest.mark.parametrize("case", CASES, ids=IDS)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_input_never_crashes(case: AdapterCase, data: st.DataObject, helper_env: dict[str, str]) -> None:
    """Any argv and any stdin (text, or JSON of the right shape with wrong parts): a documented exit code and no
    internal error; no host is configured, so no fetch."""
    usual_argv, _stdin = case.call("tools.example.com")
    argv = data.draw(st.just(usual_argv) | st.lists(WORDS | st.text(max_size=20), max_size=4), label="argv")
    stdin = data.draw(st.text(max_size=300) | (JSONISH | CARGO_SHAPED).map(json.dumps), label="stdin")
    result = run_adapter(case.adapter, argv, helper_env, stdin, transport_factory=never_transport)
    assert result.code in DOCUMENTED_EXIT_CODES
    assert "internal error" not in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("configured", "sent", "matches"),
    [
        ("tools.example.com", ("https", "tools.example.com", ""), True),
        ("tools.example.com", ("https", "tools.example.com", "8443"), True),
        ("TOOLS.example.com", ("https", "tools.example.com", ""), True),
        ("tools.example.com:8443", ("https", "tools.example.com", "8443"), True),
        ("tools.example.com:8443", ("https", "tools.example.com", ""), False),
        ("tools.example.com:443", ("https", "tools.example.com", ""), True),
        ("tools.example.com:443", ("http", "tools.example.com", ""), False),
        ("tools.example.com:80", ("http", "tools.example.com", ""), True),
        ("tools.example.com", ("https", "evil-tools.example.com", ""), False),
        ("tools.example.com", ("https", "tools.example.com.evil", ""), False),
        ("example.com", ("https", "tools.example.com", ""), False),
        ("[::1]:8443", ("https", "::1", "8443"), True),
    ],
)
def test_lookup_matches_host_and_port_exactly(
    configured: str, sent: tuple[str, str, str], matches: bool, helper_env: dict[str, str]
) -> None:
    """The contract's lookup: exact host, port when configured (the scheme's default port when none is sent)."""
    request = Request()
    request.scheme, request.host, request.port = sent
    runtime = Runtime(env={**helper_env, "RIGHTBRAIN_HOSTS": configured}, stderr=io.StringIO())
    assert (Adapter().lookup(request, runtime) is not None) == matches


class _Broken(Adapter):
    """An adapter whose parse has a bug."""

    name = "broken"

    def parse(self, request: Request, argv: list[str], runtime: Runtime) -> None:
        raise RuntimeError("a bug with details")


class _Interrupted(Adapter):
    """An adapter interrupted by Ctrl-C."""

    def parse(self, request: Request, argv: list[str], runtime: Runtime) -> None:
        raise KeyboardInterrupt


def test_a_bug_is_named_on_stderr_not_dumped(helper_env: dict[str, str]) -> None:
    """An unexpected exception: one `internal error` line naming its type, exit 1, no traceback."""
    result = run_adapter(_Broken(), [], helper_env)
    assert result.code == 1
    assert result.stderr.startswith("rightbrain-helper: error: internal error: RuntimeError: a bug with details;")
    assert result.stderr.count("\n") == 1


def test_ctrl_c_exits_130(helper_env: dict[str, str]) -> None:
    """KeyboardInterrupt ends the call with 130 and no output."""
    assert run_adapter(_Interrupted(), [], helper_env).code == 130


def _runtime() -> tuple[Runtime, io.StringIO, io.StringIO]:
    """A runtime over captured streams."""
    out, err = io.StringIO(), io.StringIO()
    return Runtime(env={}, stdin=io.StringIO(), stdout=out, stderr=err), out, err


@pytest.mark.parametrize("answering", [False, True])
def test_stdout_dialect_applies_once_the_tool_reads_the_answer(answering: bool) -> None:
    """cargo: before the hello an error is a stderr line with its exit code; after, an Err answer and exit 0."""
    runtime, out, err = _runtime()
    request = Request()
    request.answering = answering
    code = report(CARGO, request, TokenEndpointRejected("refused"), runtime)
    if answering:
        assert (code, out.getvalue(), err.getvalue()) == (0, '{"Err":{"kind":"other","message":"refused"}}\n', "")
    else:
        assert (code, out.getvalue(), err.getvalue()) == (EXIT_REJECTED, "", "rightbrain-helper: error: refused\n")


def test_an_error_answer_on_stdout_is_masked() -> None:
    """A secret registered with the log never reaches stdout inside an error answer."""
    runtime, out, _err = _runtime()
    runtime.log.mask("canary-secret-value")
    request = Request()
    request.answering = True
    report(CARGO, request, HelperError("failed near canary-secret-value"), runtime)
    assert "canary" not in out.getvalue()
    assert out.getvalue() == '{"Err":{"kind":"other","message":"failed near ***"}}\n'


def test_quiet_verbs_report_but_exit_zero() -> None:
    """A dialect's quiet verbs (git's store and erase) exit 0 even when they fail; the error is still shown."""

    class Quiet(Adapter):
        dialect = Dialect(quiet={"store": ""})

    runtime, _out, err = _runtime()
    request = Request()
    request.verb = "store"
    assert report(Quiet(), request, HelperError("disk on fire"), runtime) == EXIT_OK
    assert err.getvalue() == "rightbrain-helper: error: disk on fire\n"


def test_ignored_unknown_verbs_read_nothing_and_exit_zero() -> None:
    """A dialect that ignores unknown verbs (git's rule) answers nothing and exits 0 for a verb it does not know."""

    class Ignoring(Adapter):
        dialect = Dialect(ignore_unknown=True)

        def parse(self, request: Request, argv: list[str], runtime: Runtime) -> None:
            request.verb = argv[0]

    runtime, out, err = _runtime()
    assert serve(Ignoring(), ["approve-later"], runtime) == EXIT_OK
    assert (out.getvalue(), err.getvalue()) == ("", "")


def test_a_closed_stdout_is_reported_not_raised(helper_env: dict[str, str]) -> None:
    """The tool went away before the answer: a one-line error and a non-zero exit, not a crash."""
    out = io.StringIO()
    out.close()
    err = io.StringIO()
    runtime = Runtime(env=helper_env, stdin=io.StringIO(), stdout=out, stderr=err)
    assert serve(TERRAFORM, ["get", "tools.example.com"], runtime) == 1
    assert err.getvalue() == "rightbrain-helper: error: could not write the answer to stdout (ValueError)\n"


def test_an_unknown_verb_is_a_usage_error_unless_ignored(helper_env: dict[str, str]) -> None:
    """terraform's dialect refuses verbs it does not know: stderr names the verbs, exit 2."""
    result = run_adapter(TERRAFORM, ["approve", "tools.example.com"], helper_env)
    assert (result.code, result.stdout) == (EXIT_USAGE, "")
    assert "unknown action 'approve'; expected one of: get, store, forget" in result.stderr
