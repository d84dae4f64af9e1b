"""Which token URLs the helper will send a client secret to: https, or plain http to this machine only."""

from __future__ import annotations

from urllib.parse import urlsplit

from rightbrain_helper.errors import ConfigError
from rightbrain_helper.netaddr import is_loopback_host


def check_token_url(url: str) -> None:
    """https only, except http to a loopback host; no credentials or fragment in the URL."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host:
        raise ConfigError(f"token_url {url!r} has no host; use https://HOST/PATH")
    if parts.username or parts.password:
        raise ConfigError("token_url must not carry credentials; use the client id and secret settings")
    if parts.fragment:
        raise ConfigError(f"token_url {url!r} has a #fragment, which RFC 6749 forbids")
    if parts.scheme == "https":
        return
    if parts.scheme == "http" and is_loopback_host(host):
        return
    raise ConfigError(f"token_url {url!r}: use https:// (plain http:// is allowed only for loopback hosts)")
