"""`rightbrain-helper configure|unconfigure TOOL ...`: one argparse front for the per-tool setup modules.

Each tool module (git_setup, docker_setup, kubectl_setup, terraform_setup, cargo_setup) provides
`add_arguments(parser)` and `plan(options, runtime, *, install) -> Plan`. Planning reads and checks everything
(the tool's files, the helper's host list, and for configure the profile the tool will use and its secret
source); only then are the changes made, in order, so a failed check leaves every file as it was. Every change
is idempotent, preserves the rest of the file it edits, is written atomically and backed up.
"""

from __future__ import annotations

import argparse
import importlib
from typing import TYPE_CHECKING, Any, Protocol, TextIO, cast

from rightbrain_helper.errors import EXIT_OK, UsageError

from .profilecheck import check_profile

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

    from rightbrain_helper.runtime import Runtime

    from .changes import Plan

TOOLS = {
    "git": "git_setup",
    "docker": "docker_setup",
    "kubectl": "kubectl_setup",
    "terraform": "terraform_setup",
    "cargo": "cargo_setup",
}
DESCRIPTIONS = {
    "configure": "Set up a tool to get its tokens from this helper: git (a credential helper for one host), "
    "docker (a credential helper for one registry), kubectl (a cluster, user and context whose exec plugin is "
    "this helper), terraform (a credentials helper for one registry host) or cargo (a credential provider for one "
    "registry). Each also lists the host in the helper's own config file. Every check (the profile, its "
    "secret source, the files to edit) is made before the first change; files are backed up (the last three "
    "backups kept) and replaced atomically. Running it again changes only what differs: options given replace "
    "their old values, options left out keep them.",
    "unconfigure": "Undo configure for a tool: remove what configure added, leave everything else, and say "
    "what was left and why.",
}
TOOL_SUMMARY = {
    "git": "git's credential helper for one HTTPS host",
    "docker": "docker's credential helper for one registry",
    "kubectl": "a kubeconfig cluster, user and context with this helper as exec plugin",
    "terraform": "terraform's credentials helper for one module/provider registry host",
    "cargo": "cargo's credential provider for one registry",
}
TOOL_HELP = {
    "git": "credential.https://HOST.helper (after an empty value that resets inherited helpers) and, with "
    "--username, credential.https://HOST.username, via git config --global; warns about other helpers that would "
    "also receive the token",
    "docker": 'credHelpers["REGISTRY"] = "rightbrain" in $DOCKER_CONFIG/config.json (default ~/.docker)',
    "kubectl": "a cluster, a user rightbrain-CLUSTER whose exec plugin runs `rightbrain-helper kubectl`, and a "
    "context, via kubectl config in the KUBECONFIG files (default ~/.kube/config)",
    "terraform": "a credentials_helper block in the CLI config ($TF_CLI_CONFIG_FILE, default ~/.terraformrc) and "
    "the terraform-credentials-rightbrain link in ~/.terraform.d/plugins/ (terraform does not look on PATH)",
    "cargo": "[registries.NAME] with index and credential-provider in $CARGO_HOME/config.toml (default "
    "~/.cargo/config.toml), between marker comments",
}


class SetupModule(Protocol):
    """What a per-tool setup module offers."""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Declare the tool's options."""

    def plan(self, options: argparse.Namespace, runtime: Runtime, *, install: bool) -> Plan:
        """Read and check everything; return the changes to make (or show)."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises UsageError instead of exiting (errors go through the one error path) and prints its
    help on the runtime's stdout."""

    def __init__(self, *args: Any, out: TextIO, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.out = out

    def error(self, message: str) -> None:  # type: ignore[override]
        """Raise instead of exiting."""
        raise UsageError(f"{self.prog}: {message}")

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        """Help and usage go to the runtime's stdout."""
        if message:
            self.out.write(message)


def run(command: str, rest: list[str], profile: str, runtime: Runtime) -> int:
    """Parse `rest` for `command` (configure or unconfigure), check everything, then make the changes."""
    parser, modules = _parser(command, profile, runtime.stdout)
    if "-h" in rest or "--help" in rest:
        try:
            parser.parse_args(rest)
        except SystemExit:
            pass
        return EXIT_OK
    options = parser.parse_args(rest)
    install = command == "configure"
    plan = modules[options.tool].plan(options, runtime, install=install)
    if install and plan.profile is not None and not options.skip_profile_check:
        check_profile(runtime, plan.profile)
    for line in plan.run(dry_run=options.dry_run):
        runtime.stdout.write(line + "\n")
    for warning in plan.warnings:
        runtime.log.warn(warning)
    return EXIT_OK


def _parser(command: str, profile: str, out: TextIO) -> tuple[_Parser, dict[str, SetupModule]]:
    """The argument parser of `command`, with a subcommand per tool, and the tools' setup modules."""
    parser = _Parser(prog=f"rightbrain-helper {command}", description=DESCRIPTIONS[command], out=out)
    tools = parser.add_subparsers(dest="tool", required=True, metavar="TOOL", parser_class=_Parser)
    modules: dict[str, SetupModule] = {}
    for tool, module_name in TOOLS.items():
        module = cast("SetupModule", importlib.import_module(f"{__package__}.{module_name}"))
        modules[tool] = module
        summary = f"{command} {tool}: " + ("writes " if command == "configure" else "removes ") + TOOL_HELP[tool]
        sub = tools.add_parser(tool, help=TOOL_SUMMARY[tool], description=summary, out=out)
        sub.add_argument(
            "--profile",
            default=profile or None,
            help="profile whose token this tool gets (default: as before, else the default profile; '' resets)",
        )
        sub.add_argument("--dry-run", action="store_true", help="print the changes without making them")
        if command == "configure":
            sub.add_argument(
                "--skip-profile-check",
                action="store_true",
                help="write even if the profile cannot get a token yet (e.g. an image whose secret comes at run time)",
            )
        module.add_arguments(sub)
    return parser, modules
