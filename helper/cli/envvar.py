"""`rightbrain-helper exec` and `env`: the token for scripts, in an environment variable, never on a command line.

    rightbrain-helper exec [--env-var NAME] -- CMD ARGS...   run CMD with NAME=<token> added to its environment
    rightbrain-helper env [--env-var NAME]                   print: export NAME=<token, shell-quoted>

NAME defaults to RIGHTBRAIN_ACCESS_TOKEN and must be a portable variable name ([A-Za-z_][A-Za-z0-9_]*). `exec`
exits with CMD's exit status, like a shell: 128+N when CMD is killed by signal N, 127 when CMD is not found, 126
when it cannot be run. While CMD runs, SIGTERM and SIGHUP sent to the helper are passed on to CMD; SIGINT and
SIGQUIT are left to CMD (a terminal sends them to both). CMD gets the helper's environment plus NAME, nothing
removed. Command lines are visible to every user of the machine (ps, /proc/PID/cmdline); a child's environment
is not, which is why the token travels there.
"""

from __future__ import annotations

import signal
import subprocess

from rightbrain_helper.errors import EXIT_OK, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from rightbrain_helper.cli.args import Args
    from rightbrain_helper.runtime import Runtime
    from rightbrain_helper.settings.load import Overrides

DEFAULT_VARIABLE = "RIGHTBRAIN_ACCESS_TOKEN"
EXIT_CANNOT_RUN = 126
EXIT_NOT_FOUND = 127
SIGNAL_BASE = 128
FORWARDED = (signal.SIGTERM, signal.SIGHUP)
LEFT_TO_CHILD = (signal.SIGINT, signal.SIGQUIT)
_NAME_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_NAME_CHARS = _NAME_START | frozenset("0123456789")


def variable_name(name: str) -> str:
    """`name`, or the default when empty; UsageError unless it is a portable environment variable name."""
    name = name or DEFAULT_VARIABLE
    if name[0] not in _NAME_START or not set(name) <= _NAME_CHARS:
        raise UsageError(f"--env-var {name!r} is not an environment variable name (letters, digits, _; no digit first)")
    return name


def export_line(name: str, token: str) -> str:
    """`export NAME=<token>` and a newline, the token quoted for POSIX shells."""
    import shlex  # noqa: PLC0415  (imports re; env is not on a cache-hit hot path)

    return f"export {name}={shlex.quote(token)}\n"


def child_environment(env: Mapping[str, str], name: str, token: str) -> dict[str, str]:
    """The environment CMD runs with: ours, plus NAME=<token>."""
    return {**env, name: token}


def exit_status(returncode: int) -> int:
    """A shell's view of a child's end: its exit code, or 128+N when signal N killed it."""
    return SIGNAL_BASE - returncode if returncode < 0 else returncode


def handle(args: Args, overrides: Overrides, runtime: Runtime) -> int:
    """Run `exec` or `env` as parsed by the CLI (args.rest holds CMD ARGS... for exec)."""
    name = variable_name(args.env_var)
    if args.command == "exec" and not args.rest:
        raise UsageError("exec needs a command: rightbrain-helper exec [--env-var NAME] -- CMD [ARGS...]")
    token = runtime.service.get_token(runtime.settings(overrides), force_refresh=args.force_refresh)
    if args.command == "env":
        runtime.stdout.write(export_line(name, token.access_token))
        return EXIT_OK
    return run_command(args.rest, child_environment(runtime.env, name, token.access_token), runtime)


def run_command(command: Sequence[str], env: Mapping[str, str], runtime: Runtime) -> int:
    """Run `command` with `env` and the helper's own stdin, stdout and stderr; its shell-style exit status."""
    runtime.stdout.flush()
    relay = _SignalRelay()
    relay.install()  # before the child starts, so no signal meant for it can be lost
    try:
        try:
            child = subprocess.Popen(list(command), env=dict(env))
        except FileNotFoundError:
            runtime.log.error(f"{command[0]}: command not found")
            return EXIT_NOT_FOUND
        except OSError as exc:
            runtime.log.error(f"{command[0]}: cannot run it: {exc.strerror or exc}")
            return EXIT_CANNOT_RUN
        relay.started(child)
        return exit_status(child.wait())
    finally:
        relay.restore()


class _SignalRelay:
    """While CMD runs: SIGTERM and SIGHUP are passed on to it (held until it exists), SIGINT and SIGQUIT are left
    to it. Python-level handlers, not SIG_IGN: CMD starts with default dispositions (an ignored signal would be
    inherited). A signal ignored when we started stays ignored, for us and for CMD. Outside the main thread (an
    embedding program) handlers cannot be set, and nothing is changed."""

    def __init__(self) -> None:
        self.child: subprocess.Popen[bytes] | None = None
        self.pending: list[int] = []
        self.saved: dict[int, object] = {}

    def install(self) -> None:
        """Put our handlers in place, remembering the old ones."""
        try:
            for signum in FORWARDED + LEFT_TO_CHILD:
                if signal.getsignal(signum) is not signal.SIG_IGN:
                    handler = self._forward if signum in FORWARDED else self._leave
                    self.saved[signum] = signal.signal(signum, handler)
        except ValueError:
            self.restore()

    def started(self, child: subprocess.Popen[bytes]) -> None:
        """CMD runs: pass on what arrived while it was being started."""
        self.child = child
        for signum in self.pending:
            child.send_signal(signum)

    def restore(self) -> None:
        """Put the old handlers back."""
        for number, handler in self.saved.items():
            signal.signal(number, handler)  # type: ignore[arg-type]  # what signal.signal returned before
        self.saved.clear()

    def _forward(self, signum: int, _frame: object) -> None:
        """Pass the signal on to CMD (or hold it until CMD exists)."""
        if self.child is None:
            self.pending.append(signum)
        else:
            self.child.send_signal(signum)

    def _leave(self, _signum: int, _frame: object) -> None:
        """A terminal sends SIGINT and SIGQUIT to CMD as well; CMD decides, and we report how it ended."""
