"""The `rightbrain-helper` command line: token, header, json, status, clear, exec, env and login; the tool commands
(kubectl, bazel, goauth, configure) are passed in by integrations/commands.py, the console script's entry."""

from __future__ import annotations

import sys

from rightbrain_helper import __version__
from rightbrain_helper.cli.args import PASSTHROUGH, Args, parse_args
from rightbrain_helper.errors import EXIT_OK, UsageError
from rightbrain_helper.runtime import Runtime, run_guarded
from rightbrain_helper.settings.load import Overrides

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from rightbrain_helper.token.entry import Token


class ToolCommand:
    """A command whose code lives in an adapter (kubectl, bazel, goauth, configure): how it takes its arguments
    (args.PASSTHROUGH, POSITIONAL or OPTIONS) and what runs it. integrations/commands.py passes the table in, so
    the CLI imports no adapter."""

    __slots__ = ("run", "style")

    def __init__(self, style: str, run: Callable[[Args, Runtime], int]) -> None:
        self.style = style
        self.run = run


def main(
    argv: Sequence[str] | None = None, runtime: Runtime | None = None, tools: Mapping[str, ToolCommand] | None = None
) -> int:
    """Run one command line: the CLI's own commands, and the `tools` commands the console script adds."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    runtime = runtime or Runtime(verbose="-v" in arguments or "--verbose" in arguments)
    return run_guarded(lambda: _dispatch(arguments, runtime, tools or {}), runtime)


def _dispatch(arguments: list[str], runtime: Runtime, tools: Mapping[str, ToolCommand]) -> int:
    """Parse and run one command."""
    args = parse_args(arguments, {name: tool.style for name, tool in tools.items()})
    runtime.log.verbose = runtime.log.verbose or args.verbose
    if args.version:
        runtime.stdout.write(f"rightbrain-helper {__version__}\n")
        return EXIT_OK
    tool = tools.get(args.command)
    if args.help and (tool is None or tool.style != PASSTHROUGH):
        from rightbrain_helper.cli.helptext import command_help  # noqa: PLC0415  (only for --help)

        runtime.stdout.write(command_help(args.command))
        return EXIT_OK
    if not args.command:
        raise UsageError("no command given; try: rightbrain-helper token (or --help)")
    if tool is not None:
        return tool.run(args, runtime)
    if args.command in ("token", "header", "json"):
        return _print_token(args, runtime)
    if args.command == "login":
        from rightbrain_helper.cli.login import login  # noqa: PLC0415  (keyring loads only here)

        return login(args.profile, runtime)
    if args.command in ("status", "clear"):
        from rightbrain_helper.cli.cachecmds import clear, status  # noqa: PLC0415  (not on a hit)

        return (
            status(runtime)
            if args.command == "status"
            else clear(args.profile, runtime, overrides(args), local=args.local)
        )
    from rightbrain_helper.cli.envvar import handle  # noqa: PLC0415  (exec and env)

    return handle(args, overrides(args), runtime)


def overrides(args: Args) -> Overrides:
    """The settings a command line asks for."""
    return Overrides(profile=args.profile, scope=args.scope, audience=args.audience, use_cache=not args.no_cache)


def _print_token(args: Args, runtime: Runtime) -> int:
    """token / header / json."""
    settings = runtime.settings(overrides(args))
    token = runtime.service.get_token(settings, force_refresh=args.force_refresh)
    if args.command == "token":
        runtime.stdout.write(token.access_token + "\n")
    elif args.command == "header":
        runtime.stdout.write(f"Authorization: Bearer {token.access_token}\n")
    else:
        from rightbrain_helper.jsonout import dumps  # noqa: PLC0415  (only `json` needs it)

        runtime.stdout.write(dumps(_token_json(token, runtime.clock.now())) + "\n")
    return EXIT_OK


def _token_json(token: Token, now: float) -> dict[str, str | int | None]:
    """What `json` prints."""
    from rightbrain_helper.clock import rfc3339  # noqa: PLC0415

    return {
        "access_token": token.access_token,
        "token_type": token.token_type,
        "expires_at": rfc3339(token.expires_at),
        "expires_in": int(token.expires_at - now),
        "scope": token.scope or None,
    }
