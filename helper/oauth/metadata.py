"""An issuer's metadata (RFC 8414 §2, OpenID Connect Discovery 1.0 §3): the few fields a client-credentials client
uses, checked as strictly when read back from the cache as when first fetched.

Only what is usable is kept: a token endpoint (required), a revocation endpoint, the client authentication
methods the token endpoint lists, and the RFC 8705 §5 mTLS aliases of both endpoints. Every URL must pass the
token URL rules (https, or http to a loopback host); a document that names another issuer is refused (RFC 8414
§3.3). Pure: no I/O; loaded only on a cache miss.
"""

from __future__ import annotations

import math

from rightbrain_helper.errors import ConfigError, TokenEndpointRejected, one_line
from rightbrain_helper.oauth.urls import check_token_url

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MAX_URL_CHARS = 4096
MAX_METHODS = 64  # token_endpoint_auth_methods_supported: real servers list a handful
MAX_METHOD_CHARS = 100
ALIASED = ("token_endpoint", "revocation_endpoint")  # the mtls_endpoint_aliases this client may use
# client_auth -> the RFC 7591 name an issuer lists it under (the aliases basic / post are resolved at load time)
REGISTERED_NAMES = {"basic": "client_secret_basic", "basic-raw": "client_secret_basic", "post": "client_secret_post"}


class IssuerMetadata:
    """The usable part of one issuer's metadata: `auth_methods` is None when the document lists none (RFC 8414
    then means client_secret_basic); `mtls_aliases` maps token_endpoint / revocation_endpoint to their aliases;
    `fetched_at` is seconds since the epoch; `source` the document's URL; `notes` what was dropped, and why."""

    __slots__ = (
        "auth_methods",
        "fetched_at",
        "issuer",
        "mtls_aliases",
        "notes",
        "revocation_endpoint",
        "source",
        "token_endpoint",
    )

    def __init__(self, issuer: str, token_endpoint: str, *, source: str, fetched_at: float) -> None:
        self.issuer = issuer
        self.token_endpoint = token_endpoint
        self.revocation_endpoint = ""
        self.auth_methods: tuple[str, ...] | None = None
        self.mtls_aliases: dict[str, str] = {}
        self.source = source
        self.fetched_at = fetched_at
        self.notes: list[str] = []

    def to_document(self) -> dict[str, Any]:
        """The fields as the issuer named them, plus where and when they were fetched (the cache file's JSON)."""
        document: dict[str, Any] = {
            "issuer": self.issuer,
            "token_endpoint": self.token_endpoint,
            "source": self.source,
            "fetched_at": self.fetched_at,
        }
        if self.revocation_endpoint:
            document["revocation_endpoint"] = self.revocation_endpoint
        if self.auth_methods is not None:
            document["token_endpoint_auth_methods_supported"] = list(self.auth_methods)
        if self.mtls_aliases:
            document["mtls_endpoint_aliases"] = dict(self.mtls_aliases)
        return document

    def supports(self, client_auth: str) -> bool:
        """Whether the token endpoint lists `client_auth` (our aliases mapped to RFC 7591 names); True when it
        lists nothing, since then nothing is known to be unsupported."""
        if self.auth_methods is None:
            return True
        return REGISTERED_NAMES.get(client_auth, client_auth) in self.auth_methods


def parse_metadata(document: object, issuer: str, source: str, fetched_at: float) -> IssuerMetadata:
    """The metadata in a decoded JSON `document` fetched from `source` for the configured `issuer`.

    Raise ConfigError when the document names another issuer (RFC 8414 §3.3: the configured value must match
    exactly), TokenEndpointRejected when it is not an object or has no usable token_endpoint. Optional fields
    that are malformed or fail the URL rules are dropped, with a note."""
    if not isinstance(document, dict):
        raise TokenEndpointRejected(f"{source} is not a JSON object; check issuer")
    named = document.get("issuer")
    if named != issuer:
        shown = one_line(repr(named)[:200], 120) if named is not None else "no issuer"
        raise ConfigError(
            f"{source} names issuer {shown}, not the configured {issuer!r}; the two must be equal exactly "
            "(RFC 8414 §3.3): set issuer to the value the server names if it is the server you mean"
        )
    metadata = IssuerMetadata(issuer, _token_endpoint(document, source), source=source, fetched_at=fetched_at)
    notes = metadata.notes
    metadata.revocation_endpoint = _optional_url(document, "revocation_endpoint", notes)
    metadata.auth_methods = _methods(document.get("token_endpoint_auth_methods_supported"), notes)
    aliases = document.get("mtls_endpoint_aliases")
    if isinstance(aliases, dict):
        for name in ALIASED:
            alias = _optional_url(aliases, name, notes, "mtls_endpoint_aliases.")
            if alias:
                metadata.mtls_aliases[name] = alias
    elif aliases is not None:
        notes.append("mtls_endpoint_aliases is not an object; ignored")
    return metadata


def stored_metadata(document: object, issuer: str) -> IssuerMetadata | None:
    """Metadata read back from the cache file's JSON, or None when it is not what to_document wrote for this
    issuer (a corrupt or foreign file is a miss, never an error)."""
    if not isinstance(document, dict):
        return None
    source, fetched_at = document.get("source"), document.get("fetched_at")
    if not isinstance(source, str) or isinstance(fetched_at, bool) or not isinstance(fetched_at, int | float):
        return None
    if not math.isfinite(fetched_at) or fetched_at < 0:
        return None
    try:
        return parse_metadata(document, issuer, source, float(fetched_at))
    except (ConfigError, TokenEndpointRejected):
        return None


def _token_endpoint(document: dict[str, Any], source: str) -> str:
    """The token endpoint, which must be there and pass the token URL rules."""
    value = document.get("token_endpoint")
    if not isinstance(value, str) or not value or len(value) > MAX_URL_CHARS:
        raise TokenEndpointRejected(
            f"{source} names no token_endpoint, so the issuer offers no token endpoint to discover; "
            "set token_url instead of issuer if you know it"
        )
    try:
        check_token_url(value, "the discovered token_endpoint")
    except ConfigError as exc:
        raise TokenEndpointRejected(f"{exc} (from {source})") from None
    return value


def _optional_url(document: dict[str, Any], name: str, notes: list[str], prefix: str = "") -> str:
    """A URL field that may be absent: "" when absent or unusable (with a note saying why)."""
    value = document.get(name)
    if value is None:
        return ""
    if not isinstance(value, str) or not value or len(value) > MAX_URL_CHARS:
        notes.append(f"{prefix}{name} is not a URL; ignored")
        return ""
    try:
        check_token_url(value, f"{prefix}{name}")
    except ConfigError as exc:
        notes.append(f"{exc}; ignored")
        return ""
    return value


def _methods(value: object, notes: list[str]) -> tuple[str, ...] | None:
    """token_endpoint_auth_methods_supported as a tuple of names; None when absent or malformed."""
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or len(value) > MAX_METHODS
        or not all(isinstance(item, str) and 0 < len(item) <= MAX_METHOD_CHARS for item in value)
    ):
        notes.append("token_endpoint_auth_methods_supported is not a short list of names; ignored")
        return None
    return tuple(value)
