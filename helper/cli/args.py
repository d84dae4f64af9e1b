"""The command line, parsed by hand: argparse imports re and gettext, which a cache hit cannot afford."""

from __future__ import annotations

from rightbrain_helper.errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

VALUE_OPTIONS = {"--profile": "profile", "--scope": "scope", "--audience": "audience", "--env-var": "env_var"}
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
COMMANDS = ("token", "header", "json", "status", "clear", "exec", "env", "login")  # the CLI's own; tools add theirs
PASSTHROUGH = "passthrough"  # a tool command that parses its own options (configure)
POSITIONAL = "positional"  # a tool command that takes arguments in args.rest (bazel's verb, go's URL)
OPTIONS = "options"  # a tool command that takes the usual options only (kubectl)
ENV_VAR_COMMANDS = ("exec", "env")


class Args:
    """The parsed command line."""

    __slots__ = (
        "audience",
        "command",
        "env_var",
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
        self.env_var = ""
        self.no_cache = False
        self.force_refresh = False
        self.local = False
        self.verbose = False
        self.help = False
        self.version = False
        self.rest: list[str] = []


def parse_args(argv: Sequence[str], tools: Mapping[str, str] | None = None) -> Args:
    """Options may come before or after the command; `--opt value` and `--opt=value` both work. `tools` maps the
    tool commands the console script adds (integrations/commands.py) to how they take arguments (PASSTHROUGH,
    POSITIONAL or OPTIONS)."""
    tools = tools or {}
    args = Args()
    items = list(argv)
    while items:
        item = items.pop(0)
        style = tools.get(args.command, "")
        if style == PASSTHROUGH:
            args.rest.append(item)
            continue
        if args.command == "exec" and (item == "--" or not item.startswith("-")):
            args.rest = items if item == "--" else [item, *items]  # CMD ARGS..., verbatim
            break
        name, sep, inline = item.partition("=")
        if name in VALUE_OPTIONS:
            _set_value(args, name, inline if sep else _next_value(items, name))
        elif item in FLAG_OPTIONS:
            setattr(args, FLAG_OPTIONS[item], True)
        elif item.startswith("-"):
            raise UsageError(f"unknown option {item!r}; see rightbrain-helper --help")
        elif not args.command:
            if item not in COMMANDS and item not in tools:
                raise UsageError(f"unknown command {item!r}; commands: {', '.join([*COMMANDS, *tools])}")
            args.command = item
        elif style == POSITIONAL:
            args.rest.append(item)
        else:
            raise UsageError(f"unexpected argument {item!r} after {args.command!r}")
    if args.env_var and args.command not in ENV_VAR_COMMANDS:
        raise UsageError(f"--env-var is for {' and '.join(ENV_VAR_COMMANDS)} only")
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
