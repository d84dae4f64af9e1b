"""`serve()`: one call of a tool's protocol, run the same way for every adapter (integrations/contract.py).

    parse -> verb -> GET:    lookup -> (safe transport) -> settings -> token -> found()   or missing()
                     FORGET: lookup -> drop the cached token (only the refused one, when the tool names it)
                     ACCEPT / OTHER / unknown: the adapter's answer
    -> write the answer; any failure -> report(): the tool's dialect (stream, exit code), never a traceback

On the cache-hit path: nothing heavier than the stdlib's sys here (tests/test_hot_path.py).
"""

from __future__ import annotations

import sys

from rightbrain_helper.errors import EXIT_OK, HelperError, exit_code_for, one_line
from rightbrain_helper.netaddr import CLEARTEXT, is_loopback_host, join_authority
from rightbrain_helper.runtime import Runtime

from .contract import ACCEPT, FORGET, GET, OTHER, Request

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rightbrain_helper.settings.load import Overrides

    from .contract import Adapter, Reply


def serve(
    adapter: Adapter,
    argv: list[str] | None = None,
    runtime: Runtime | None = None,
    *,
    overrides: Overrides | None = None,
) -> int:
    """Run one call of the tool's protocol and return the exit code; never raises, never a traceback. Without a
    runtime, the process's own (sys.argv, real streams); `overrides` select the settings of a tool without hosts."""
    if runtime is None:
        if adapter.raw_bytes:
            pass_bytes_through()
        runtime = Runtime()
    request = Request()
    request.overrides = overrides
    try:
        adapter.parse(request, list(sys.argv[1:] if argv is None else argv), runtime)
        text, code = respond(adapter, request, runtime)
        write(runtime, text)
        return code
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # the one place every failure becomes the tool's dialect
        return report(adapter, request, error, runtime)


def respond(adapter: Adapter, request: Request, runtime: Runtime) -> Reply:
    """Do what the verb asks: get -> lookup, settings, token; forget -> drop the cached token; accept; other."""
    action = adapter.verbs.get(request.verb)
    if action == GET:
        entry = adapter.lookup(request, runtime)
        overrides = entry.overrides() if entry is not None else request.overrides
        if overrides is None or (entry is not None and not safe_transport(adapter, request, runtime)):
            return adapter.missing(request)
        settings = runtime.settings(overrides)
        token = runtime.service.get_token(settings, force_refresh=request.refresh)
        return adapter.found(request, token, settings, entry, runtime.clock.now()), EXIT_OK
    if action == FORGET:
        return forget(adapter, request, runtime)
    if action == ACCEPT:
        return adapter.accepted(request, runtime)
    if action == OTHER:
        return adapter.other(request, runtime)
    return adapter.unknown(request)


def forget(adapter: Adapter, request: Request, runtime: Runtime) -> Reply:
    """Drop the cached token of the request's host (only the refused one, when the tool names it)."""
    entry = adapter.lookup(request, runtime)
    if entry is None or (adapter.forget_needs_token and not request.token):
        return adapter.forgotten(request, entry)
    if runtime.service.forget(runtime.settings(entry.overrides()), request.token):
        if request.token:
            runtime.log.warn(
                f"{entry.name} refused the token; dropped it from the cache, the next {adapter.tool} command gets "
                "a new one"
            )
        else:
            runtime.log.debug(f"dropped the cached token for {entry.name}; the next request gets a new one")
    return adapter.forgotten(request, entry)


def safe_transport(adapter: Adapter, request: Request, runtime: Runtime) -> bool:
    """transport_is_safe, and a warning saying why when it is not."""
    if transport_is_safe(adapter, request):
        return True
    secure = CLEARTEXT.get(request.scheme, "https")
    runtime.log.warn(
        f"not giving {adapter.tool} a token for {request.scheme}://{join_authority(request.host, request.port)}: "
        f"plain {request.scheme} would send it in clear; use an {secure}:// URL "
        f"({request.scheme} is allowed only to loopback hosts)"
    )
    return False


def transport_is_safe(adapter: Adapter, request: Request) -> bool:
    """A scheme with TLS, or cleartext to this machine; anything else would carry the token in clear (always
    True for a tool whose scheme does not name its transport). `doctor` asks this too, so it reports what serve()
    does."""
    if not adapter.scheme_is_transport or request.scheme in ("https", "grpcs"):
        return True
    return request.scheme in CLEARTEXT and is_loopback_host(request.host)


def report(adapter: Adapter, request: Request, error: BaseException, runtime: Runtime) -> int:
    """The one place a failure meets the dialect: which stream, which exit code."""
    message = describe(error)
    dialect = adapter.dialect
    note = dialect.quiet.get(request.verb)
    if note:
        runtime.log.warn(f"{request.verb}: {message}; {note}")
    elif request.answering and dialect.errors_on_stdout:
        try:
            write(runtime, adapter.failed(request, runtime.log.redact(message)))
        except HelperError:
            runtime.log.error(message)
    else:
        runtime.log.error(message)
    if note is not None:
        return EXIT_OK
    if request.answering and dialect.failure_exit is not None:
        return dialect.failure_exit
    return exit_code_for(error)


def describe(error: BaseException) -> str:
    """One line for an error: the helper's own message, or a named internal error (never a traceback)."""
    if isinstance(error, HelperError):
        return str(error)
    return f"internal error: {type(error).__name__}: {one_line(str(error), 200)}; please report it with --verbose"


def write(runtime: Runtime, text: str) -> None:
    """Write and flush an answer; a closed stdout is reported, not a crash."""
    if not text:
        return
    try:
        runtime.stdout.write(text)
        runtime.stdout.flush()
    except (OSError, ValueError) as exc:
        raise HelperError(f"could not write the answer to stdout ({type(exc).__name__})") from None


def pass_bytes_through() -> None:
    """Let bytes that are not UTF-8 round-trip on the real stdin and stdout instead of failing to decode."""
    for stream in (sys.stdin, sys.stdout):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="surrogateescape")
