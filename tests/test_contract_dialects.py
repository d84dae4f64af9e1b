"""The contract's one error path (integrations/serve.py `report`): each dialect's stream and exit code, bugs
named not dumped, Ctrl-C, a closed stdout, unknown verbs."""

from __future__ import annotations

import io

import pytest

from rightbrain_helper.errors import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, HelperError, TokenEndpointRejected
from rightbrain_helper.integrations.cargo import CARGO
from rightbrain_helper.integrations.contract import Adapter, Dialect, Request
from rightbrain_helper.integrations.serve import report, serve
from rightbrain_helper.integrations.terraform import TERRAFORM
from rightbrain_helper.runtime import Runtime

from .support.adapters import run_adapter


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
