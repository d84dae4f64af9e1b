"""`rightbrain-helper`, the console script: the CLI's own commands (helper/cli) plus those whose code lives in the
adapters (kubectl, bazel, goauth, configure, unconfigure, doctor). Imports point from here to the CLI, never back:
helper/cli knows these only as the table passed to it, and each adapter loads only when its command runs (a
`token` hit loads none of them)."""

from __future__ import annotations

from rightbrain_helper.cli.args import OPTIONS, PASSTHROUGH, POSITIONAL
from rightbrain_helper.cli.main import ToolCommand, overrides
from rightbrain_helper.cli.main import main as cli_main
from rightbrain_helper.errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from rightbrain_helper.cli.args import Args
    from rightbrain_helper.runtime import Runtime


def main(argv: Sequence[str] | None = None, runtime: Runtime | None = None) -> int:
    """Entry point of `rightbrain-helper` and `python -m rightbrain_helper`; argv defaults to sys.argv[1:]."""
    return cli_main(argv, runtime, TOOLS)


def _kubectl(args: Args, runtime: Runtime) -> int:
    """kubectl's exec credential plugin (integrations/kubectl.py)."""
    from rightbrain_helper.integrations.kubectl import handle  # noqa: PLC0415

    return handle(overrides(args), runtime)


def _bazel(args: Args, runtime: Runtime) -> int:
    """Bazel's credential helper (integrations/bazel.py)."""
    _hosts_select_profiles(args)
    from rightbrain_helper.integrations.bazel import handle  # noqa: PLC0415

    return handle(args.rest, runtime)


def _goauth(args: Args, runtime: Runtime) -> int:
    """Go's GOAUTH command (integrations/goauth.py)."""
    _hosts_select_profiles(args)
    from rightbrain_helper.integrations.goauth import handle  # noqa: PLC0415

    return handle(args.rest, runtime)


def _configure(args: Args, runtime: Runtime) -> int:
    """configure and unconfigure (integrations/configure.py), which parse their own options."""
    from rightbrain_helper.integrations.configure import run  # noqa: PLC0415

    return run(args.command, [*args.rest, *(["--help"] if args.help else [])], args.profile, runtime)


def _doctor(args: Args, runtime: Runtime) -> int:
    """Check the set-up, one line per check (integrations/doctor/)."""
    from rightbrain_helper.integrations.doctor.report import run  # noqa: PLC0415

    return run(overrides(args), runtime)


def _hosts_select_profiles(args: Args) -> None:
    """bazel and goauth answer for many hosts, each with its host entry's profile: options would be ignored."""
    if args.profile or args.scope or args.audience:
        raise UsageError(f"{args.command} takes profile, scope and audience from the host list, not from options")


TOOLS = {
    "kubectl": ToolCommand(OPTIONS, _kubectl),
    "bazel": ToolCommand(POSITIONAL, _bazel),
    "goauth": ToolCommand(POSITIONAL, _goauth),
    "configure": ToolCommand(PASSTHROUGH, _configure),
    "unconfigure": ToolCommand(PASSTHROUGH, _configure),
    "doctor": ToolCommand(OPTIONS, _doctor),
}
