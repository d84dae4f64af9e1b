"""Settings from command-line overrides, the environment and a profile of the config file.

The only core module that reads environment variables. Which source wins for which setting is the rule in
provenance.py (flags > an explicitly chosen profile > identity variables > the default profile > defaults).
Every complaint names the file, the table, the key and the fix.
"""

from __future__ import annotations

import os

from rightbrain_helper.errors import ConfigError
from rightbrain_helper.settings import paths
from rightbrain_helper.settings.credentials import CREDENTIAL_KEYS, credential_settings
from rightbrain_helper.settings.file import load_config
from rightbrain_helper.settings.issuer import issuer_settings
from rightbrain_helper.settings.model import (
    DEFAULT_PROFILE,
    Settings,
    normalize_scopes,
)
from rightbrain_helper.settings.provenance import Origins

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

TOP_KEYS = frozenset({"default_profile", "profiles", "hosts"})
STRING_KEYS = frozenset({"token_url", "client_id", "client_secret_file", "client_auth", "audience", "ca_bundle"})
# the fleet tier (docs/fleet-cache.md)
STRING_KEYS |= {"shared_cache", "shared_cache_password_file", "shared_cache_ca_bundle"}
STRING_KEYS |= CREDENTIAL_KEYS  # private key, client assertion and client certificate (docs/client-auth.md)
POSITIVE_KEYS = frozenset(
    {"connect_timeout", "read_timeout", "deadline", "secret_command_timeout", "shared_cache_timeout"}
)  # not 0 either
YEAR = 366 * 86400  # the longest token lifetime the cache keeps (entry.MAX_LIFETIME)
NUMBER_LIMITS = {  # key -> (least, most) seconds: finite, and sane for a helper run inside other tools
    "default_lifetime": (1, YEAR),  # a shorter lifetime would hand out tokens already expired
    "min_valid": (0, YEAR),
    "connect_timeout": (0, 3600),
    "read_timeout": (0, 3600),
    "deadline": (0, 3600),
    "lock_timeout": (0, 3600),
    "secret_command_timeout": (0, 3600),
    "shared_cache_timeout": (0, 60),  # per Redis operation
}
# issuers, revocation and keyring secrets (docs/issuers.md)
STRING_KEYS |= {"issuer", "client_secret_keyring"}
NUMBER_LIMITS["discovery_lifetime"] = (0, YEAR)  # 0: discover on every token request
BOOL_KEYS = frozenset({"revoke"})
NUMBER_KEYS = frozenset(NUMBER_LIMITS)
LIST_KEYS = frozenset({"scope", "resource", "client_secret_command"})
PROFILE_KEYS = STRING_KEYS | NUMBER_KEYS | LIST_KEYS | BOOL_KEYS | {"extra_params"}


class Overrides:
    """What the command line (or a tool adapter) asks for; empty means "not given". `origin` names where they
    were given, for --verbose ("--profile" for the command line, a host entry for an adapter)."""

    __slots__ = ("audience", "origin", "profile", "scope", "use_cache")

    def __init__(
        self, *, profile: str = "", scope: str = "", audience: str = "", use_cache: bool = True, origin: str = ""
    ) -> None:
        self.profile = profile
        self.scope = scope
        self.audience = audience
        self.use_cache = use_cache
        self.origin = origin or "the command line"


class ConfigContext:
    """The loaded config file and the environment, from which settings for any profile can be made."""

    __slots__ = ("cache_dir", "env", "path", "table")

    def __init__(self, env: Mapping[str, str], path: str, table: Mapping[str, Any], cache_dir: str) -> None:
        self.env = env
        self.path = path
        self.table = table
        self.cache_dir = cache_dir


def load_context(env: Mapping[str, str]) -> ConfigContext:
    """Find and read the config file (if any) and the cache directory."""
    cache_dir = paths.cache_dir(env)
    path, explicit = paths.config_file(env)
    table = load_config(path, explicit=explicit, snapshot_dir=cache_dir)
    for key in table:
        if key not in TOP_KEYS:
            raise ConfigError(f"config file {path}: unknown top-level key {key!r}; expected one of {sorted(TOP_KEYS)}")
    if not isinstance(table.get("default_profile", ""), str):
        raise ConfigError(f'config file {path}: default_profile must be a string, e.g. default_profile = "work"')
    return ConfigContext(env=env, path=path, table=table, cache_dir=cache_dir)


def load_settings(context: ConfigContext, overrides: Overrides) -> Settings:
    """Resolve one profile into Settings (see resolve_settings)."""
    return resolve_settings(context, overrides)[0]


def resolve_settings(context: ConfigContext, overrides: Overrides) -> tuple[Settings, Origins]:
    """Resolve one profile into Settings, and where each setting came from (provenance.py has the rule)."""
    origins = select_profile(context, overrides)
    profile, name = origins.profile, origins.name
    where = f"[profiles.{name}] of {context.path}"
    _check_profile(profile, where)
    pick = origins.pick

    client_id = pick("client_id")
    if not client_id:
        raise ConfigError(f"no client id: {_how_to_set('client_id', origins, where)}")
    shared_cache = _shared_cache_settings(context.env, profile, where)
    settings = Settings(
        profile=name,
        client_id=client_id,
        scopes=normalize_scopes(pick("scope", [], overrides.scope, overrides.origin)),
        audience=pick("audience", "", overrides.audience, overrides.origin),
        resources=tuple(_as_list(profile.get("resource", []))),
        extra_params=tuple(sorted(profile.get("extra_params", {}).items())),
        default_lifetime=float(profile.get("default_lifetime", 3600)),
        min_valid=float(profile.get("min_valid", 60)),
        ca_bundle=profile.get("ca_bundle", ""),
        connect_timeout=float(profile.get("connect_timeout", 5.0)),
        read_timeout=float(profile.get("read_timeout", 15.0)),
        deadline=float(profile.get("deadline", 30.0)),
        lock_timeout=float(profile.get("lock_timeout", 10.0)),
        cache_dir=context.cache_dir,
        use_cache=overrides.use_cache,
        **shared_cache,
        **issuer_settings(origins, profile, where),
        **credential_settings(origins, profile, where, shared_cache["shared_cache"]),
    )
    return settings, origins


def select_profile(context: ConfigContext, overrides: Overrides) -> Origins:
    """The profile (name, table, what chose it) as the Origins that resolve its settings; a named profile that
    does not exist is an error, "default" may be empty."""
    profiles = context.table.get("profiles", {})
    if not isinstance(profiles, dict):
        raise ConfigError(f"config file {context.path}: 'profiles' must be a table of [profiles.NAME] tables")
    name, chosen_by, explicit = _profile_choice(context, overrides)
    profile = profiles.get(name)
    if profile is None:
        if name != DEFAULT_PROFILE:
            known = ", ".join(sorted(profiles)) or "none"
            raise ConfigError(f"profile {name!r} is not in {context.path} (profiles there: {known})")
        profile = {}
    if not isinstance(profile, dict):
        raise ConfigError(f"config file {context.path}: profiles.{name} must be a table")
    return Origins(context.env, profile, name=name, path=context.path, chosen_by=chosen_by, explicit=explicit)


def _profile_choice(context: ConfigContext, overrides: Overrides) -> tuple[str, str, bool]:
    """(profile name, what chose it, whether that choice is explicit): the flag (or host entry), else
    RIGHTBRAIN_PROFILE (both explicit), else the file's default_profile, else "default"."""
    if overrides.profile:
        return overrides.profile, overrides.origin, True
    if context.env.get("RIGHTBRAIN_PROFILE"):
        return context.env["RIGHTBRAIN_PROFILE"], "environment RIGHTBRAIN_PROFILE", True
    if context.table.get("default_profile"):
        return context.table["default_profile"], f"default_profile in {context.path}", False
    return DEFAULT_PROFILE, "default", False


def _how_to_set(key: str, origins: Origins, where: str) -> str:
    """The fix for a missing client id: the profile key, and the variable when it would count."""
    if origins.explicit:
        return f"set {key} in {where}" + origins.unused_hint("RIGHTBRAIN_CLIENT_ID")
    return f"set RIGHTBRAIN_CLIENT_ID or {key} in {where}"


def _check_profile(profile: Mapping[str, Any], where: str) -> None:
    """Every key known, every value of the right type and range."""
    if "client_secret" in profile:
        raise ConfigError(
            f"client_secret in {where}: secrets do not belong in the config file; "
            "use client_secret_file, client_secret_command, client_secret_keyring or RIGHTBRAIN_CLIENT_SECRET"
        )
    for key, value in profile.items():
        if key not in PROFILE_KEYS:
            raise ConfigError(f"unknown key {key!r} in {where}; known keys: {', '.join(sorted(PROFILE_KEYS))}")
        _check_value(key, value, where)


def _check_value(key: str, value: Any, where: str) -> None:
    """Raise ConfigError when `value` has the wrong type or range for `key`."""
    ok = True
    if key in STRING_KEYS:
        ok = isinstance(value, str)
    elif key in NUMBER_KEYS:
        ok = is_number_in_range(key, value)
    elif key in BOOL_KEYS:
        ok = isinstance(value, bool)
    elif key == "client_secret_command":
        ok = isinstance(value, list) and bool(value) and all(isinstance(item, str) for item in value)
    elif key in LIST_KEYS:
        ok = isinstance(value, str) or (isinstance(value, list) and all(isinstance(item, str) for item in value))
    elif key == "extra_params":
        ok = isinstance(value, dict) and all(isinstance(item, str) for item in value.values())
    if not ok:
        raise ConfigError(f"{key} in {where} has the wrong type or range; {_EXPECTED.get(key) or _expected_kind(key)}")


_EXPECTED = {
    "client_secret_command": 'use an argv list such as ["pass", "show", "rightbrain/client"] (no shell)',
    "scope": 'use a string ("read write") or a list of strings',
    "resource": "use a URI string or a list of URI strings",
    "extra_params": 'use a table of strings, e.g. extra_params = { organization = "acme" }',
}


def is_number_in_range(key: str, value: object) -> bool:
    """Whether `value` is a number (not a bool) within NUMBER_LIMITS[key]: NaN, infinity, a huge integer and a
    negative number are not; nor 0 for a POSITIVE_KEYS key. Compared before any conversion, so never overflows."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    least, most = NUMBER_LIMITS[key]
    return least <= value <= most and (key not in POSITIVE_KEYS or value > 0)


def _expected_kind(key: str) -> str:
    """The fix for a key without a specific hint: the kind of value it takes."""
    if key in NUMBER_KEYS:
        least, most = NUMBER_LIMITS[key]
        lowest = "more than 0" if key in POSITIVE_KEYS else f"at least {least}"
        return f"use a number of seconds, {lowest} and at most {most} (e.g. {key} = 10)"
    if key in BOOL_KEYS:
        return f"use true or false, e.g. {key} = false"
    return f'use a string, e.g. {key} = "..."'


def _as_list(value: str | list[str]) -> list[str]:
    """A string setting that may also be given as a list."""
    return [value] if isinstance(value, str) else list(value)


def _shared_cache_settings(env: Mapping[str, str], profile: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The fleet tier's settings (docs/fleet-cache.md). Only the scheme is checked here, without urllib (this runs
    on cache hits); the rest when the tier is first used. The URL may hold a password: never echo it. The
    variables are general ones (infrastructure, not the client's identity): they apply whichever profile is chosen."""
    url = str(_general(env, "RIGHTBRAIN_SHARED_CACHE", profile, "shared_cache"))
    if url and not url.startswith(("redis://", "rediss://")):
        raise ConfigError(
            f"shared_cache (RIGHTBRAIN_SHARED_CACHE or {where}) must be a redis:// or rediss:// URL, "
            'e.g. shared_cache = "rediss://redis.example.com:6379/0"'
        )
    password_file = str(_general(env, "RIGHTBRAIN_SHARED_CACHE_PASSWORD_FILE", profile, "shared_cache_password_file"))
    return {
        "shared_cache": url,
        "shared_cache_password_file": os.path.expanduser(password_file) if password_file else "",
        "shared_cache_timeout": float(profile.get("shared_cache_timeout", 0.5)),
        "shared_cache_ca_bundle": str(profile.get("shared_cache_ca_bundle", "")),
    }


def _general(env: Mapping[str, str], variable: str, profile: Mapping[str, Any], key: str) -> Any:
    """A general setting: the environment variable when set, else the profile's key, else ""."""
    return env.get(variable) or profile.get(key, "")
