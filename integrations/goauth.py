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
from rightbrain_helper.netaddr import join_authority, parse_url
from rightbrain_helper.settings.hosts import configured_hosts

from .contract import GET, OTHER, Adapter, Dialect, Request
from .serve import serve

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from rightbrain_helper.runtime import Runtime
    from rightbrain_helper.settings.hosts import HostEntry
    from rightbrain_helper.settings.model import Settings
    from rightbrain_helper.token.entry import Token

    from .contract import Reply

TOOL = "goauth"  # the name host entries use for this adapter (tools = [...])
NOT_FOUND = ""
MAX_INPUT = 64 * 1024  # only the status line is used; headers past this are not read
HTTP_UNAUTHORIZED = 401
EVERY_HOST = "start-up"  # the verb of the call without a URL: every configured host at once


class GoAuth(Adapter):
    """The URL-specific call is a `get` like any other tool's; the start-up call answers for every host at once,
    one credential set per token, so it is this tool's own verb (`other`)."""

    name = "rightbrain-helper goauth"
    tool = TOOL
    verbs = {"get": GET, EVERY_HOST: OTHER}  # noqa: RUF012
    dialect = Dialect()

    def parse(self, request: Request, argv: list[str], runtime: Runtime) -> None:
        """No argument: the start-up call. One URL: that URL, and the response go got for it on stdin."""
        if not argv:
            request.verb = EVERY_HOST
            return
        parse_request(argv, read_input(runtime), request)

    def found(self, request: Request, token: Token, settings: Settings, entry: HostEntry | None, now: float) -> str:
        """One credential set for the URL's scheme and authority as go wrote it."""
        return render([request.values["prefix"]], token)

    def missing(self, request: Request) -> Reply:
        """Nothing: go goes on without our credentials."""
        return NOT_FOUND, EXIT_OK

    def other(self, request: Request, runtime: Runtime) -> Reply:
        """The start-up call: one set per distinct token; a failing profile is skipped with a warning (go drops
        all output of a command that fails), exit 1 only if every one failed."""
        groups: dict[tuple[str, str, str], list[HostEntry]] = {}
        for entry in configured_hosts(runtime.context(), TOOL):
            groups.setdefault((entry.profile, entry.scope, entry.audience), []).append(entry)
        sets, failed = [], 0
        for entries in groups.values():
            try:
                token = runtime.service.get_token(runtime.settings(entries[0].overrides()))
            except HelperError as exc:
                failed += 1
                runtime.log.warn(f"no token for {', '.join(entry.name for entry in entries)}: {exc}")
                continue
            sets.append(render(list(dict.fromkeys(host_prefix(entry) for entry in entries)), token))
        return "".join(sets), EXIT_FAILURE if failed and failed == len(groups) else EXIT_OK


def parse_request(arguments: Sequence[str], response: str = "", request: Request | None = None) -> Request:
    """The URL-specific request for go's arguments and stdin: host, port, path, the credential prefix to answer
    with (`https://` + the authority as go wrote it) and, after a 401, `refresh`. No host (nothing to answer) for
    a URL that is not https or has no usable host. Raises UsageError for more than one URL."""
    if len(arguments) > 1:
        raise UsageError(f"goauth takes at most one URL (go appends it), got {len(arguments)} arguments")
    request = request if request is not None else Request()
    request.verb = "get"
    url = parse_url(arguments[0]) if arguments and "://" in arguments[0] else None
    if url is None or url.scheme != "https":
        return request
    request.scheme, request.host, request.port, request.path = url.scheme, url.host, url.port, url.path or "/"
    request.values["prefix"] = "https://" + url.authority
    request.refresh = response_status(response) == HTTP_UNAUTHORIZED
    return request


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
    return "https://" + join_authority(entry.host, entry.port)


def read_input(runtime: Runtime) -> str:
    """The HTTP response go writes on stdin (nothing is read from a terminal)."""
    try:
        if runtime.stdin.isatty():
            return ""
        return runtime.stdin.read(MAX_INPUT)
    except (OSError, ValueError):
        return ""  # the status only decides whether to replace the token; unreadable input is no status


GOAUTH = GoAuth()


def handle(arguments: Sequence[str], runtime: Runtime) -> int:
    """`rightbrain-helper goauth [URL]`: answer one go call (see the module docstring)."""
    return serve(GOAUTH, list(arguments), runtime)
