"""`rightbrain-helper configure|unconfigure TOOL ...`: one argparse front for the per-tool setup modules.

Each tool module (git_setup, docker_setup, kubectl_setup) provides `add_arguments(parser)` and
`apply(options, runtime, *, install, dry_run) -> list[str]` (lines describing each change, made or planned).
Every change is idempotent, preserves the rest of the file it edits, is written atomically and backed up.
"""

from __future__ import annotations

import argparse
import importlib
from typing import TYPE_CHECKING, Protocol, cast

from rightbrain_helper.errors import EXIT_OK, UsageError

if TYPE_CHECKING:
    from rightbrain_helper.runtime import Runtime

TOOLS = {
    "git": "git_setup",
    "docker": "docker_setup",
    "kubectl": "kubectl_setup",
    "terraform": "terraform_setup",
    "cargo": "cargo_setup",
}


class SetupModule(Protocol):
    """What a per-tool setup module offers."""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Declare the tool's options."""

    def apply(self, options: argparse.Namespace, runtime: Runtime, *, install: bool, dry_run: bool) -> list[str]:
        """Make (or plan) the changes; return one line per change."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises UsageError instead of exiting, so errors go through the one error path."""

    def error(self, message: str) -> None:  # type: ignore[override]
        """Raise instead of exiting."""
        raise UsageError(f"{self.prog}: {message}")


def run(command: str, rest: list[str], profile: str, runtime: Runtime) -> int:
    """Parse `rest` for `command` (configure or unconfigure) and apply the tool's setup."""
    parser = _Parser(prog=f"rightbrain-helper {command}", description=__doc__.splitlines()[0])
    tools = parser.add_subparsers(dest="tool", required=True, metavar="TOOL", parser_class=_Parser)
    modules: dict[str, SetupModule] = {}
    for tool, module_name in TOOLS.items():
        module = cast("SetupModule", importlib.import_module(f"{__package__}.{module_name}"))
        modules[tool] = module
        sub = tools.add_parser(tool, help=f"{command} {tool}")
        sub.add_argument("--profile", default=profile, help="profile whose token this tool gets")
        sub.add_argument("--dry-run", action="store_true", help="print the changes without making them")
        module.add_arguments(sub)
    if "-h" in rest or "--help" in rest:
        try:
            parser.parse_args(rest)
        except SystemExit:
            pass
        return EXIT_OK
    options = parser.parse_args(rest)
    install = command == "configure"
    for line in modules[options.tool].apply(options, runtime, install=install, dry_run=options.dry_run):
        runtime.stdout.write(line + "\n")
    return EXIT_OK
