"""Which URLs the helper will send a client secret (or ask for metadata): https, or plain http to this machine only."""

from __future__ import annotations

from urllib.parse import urlsplit

from rightbrain_helper.errors import ConfigError
from rightbrain_helper.netaddr import is_loopback_host


def check_token_url(url: str, name: str = "token_url") -> None:
    """https only, except http to a loopback host; no credentials or fragment in the URL. `name` is what a
    message calls the URL (the setting, or the metadata field it came from). ConfigError otherwise."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host:
        raise ConfigError(f"{name} {url!r} has no host; use https://HOST/PATH")
    if parts.username or parts.password:
        raise ConfigError(f"{name} must not carry credentials; use the client id and secret settings")
    if parts.fragment:
        raise ConfigError(f"{name} {url!r} has a #fragment, which RFC 6749 forbids")
    if parts.scheme == "https":
        return
    if parts.scheme == "http" and is_loopback_host(host):
        return
    raise ConfigError(f"{name} {url!r}: use https:// (plain http:// is allowed only for loopback hosts)")


def check_issuer_url(issuer: str) -> None:
    """The token URL rules, and no query either (RFC 8414 §2: an issuer has no query or fragment)."""
    check_token_url(issuer, "issuer")
    if urlsplit(issuer).query or issuer.endswith("?"):
        raise ConfigError(f"issuer {issuer!r} has a ?query, which RFC 8414 §2 forbids; use the issuer URL exactly")


def well_known_urls(issuer: str) -> list[tuple[str, str]]:
    """The discovery documents to try, in order, as (kind, URL): OpenID Connect Discovery 1.0 §4 appends
    /.well-known/openid-configuration to the issuer (after dropping one trailing /); RFC 8414 §3.1 inserts
    /.well-known/oauth-authorization-server between the host and the issuer's path (https://h/tenant ->
    https://h/.well-known/oauth-authorization-server/tenant)."""
    parts = urlsplit(issuer)
    origin = f"{parts.scheme}://{parts.netloc}"
    path = parts.path.rstrip("/")
    return [
        ("openid-configuration", f"{origin}{path}/.well-known/openid-configuration"),
        ("oauth-authorization-server", f"{origin}/.well-known/oauth-authorization-server{path}"),
    ]
