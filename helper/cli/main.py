"""The `rightbrain-helper` command: token, header, json, status, clear, exec, env, login, and the tool entries
(kubectl, bazel, goauth, configure)."""

from __future__ import annotations

import sys

from rightbrain_helper import __version__
from rightbrain_helper.cli.args import Args, parse_args
from rightbrain_helper.cli.cachecmds import clear, status
from rightbrain_helper.clock import rfc3339
from rightbrain_helper.errors import EXIT_OK, UsageError
from rightbrain_helper.jsonout import dumps
from rightbrain_helper.runtime import Runtime, run_guarded
from rightbrain_helper.settings.load import Overrides

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from rightbrain_helper.token.entry import Token


def main(argv: Sequence[str] | None = None, runtime: Runtime | None = None) -> int:
    """Entry point of the console script and of `python -m rightbrain_helper`."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    runtime = runtime or Runtime(verbose="-v" in arguments or "--verbose" in arguments)
    return run_guarded(lambda: _dispatch(arguments, runtime), runtime)


def _dispatch(arguments: list[str], runtime: Runtime) -> int:
    """Parse and run one command."""
    args = parse_args(arguments)
    runtime.log.verbose = runtime.log.verbose or args.verbose
    if args.version:
        runtime.stdout.write(f"rightbrain-helper {__version__}\n")
        return EXIT_OK
    if args.help and args.command not in ("configure", "unconfigure"):
        from rightbrain_helper.cli.helptext import command_help  # noqa: PLC0415  (only for --help)

        runtime.stdout.write(command_help(args.command))
        return EXIT_OK
    if not args.command:
        raise UsageError("no command given; try: rightbrain-helper token (or --help)")
    if args.command in ("token", "header", "json"):
        return _print_token(args, runtime)
    if args.command == "status":
        return status(runtime)
    if args.command == "clear":
        return clear(args.profile, runtime, overrides(args), local=args.local)
    if args.command == "login":
        from rightbrain_helper.cli.login import login  # noqa: PLC0415  (keyring loads only here)

        return login(args.profile, runtime)
    if args.command == "kubectl":
        from rightbrain_helper.integrations.kubectl import handle  # noqa: PLC0415

        return handle(overrides(args), runtime)
    if args.command in ("exec", "env", "bazel", "goauth"):
        return _script_or_tool(args, runtime)
    from rightbrain_helper.integrations.configure import run  # noqa: PLC0415

    return run(args.command, [*args.rest, *(["--help"] if args.help else [])], args.profile, runtime)


def _script_or_tool(args: Args, runtime: Runtime) -> int:
    """exec / env (helper/cli/envvar.py), bazel and goauth (their adapters), each imported only when run."""
    if args.command in ("bazel", "goauth") and (args.profile or args.scope or args.audience):
        raise UsageError(f"{args.command} takes profile, scope and audience from the host list, not from options")
    if args.command == "bazel":
        from rightbrain_helper.integrations.bazel import handle as bazel  # noqa: PLC0415

        return bazel(args.rest, runtime)
    if args.command == "goauth":
        from rightbrain_helper.integrations.goauth import handle as goauth  # noqa: PLC0415

        return goauth(args.rest, runtime)
    from rightbrain_helper.cli.envvar import handle  # noqa: PLC0415

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
        runtime.stdout.write(dumps(_token_json(token, runtime.clock.now())) + "\n")
    return EXIT_OK


def _token_json(token: Token, now: float) -> dict[str, str | int | None]:
    """What `json` prints."""
    return {
        "access_token": token.access_token,
        "token_type": token.token_type,
        "expires_at": rfc3339(token.expires_at),
        "expires_in": int(token.expires_at - now),
        "scope": token.scope or None,
    }
