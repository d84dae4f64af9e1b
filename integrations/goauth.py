"""`rightbrain-helper goauth [URL]`: a GOAUTH authentication command for the go command (Go >= 1.24).

`GOAUTH="rightbrain-helper goauth"` makes the go command run it once with no argument and no input before its first
HTTPS fetch, and again with the URL as the last argument (and the HTTP response on stdin) after a 4xx answer
(`go help goauth`). The answer is zero or more credential sets (Response = { CredentialSet }):

    https://proxy.example.com              one or more URL prefix lines ("https://" URLs)
                                           a blank line
    Authorization: Bearer <token>          header lines, "Name: value"
                                           a blank line (mandatory: go rejects output without it)

Without a URL every configured host is answered, one set per profile/scope/audience (hosts sharing a token share a
set); with a URL only that URL's host, and nothing at all for an unconfigured host or a non-https URL. Prefixes
carry no trailing slash: Go 1.24 matches `host/path` by walking up with path.Dir, which never yields one. A
URL-specific call whose response was a 401 means the token was refused: the cached one is replaced.
go shows a command's stderr only with -x, and drops the whole output of a command that exits non-zero, so a host
whose token cannot be had is skipped with a warning while the others are still answered.
"""

from __future__ import annotations

from rightbrain_helper.errors import EXIT_FAILURE, EXIT_OK, HelperError, UsageError
from rightbrain_helper.runtime import run_guarded
from rightbrain_helper.settings.hosts import configured_hosts, find_host, split_host_port

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from rightbrain_helper.runtime import Runtime
    from rightbrain_helper.settings.hosts import HostEntry
    from rightbrain_helper.token.entry import Token

TOOL = "goauth"  # the name host entries use for this adapter (tools = [...])
NOT_FOUND = ""
MAX_INPUT = 64 * 1024  # only the status line is used; headers past this are not read
HTTP_UNAUTHORIZED = 401
_AUTHORITY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:[]")


class Request:
    """A URL-specific call: the URL's host (lower-case), port ("" when the URL has none), path, the credential
    prefix to answer with (`https://` + the authority as go wrote it) and the HTTP status go got (0 if unknown)."""

    __slots__ = ("host", "path", "port", "prefix", "status", "verb")

    def __init__(self, host: str, port: str, path: str, prefix: str, status: int = 0) -> None:
        self.verb = "get"
        self.host = host
        self.port = port
        self.path = path
        self.prefix = prefix
        self.status = status


def parse_request(arguments: Sequence[str], response: str = "") -> Request | None:
    """The URL-specific request for go's arguments and stdin; None for the start-up call (no URL) and for a URL
    that gets nothing (not https, no host, characters no host has). Raises UsageError for more than one URL."""
    if len(arguments) > 1:
        raise UsageError(f"goauth takes at most one URL (go appends it), got {len(arguments)} arguments")
    if not arguments:
        return None
    scheme, separator, rest = arguments[0].partition("://")
    if not separator or scheme.lower() != "https":
        return None
    end = min((index for index in (rest.find(ch) for ch in "/?#") if index >= 0), default=len(rest))
    authority = rest[:end].rpartition("@")[2]
    host, port = split_host_port(authority)
    if not host or not set(authority) <= _AUTHORITY_CHARS or (port and not port.isdigit()):
        return None
    path = rest[end:].partition("#")[0].partition("?")[0] or "/"
    return Request(host, port, path, "https://" + authority, response_status(response))


def response_status(response: str) -> int:
    """The status code of the response go passes on stdin ("HTTP/1.1 401 Unauthorized" first), or 0."""
    words = response.partition("\n")[0].split()
    if len(words) >= 2 and words[0].startswith("HTTP/") and len(words[1]) == 3 and words[1].isdigit():
        return int(words[1])
    return 0


def render(prefixes: Sequence[str], token: Token) -> str:
    """One credential set: the URL prefix lines, a blank line, the Authorization header, a blank line."""
    return "".join(f"{prefix}\n" for prefix in prefixes) + f"\nAuthorization: Bearer {token.access_token}\n\n"


def host_prefix(entry: HostEntry) -> str:
    """The prefix line for a configured host: https://HOST[:PORT], IPv6 in brackets."""
    host = f"[{entry.host}]" if ":" in entry.host else entry.host
    return f"https://{host}:{entry.port}" if entry.port else f"https://{host}"


def handle(arguments: Sequence[str], runtime: Runtime) -> int:
    """Answer one go call (see the module docstring)."""
    return run_guarded(lambda: _answer(arguments, runtime), runtime)


def _answer(arguments: Sequence[str], runtime: Runtime) -> int:
    """Start-up call: every configured host; URL-specific call: that URL's host."""
    if not arguments:
        return _answer_all(runtime)
    request = parse_request(arguments, _read(runtime))
    entry = None if request is None else find_host(runtime.context(), request.host, request.port, tool=TOOL)
    if request is None or entry is None:
        runtime.stdout.write(NOT_FOUND)
        return EXIT_OK
    refused = request.status == HTTP_UNAUTHORIZED
    token = runtime.service.get_token(runtime.settings(entry.overrides()), force_refresh=refused)
    runtime.stdout.write(render([request.prefix], token))
    return EXIT_OK


def _answer_all(runtime: Runtime) -> int:
    """One set per distinct token; a failing profile is skipped with a warning (exit 1 only if all failed)."""
    groups: dict[tuple[str, str, str], list[HostEntry]] = {}
    for entry in configured_hosts(runtime.context(), TOOL):
        groups.setdefault((entry.profile, entry.scope, entry.audience), []).append(entry)
    failed = 0
    for entries in groups.values():
        try:
            token = runtime.service.get_token(runtime.settings(entries[0].overrides()))
        except HelperError as exc:
            failed += 1
            runtime.log.warn(f"no token for {', '.join(entry.name for entry in entries)}: {exc}")
            continue
        runtime.stdout.write(render(list(dict.fromkeys(host_prefix(entry) for entry in entries)), token))
    return EXIT_FAILURE if failed and failed == len(groups) else EXIT_OK


def _read(runtime: Runtime) -> str:
    """The HTTP response go writes on stdin (nothing is read from a terminal)."""
    try:
        if runtime.stdin.isatty():
            return ""
        return runtime.stdin.read(MAX_INPUT)
    except (OSError, ValueError):
        return ""  # the status only decides whether to replace the token; unreadable input is no status
