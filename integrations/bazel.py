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

The codec (parse_request, render, NOT_FOUND) is pure; the adapter contract (integrations/serve.py) does the
I/O. On Bazel's own encoding of the request no json (and so no re) is imported; anything else goes through a small
bounded loader.
"""

from __future__ import annotations

from rightbrain_helper import PROJECT, __version__
from rightbrain_helper.clock import rfc3339
from rightbrain_helper.errors import EXIT_OK, UsageError
from rightbrain_helper.jsonout import dumps
from rightbrain_helper.netaddr import CLEARTEXT, DEFAULT_PORTS, is_loopback_host, parse_url

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
ABOUT = ("-h", "--help", "--version")
MAX_INPUT = 64 * 1024  # a request is one URI; Bazel's are far below this
MAX_DEPTH = 8  # the request is one flat object; anything deeper is not from Bazel
_BAZEL_PREFIX = '{"uri":"'  # Gson writes exactly this; its escapes (\u003d for =) send us to the json path


class Bazel(Adapter):
    """`get` with a GetCredentialsRequest on stdin; `{}` for any host not ours; errors on stderr, exit 2 for
    input Bazel never sends."""

    name = NAME
    tool = TOOL
    verbs = {VERB: GET, **dict.fromkeys(ABOUT, OTHER)}  # noqa: RUF012
    dialect = Dialect()

    def parse(self, request: Request, argv: list[str], runtime: Runtime) -> None:
        """`get` (further parameters are ignored, as the spec allows) and the request on stdin; a lone -h, --help
        or --version prints the help or the version instead."""
        if len(argv) == 1 and argv[0] in ABOUT:
            request.verb = argv[0]
            return
        if not argv:
            raise UsageError(USAGE)
        parse_request(argv[0], read_input(runtime), request)

    def found(self, request: Request, token: Token, settings: Settings, entry: HostEntry | None, now: float) -> str:
        """The GetCredentialsResponse."""
        return render(token, now, settings.min_valid)

    def missing(self, request: Request) -> Reply:
        """`{}`: no credentials needed (an error would fail the build for a public host)."""
        return NOT_FOUND, EXIT_OK

    def other(self, request: Request, runtime: Runtime) -> Reply:
        """The help, or the version."""
        return (f"{NAME} ({PROJECT}) {__version__}\n" if request.verb == "--version" else HELP), EXIT_OK


def parse_request(verb: str, text: str, request: Request | None = None) -> Request:
    """The request for `text` (stdin): its verb, and the URI's scheme, host, port (explicit or the scheme's) and
    path; no host (not found) for no URI, an unknown scheme, or cleartext (http, grpc) to a remote host.

    Raises UsageError for another verb, or input that is not a GetCredentialsRequest within the size and depth
    bounds."""
    request = request if request is not None else Request()
    if verb != VERB:
        raise UsageError(f"unknown command {verb!r}; {USAGE}" if verb else USAGE)
    request.verb = verb
    uri = request_uri(text)
    url = parse_url(uri) if "://" in uri else None
    if url is None or url.scheme not in DEFAULT_PORTS or (url.scheme in CLEARTEXT and not is_loopback_host(url.host)):
        return request
    request.scheme, request.host, request.path = url.scheme, url.host, url.path or "/"
    request.port = url.port or DEFAULT_PORTS[url.scheme]
    return request


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


def read_input(runtime: Runtime) -> str:
    """stdin, one character past the bound (so an oversized request is seen as such); non-UTF-8 is a usage error."""
    try:
        return runtime.stdin.read(MAX_INPUT + 1)
    except ValueError:
        raise UsageError("stdin is not UTF-8 text") from None


def _load_bounded(text: str) -> object:
    """JSON `text` after checking its nesting depth (json's recursive decoder would otherwise decide the limit)."""
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


BAZEL = Bazel()


def handle(arguments: Sequence[str], runtime: Runtime) -> int:
    """`rightbrain-helper bazel ARGS...`: one Bazel call (see the module docstring)."""
    return serve(BAZEL, list(arguments), runtime)


def main() -> int:
    """Console script: Bazel runs the bare path with `get`."""
    return serve(BAZEL)
