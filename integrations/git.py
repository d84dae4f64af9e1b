"""`git-credential-rightbrain`: git's credential-helper protocol (get / store / erase) over the token service.

git runs `git-credential-rightbrain ACTION` with `key=value` lines on stdin, ended by a blank line or EOF.
`get` answers only for hosts in the helper's host list, over https (plain http only to a loopback host):
`username`, `password` (the token) and `password_expiry_utc`; or, when git offers `capability[]=authtype`
(git >= 2.46) and the server has not limited itself to other schemes, `authtype=Bearer` and `credential`.
`erase` (sent after a 401) drops the cached token if it is the one the server refused. `store` and unknown
actions do nothing and exit 0. Output is key=value lines only. See docs/how-to/git.md.
"""

from __future__ import annotations

import io
import sys

from rightbrain_helper import PROJECT, __version__
from rightbrain_helper.errors import EXIT_OK, ConfigError, UsageError
from rightbrain_helper.runtime import Runtime, run_guarded
from rightbrain_helper.settings.hosts import canonical_port, find_host, is_loopback_host, split_host_port

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

    from rightbrain_helper.settings.hosts import HostEntry

TOOL = "git"  # the name host entries use for this adapter (tools = [...], configured_by = [...])
DEFAULT_USERNAME = "x-access-token"
DEFAULT_PORTS = {"https": "443", "http": "80"}
MAX_LINE = 65535  # git's own limit, newline included
MAX_LINES = 1000
USAGE = """\
usage: git-credential-rightbrain [-v] get|store|erase
       git-credential-rightbrain --version | --help

A git credential helper: git runs it with key=value lines on stdin. For `get` it answers, for the hosts
configured for git, with an OAuth 2.0 access token from the helper's shared cache (fetched when needed) as the
password, with its expiry (password_expiry_utc); for any other host it prints nothing, so git goes on to its
next helper. `erase` drops a token the server refused; `store` keeps nothing. -v prints debug lines on stderr.

Set it up with:  rightbrain-helper configure git --host HOST [--username NAME] [--profile NAME]
Try it with:     printf 'protocol=https\\nhost=HOST\\n' | git credential fill
"""


class Request:
    """The attributes git sent: the last value of each plain key and the values of each `key[]` list."""

    __slots__ = ("lists", "values")

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.lists: dict[str, list[str]] = {}

    def get(self, key: str) -> str:
        """The value of `key`, or ""."""
        return self.values.get(key, "")

    def all(self, key: str) -> list[str]:
        """The values of the multi-valued `key[]`."""
        return self.lists.get(key, [])

    def add(self, key: str, value: str) -> None:
        """Record one line; an empty `key[]=` clears that list, as in git."""
        if key.endswith("[]"):
            values = self.lists.setdefault(key[:-2], [])
            if value:
                values.append(value)
            else:
                values.clear()
        else:
            self.values[key] = value


def read_request(stream: TextIO) -> Request:
    """Parse attribute lines up to a blank line or EOF; a line that is not key=value is a UsageError."""
    request = Request()
    for number in range(1, MAX_LINES + 2):
        line = stream.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise UsageError(f"input line {number} is longer than {MAX_LINE} characters")
        line = line.removesuffix("\n").removesuffix("\r")
        if not line:
            return request
        if number > MAX_LINES:
            break
        key, sep, value = line.partition("=")
        if not sep or not key:
            raise UsageError(f"input line {number} is not key=value (git sends attributes as key=value lines)")
        request.add(key, value)
    raise UsageError(f"more than {MAX_LINES} input lines")


def handle(arguments: list[str], runtime: Runtime) -> int:
    """Run the action git asked for; only `get` (and a bad command line) can exit non-zero."""
    code = run_guarded(lambda: _dispatch(arguments, runtime), runtime)
    action = arguments[-1] if arguments else ""
    return code if action in ("get", "", "-h", "--help") else EXIT_OK


def main() -> int:
    """The console script: real streams, the action from argv."""
    _pass_bytes_through()
    return handle(sys.argv[1:], Runtime())


def _dispatch(arguments: list[str], runtime: Runtime) -> int:
    """Check the options, then answer `get`, act on `erase`, read and ignore `store`, ignore anything else."""
    if not arguments:
        raise UsageError("no action given; git runs this helper as: git-credential-rightbrain get|store|erase")
    *options, action = arguments
    for option in options:
        if option not in ("-v", "--verbose"):
            raise UsageError(f"unknown option {option!r}; usage: git-credential-rightbrain [-v] get|store|erase")
        runtime.log.verbose = True
    if action in ("-h", "--help"):
        runtime.stdout.write(USAGE)
    elif action == "--version":
        runtime.stdout.write(f"git-credential-rightbrain ({PROJECT}) {__version__}\n")
    elif action == "get":
        _get(read_request(runtime.stdin), runtime)
    elif action == "erase":
        _erase(read_request(runtime.stdin), runtime)
    elif action == "store":
        read_request(runtime.stdin)  # git hands us back our own token: nothing to keep
    # Any other action is ignored without reading stdin: git's rule for verbs a helper does not know.
    return EXIT_OK


def _get(request: Request, runtime: Runtime) -> None:
    """Print the token for a configured host; print nothing for any other host or protocol."""
    entry = _entry_for(request, runtime)
    if entry is None or not _safe_transport(request, entry, runtime):
        return
    settings = runtime.settings(entry.overrides())
    token = runtime.service.get_token(settings)
    expiry = str(int(token.reported_expiry(settings.min_valid, runtime.clock.now())))
    if _wants_bearer(request):
        pairs = [
            ("capability[]", "authtype"),
            ("authtype", "Bearer"),
            ("credential", token.access_token),
            ("ephemeral", "1"),
            ("password_expiry_utc", expiry),
        ]
    else:
        username = entry.username or request.get("username") or DEFAULT_USERNAME
        pairs = [("username", username), ("password", token.access_token), ("password_expiry_utc", expiry)]
    _write(pairs, entry, runtime)


def _erase(request: Request, runtime: Runtime) -> None:
    """Drop the cached token when it is the credential git reports the server refused."""
    refused = request.get("password") or request.get("credential")
    entry = _entry_for(request, runtime)
    if entry is None or not refused:
        return
    if runtime.service.forget(runtime.settings(entry.overrides()), access_token=refused):
        runtime.log.warn(
            f"{entry.name} refused the token; dropped it from the cache, the next git command gets a new one"
        )


def _entry_for(request: Request, runtime: Runtime) -> HostEntry | None:
    """The host-list entry for the request's protocol, host and port (git sends host as host[:port])."""
    protocol = request.get("protocol")
    host, port = split_host_port(request.get("host"))
    if protocol not in DEFAULT_PORTS or not host:
        return None
    checked = canonical_port(port) if port else DEFAULT_PORTS[protocol]
    if checked is None:  # 99999, -1, a unicode digit: no port git could connect to
        return None
    return find_host(runtime.context(), host, checked, tool=TOOL)


def _safe_transport(request: Request, entry: HostEntry, runtime: Runtime) -> bool:
    """https, or http to this machine; otherwise refuse (the token would cross the network in clear) and say so."""
    if request.get("protocol") == "https" or is_loopback_host(entry.host):
        return True
    runtime.log.warn(
        f"not giving git a token for http://{request.get('host')}: plain http would send it in clear; "
        "use an https:// URL (http is allowed only to loopback hosts)"
    )
    return False


def _wants_bearer(request: Request) -> bool:
    """git offers authtype, and the server's challenges (if git passed them on) include Bearer."""
    if "authtype" not in request.all("capability"):
        return False
    challenges = request.all("wwwauth")
    return not challenges or any(_offers_bearer(challenge) for challenge in challenges)


def _offers_bearer(challenge: str) -> bool:
    """Whether one WWW-Authenticate value has a Bearer challenge among its comma-separated parts."""
    return any(part.split()[:1] == ["bearer"] for part in challenge.lower().split(","))


def _write(pairs: list[tuple[str, str]], entry: HostEntry, runtime: Runtime) -> None:
    """Print key=value lines; a value that could break git's line protocol is refused, not printed."""
    for key, value in pairs:
        if "\n" in value or "\r" in value or "\0" in value:
            raise ConfigError(f'{key} for host {entry.name} holds a line break or NUL; fix [hosts."{entry.name}"]')
    runtime.stdout.write("".join(f"{key}={value}\n" for key, value in pairs))
    runtime.stdout.flush()


def _pass_bytes_through() -> None:
    """Let bytes that are not UTF-8 round-trip instead of failing to decode (git sends raw bytes)."""
    for stream in (sys.stdin, sys.stdout):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="surrogateescape")
