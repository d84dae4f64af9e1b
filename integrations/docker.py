"""`docker-credential-rightbrain`: the Docker CLI's credential-helper protocol over the token core.

docker runs `docker-credential-rightbrain ACTION` (get, store, erase, list, version) for the registries that
`credHelpers` in its config.json assigns to "rightbrain". `get` reads the server URL or bare host on stdin and
answers `{"ServerURL", "Username", "Secret"}` for a configured host, or the exact not-found text and exit 1.
This module is on the cache-hit path: no json, re or typing imports here (json loads lazily for `store` only).
"""

from __future__ import annotations

import sys

from rightbrain_helper import PROJECT, __version__
from rightbrain_helper.errors import EXIT_FAILURE, EXIT_OK, ConfigError, HelperError, UsageError
from rightbrain_helper.jsonout import dumps
from rightbrain_helper.runtime import Runtime, run_guarded
from rightbrain_helper.settings.hosts import canonical_port, configured_hosts, find_host, split_host_port

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rightbrain_helper.settings.hosts import HostEntry

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


def handle(action: str, runtime: Runtime) -> int:
    """Run one docker credential action; protocol errors go to stdout (docker reads them there), exit 1."""
    if action in ("version", "--version", "-v"):
        runtime.stdout.write(f"{NAME} ({PROJECT}) {__version__}\n")
        return EXIT_OK
    if action in ("--help", "-h"):
        runtime.stdout.write(HELP)
        return EXIT_OK
    command = _ACTIONS.get(action)
    if command is None:
        runtime.stdout.write((f"Unknown credential action `{action}`" if action else USAGE) + "\n")
        return EXIT_FAILURE
    return run_guarded(lambda: command(runtime), runtime)


def main() -> int:
    """Console script: docker passes exactly one argument, the action."""
    return handle(sys.argv[1] if len(sys.argv) == 2 else "", Runtime())


def registry_address(server_url: str) -> tuple[str, str]:
    """(host, port) for what docker sends: scheme, userinfo and path dropped, host lower-cased, Hub aliases
    made `docker.io`; no port means 443 (80 for an http:// URL), the port docker would connect to. A port that
    is not 1 to 65535 in ASCII digits gives ("", ""): no host, so nothing matches."""
    scheme, separator, rest = server_url.strip().partition("://")
    if not separator:
        scheme, rest = "", server_url.strip()
    authority = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].rpartition("@")[2]
    host, port = split_host_port(authority)
    checked = canonical_port(port) if port else ("80" if scheme.lower() == "http" else "443")
    if checked is None:
        return "", ""
    if host in HUB_ALIASES:
        return HUB_HOST, "443"
    return host, checked


def lookup(runtime: Runtime, server_url: str) -> HostEntry | None:
    """The configured entry serving `server_url`; any Hub alias entry serves every Hub alias."""
    host, port = registry_address(server_url)
    if not host:
        return None
    for name in HUB_ALIASES if host == HUB_HOST else (host,):
        entry = find_host(runtime.context(), name, port, tool=TOOL)
        if entry is not None:
            return entry
    return None


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


def _get(runtime: Runtime) -> int:
    """Credentials for a configured host; the exact not-found text (stdout, exit 1) for any other."""
    server_url = _read(runtime).strip()
    if not server_url:
        runtime.stdout.write(MISSING_URL + "\n")
        return EXIT_FAILURE
    entry = lookup(runtime, server_url)
    if entry is None:
        runtime.stdout.write(NOT_FOUND + "\n")
        return EXIT_FAILURE
    username = username_for(entry)
    token = runtime.service.get_token(runtime.settings(entry.overrides()))
    runtime.stdout.write(dumps({"ServerURL": server_url, "Username": username, "Secret": token.access_token}) + "\n")
    return EXIT_OK


def _erase(runtime: Runtime) -> int:
    """`docker logout`: drop the cached token of a configured host, so the next `get` fetches a new one."""
    server_url = _read(runtime).strip()
    if not server_url:
        runtime.stdout.write(MISSING_URL + "\n")
        return EXIT_FAILURE
    try:
        entry = lookup(runtime, server_url)
        if entry is not None and runtime.service.forget(runtime.settings(entry.overrides())):
            runtime.log.debug(f"dropped the cached token for {entry.name}")
    except HelperError as exc:
        runtime.log.warn(f"erase {server_url}: {exc}; nothing was dropped")
    return EXIT_OK


def _store(runtime: Runtime) -> int:
    """`docker login`: accept and store nothing (tokens are fetched, never stored); exit 0, or login fails."""
    try:
        server_url, username = _parse_credentials(_read(runtime))
        entry = lookup(runtime, server_url) if server_url else None
        if entry is not None and username != username_for(entry):
            runtime.log.warn(
                f"credentials for {server_url} (username {username!r}) were not stored: "
                f"{NAME} hands out tokens for {username_for(entry)!r} and stores nothing"
            )
    except HelperError as exc:
        runtime.log.warn(f"store: {exc}; nothing was stored")
    return EXIT_OK


def _list(runtime: Runtime) -> int:
    """Configured hosts (as docker names them) to their usernames; no token is fetched."""
    listing: dict[str, object] = {}
    for entry in configured_hosts(runtime.context(), TOOL):
        listing.setdefault(server_key(entry), username_for(entry))
    runtime.stdout.write(dumps(listing) + "\n")
    return EXIT_OK


def _parse_credentials(text: str) -> tuple[str, str]:
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


def _read(runtime: Runtime) -> str:
    """Everything docker wrote on stdin (it sends no newline for get and erase); non-UTF-8 is a usage error."""
    try:
        return runtime.stdin.read(MAX_INPUT)
    except ValueError:
        raise UsageError("docker sent input that is not UTF-8 text") from None


_ACTIONS = {"get": _get, "erase": _erase, "store": _store, "list": _list}
