"""The command line, parsed by hand: argparse imports re and gettext, which a cache hit cannot afford."""

from __future__ import annotations

from .errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

VALUE_OPTIONS = {"--profile": "profile", "--scope": "scope", "--audience": "audience"}
FLAG_OPTIONS = {
    "--no-cache": "no_cache",
    "--force-refresh": "force_refresh",
    "--local": "local",
    "--verbose": "verbose",
    "-v": "verbose",
    "--help": "help",
    "-h": "help",
    "--version": "version",
}
COMMANDS = ("token", "header", "json", "status", "clear", "kubectl", "configure", "unconfigure")
PASSTHROUGH = ("configure", "unconfigure")  # these parse their own options

USAGE = """\
usage: rightbrain-helper [OPTIONS] COMMAND

Get OAuth 2.0 client-credentials access tokens, shared through a cross-process cache.

commands:
  token         print the access token and a newline
  header        print "Authorization: Bearer <token>"
  json          print a JSON object: access_token, token_type, expires_at (RFC 3339), expires_in, scope
  status        list cached tokens (profile, issuer, client id, scope, expiry); never the tokens
  clear         remove cached tokens (all, or those of --profile) and the profile's fleet entry (not with --local)
  kubectl       act as a kubectl exec credential plugin
  configure     set up git, docker or kubectl to use this helper (see: configure --help)
  unconfigure   undo configure

options:
  --profile NAME     profile from the config file (default: RIGHTBRAIN_PROFILE, default_profile, "default")
  --scope SCOPE      scopes to request, space-separated (repeatable)
  --audience AUD     audience parameter to send
  --no-cache         neither read nor write the cache
  --force-refresh    fetch a new token even if the cached one is fresh
  --local            clear: only this machine's cache, not the fleet tier (shared_cache)
  -v, --verbose      debug lines on stderr (tokens and secrets masked)
  --version          print the version
  -h, --help         show this help

The client secret is never taken from the command line: use RIGHTBRAIN_CLIENT_SECRET, RIGHTBRAIN_CLIENT_SECRET_FILE,
or client_secret_file / client_secret_command in the config file. Exit codes: docs/reference.md.
"""


class Args:
    """The parsed command line."""

    __slots__ = (
        "audience",
        "command",
        "force_refresh",
        "help",
        "local",
        "no_cache",
        "profile",
        "rest",
        "scope",
        "verbose",
        "version",
    )

    def __init__(self) -> None:
        self.command = ""
        self.profile = ""
        self.scope = ""
        self.audience = ""
        self.no_cache = False
        self.force_refresh = False
        self.local = False
        self.verbose = False
        self.help = False
        self.version = False
        self.rest: list[str] = []


def parse_args(argv: Sequence[str]) -> Args:
    """Options may come before or after the command; `--opt value` and `--opt=value` both work."""
    args = Args()
    items = list(argv)
    while items:
        item = items.pop(0)
        if args.command in PASSTHROUGH:
            args.rest.append(item)
            continue
        name, sep, inline = item.partition("=")
        if name in VALUE_OPTIONS:
            _set_value(args, name, inline if sep else _next_value(items, name))
        elif item in FLAG_OPTIONS:
            setattr(args, FLAG_OPTIONS[item], True)
        elif item.startswith("-"):
            raise UsageError(f"unknown option {item!r}; see rightbrain-helper --help")
        elif not args.command:
            if item not in COMMANDS:
                raise UsageError(f"unknown command {item!r}; commands: {', '.join(COMMANDS)}")
            args.command = item
        else:
            raise UsageError(f"unexpected argument {item!r} after {args.command!r}")
    return args


def _next_value(items: list[str], name: str) -> str:
    """The value after an option that needs one."""
    if not items:
        raise UsageError(f"{name} needs a value")
    return items.pop(0)


def _set_value(args: Args, name: str, value: str) -> None:
    """Store an option's value; --scope may repeat and accumulates."""
    field = VALUE_OPTIONS[name]
    if field == "scope" and args.scope:
        value = f"{args.scope} {value}"
    setattr(args, field, value)
