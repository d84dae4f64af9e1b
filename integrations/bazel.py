"""`bazel-credential-rightbrain` and `rightbrain-helper bazel get`: a credential helper for Bazel.

Bazel (>= 6.3, `--credential_helper=[SCOPE=]PATH`) runs `PATH get` with a GetCredentialsRequest on stdin and reads
a GetCredentialsResponse from stdout (EngFlow/credential-helper-spec, spec.md and schemas/):

    stdin:  {"uri":"https://cache.example.com/cas/0123"}
    stdout: {"headers":{"Authorization":["Bearer <token>"]},"expires":"2030-01-01T12:00:00Z"}

`expires` is RFC 3339 in UTC with whole seconds (Bazel's parser rejects fractions and a lower-case z): the token's
expiry minus the safety margin, so Bazel asks again before the token runs out. For a URI whose host is not
configured the answer is `{}` ("no credentials needed"), exit 0: one unscoped helper serves every download, and an
error would fail the build for public hosts. A token never goes to a cleartext (http, grpc) URI unless its host
is loopback. Errors: one line on stderr, non-zero exit (Bazel fails the fetch and shows the line).

The codec (parse_request, render, NOT_FOUND) is pure; `handle` does the I/O. On Bazel's own encoding of the
request no json (and so no re) is imported; anything else goes through a small bounded loader.
"""

from __future__ import annotations

import sys

from rightbrain_helper import PROJECT, __version__
from rightbrain_helper.clock import rfc3339
from rightbrain_helper.errors import EXIT_OK, EXIT_USAGE, UsageError
from rightbrain_helper.jsonout import dumps
from rightbrain_helper.runtime import Runtime, run_guarded
from rightbrain_helper.settings.hosts import find_host, is_loopback_host, split_host_port

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from rightbrain_helper.token.entry import Token

NAME = "bazel-credential-rightbrain"
TOOL = "bazel"  # the name host entries use for this adapter (tools = [...])
VERB = "get"
NOT_FOUND = "{}\n"
USAGE = f'usage: {NAME} get  (reads {{"uri": "URI"}} on stdin; see docs/how-to/bazel.md)'
HELP = f"""\
usage: {NAME} get   (reads a GetCredentialsRequest {{"uri": "URI"}} on stdin)
       {NAME} --version | --help

A Bazel credential helper (Bazel >= 6.3): for a URI whose host is configured for bazel in the host list it prints
{{"headers":{{"Authorization":["Bearer <token>"]}},"expires":"<RFC 3339>"}} with an OAuth 2.0 access token from the
helper's shared cache (fetched when needed); for any other host {{}}. Set it up in .bazelrc:
  common --credential_helper=HOST=/abs/path/{NAME}
and list HOST in the helper's config file ([hosts."HOST"]) or in RIGHTBRAIN_HOSTS.
"""
MAX_INPUT = 64 * 1024  # a request is one URI; Bazel's are far below this
MAX_DEPTH = 8  # the request is one flat object; anything deeper is not from Bazel
DEFAULT_PORTS = {"https": "443", "grpcs": "443", "http": "80", "grpc": "80"}
CLEARTEXT = frozenset({"http", "grpc"})
_BAZEL_PREFIX = '{"uri":"'  # Gson writes exactly this; its escapes (\u003d for =) send us to the json path


class Request:
    """What Bazel asks for: the verb and the URI's host (lower-case), port (explicit or the scheme's) and path."""

    __slots__ = ("host", "path", "port", "verb")

    def __init__(self, verb: str, host: str, port: str, path: str) -> None:
        self.verb = verb
        self.host = host
        self.port = port
        self.path = path

    def astuple(self) -> tuple[str, str, str, str]:
        """(verb, host, port, path)."""
        return self.verb, self.host, self.port, self.path


def parse_request(verb: str, text: str) -> Request | None:
    """The request for `text` (stdin), or None (not found: no host, an unknown scheme, cleartext to a remote host).

    Raises UsageError for another verb, or input that is not a GetCredentialsRequest within the size and depth
    bounds."""
    if verb != VERB:
        raise UsageError(f"unknown command {verb!r}; {USAGE}" if verb else USAGE)
    uri = request_uri(text)
    scheme, separator, rest = uri.partition("://")
    scheme = scheme.lower()
    if not separator or scheme not in DEFAULT_PORTS:
        return None
    end = min((index for index in (rest.find(ch) for ch in "/?#") if index >= 0), default=len(rest))
    host, port = split_host_port(rest[:end].rpartition("@")[2])
    if not host or (port and not (port.isascii() and port.isdigit())):
        return None
    if scheme in CLEARTEXT and not is_loopback_host(host):
        return None
    path = rest[end:].partition("#")[0].partition("?")[0]
    return Request(verb, host, port or DEFAULT_PORTS[scheme], path or "/")


def render(token: Token, now: float, min_valid: float = 0.0) -> str:
    """The GetCredentialsResponse for `token`: its Authorization header and when Bazel should ask again (epoch
    seconds `now` at the earliest, so a clock skew never yields an expiry in the past)."""
    expires = rfc3339(max(now, token.usable_until(min_valid)))
    return dumps({"headers": {"Authorization": [f"Bearer {token.access_token}"]}, "expires": expires}) + "\n"


def request_uri(text: str) -> str:
    """The `uri` of a GetCredentialsRequest (extra properties are allowed and ignored)."""
    if len(text) > MAX_INPUT:
        raise UsageError(f"the request on stdin is larger than {MAX_INPUT} characters")
    stripped = text.strip()
    if stripped.startswith(_BAZEL_PREFIX) and stripped.endswith('"}'):
        uri = stripped[len(_BAZEL_PREFIX) : -2]
        if '"' not in uri and "\\" not in uri and uri.isprintable():
            return uri
    request = _load_bounded(stripped)
    value = request.get("uri") if isinstance(request, dict) else None
    if not isinstance(value, str):
        raise UsageError('stdin is not a GetCredentialsRequest: expected a JSON object {"uri": "..."}')
    return value


def handle(arguments: Sequence[str], runtime: Runtime) -> int:
    """Answer one Bazel call: `get` (further parameters are ignored, as the spec allows); usage and exit 2 else."""
    if not arguments:
        runtime.log.error(USAGE)
        return EXIT_USAGE
    if list(arguments) in (["-h"], ["--help"], ["--version"]):
        runtime.stdout.write(f"{NAME} ({PROJECT}) {__version__}\n" if arguments[0] == "--version" else HELP)
        return EXIT_OK
    return run_guarded(lambda: _get(arguments[0], runtime), runtime)


def main() -> int:
    """Console script: Bazel runs the bare path with `get`."""
    return handle(sys.argv[1:], Runtime())


def _get(verb: str, runtime: Runtime) -> int:
    """Look the URI's host up, get its token, print the response (or `{}`)."""
    request = parse_request(verb, _read(runtime))
    entry = None if request is None else find_host(runtime.context(), request.host, request.port, tool=TOOL)
    if entry is None:
        runtime.stdout.write(NOT_FOUND)
        return EXIT_OK
    settings = runtime.settings(entry.overrides())
    token = runtime.service.get_token(settings)
    runtime.stdout.write(render(token, runtime.clock.now(), settings.min_valid))
    return EXIT_OK


def _read(runtime: Runtime) -> str:
    """stdin, one character past the bound (so an oversized request is seen as such); non-UTF-8 is a usage error."""
    try:
        return runtime.stdin.read(MAX_INPUT + 1)
    except ValueError:
        raise UsageError("stdin is not UTF-8 text") from None


def _load_bounded(text: str) -> object:
    """JSON `text` after checking its nesting depth (json's recursive decoder would otherwise decide the limit).
    Local on purpose: a shared bounded loader may replace it once the adapters share one contract."""
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:  # inside a string: a backslash escapes the next character, an unescaped quote ends it
            escaped, in_string = (not escaped and ch == "\\"), (escaped or ch != '"')
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise UsageError(f"the request on stdin nests deeper than {MAX_DEPTH} levels")
        elif ch in "]}":
            depth -= 1
    import json  # noqa: PLC0415  (only for input that is not Bazel's own encoding)

    try:
        return json.loads(text)
    except ValueError:
        raise UsageError('stdin is not a GetCredentialsRequest: expected a JSON object {"uri": "..."}') from None
