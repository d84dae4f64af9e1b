"""`docker-credential-rightbrain`: the Docker CLI's credential-helper protocol over the adapter contract.

docker runs `docker-credential-rightbrain ACTION` (get, store, erase, list, version) for the registries that
`credHelpers` in its config.json assigns to "rightbrain". `get` reads the server URL or bare host on stdin and
answers `{"ServerURL", "Username", "Secret"}` for a configured host, or the exact not-found text and exit 1.
Protocol answers (not found, no server URL, unknown action) go to stdout with exit 1, as the
docker-credential-helpers library writes them; the helper's own failures are one line on stderr with the
documented exit code; store and erase never fail (a warning instead). The scheme docker may put in front of a
server URL picks the default port only: docker decides http or https itself (insecure-registries).
This module is on the cache-hit path: no json, re or typing imports here (json loads lazily for `store` only).
"""

from __future__ import annotations

from rightbrain_helper import PROJECT, __version__
from rightbrain_helper.errors import EXIT_FAILURE, EXIT_OK, ConfigError, UsageError
from rightbrain_helper.jsonout import dumps
from rightbrain_helper.netaddr import parse_url
from rightbrain_helper.settings.hosts import configured_hosts, find_host

from .contract import ACCEPT, FORGET, GET, OTHER, Adapter, Dialect, Request
from .serve import serve

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rightbrain_helper.runtime import Runtime
    from rightbrain_helper.settings.hosts import HostEntry
    from rightbrain_helper.settings.model import Settings
    from rightbrain_helper.token.entry import Token

    from .contract import Reply

NAME = "docker-credential-rightbrain"
TOOL = "docker"  # the name host entries use for this adapter (tools = [...], configured_by = [...])
NOT_FOUND = "credentials not found in native keychain"  # the client library matches exactly this (trimmed)
MISSING_URL = "no credentials server URL"
USAGE = f"Usage: {NAME} <store|get|erase|list|version>"
HELP = f"""{USAGE}

A docker credential helper: docker runs it for the registries that credHelpers in its config.json assigns to
"rightbrain". `get` reads a registry on stdin and, for a registry configured for docker, prints the username and
an OAuth 2.0 access token from the helper's shared cache (fetched when needed); for any other registry, docker's
"credentials not found" answer. `store` keeps nothing, `erase` drops the cached token, `list` names the
registries. Set it up with: rightbrain-helper configure docker --registry HOST[:PORT]
"""
DEFAULT_USERNAME = "oauth2"
IDENTITY_TOKEN_USERNAME = "<token>"  # docker would send the Secret as an OAuth refresh token
HUB_KEY = "https://index.docker.io/v1/"  # the only credHelpers key docker consults for Docker Hub
HUB_HOST = "docker.io"
HUB_ALIASES = (HUB_HOST, "index.docker.io", "registry-1.docker.io")
MAX_INPUT = 64 * 1024
ABOUT = ("version", "--version", "-v", "--help", "-h")


class Docker(Adapter):
    """The server URL in; credentials JSON, or the library's exact protocol answers, out."""

    name = NAME
    tool = TOOL
    verbs = {"get": GET, "erase": FORGET, "store": ACCEPT, "list": OTHER, **dict.fromkeys(ABOUT, OTHER)}  # noqa: RUF012
    dialect = Dialect(quiet={"store": "nothing was stored", "erase": "nothing was dropped"})
    scheme_is_transport = False  # docker picks http or https itself; a scheme in the server URL is only a port hint

    def parse(self, request: Request, argv: list[str], runtime: Runtime) -> None:
        """Exactly one argument, the action; the server URL (get, erase) or credentials JSON (store) on stdin."""
        request.verb = argv[0] if len(argv) == 1 else ""
        if request.verb in ("get", "erase"):
            request.values["server_url"] = read_input(runtime).strip()
        elif request.verb == "store":
            request.values["server_url"], request.values["username"] = parse_credentials(read_input(runtime))
        request.host, request.port = registry_address(request.values.get("server_url", ""))

    def lookup(self, request: Request, runtime: Runtime) -> HostEntry | None:
        """The configured entry serving the registry (any Hub alias entry serves every Hub alias); its username
        is checked here, before a token is fetched for it."""
        if not request.host:
            return None
        for name in HUB_ALIASES if request.host == HUB_HOST else (request.host,):
            entry = find_host(runtime.context(), name, request.port, tool=TOOL)
            if entry is not None:
                username_for(entry)
                return entry
        return None

    def found(self, request: Request, token: Token, settings: Settings, entry: HostEntry | None, now: float) -> str:
        """`{"ServerURL": <stdin, trimmed>, "Username": <username>, "Secret": <token>}`."""
        username = username_for(entry) if entry else DEFAULT_USERNAME
        answer = {"ServerURL": request.values["server_url"], "Username": username, "Secret": token.access_token}
        return dumps(answer) + "\n"

    def missing(self, request: Request) -> Reply:
        """The library's not-found text (docker goes on without credentials), or its no-URL error; exit 1."""
        return (NOT_FOUND if request.values.get("server_url") else MISSING_URL) + "\n", EXIT_FAILURE

    def forgotten(self, request: Request, entry: HostEntry | None) -> Reply:
        """`docker logout`: nothing to say, exit 0 (also for hosts not ours); no server URL is the library's error."""
        return ("", EXIT_OK) if request.values.get("server_url") else (MISSING_URL + "\n", EXIT_FAILURE)

    def accepted(self, request: Request, runtime: Runtime) -> Reply:
        """`docker login`: nothing is stored (tokens are fetched); a warning when docker hands us other credentials
        for a host of ours. Exit 0, or login fails."""
        entry = self.lookup(request, runtime)
        username, server_url = request.values["username"], request.values["server_url"]
        if entry is not None and username != username_for(entry):
            runtime.log.warn(
                f"credentials for {server_url} (username {username!r}) were not stored: "
                f"{NAME} hands out tokens for {username_for(entry)!r} and stores nothing"
            )
        return "", EXIT_OK

    def other(self, request: Request, runtime: Runtime) -> Reply:
        """list (configured hosts, keyed as docker keys them, to their usernames; no token is fetched), version
        and help."""
        if request.verb in ("--help", "-h"):
            return HELP, EXIT_OK
        if request.verb != "list":
            return f"{NAME} ({PROJECT}) {__version__}\n", EXIT_OK
        listing: dict[str, object] = {}
        for entry in configured_hosts(runtime.context(), TOOL):
            listing.setdefault(server_key(entry), username_for(entry))
        return dumps(listing) + "\n", EXIT_OK

    def unknown(self, request: Request) -> Reply:
        """The library's answer to an unknown action (or the usage line for a wrong argument count); exit 1."""
        return (f"Unknown credential action `{request.verb}`" if request.verb else USAGE) + "\n", EXIT_FAILURE


def registry_address(server_url: str) -> tuple[str, str]:
    """(host, port) for what docker sends: scheme, userinfo and path dropped, host canonical (helper/netaddr.py),
    Hub aliases made `docker.io`; no port means 443 (80 for an http:// URL), the port docker would connect to.
    Anything that is no HOST[:PORT] (a port not 1 to 65535 in ASCII digits included) gives ("", "")."""
    url = parse_url(server_url.strip())
    if url is None:
        return "", ""
    if url.host in HUB_ALIASES:
        return HUB_HOST, "443"
    return url.host, url.port or ("80" if url.scheme == "http" else "443")


def username_for(entry: HostEntry) -> str:
    """The per-host username, default `oauth2`; `<token>` is refused (docker would treat the token as a refresh
    token)."""
    username = entry.username or DEFAULT_USERNAME
    if username == IDENTITY_TOKEN_USERNAME:
        raise ConfigError(
            f'[hosts."{entry.name}"] username = "<token>" would make docker send the token as a refresh token; '
            f"remove it (default {DEFAULT_USERNAME!r}) or choose another username"
        )
    return username


def server_key(entry: HostEntry) -> str:
    """The server URL docker uses for a configured host: Docker Hub's legacy key, else HOST[:PORT]."""
    return HUB_KEY if entry.host in HUB_ALIASES else entry.name


def parse_credentials(text: str) -> tuple[str, str]:
    """ServerURL and Username of `store`'s JSON input, bounded in size and depth (json is imported here only,
    off the `get` path)."""
    from rightbrain_helper.jsonin import JsonInputError, loads_bounded  # noqa: PLC0415

    try:
        data = loads_bounded(text, max_chars=MAX_INPUT)
    except JsonInputError:  # not JSON, or larger or deeper than anything docker sends
        raise UsageError("input is not the JSON object docker sends") from None
    if not isinstance(data, dict):
        raise UsageError("input is not the JSON object docker sends")
    server_url, username = data.get("ServerURL"), data.get("Username")
    return (server_url if isinstance(server_url, str) else ""), (username if isinstance(username, str) else "")


def read_input(runtime: Runtime) -> str:
    """Everything docker wrote on stdin (it sends no newline for get and erase); non-UTF-8 is a usage error."""
    try:
        return runtime.stdin.read(MAX_INPUT)
    except ValueError:
        raise UsageError("docker sent input that is not UTF-8 text") from None


DOCKER = Docker()


def main() -> int:
    """The console script: docker passes exactly one argument, the action."""
    return serve(DOCKER)
