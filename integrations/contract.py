"""The adapter contract: what a tool's protocol module declares, and the one `serve()` that runs it.

A tool module subclasses `Adapter` and says how its tool talks:

    parse(request, argv, runtime)   fill the Request (verb, scheme, host, port, path) from argv, stdin or env
    verbs                           protocol verb -> GET | FORGET | ACCEPT | OTHER (anything else: unknown)
    found(request, token, settings, entry, now) -> str   the answer carrying the token
    missing(request) -> Reply                             "nothing for this host" (stdout text, exit code)
    forgotten / accepted / other / unknown -> Reply       the answers of the other verbs
    failed(request, message) -> str                       an error as the tool reads it on stdout (cargo's Err)
    dialect                                               where errors go and with which exit code

integrations/serve.py runs it: `serve(adapter)` does lookup -> settings -> token -> write, and `report()` is the
one place a failure becomes the tool's dialect. Each console script's `main` is `return serve(ADAPTER)`. Hosts
and ports are compared in helper/netaddr.py's canonical form. This module is on the cache-hit path: no json, re,
typing or dataclasses at runtime (tests/test_hot_path.py).
"""

from __future__ import annotations

from rightbrain_helper.errors import EXIT_OK, UsageError
from rightbrain_helper.netaddr import DEFAULT_PORTS
from rightbrain_helper.settings.hosts import find_host

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import ClassVar

    from rightbrain_helper.runtime import Runtime
    from rightbrain_helper.settings.hosts import HostEntry
    from rightbrain_helper.settings.load import Overrides
    from rightbrain_helper.settings.model import Settings
    from rightbrain_helper.token.entry import Token

Reply = tuple[str, int]  # text for stdout ("" for none) and the exit code

GET, FORGET, ACCEPT, OTHER = "get", "forget", "accept", "other"  # what serve() does for a verb


class Request:
    """What the tool asked: its verb, the server's scheme, host and port (canonical, helper/netaddr.py; port ""
    when the tool named none) and path, and protocol extras.

    `values` / `lists` hold tool-specific fields (git's attributes and `capability[]`, kubectl's apiVersion,
    cargo's args). `token` is a credential the tool handed back (git `erase`: the one the server refused);
    `refresh` says the tool reports the cached token refused (go after a 401): fetch a new one. `overrides`
    selects settings for a tool without hosts (kubectl). `answering` is set once the tool reads stdout for this
    exchange's answer, so that an error there is an answer too (cargo after its hello, kubectl).
    """

    __slots__ = (
        "answering",
        "host",
        "lists",
        "overrides",
        "path",
        "port",
        "refresh",
        "scheme",
        "token",
        "values",
        "verb",
    )

    def __init__(self) -> None:
        self.verb = ""
        self.scheme = ""
        self.host = ""
        self.port = ""
        self.path = ""
        self.token = ""
        self.refresh = False
        self.overrides: Overrides | None = None
        self.values: dict[str, str] = {}
        self.lists: dict[str, list[str]] = {}
        self.answering = False


class Dialect:
    """How a tool hears about failure.

    errors_on_stdout: once `answering`, the error is `Adapter.failed()` text on stdout (else one line on stderr).
    failure_exit: once `answering`, every failure exits with this code (None: the documented code, errors.py).
    quiet: verbs whose failures exit 0, each with a note: "" reports the error line as usual (git's store and
    erase); a note makes it a warning `VERB: <error>; NOTE` (docker's "nothing was stored").
    ignore_unknown: unknown verbs are answered with nothing and exit 0, input unread (git's rule).
    """

    __slots__ = ("errors_on_stdout", "failure_exit", "ignore_unknown", "quiet")

    def __init__(
        self,
        *,
        errors_on_stdout: bool = False,
        failure_exit: int | None = None,
        quiet: Mapping[str, str] | None = None,
        ignore_unknown: bool = False,
    ) -> None:
        self.errors_on_stdout = errors_on_stdout
        self.failure_exit = failure_exit
        self.quiet = dict(quiet or {})
        self.ignore_unknown = ignore_unknown


class Adapter:
    """One tool's protocol. Subclasses set `name`, `tool`, `verbs` and `dialect`, and override `parse`, `found`,
    `missing` and whichever other answers their verbs need."""

    name = ""  # the console script, for messages
    tool = ""  # the name host entries use for this tool (tools = [...], configured_by = [...])
    verbs: ClassVar[dict[str, str]] = {}
    dialect = Dialect()
    scheme_is_transport = True  # False: the tool's scheme does not say how it connects (docker), only the port
    forget_needs_token = False  # True: FORGET drops only the token the tool names as refused (git's erase)
    raw_bytes = False  # True: stdin and stdout carry bytes that may not be UTF-8, passed through (git)

    def parse(self, request: Request, argv: list[str], runtime: Runtime) -> None:
        """Fill `request` from argv, stdin or the environment; raise UsageError for input the tool never sends."""
        raise NotImplementedError

    def lookup(self, request: Request, runtime: Runtime) -> HostEntry | None:
        """The host-list entry serving this tool for the request's host and port (the scheme's default port when
        none is given)."""
        if not request.host:
            return None
        port = request.port or DEFAULT_PORTS.get(request.scheme, "")
        return find_host(runtime.context(), request.host, port, tool=self.tool)

    def found(self, request: Request, token: Token, settings: Settings, entry: HostEntry | None, now: float) -> str:
        """The answer carrying the token (`now`: the clock, epoch seconds)."""
        raise NotImplementedError

    def missing(self, request: Request) -> Reply:
        """The answer for a host this helper does not serve."""
        raise NotImplementedError

    def forgotten(self, request: Request, entry: HostEntry | None) -> Reply:
        """The answer once the cached token was dropped (entry None: not a host of ours)."""
        return "", EXIT_OK

    def accepted(self, request: Request, runtime: Runtime) -> Reply:
        """The answer to a verb that hands us a credential to keep: nothing is kept (tokens are fetched)."""
        return "", EXIT_OK

    def other(self, request: Request, runtime: Runtime) -> Reply:
        """The answer to a tool-specific verb (docker's list and version, help)."""
        raise UsageError(f"{self.name}: {request.verb!r} is not implemented")

    def unknown(self, request: Request) -> Reply:
        """The answer to a verb not in `verbs`."""
        if self.dialect.ignore_unknown:
            return "", EXIT_OK
        known = ", ".join(verb for verb in self.verbs if not verb.startswith("-"))
        raise UsageError(f"{self.name}: unknown action {request.verb!r}; expected one of: {known}")

    def failed(self, request: Request, message: str) -> str:
        """An error as stdout text, for dialects with errors_on_stdout."""
        return message + "\n"
