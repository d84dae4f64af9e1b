"""`rightbrain-helper exec` and `env`: the token in an environment variable, the command's exit status passed on.

exec runs as a real subprocess (its child writes to the helper's real stdout); env and the usage errors in process.
"""

from __future__ import annotations

import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from rightbrain_helper.cli.envvar import exit_status, variable_name
from rightbrain_helper.errors import UsageError

from .conftest import helper_command, run_cli, run_helper
from .support.fakes import never_transport
from .support.procs import read_exactly
from .support.tokenserver import TokenServer

PY = sys.executable
SHOW_ENV = "import os, sys; sys.stdout.write(os.environ.get(sys.argv[1], '<unset>'))"


def test_exec_puts_the_token_in_the_default_variable(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """CMD sees RIGHTBRAIN_ACCESS_TOKEN = the token; exit 0; nothing else on stdout."""
    result = run_helper(["exec", "--", PY, "-c", SHOW_ENV, "RIGHTBRAIN_ACCESS_TOKEN"], helper_env)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == token_server.issued[0]


def test_exec_never_puts_the_token_on_a_command_line(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """CMD's own command line (/proc/self/cmdline, what ps shows) does not hold the token; its environment does."""
    code = "import os; print(open('/proc/self/cmdline','rb').read().decode()); print(os.environ['TOK'])"
    result = run_helper(["exec", "--env-var", "TOK", PY, "-c", code], helper_env)
    cmdline, environment = result.stdout.splitlines()
    assert environment == token_server.issued[0]
    assert token_server.issued[0] not in cmdline


def test_exec_without_dashes_and_with_options_of_cmd(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """The first item that is not an option starts CMD; CMD's own options (-c, --x) are passed on verbatim."""
    result = run_helper(
        ["--env-var=API_TOKEN", "exec", PY, "-c", SHOW_ENV + "; print(sys.argv[2:])", "API_TOKEN", "--profile", "x"],
        helper_env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == token_server.issued[0] + "['--profile', 'x']\n"


@pytest.mark.parametrize(
    ("script", "status"),
    [("exit 0", 0), ("exit 7", 7), ("exit 255", 255), ("kill -TERM $$", 128 + 15), ("kill -KILL $$", 128 + 9)],
)
def test_exec_exits_with_the_commands_status(script: str, status: int, helper_env: dict[str, str]) -> None:
    """CMD's exit code is the helper's; death by signal N is 128+N, as a shell reports it."""
    result = run_helper(["exec", "--", "sh", "-c", script], helper_env)
    assert result.returncode == status, result.stderr
    assert result.stderr == ""


def test_missing_command_is_127_and_one_line(helper_env: dict[str, str]) -> None:
    """CMD not found: exit 127 and `rightbrain-helper: error: CMD: command not found`, as a shell would."""
    result = run_helper(["exec", "--", "no-such-command-rightbrain"], helper_env)
    assert (result.returncode, result.stdout) == (127, "")
    assert result.stderr == "rightbrain-helper: error: no-such-command-rightbrain: command not found\n"


def test_command_that_cannot_run_is_126(helper_env: dict[str, str], tmp_path: Path) -> None:
    """A file without execute permission: exit 126, one line."""
    script = tmp_path / "not-executable"
    script.write_text("#!/bin/sh\n")
    result = run_helper(["exec", "--", str(script)], helper_env)
    assert result.returncode == 126
    assert result.stderr.startswith(f"rightbrain-helper: error: {script}: cannot run it: ")
    assert result.stderr.count("\n") == 1


def test_sigterm_to_the_helper_reaches_the_command(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """SIGTERM sent to the helper is passed on: CMD's handler runs, and its exit code is the helper's."""
    child_code = (
        "import signal, sys\n"
        "signal.signal(signal.SIGTERM, lambda *a: (sys.stdout.write('got TERM\\n'), sys.exit(3)))\n"
        "sys.stdout.write('ready\\n'); sys.stdout.flush()\n"
        "signal.pause()\n"
    )
    helper = subprocess.Popen(
        [helper_command(), "exec", "--", PY, "-c", child_code],
        env=helper_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert helper.stdout is not None
        assert read_exactly(helper.stdout.fileno(), len(b"ready\n"), 30, "ready line") == b"ready\n"
        helper.send_signal(signal.SIGTERM)
        stdout, stderr = helper.communicate(timeout=30)
    finally:
        if helper.poll() is None:
            helper.kill()
            helper.wait()
    assert (helper.returncode, stdout, stderr) == (3, b"got TERM\n", b"")


def test_sigint_to_the_helper_alone_is_left_to_the_command(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """SIGINT (which a terminal sends to CMD too) does not end the helper: it waits and reports CMD's status."""
    child_code = "import sys; sys.stdout.write('ready\\n'); sys.stdout.flush(); sys.exit(int(sys.stdin.readline()))"
    helper = subprocess.Popen(
        [helper_command(), "exec", "--", PY, "-c", child_code],
        env=helper_env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert helper.stdout is not None
        assert read_exactly(helper.stdout.fileno(), len(b"ready\n"), 30, "ready line") == b"ready\n"
        helper.send_signal(signal.SIGINT)
        stdout, stderr = helper.communicate(b"5\n", timeout=30)
    finally:
        if helper.poll() is None:
            helper.kill()
            helper.wait()
    assert (helper.returncode, stdout, stderr) == (5, b"", b"")


def test_env_prints_one_export_line_a_shell_can_eval(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """`env` prints exactly `export RIGHTBRAIN_ACCESS_TOKEN=<token>`; sh's eval of it sets the variable."""
    result = run_cli(["env"], helper_env)
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == f"export RIGHTBRAIN_ACCESS_TOKEN={shlex.quote(token_server.issued[0])}\n"
    shell = subprocess.run(
        ["sh", "-c", 'eval "$1"; printf %s "$RIGHTBRAIN_ACCESS_TOKEN"', "sh", result.stdout],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert shell.stdout == token_server.issued[0]


def test_env_with_a_custom_variable_and_profile_options(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """--env-var names the variable; --scope is honoured like for `token` (the same cached token)."""
    result = run_cli(["env", "--env-var", "API_TOKEN", "--scope", "read"], helper_env)
    assert result.stdout == f"export API_TOKEN={token_server.issued[0]}\n"
    assert token_server.token_requests()[0].field("scope") == "read"
    assert run_cli(["token", "--scope", "read"], helper_env).stdout == token_server.issued[0] + "\n"


@pytest.mark.parametrize("name", ["1ABC", "A-B", "A B", "A=B", "ÄB", "A$B"])
def test_a_bad_variable_name_is_a_usage_error_before_any_fetch(name: str, helper_env: dict[str, str]) -> None:
    """--env-var must be [A-Za-z_][A-Za-z0-9_]*: exit 2, one line, no token request, no command run."""
    for argv in (["exec", "--env-var", name, "--", "true"], ["env", f"--env-var={name}"]):
        result = run_cli(argv, helper_env, transport_factory=never_transport)
        assert (result.code, result.stdout) == (2, "")
        assert result.stderr.count("\n") == 1
        assert "not an environment variable name" in result.stderr


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["exec"], "exec needs a command"),
        (["exec", "--"], "exec needs a command"),
        (["token", "--env-var", "X"], "--env-var is for exec and env only"),
        (["env", "extra"], "unexpected argument 'extra'"),
    ],
)
def test_usage_errors(argv: list[str], fragment: str, helper_env: dict[str, str]) -> None:
    """Missing command, stray option or argument: exit 2, one line, no token request."""
    result = run_cli(argv, helper_env, transport_factory=never_transport)
    assert (result.code, result.stdout) == (2, "")
    assert fragment in result.stderr


def test_a_failed_fetch_runs_nothing(helper_env: dict[str, str], token_server: TokenServer, tmp_path: Path) -> None:
    """No token, no command: the helper's own error and exit code (3 here: no client id); CMD never starts."""
    marker = tmp_path / "ran"
    env = {key: value for key, value in helper_env.items() if key != "RIGHTBRAIN_CLIENT_ID"}
    result = run_helper(["exec", "--", "touch", str(marker)], env)
    assert result.returncode == 3
    assert "no client id" in result.stderr
    assert not marker.exists()


@pytest.mark.parametrize(("name", "valid"), [("A", True), ("_a1", True), ("a_B_9", True), ("9", False), ("é", False)])
def test_variable_name_rules(name: str, valid: bool) -> None:
    """The pure check: portable names only."""
    if valid:
        assert variable_name(name) == name
    else:
        with pytest.raises(UsageError):
            variable_name(name)


def test_exit_status_mapping() -> None:
    """Popen's returncode as a shell reports it: -N (signal N) -> 128+N, else unchanged."""
    assert [exit_status(code) for code in (0, 1, 255, -signal.SIGTERM, -signal.SIGKILL)] == [0, 1, 255, 143, 137]
