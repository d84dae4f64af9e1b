"""Host names, ports and URL authorities: the one parser the adapters, `configure` and the host list share.

The rule (one character set for every host, wherever it comes from):

    host  = name | IPv4 | IPv6            compared in the canonical form below; anything else is no host
    name  = RFC 3986 reg-name restricted to LDH labels (RFC 1123): ASCII letters, digits and hyphens, 1-63 per
            label, not starting or ending with a hyphen, at most 253 in all; lower-cased; one trailing dot (the
            absolute form of the same DNS name) dropped. No `_`, `%`, `~` or non-ASCII (tools send IDNs as
            punycode). A name whose last label is a number (`1.2.3`, `example.0x1`) is no name (WHATWG URL:
            such a host is an IPv4 address or nothing), so `127.1` and `2130706433` are never loopback in disguise.
    IPv4  = four decimal parts 0-255 without leading zeros (`127.000.0.1` is refused: some parsers read octal).
    IPv6  = RFC 4291 text, in brackets in an authority (a host-list name may give it bare, without a port);
            written compressed (RFC 5952); no zone id.
    port  = 1 to 5 ASCII digits naming 1-65535, leading zeros dropped; a lone `:` is no port (RFC 3986 §6.2.3).

A leaf module: it imports nothing of the project and, on the cache-hit path, nothing but builtins (`ipaddress`
only for IPv6 spellings other than `::1`). Every function is pure and returns None for input that is no address.
"""

from __future__ import annotations

DEFAULT_PORTS = {"https": "443", "http": "80", "grpcs": "443", "grpc": "80"}  # the port a scheme implies
CLEARTEXT = {"http": "https", "grpc": "grpcs"}  # scheme without TLS -> its TLS twin
_LDH = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
_DIGITS = frozenset("0123456789")
_HEX = frozenset("0123456789abcdef")
_IPV6 = frozenset("0123456789abcdef:.")
_SCHEME = frozenset("abcdefghijklmnopqrstuvwxyz0123456789+-.")
MAX_NAME = 253
MAX_LABEL = 63


class Url:
    """A parsed URL: lower-case scheme, canonical host and port ("" when none is written), the path ("" or from
    its `/`; query and fragment dropped), the authority as written (userinfo dropped) and the userinfo (before
    the last `@`, "" when none)."""

    __slots__ = ("authority", "host", "path", "port", "scheme", "userinfo")

    def __init__(self, scheme: str, host: str, port: str, path: str, *, authority: str, userinfo: str = "") -> None:
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path
        self.authority = authority
        self.userinfo = userinfo

    def astuple(self) -> tuple[str, str, str, str]:
        """(scheme, host, port, path)."""
        return self.scheme, self.host, self.port, self.path


def canonical_host(text: str) -> str | None:
    """The canonical form of a host without brackets (`Example.COM.` -> `example.com`, `0::1` -> `::1`), or None."""
    if not text.isascii():  # before lower(): some non-ASCII letters lower-case to ASCII ones (U+212A -> k)
        return None
    host = text.lower()
    if ":" in host:
        return _ipv6(host)
    host = host.removesuffix(".")
    if not host or len(host) > MAX_NAME:
        return None
    labels = host.split(".")
    if _is_number(labels[-1]):
        return host if _is_ipv4(labels) else None
    for label in labels:
        if not label or len(label) > MAX_LABEL or not _LDH.issuperset(label) or "-" in (label[0], label[-1]):
            return None
    return host


def canonical_port(text: str) -> str | None:
    """A TCP port in decimal without leading zeros (`0443` -> `443`), or None unless 1-5 ASCII digits naming
    1-65535 (no sign, space or other digits)."""
    if not (0 < len(text) <= 5 and _DIGITS.issuperset(text)) or not 0 < int(text) < 65536:
        return None
    return str(int(text))


def split_authority(text: str) -> tuple[str, str] | None:
    """(host, port) of `HOST[:PORT]` or `[IPv6][:PORT]`, canonical, port "" when none; None when it is no
    authority (userinfo, whitespace, a bad port...). A bare IPv6 address is a host without a port."""
    if text.startswith("["):
        inside, bracket, rest = text[1:].partition("]")
        host = _ipv6(inside.lower()) if bracket and inside.isascii() else None
    elif text.count(":") > 1:
        host, rest = canonical_host(text), ""
    else:
        name, colon, port = text.partition(":")
        host, rest = canonical_host(name), colon + port
    if host is None or (rest and rest[0] != ":"):
        return None
    if len(rest) <= 1:
        return host, ""
    number = canonical_port(rest[1:])
    return None if number is None else (host, number)


def parse_url(text: str, scheme: str = "") -> Url | None:
    """`SCHEME://[USERINFO@]AUTHORITY[/PATH][?QUERY][#FRAGMENT]`; text without `://` is taken as
    `AUTHORITY[/PATH...]` under `scheme` (docker's bare registry names). None when the scheme or the authority is
    not one (an empty host included)."""
    given, separator, rest = text.partition("://")
    if separator:
        scheme = given.lower()
        if not scheme or not scheme.isascii() or not _SCHEME.issuperset(scheme) or not scheme[0].isalpha():
            return None
    else:
        rest = text
    end = min((index for index in (rest.find(mark) for mark in "/?#") if index >= 0), default=len(rest))
    userinfo, _at, authority = rest[:end].rpartition("@")
    split = split_authority(authority)
    if split is None:
        return None
    path = rest[end:].partition("#")[0].partition("?")[0]
    return Url(scheme, split[0], split[1], path, authority=authority, userinfo=userinfo)


def join_authority(host: str, port: str = "") -> str:
    """`HOST[:PORT]`, an IPv6 host in brackets."""
    name = f"[{host}]" if ":" in host else host
    return f"{name}:{port}" if port else name


def is_loopback_host(host: str) -> bool:
    """localhost or a loopback address (127.0.0.0/8, ::1 in any spelling): names that never leave this machine;
    never a DNS name that merely starts with `127.`."""
    canonical = canonical_host(host.removeprefix("[").removesuffix("]"))
    if canonical in ("localhost", "::1"):
        return True
    return canonical is not None and canonical.startswith("127.") and _is_ipv4(canonical.split("."))


def _is_number(label: str) -> bool:
    """A label WHATWG reads as a number: decimal digits, or 0x and hex digits."""
    if label[:2] == "0x":
        return _HEX.issuperset(label[2:])
    return bool(label) and _DIGITS.issuperset(label)


def _is_ipv4(labels: list[str]) -> bool:
    """Four decimal parts 0-255 without leading zeros."""
    return len(labels) == 4 and all(
        0 < len(part) <= 3 and _DIGITS.issuperset(part) and str(int(part)) == part and int(part) < 256
        for part in labels
    )


def _ipv6(text: str) -> str | None:
    """An IPv6 address in its compressed form, or None (zone ids, brackets and other characters included)."""
    if text == "::1":
        return text
    if not text or not _IPV6.issuperset(text) or ":" not in text or len(text) > 45:
        return None
    import ipaddress  # noqa: PLC0415  (only for IPv6 spellings other than ::1: off the usual hot path)

    try:
        return ipaddress.IPv6Address(text).compressed
    except ValueError:
        return None
