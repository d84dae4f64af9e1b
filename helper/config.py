"""Settings from command-line overrides, the environment and a profile of the config file, in that order.

The only core module that reads environment variables. Every complaint names the file, the table, the key
and the fix.
"""

from __future__ import annotations

import os

from . import paths
from .config_file import load_config
from .errors import ConfigError
from .settings import (
    CLIENT_AUTH_METHODS,
    DEFAULT_PROFILE,
    DEFAULT_TOKEN_URL,
    SecretSource,
    Settings,
    normalize_scopes,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

TOP_KEYS = frozenset({"default_profile", "profiles", "hosts"})
STRING_KEYS = frozenset({"token_url", "client_id", "client_secret_file", "client_auth", "audience", "ca_bundle"})
NUMBER_KEYS = frozenset(
    {
        "default_lifetime",
        "min_valid",
        "connect_timeout",
        "read_timeout",
        "deadline",
        "lock_timeout",
        "secret_command_timeout",
    }
)
LIST_KEYS = frozenset({"scope", "resource", "client_secret_command"})
POSITIVE_KEYS = frozenset({"default_lifetime", "connect_timeout", "read_timeout", "deadline", "secret_command_timeout"})
# the fleet tier (docs/fleet-cache.md)
STRING_KEYS |= {"shared_cache", "shared_cache_password_file", "shared_cache_ca_bundle"}
NUMBER_KEYS |= {"shared_cache_timeout"}
POSITIVE_KEYS |= {"shared_cache_timeout"}
PROFILE_KEYS = STRING_KEYS | NUMBER_KEYS | LIST_KEYS | {"extra_params"}
ENV_KEYS = {  # setting -> environment variable
    "token_url": "RIGHTBRAIN_TOKEN_URL",
    "client_id": "RIGHTBRAIN_CLIENT_ID",
    "scope": "RIGHTBRAIN_SCOPE",
    "audience": "RIGHTBRAIN_AUDIENCE",
    "shared_cache": "RIGHTBRAIN_SHARED_CACHE",
    "shared_cache_password_file": "RIGHTBRAIN_SHARED_CACHE_PASSWORD_FILE",
}


class Overrides:
    """What the command line (or a tool adapter) asks for; empty means "not given"."""

    __slots__ = ("audience", "profile", "scope", "use_cache")

    def __init__(self, *, profile: str = "", scope: str = "", audience: str = "", use_cache: bool = True) -> None:
        self.profile = profile
        self.scope = scope
        self.audience = audience
        self.use_cache = use_cache


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
    """Resolve one profile into Settings: flags > environment > profile > defaults."""
    name, profile = _select_profile(context, overrides.profile)
    where = f"[profiles.{name}] of {context.path}"
    _check_profile(profile, where)
    env = context.env

    def pick(key: str, default: Any = "") -> Any:
        """Environment variable if set, else the profile's value, else the default."""
        variable = ENV_KEYS.get(key)
        if variable and env.get(variable):
            return env[variable]
        return profile.get(key, default)

    client_id = pick("client_id")
    if not client_id:
        raise ConfigError(f"no client id: set RIGHTBRAIN_CLIENT_ID or client_id in {where}")
    client_auth = profile.get("client_auth", "basic")
    if client_auth not in CLIENT_AUTH_METHODS:
        raise ConfigError(f"client_auth = {client_auth!r} in {where}: use one of {', '.join(CLIENT_AUTH_METHODS)}")
    return Settings(
        profile=name,
        token_url=pick("token_url", DEFAULT_TOKEN_URL),
        client_id=client_id,
        secret=_secret_source(env, profile, where),
        client_auth=client_auth,
        scopes=normalize_scopes(overrides.scope or pick("scope", [])),
        audience=overrides.audience or pick("audience"),
        resources=tuple(_as_list(profile.get("resource", []))),
        extra_params=tuple(sorted(profile.get("extra_params", {}).items())),
        default_lifetime=int(profile.get("default_lifetime", 3600)),
        min_valid=int(profile.get("min_valid", 60)),
        ca_bundle=profile.get("ca_bundle", ""),
        connect_timeout=float(profile.get("connect_timeout", 5.0)),
        read_timeout=float(profile.get("read_timeout", 15.0)),
        deadline=float(profile.get("deadline", 30.0)),
        lock_timeout=float(profile.get("lock_timeout", 10.0)),
        cache_dir=context.cache_dir,
        use_cache=overrides.use_cache,
        **_shared_cache_settings(pick, profile, where),
    )


def _select_profile(context: ConfigContext, requested: str) -> tuple[str, Mapping[str, Any]]:
    """The profile's name and table; a named profile that does not exist is an error, "default" may be empty."""
    profiles = context.table.get("profiles", {})
    if not isinstance(profiles, dict):
        raise ConfigError(f"config file {context.path}: 'profiles' must be a table of [profiles.NAME] tables")
    name = requested or context.env.get("RIGHTBRAIN_PROFILE", "") or context.table.get("default_profile", "")
    name = name or DEFAULT_PROFILE
    profile = profiles.get(name)
    if profile is None:
        if name != DEFAULT_PROFILE:
            known = ", ".join(sorted(profiles)) or "none"
            raise ConfigError(f"profile {name!r} is not in {context.path} (profiles there: {known})")
        profile = {}
    if not isinstance(profile, dict):
        raise ConfigError(f"config file {context.path}: profiles.{name} must be a table")
    return name, profile


def _check_profile(profile: Mapping[str, Any], where: str) -> None:
    """Every key known, every value of the right type and range."""
    if "client_secret" in profile:
        raise ConfigError(
            f"client_secret in {where}: secrets do not belong in the config file; "
            "use client_secret_file, client_secret_command or RIGHTBRAIN_CLIENT_SECRET"
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
        ok = isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
        ok = ok and (key not in POSITIVE_KEYS or value > 0)
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


def _expected_kind(key: str) -> str:
    """The fix for a key without a specific hint: the kind of value it takes."""
    if key in NUMBER_KEYS:
        least = "more than 0" if key in POSITIVE_KEYS else "0 or more"
        return f"use a number of seconds, {least} (e.g. {key} = 10)"
    return f'use a string, e.g. {key} = "..."'


def _as_list(value: str | list[str]) -> list[str]:
    """A string setting that may also be given as a list."""
    return [value] if isinstance(value, str) else list(value)


def _secret_source(env: Mapping[str, str], profile: Mapping[str, Any], where: str) -> SecretSource:
    """Environment variable > secret file from the environment > profile file > profile command."""
    timeout = float(profile.get("secret_command_timeout", 10.0))
    if env.get("RIGHTBRAIN_CLIENT_SECRET"):
        return SecretSource("env", "RIGHTBRAIN_CLIENT_SECRET", value=env["RIGHTBRAIN_CLIENT_SECRET"])
    if env.get("RIGHTBRAIN_CLIENT_SECRET_FILE"):
        return SecretSource("file", os.path.expanduser(env["RIGHTBRAIN_CLIENT_SECRET_FILE"]))
    if profile.get("client_secret_file"):
        return SecretSource("file", os.path.expanduser(str(profile["client_secret_file"])))
    if profile.get("client_secret_command"):
        argv = tuple(profile["client_secret_command"])
        return SecretSource("command", argv[0], argv=argv, timeout=timeout)
    raise ConfigError(
        f"no client secret: set RIGHTBRAIN_CLIENT_SECRET or RIGHTBRAIN_CLIENT_SECRET_FILE, "
        f"or client_secret_file or client_secret_command in {where}"
    )


def _shared_cache_settings(pick: Callable[[str], Any], profile: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The fleet tier's settings (docs/fleet-cache.md). Only the scheme is checked here, without urllib (this runs
    on cache hits); the rest when the tier is first used. The URL may hold a password: never echo it."""
    url = str(pick("shared_cache"))
    if url and not url.startswith(("redis://", "rediss://")):
        raise ConfigError(
            f"shared_cache (RIGHTBRAIN_SHARED_CACHE or {where}) must be a redis:// or rediss:// URL, "
            'e.g. shared_cache = "rediss://redis.example.com:6379/0"'
        )
    password_file = str(pick("shared_cache_password_file"))
    return {
        "shared_cache": url,
        "shared_cache_password_file": os.path.expanduser(password_file) if password_file else "",
        "shared_cache_timeout": float(profile.get("shared_cache_timeout", 0.5)),
        "shared_cache_ca_bundle": str(profile.get("shared_cache_ca_bundle", "")),
    }
