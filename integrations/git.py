"""`git-credential-rightbrain`: git's credential-helper protocol (get / store / erase) over the adapter contract.

git runs `git-credential-rightbrain [-v] ACTION` with `key=value` lines on stdin, ended by a blank line or EOF.
`get` answers only for hosts in the helper's host list, over https (plain http only to a loopback host):
`username`, `password` (the token) and `password_expiry_utc`; or, when git offers `capability[]=authtype`
(git >= 2.46) and the server has not limited itself to other schemes, `authtype=Bearer` and `credential`.
`erase` (sent after a 401) drops the cached token if it is the one the server refused. `store` and unknown
actions do nothing and exit 0 (an error in store or erase is shown, still exit 0). Output is key=value lines
only. See docs/how-to/git.md.
"""

from __future__ import annotations

from rightbrain_helper import PROJECT, __version__
from rightbrain_helper.errors import EXIT_OK, ConfigError, UsageError
from rightbrain_helper.netaddr import split_authority

from .contract import ACCEPT, FORGET, GET, OTHER, Adapter, Dialect, Request
from .serve import serve

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

    from rightbrain_helper.runtime import Runtime
    from rightbrain_helper.settings.hosts import HostEntry
    from rightbrain_helper.settings.model import Settings
    from rightbrain_helper.token.entry import Token

    from .contract import Reply

NAME = "git-credential-rightbrain"
TOOL = "git"  # the name host entries use for this adapter (tools = [...], configured_by = [...])
DEFAULT_USERNAME = "x-access-token"
SCHEMES = ("https", "http")  # git's protocol values this helper may answer (cert, smtp... never)
MAX_LINE = 65535  # git's own limit, newline included
MAX_LINES = 1000
ABOUT = ("-h", "--help", "--version")
USAGE = f"""\
usage: {NAME} [-v] get|store|erase
       {NAME} --version | --help

A git credential helper: git runs it with key=value lines on stdin. For `get` it answers, for the hosts
configured for git, with an OAuth 2.0 access token from the helper's shared cache (fetched when needed) as the
password, with its expiry (password_expiry_utc); for any other host it prints nothing, so git goes on to its
next helper. `erase` drops a token the server refused; `store` keeps nothing. -v prints debug lines on stderr.

Set it up with:  rightbrain-helper configure git --host HOST [--username NAME] [--profile NAME]
Try it with:     printf 'protocol=https\\nhost=HOST\\n' | git credential fill
"""


class Git(Adapter):
    """key=value attributes in; key=value lines (or nothing) out; only `get` can fail with a non-zero exit."""

    name = NAME
    tool = TOOL
    verbs = {"get": GET, "store": ACCEPT, "erase": FORGET, **dict.fromkeys(ABOUT, OTHER)}  # noqa: RUF012
    dialect = Dialect(quiet={"store": "", "erase": ""}, ignore_unknown=True)
    forget_needs_token = True  # erase drops only the token git says the server refused
    raw_bytes = True  # git sends raw bytes: let them round-trip rather than fail to decode

    def parse(self, request: Request, argv: list[str], runtime: Runtime) -> None:
        """`[-v] ACTION`; the attributes of get, store and erase (any other action leaves stdin unread)."""
        if not argv:
            raise UsageError(f"no action given; git runs this helper as: {NAME} get|store|erase")
        *options, request.verb = argv
        for option in options:
            if option not in ("-v", "--verbose"):
                raise UsageError(f"unknown option {option!r}; usage: {NAME} [-v] get|store|erase")
            runtime.log.verbose = True
        if self.verbs.get(request.verb) in (GET, ACCEPT, FORGET):
            read_request(runtime.stdin, request)
            address(request)

    def found(self, request: Request, token: Token, settings: Settings, entry: HostEntry | None, now: float) -> str:
        """username/password (or authtype=Bearer/credential) and password_expiry_utc; a value that could break
        git's line protocol is refused, not printed."""
        expiry = str(int(token.reported_expiry(settings.min_valid, now)))
        if wants_bearer(request):
            pairs = [
                ("capability[]", "authtype"),
                ("authtype", "Bearer"),
                ("credential", token.access_token),
                ("ephemeral", "1"),
                ("password_expiry_utc", expiry),
            ]
        else:
            username = (entry.username if entry else "") or request.values.get("username") or DEFAULT_USERNAME
            pairs = [("username", username), ("password", token.access_token), ("password_expiry_utc", expiry)]
        for key, value in pairs:
            if "\n" in value or "\r" in value or "\0" in value:
                where = entry.name if entry else request.host
                raise ConfigError(f'{key} for host {where} holds a line break or NUL; fix [hosts."{where}"]')
        return "".join(f"{key}={value}\n" for key, value in pairs)

    def missing(self, request: Request) -> Reply:
        """Nothing: git goes on to its next helper (or asks the user)."""
        return "", EXIT_OK

    def other(self, request: Request, runtime: Runtime) -> Reply:
        """The usage text, or the version."""
        return (f"{NAME} ({PROJECT}) {__version__}\n" if request.verb == "--version" else USAGE), EXIT_OK


def read_request(stream: TextIO, request: Request | None = None) -> Request:
    """Parse attribute lines up to a blank line or EOF into `request.values` (the last value of each key) and
    `request.lists` (the values of each `key[]`; an empty `key[]=` clears the list, as in git); a line that is
    not key=value, longer than MAX_LINE or past MAX_LINES is a UsageError."""
    request = request if request is not None else Request()
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
        if key.endswith("[]"):
            values = request.lists.setdefault(key[:-2], [])
            if value:
                values.append(value)
            else:
                values.clear()
        else:
            request.values[key] = value
    raise UsageError(f"more than {MAX_LINES} input lines")


def address(request: Request) -> None:
    """Scheme, host and port from git's `protocol` and `host` (HOST[:PORT]); the token git hands back. A protocol
    other than https/http, or a host that is no HOST[:PORT] (a port no connection could use), leaves no host."""
    protocol = request.values.get("protocol", "")
    authority = split_authority(request.values.get("host", ""))
    if protocol in SCHEMES and authority is not None:
        request.scheme = protocol
        request.host, request.port = authority
    request.token = request.values.get("password") or request.values.get("credential") or ""


def wants_bearer(request: Request) -> bool:
    """git offers authtype, and the server's challenges (if git passed them on) include Bearer."""
    if "authtype" not in request.lists.get("capability", []):
        return False
    challenges = request.lists.get("wwwauth", [])
    return not challenges or any(offers_bearer(challenge) for challenge in challenges)


def offers_bearer(challenge: str) -> bool:
    """Whether one WWW-Authenticate value has a Bearer challenge among its comma-separated parts."""
    return any(part.split()[:1] == ["bearer"] for part in challenge.lower().split(","))


GIT = Git()


def main() -> int:
    """The console script."""
    return serve(GIT)
