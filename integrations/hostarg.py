"""The server a `configure` command is given (--host, --registry, --index, --server), parsed once by
helper/netaddr.py: one host syntax for what configure writes and what the adapters match."""

from __future__ import annotations

from rightbrain_helper.errors import UsageError
from rightbrain_helper.netaddr import CLEARTEXT, DEFAULT_PORTS, Url, is_loopback_host, join_authority, parse_url


def parse_server(
    text: str, option: str, form: str, *, schemes: tuple[str, ...] = ("https",), path: bool = False
) -> Url:
    """`text` as `[SCHEME://]HOST[:PORT][/PATH]` (the first of `schemes` when none is written). UsageError naming
    `option` and the expected `form` for anything else: no host, a bad port, a user, another scheme, a path (unless
    `path`); and for cleartext (http) to a host that is not loopback."""
    url = parse_url(text.strip(), scheme=schemes[0])
    extra = not path and (url is None or url.path.strip("/") or "?" in text or "#" in text)
    if url is None or url.userinfo or url.scheme not in schemes or extra:
        raise UsageError(f"{option} {text!r}: give {form}")
    if url.scheme in CLEARTEXT and not is_loopback_host(url.host):
        raise UsageError(
            f"{option} {text!r}: plain {url.scheme} would send the token in clear; use {CLEARTEXT[url.scheme]} "
            f"({url.scheme} is allowed only for loopback hosts)"
        )
    return url


def host_name(url: Url, *, keep_default_port: bool = True) -> str:
    """The host-list name of a parsed server: HOST[:PORT], canonical, IPv6 in brackets; the scheme's default port
    left out unless `keep_default_port`."""
    port = url.port if keep_default_port or url.port != DEFAULT_PORTS.get(url.scheme) else ""
    return join_authority(url.host, port)
