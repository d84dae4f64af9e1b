"""The one host[:port] / URL parser (helper/netaddr.py): its rule by example, and as properties over any text,
with urllib.parse and ipaddress as independent oracles for what it accepts."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rightbrain_helper.netaddr import (
    canonical_host,
    canonical_port,
    is_loopback_host,
    join_authority,
    parse_url,
    split_authority,
)

FAST = settings(max_examples=400, deadline=None)

LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
LABEL = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9-]{0,20}[A-Za-z0-9])?", fullmatch=True)
LAST_LABEL = st.from_regex(r"[A-Za-z]([A-Za-z0-9-]{0,10}[A-Za-z0-9])?", fullmatch=True)
NAMES = st.builds(lambda labels, last: ".".join([*labels, last]), st.lists(LABEL, max_size=4), LAST_LABEL)
IPV4 = st.ip_addresses(v=4).map(str)
IPV6 = st.ip_addresses(v=6).map(str)
PORTS = st.integers(min_value=1, max_value=65535)
AUTHORITY_TEXT = st.text(alphabet=LETTERS + "0123456789.-_:[]@%~ \u212a\u0131", max_size=30)


@pytest.mark.parametrize(
    ("text", "host"),
    [
        ("Example.COM", "example.com"),
        ("example.com.", "example.com"),  # the absolute form of the same DNS name
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),  # IDNs arrive as punycode
        ("a-b.c1", "a-b.c1"),
        ("localhost", "localhost"),
        ("127.0.0.1", "127.0.0.1"),
        ("0:0:0:0:0:0:0:1", "::1"),
        ("2001:DB8::1", "2001:db8::1"),
        ("my_registry", None),  # `_` is no LDH character
        ("-a.example", None),
        ("a-.example", None),
        ("a..example", None),
        ("example.com..", None),
        ("127.1", None),  # a name ending in a number is IPv4 or nothing (WHATWG): never loopback in disguise
        ("127.000.0.1", None),  # leading zeros: octal to some parsers
        ("0x7f.0.0.1", None),
        ("2130706433", None),
        ("256.0.0.1", None),
        ("example.0x1", None),
        ("\u212aeycloak.example", None),  # KELVIN SIGN lower-cases to an ASCII k
        ("b\u00fccher.example", None),
        ("fe80::1%eth0", None),  # zone ids are local to one machine
        ("a" * 64 + ".example", None),
        (".".join(["a" * 63] * 4), None),  # 255 characters
        ("", None),
    ],
)
def test_the_host_rule_by_example(text: str, host: str | None) -> None:
    """LDH names (lower-cased, one trailing dot dropped), canonical IPv4, IPv6 compressed; nothing else."""
    assert canonical_host(text) == host


@pytest.mark.parametrize(
    ("text", "split"),
    [
        ("Host.Example:443", ("host.example", "443")),
        ("host.example:0443", ("host.example", "443")),
        ("host.example:", ("host.example", "")),  # RFC 3986 §6.2.3: an empty port is the default one
        ("[::1]:8443", ("::1", "8443")),
        ("[0::1]", ("::1", "")),
        ("::1", ("::1", "")),  # host-list names may give an IPv6 address bare (no port then)
        ("host.example:99999", None),
        ("host.example:0", None),
        ("host.example:+1", None),
        ("host.example:\u0664\u0664\u0663", None),
        ("host.example:44 3", None),
        ("[host.example]:1", None),
        ("[::1]x", None),
        ("user@host.example", None),
        (" host.example", None),
        (":443", None),
    ],
)
def test_authorities_by_example(text: str, split: tuple[str, str] | None) -> None:
    """HOST[:PORT] and [IPv6][:PORT]; a port is 1-65535 in ASCII digits; no userinfo or whitespace."""
    assert split_authority(text) == split


@pytest.mark.parametrize(
    ("text", "parts", "authority"),
    [
        ("HTTPS://U:p@Host.Example:8443/a/b?q=1#f", ("https", "host.example", "8443", "/a/b"), "Host.Example:8443"),
        ("sparse+https://crates.example/index/", ("sparse+https", "crates.example", "", "/index/"), "crates.example"),
        ("https://h.example?x", ("https", "h.example", "", ""), "h.example"),
        ("grpc://[::1]/x", ("grpc", "::1", "", "/x"), "[::1]"),
        ("https:///no-host", None, ""),
        ("1https://h.example", None, ""),
        ("https://h.example%0a/x", None, ""),
        ("https://h.example\nAuthorization: x/y", None, ""),
    ],
)
def test_urls_by_example(text: str, parts: tuple[str, str, str, str] | None, authority: str) -> None:
    """Scheme lower-cased, userinfo dropped, host and port canonical, query and fragment dropped; the authority
    as written is kept (goauth answers with it)."""
    url = parse_url(text)
    assert (url.astuple() if url else None) == parts
    if url is not None:
        assert url.authority == authority


def test_text_without_a_scheme_is_an_authority_under_the_default_scheme() -> None:
    """docker's bare registry names: `HOST[:PORT][/PATH]` under the scheme the caller gives."""
    url = parse_url("Reg.Example:5000/v2/", scheme="https")
    assert url is not None
    assert url.astuple() == ("https", "reg.example", "5000", "/v2/")


@FAST
@given(st.text(max_size=40) | AUTHORITY_TEXT)
def test_any_text_is_a_canonical_host_or_none(text: str) -> None:
    """Whatever the text: None, or an ASCII lower-case host that is its own canonical form."""
    host = canonical_host(text)
    if host is not None:
        assert text.isascii()
        assert host == host.lower()
        assert canonical_host(host) == host


@FAST
@given(st.text(max_size=40) | AUTHORITY_TEXT)
def test_any_text_is_an_authority_or_none(text: str) -> None:
    """Whatever the text: None, or a canonical (host, port) that joins back to an authority parsing to itself."""
    split = split_authority(text)
    if split is not None:
        host, port = split
        assert canonical_host(host) == host
        assert port == "" or canonical_port(port) == port
        assert split_authority(join_authority(host, port)) == split


@FAST
@given(
    NAMES.map(lambda name: (name, True)) | st.one_of(IPV4, IPV6).map(lambda address: (address, False)),
    st.none() | PORTS,
    st.sampled_from(["", "."]),
    st.integers(min_value=0, max_value=2),
)
def test_every_host_and_port_round_trips(named: tuple[str, bool], port: int | None, dot: str, zeros: int) -> None:
    """A host in any case (with a trailing dot for names) and a port with leading zeros parse to the canonical
    pair, and that pair joins to an authority parsing to itself."""
    host, is_name = named
    written = host.swapcase() + dot if is_name else host
    port_text = "" if port is None else "0" * min(zeros, 5 - len(str(port))) + str(port)
    authority = join_authority(written, port_text)
    expected = (str(ipaddress.ip_address(host)) if not is_name else host.lower(), "" if port is None else str(port))
    assert split_authority(authority) == expected
    assert split_authority(join_authority(*expected)) == expected


@FAST
@given(
    st.sampled_from(["https", "http", "grpcs"]),
    st.sampled_from(["", "user@", "u:p@"]),
    st.one_of(NAMES, IPV4, IPV6),
    st.none() | PORTS,
    st.sampled_from(["", "/", "/a/b", "/a?q=1", "?q", "#f"]),
)
def test_parse_url_agrees_with_urllib(scheme: str, userinfo: str, host: str, port: int | None, tail: str) -> None:
    """For every URL it accepts, host and port are those urllib.parse reads (an independent parser)."""
    text = f"{scheme}://{userinfo}{join_authority(host, '' if port is None else str(port))}{tail}"
    url = parse_url(text)
    assert url is not None
    oracle = urlsplit(text)
    assert oracle.hostname is not None
    expected_host = str(ipaddress.ip_address(oracle.hostname)) if ":" in oracle.hostname else oracle.hostname
    assert (url.scheme, url.host, url.port) == (scheme, expected_host, "" if port is None else str(port))
    assert url.path == oracle.path
    assert url.userinfo == userinfo.removesuffix("@")


URLISH = st.builds(
    lambda scheme, authority, tail: f"{scheme}://{authority}{tail}",
    st.sampled_from(["https", "http", "HTTPS"]),
    AUTHORITY_TEXT,
    st.sampled_from(["", "/", "/x?y", "#z"]),
)


@FAST
@given(URLISH)
def test_urls_it_accepts_urllib_reads_alike(text: str) -> None:
    """Any URL-shaped text parse_url accepts, urllib.parse reads to the same host and port."""
    url = parse_url(text)
    assume(url is not None)
    assert url is not None
    try:
        oracle = urlsplit(text)
        port = oracle.port
    except ValueError:  # urllib refuses some bracket and port spellings netaddr refuses too; nothing to compare
        return
    hostname = oracle.hostname or ""
    host = str(ipaddress.ip_address(hostname)) if ":" in hostname else hostname.removesuffix(".")
    assert (url.host, url.port) == (host, "" if port is None else str(port))


@FAST
@given(st.ip_addresses())
def test_loopback_agrees_with_ipaddress(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    """For every IP address (bracketed IPv6 too): loopback exactly when ipaddress says so (IPv4-mapped IPv6 aside,
    which is never loopback here: cleartext to it is refused)."""
    mapped = isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None
    assert is_loopback_host(str(address)) == (address.is_loopback and not mapped)
    if address.version == 6:
        assert is_loopback_host(f"[{address}]") == (address.is_loopback and not mapped)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST.", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("127.example.com", False),
        ("127.0.0.1.evil.example", False),
        ("127.1", False),
        ("localhost.example.com", False),
        ("1" * 5000 + ".0.0.1", False),
    ],
)
def test_loopback_names(host: str, loopback: bool) -> None:
    """Only localhost and loopback addresses; never a DNS name that merely starts or ends like one."""
    assert is_loopback_host(host) is loopback
