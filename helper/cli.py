"""The `rightbrain-helper` command: token, header, json, status, clear, and the kubectl / configure entries."""

from __future__ import annotations

import sys

from . import __version__
from .app import Runtime, run_guarded
from .cache import TokenCache
from .cliargs import USAGE, Args, parse_args
from .clock import rfc3339
from .config import Overrides
from .errors import EXIT_OK, HelperError, UsageError
from .jsonout import dumps

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from .entry import Token


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
    if args.help or not args.command:
        if not args.help:
            raise UsageError("no command given; try: rightbrain-helper token (or --help)")
        runtime.stdout.write(USAGE)
        return EXIT_OK
    if args.command in ("token", "header", "json"):
        return _print_token(args, runtime)
    if args.command == "status":
        return _status(runtime)
    if args.command == "clear":
        return _clear(args, runtime)
    if args.command == "kubectl":
        from .integrations.kubectl import handle  # noqa: PLC0415

        return handle(overrides(args), runtime)
    from .integrations.configure import run  # noqa: PLC0415

    return run(args.command, args.rest, args.profile, runtime)


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


def _status(runtime: Runtime) -> int:
    """One line per cache entry; never a token."""
    now = runtime.clock.now()
    rows = [("PROFILE", "ISSUER", "CLIENT ID", "SCOPE", "EXPIRES")]
    for _key, token in TokenCache(runtime.context().cache_dir).entries():
        if token is None:
            rows.append(("?", "?", "?", "?", "unreadable (ignored; replaced on next fetch)"))
            continue
        expiry = _expiry(token, now) + (", from the fleet tier" if token.tier else "")
        rows.append((token.profile, _host(token.token_url), token.client_id, token.scope or "-", expiry))
    if len(rows) == 1:
        runtime.stdout.write("no cached tokens\n")
        return EXIT_OK
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        runtime.stdout.write("  ".join([*cells, row[4]]) + "\n")
    return EXIT_OK


def _clear(args: Args, runtime: Runtime) -> int:
    """Remove every entry, or those of --profile."""
    cache = TokenCache(runtime.context().cache_dir)
    removed = 0
    for key, token in list(cache.entries()):
        if not args.profile or (token is not None and token.profile == args.profile):
            removed += cache.remove(key)
    runtime.stdout.write(f"removed {removed} cached token(s)\n")
    if not args.local:
        _clear_fleet(args, runtime)
    return EXIT_OK


def _clear_fleet(args: Args, runtime: Runtime) -> None:
    """Remove the fleet entry of the settings `token` would use now, if they have a fleet tier."""
    try:
        settings = runtime.settings(overrides(args))
    except HelperError as exc:  # no complete settings, so no fleet entry of ours to find
        runtime.log.debug(f"fleet tier not cleared: {exc}")
        return
    if settings.shared_cache:
        from .fleet.admin import clear_shared  # noqa: PLC0415

        runtime.stdout.write(clear_shared(settings, runtime.log) + "\n")


def _host(url: str) -> str:
    """The host[:port] of a URL, without importing urllib."""
    rest = url.partition("://")[2]
    return rest.split("/", 1)[0].rpartition("@")[2] or url


def _expiry(token: Token, now: float) -> str:
    """'expires in 5m 3s' or 'expired 2m ago'."""
    left = int(token.expires_at - now)
    if left <= 0:
        return f"expired {_duration(-left)} ago"
    return f"expires in {_duration(left)} ({rfc3339(token.expires_at)})"


def _duration(seconds: int) -> str:
    """Seconds as '1h 2m', '5m 3s' or '42s'."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {secs}s" if minutes else f"{secs}s"
