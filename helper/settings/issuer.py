"""The settings of issuers, revocation and keyring secrets (docs/issuers.md), resolved without the network or
urllib: they run on every cache hit. The issuer URL itself is checked when it is first asked (oauth/urls.py)."""

from __future__ import annotations

from rightbrain_helper.errors import ConfigError
from rightbrain_helper.settings.model import DEFAULT_TOKEN_URL

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from rightbrain_helper.settings.provenance import Origins

DEFAULT_DISCOVERY_LIFETIME = 86400.0  # a day: how long a discovered metadata document is used without asking again


def issuer_settings(origins: Origins, profile: Mapping[str, Any], where: str) -> dict[str, Any]:
    """token_url or issuer (one of them; neither means the Rightbrain token endpoint), and the discovery and
    revocation keys (docs/issuers.md). Only the scheme is checked here, without urllib (this runs on cache hits);
    the rest when the issuer is first asked (oauth/urls.py)."""
    token_url, issuer = str(origins.pick("token_url", "")), str(origins.pick("issuer", ""))
    if token_url and issuer:
        raise ConfigError(
            f"both token_url (from {origins.recorded['token_url']}) and issuer (from {origins.recorded['issuer']}) "
            f"are set for profile {origins.name}: set only one (with issuer the token endpoint is discovered)"
        )
    if issuer and not issuer.startswith(("https://", "http://")):
        raise ConfigError(
            f'issuer {issuer!r} in {where}: use the issuer URL, e.g. issuer = "https://login.example.com"'
        )
    return {
        "token_url": "" if issuer else token_url or DEFAULT_TOKEN_URL,
        "issuer": issuer,
        "discovery_lifetime": float(profile.get("discovery_lifetime", DEFAULT_DISCOVERY_LIFETIME)),
        "revoke": bool(profile.get("revoke", True)),
    }


def keyring_entry(value: str, where: str) -> str:
    """client_secret_keyring as "service/name" (split at the first /, both parts non-empty), or ConfigError."""
    service, _, name = value.partition("/")
    if not service or not name:
        raise ConfigError(
            f'client_secret_keyring = {value!r} in {where}: use "SERVICE/NAME", '
            'e.g. client_secret_keyring = "rightbrain-helper/my-client"'
        )
    return value
