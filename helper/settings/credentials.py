"""How a profile's client proves who it is: `client_auth` and the settings each method needs, resolved and checked.

The method classes (token/client_auth.py, token/key_auth.py) fingerprint and use these settings; here they are
only read from the profile, paths expanded, and each method's required settings demanded, so a missing one is a
config error naming the profile and the key before anything is read or sent. Runs on cache hits: no imports
beyond os.
"""

from __future__ import annotations

import os

from rightbrain_helper.errors import ConfigError
from rightbrain_helper.settings.issuer import keyring_entry
from rightbrain_helper.settings.model import (
    ASSERTION_AUDIENCES,
    CLIENT_AUTH_ALIASES,
    CLIENT_AUTH_METHODS,
    DEFAULT_CLIENT_AUTH,
    JWT_ALGORITHMS,
    SECRET_METHODS,
    SecretSource,
)
from rightbrain_helper.settings.provenance import SECRET_VARIABLES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from rightbrain_helper.settings.provenance import Origins

PATH_KEYS = ("private_key_file", "client_assertion_file", "tls_client_cert", "tls_client_key")
CREDENTIAL_KEYS = frozenset({*PATH_KEYS, "private_key_alg", "private_key_kid", "private_key_aud"})
REQUIRED = {  # method -> the settings it cannot work without (besides the client secret of SECRET_METHODS)
    "private_key_jwt": ("private_key_file",),
    "client_assertion": ("client_assertion_file",),
    "tls_client_auth": ("tls_client_cert", "tls_client_key"),
}


def credential_settings(origins: Origins, profile: Mapping[str, Any], where: str, shared_cache: str) -> dict[str, Any]:
    """Settings keyword arguments for client_auth, the secret source and the key, assertion and certificate files.
    Raise ConfigError for an unknown method or algorithm, a method without what it needs, a certificate without
    its key (or the reverse), or a fleet tier with client_assertion (nothing on the machine could seal it)."""
    method = _method(profile, where)
    found = {key: str(profile.get(key, "")) for key in CREDENTIAL_KEYS}
    for key in PATH_KEYS:
        found[key] = os.path.expanduser(found[key]) if found[key] else ""
    found["private_key_aud"] = found["private_key_aud"] or "token_endpoint"
    _check_values(found, where)
    if bool(found["tls_client_cert"]) != bool(found["tls_client_key"]):
        raise ConfigError(f"tls_client_cert and tls_client_key in {where} go together: set both or neither")
    for key in REQUIRED.get(method, ()):
        if not found[key]:
            raise ConfigError(f'client_auth = "{method}" in {where} needs {key}; see docs/client-auth.md')
    if method == "client_assertion" and shared_cache:
        raise ConfigError(
            f'client_auth = "client_assertion" in {where} cannot use the fleet tier (shared_cache): no secret or '
            "key on this machine could seal its entries; unset shared_cache (or RIGHTBRAIN_SHARED_CACHE) for it"
        )
    secret = secret_source(origins, profile, where, required=method in SECRET_METHODS)
    return {"client_auth": method, "secret": secret, **found}


def _method(profile: Mapping[str, Any], where: str) -> str:
    """The canonical method name (an alias resolved); ConfigError for an unknown one."""
    name = str(profile.get("client_auth", DEFAULT_CLIENT_AUTH))  # a string: load.py checked the type
    method = CLIENT_AUTH_ALIASES.get(name, name)
    if method not in CLIENT_AUTH_METHODS:
        aliases = ", ".join(f"{alias} = {canonical}" for alias, canonical in CLIENT_AUTH_ALIASES.items())
        raise ConfigError(f"client_auth = {name!r} in {where}: use one of {', '.join(CLIENT_AUTH_METHODS)} ({aliases})")
    return method


def _check_values(found: Mapping[str, str], where: str) -> None:
    """private_key_alg and private_key_aud from their short lists."""
    if found["private_key_alg"] and found["private_key_alg"] not in JWT_ALGORITHMS:
        raise ConfigError(
            f"private_key_alg = {found['private_key_alg']!r} in {where}: use one of {', '.join(JWT_ALGORITHMS)}, "
            "or leave it out to take the algorithm from the key (RSA: RS256, P-256: ES256)"
        )
    if found["private_key_aud"] not in ASSERTION_AUDIENCES:
        raise ConfigError(
            f"private_key_aud = {found['private_key_aud']!r} in {where}: use one of {', '.join(ASSERTION_AUDIENCES)}"
        )


def secret_source(origins: Origins, profile: Mapping[str, Any], where: str, *, required: bool) -> SecretSource:
    """Environment variable > secret file from the environment (both only without an explicit profile) >
    profile file > profile command; kind "none" when there is none and the method needs none."""
    timeout = float(profile.get("secret_command_timeout", 10.0))
    variable, value = _secret_variable(origins)
    if variable:
        origins.note("secret", f"environment {variable}")
        if variable == "RIGHTBRAIN_CLIENT_SECRET":
            return SecretSource("env", variable, value=value)
        return SecretSource("file", os.path.expanduser(value))
    origins.note("secret", origins.in_profile)
    if profile.get("client_secret_file"):
        return SecretSource("file", os.path.expanduser(str(profile["client_secret_file"])))
    if profile.get("client_secret_command"):
        argv = tuple(profile["client_secret_command"])
        return SecretSource("command", argv[0], argv=argv, timeout=timeout)
    if profile.get("client_secret_keyring"):
        return SecretSource("keyring", keyring_entry(str(profile["client_secret_keyring"]), where))
    if not required:
        return SecretSource("none", "")
    sources = "client_secret_file, client_secret_command or client_secret_keyring"
    if origins.explicit:
        raise ConfigError(f"no client secret: set {sources} in {where}{origins.unused_hint(*SECRET_VARIABLES)}")
    variables = "RIGHTBRAIN_CLIENT_SECRET or RIGHTBRAIN_CLIENT_SECRET_FILE"
    raise ConfigError(f"no client secret: set {variables}, or {sources} in {where}")


def _secret_variable(origins: Origins) -> tuple[str, str]:
    """The first secret variable that counts, and its value; ("", "") for none."""
    for variable in SECRET_VARIABLES:
        value = origins.variable(variable)
        if value:
            return variable, value
    return "", ""
