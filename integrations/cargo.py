"""`cargo-credential-rightbrain`: cargo's credential-provider protocol (cargo >= 1.74) over the adapter contract.

cargo runs `cargo-credential-rightbrain --cargo-plugin`; the provider writes the hello `{"v":[1]}`, reads one
request line and writes one response line, all JSON:

    get     {"Ok":{"kind":"get","token":"Bearer <token>","cache":"expires","expiration":<unix s>,
             "operation_independent":true}}  -- the token is sent verbatim as the Authorization value
    logout  the cached token dropped: {"Ok":{"kind":"logout"}}
    login   {"Err":{"kind":"operation-not-supported",...}} and the reason on stderr: there is nothing to log in to

A registry is ours when the host[:port] of its index URL is a configured host (https, or http to a loopback host);
for any other the answer is {"Err":{"kind":"url-not-supported"}}, so cargo asks its next provider. The
registry's `credential-provider` args (inside the request) may hold `--no-bearer` (the token without `Bearer `)
and `-v`. Errors are {"Err":{"kind":"other","message":...}} with exit 0, as cargo expects. Sources: cargo
`src/doc/src/reference/credential-provider-protocol.md`, `credential/cargo-credential/src/error.rs`.
"""

from __future__ import annotations

from rightbrain_helper import PROJECT, __version__
from rightbrain_helper.errors import EXIT_OK, UsageError
from rightbrain_helper.jsonout import dumps
from rightbrain_helper.netaddr import parse_url

from .contract import FORGET, GET, OTHER, Adapter, Dialect, Request
from .serve import serve, write
from .tool_input import loads, read_line

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rightbrain_helper.runtime import Runtime
    from rightbrain_helper.settings.hosts import HostEntry
    from rightbrain_helper.settings.model import Settings
    from rightbrain_helper.token.entry import Token

    from .contract import Reply

NAME = "cargo-credential-rightbrain"
TOOL = "cargo"  # the name host entries use for this adapter (tools = [...], configured_by = [...])
HELLO = '{"v":[1]}\n'
URL_NOT_SUPPORTED = '{"Err":{"kind":"url-not-supported"}}\n'
NOT_SUPPORTED = '{"Err":{"kind":"operation-not-supported"}}\n'
LOGOUT_DONE = '{"Ok":{"kind":"logout"}}\n'
NO_LOGIN = (
    "tokens for this registry come from the OAuth issuer; there is nothing to log in to (see docs/how-to/cargo.md)"
)
ARGS = ("--no-bearer", "-v", "--verbose")
ABOUT = ("-h", "--help", "--version")
HELP = f"""\
usage: {NAME} --cargo-plugin   (run by cargo, which talks to it in JSON lines on stdin and stdout)
       {NAME} --version | --help

cargo's credential provider (cargo >= 1.74): for a registry whose index host is configured for cargo it answers
`get` with an OAuth 2.0 access token from the helper's shared cache (fetched when needed), sent as
"Bearer <token>" (the bare token with --no-bearer in the registry's credential-provider); for any other registry
url-not-supported, so cargo asks its next provider. `logout` drops the cached token; `login` is not supported.
Set it up with:
  rightbrain-helper configure cargo --registry NAME --index sparse+https://HOST/index/ [--profile NAME]
"""
MAX_REQUEST = 1024 * 1024  # one line; the headers of a 401 are its largest part


class Cargo(Adapter):
    """The JSON-lines provider: hello, one request, one answer."""

    name = NAME
    tool = TOOL
    verbs = {"get": GET, "logout": FORGET, "login": OTHER, **dict.fromkeys(ABOUT, OTHER)}  # noqa: RUF012
    dialect = Dialect(errors_on_stdout=True, failure_exit=EXIT_OK)

    def parse(self, request: Request, argv: list[str], runtime: Runtime) -> None:
        """Check argv, send the hello, then read and check the request line (a lone -h, --help or --version
        prints the help or the version instead)."""
        if len(argv) == 1 and argv[0] in ABOUT:
            request.verb = argv[0]
            return
        if argv != ["--cargo-plugin"]:
            raise UsageError(f"{NAME} is run by cargo as `{NAME} --cargo-plugin`; see docs/how-to/cargo.md")
        write(runtime, HELLO)
        request.answering = True
        message = _message(read_line(runtime.stdin, MAX_REQUEST, "cargo's request"))
        kind, registry, args = message.get("kind"), message.get("registry"), message.get("args", [])
        if not isinstance(kind, str) or not isinstance(registry, dict):
            raise UsageError("cargo's request has no kind or no registry")
        if not isinstance(args, list) or not all(isinstance(arg, str) and arg in ARGS for arg in args):
            raise UsageError(f"credential-provider arguments {args!r}: {NAME} takes only {', '.join(ARGS)}")
        runtime.log.verbose = runtime.log.verbose or "-v" in args or "--verbose" in args
        request.verb, request.lists["args"] = kind, args
        index_url = registry.get("index-url")
        if not isinstance(index_url, str):
            raise UsageError("cargo's request has no registry index-url")
        request.scheme, request.host, request.port, request.path = index_address(index_url)
        name = registry.get("name")
        request.values["registry"] = name if isinstance(name, str) else index_url

    def found(self, request: Request, token: Token, settings: Settings, entry: HostEntry | None, now: float) -> str:
        """The Ok answer; cargo reuses it while its expiration is more than 60 s away."""
        bare = "--no-bearer" in request.lists.get("args", [])
        answer = {
            "kind": "get",
            "token": token.access_token if bare else f"Bearer {token.access_token}",
            "cache": "expires",
            "expiration": int(token.usable_until(settings.min_valid)),
            "operation_independent": True,
        }
        return dumps({"Ok": answer}) + "\n"

    def missing(self, request: Request) -> Reply:
        """url-not-supported: cargo asks its next provider."""
        return URL_NOT_SUPPORTED, EXIT_OK

    def forgotten(self, request: Request, entry: HostEntry | None) -> Reply:
        """Ok logout for our registries; url-not-supported for others."""
        return (LOGOUT_DONE, EXIT_OK) if entry is not None else self.missing(request)

    def other(self, request: Request, runtime: Runtime) -> Reply:
        """login: operation-not-supported, with the reason, for our registries; url-not-supported for others. The
        reason also goes to stderr, which cargo shows: cargo 1.95 prints only "requested operation not supported".
        --help and --version (from a person, not cargo): the help or the version."""
        if request.verb in ABOUT:
            return (f"{NAME} ({PROJECT}) {__version__}\n" if request.verb == "--version" else HELP), EXIT_OK
        if self.lookup(request, runtime) is None:
            return self.missing(request)
        runtime.log.warn(f"cargo login --registry {request.values['registry']}: {NO_LOGIN}")
        answer = {"kind": "operation-not-supported", "message": NO_LOGIN}
        return dumps({"Err": answer}) + "\n", EXIT_OK

    def unknown(self, request: Request) -> Reply:
        """A kind newer than this provider: operation-not-supported."""
        return NOT_SUPPORTED, EXIT_OK

    def failed(self, request: Request, message: str) -> str:
        """{"Err":{"kind":"other","message":...}}: cargo prints the message under `failed action`."""
        return dumps({"Err": {"kind": "other", "message": message}}) + "\n"


def index_address(index_url: str) -> tuple[str, str, str, str]:
    """(scheme, host, port, path) of an index URL such as `sparse+https://crates.example.com:8443/index/`; the
    `sparse+` / `registry+` prefix is dropped, userinfo ignored, host and port canonical (helper/netaddr.py);
    only the scheme when it has no usable host."""
    url = parse_url(index_url.strip()) if "://" in index_url else None
    if url is None:
        scheme, separator, _rest = index_url.strip().partition("://")
        return (scheme.rpartition("+")[2].lower() if separator else ""), "", "", ""
    return url.scheme.rpartition("+")[2], url.host, url.port, url.path


def _message(line: str) -> dict[str, object]:
    """The request object; protocol version 1 only."""
    try:
        message = loads(line)
    except ValueError as exc:
        raise UsageError(f"cargo's request is not JSON ({exc})") from None
    if not isinstance(message, dict):
        raise UsageError("cargo's request is not a JSON object")
    version = message.get("v")
    if type(version) is not int or version != 1:
        raise UsageError(f"cargo asked for protocol version {version!r}; {NAME} speaks version 1")
    return message


CARGO = Cargo()


def main() -> int:
    """The console script."""
    return serve(CARGO)
