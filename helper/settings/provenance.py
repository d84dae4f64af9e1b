"""Which source each setting comes from, by the rule botocore uses for profiles, and the --verbose report of it.

The rule: command-line flags beat everything. A profile chosen explicitly (--profile, a host entry's `profile`,
the kubeconfig's `--profile` argument, or RIGHTBRAIN_PROFILE) describes the client on its own: the identity
variables below are then ignored, so a RIGHTBRAIN_CLIENT_ID still exported from a quick start can never send one
issuer another issuer's client, or its secret. Without an explicit profile (the default one, or the file's
`default_profile`) each identity variable that is set overrides the profile's key. General variables (config
file, cache directory, verbosity, hosts) apply either way. docs/configuration.md has the table.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from rightbrain_helper.settings.model import Settings

IDENTITY_VARIABLES = {  # setting -> environment variable; ignored when the profile was chosen explicitly
    "token_url": "RIGHTBRAIN_TOKEN_URL",
    "issuer": "RIGHTBRAIN_ISSUER",
    "client_id": "RIGHTBRAIN_CLIENT_ID",
    "scope": "RIGHTBRAIN_SCOPE",
    "audience": "RIGHTBRAIN_AUDIENCE",
}
SECRET_VARIABLES = ("RIGHTBRAIN_CLIENT_SECRET", "RIGHTBRAIN_CLIENT_SECRET_FILE")  # identity too
DEFAULT = "default"
REPORTED = (  # settings --verbose reports, in this order (the secret is reported by its source only)
    "token_url",
    "issuer",
    "client_id",
    "client_auth",
    "scope",
    "audience",
    "resource",
    "extra_params",
    "private_key_file",
    "private_key_alg",
    "private_key_kid",
    "private_key_aud",
    "client_assertion_file",
    "tls_client_cert",
    "tls_client_key",
    "ca_bundle",
    "default_lifetime",
    "min_valid",
    "connect_timeout",
    "read_timeout",
    "deadline",
    "lock_timeout",
    "discovery_lifetime",
    "revoke",
)


class Origins:
    """The sources of one profile's settings: `pick` applies the rule and remembers where each value came from.

    `chosen_by` says what selected the profile ("--profile", "environment RIGHTBRAIN_PROFILE", ...); `explicit`
    is whether that choice shuts out the identity variables.
    """

    __slots__ = ("chosen_by", "env", "explicit", "ignored", "in_profile", "name", "profile", "recorded")

    def __init__(
        self,
        env: Mapping[str, str],
        profile: Mapping[str, Any],
        *,
        name: str,
        path: str,
        chosen_by: str,
        explicit: bool,
    ) -> None:
        self.env = env
        self.profile = profile
        self.name = name
        self.in_profile = f"profile {name} in {path}"
        self.chosen_by = chosen_by
        self.explicit = explicit
        self.recorded: dict[str, str] = {}
        self.ignored: list[str] = []

    def pick(self, key: str, default: Any = "", flag: Any = "", flag_origin: str = "") -> Any:
        """The flag's value if given, else the identity variable (unless the profile is explicit), else the
        profile's value, else `default`; the source is recorded under `key`."""
        if flag:
            self.recorded[key] = flag_origin or "the command line"
            return flag
        value = self.variable(IDENTITY_VARIABLES.get(key, ""))
        if value:
            self.recorded[key] = f"environment {IDENTITY_VARIABLES[key]}"
            return value
        if key in self.profile:
            self.recorded[key] = self.in_profile
            return self.profile[key]
        self.recorded[key] = DEFAULT
        return default

    def variable(self, name: str) -> str:
        """An identity variable's value, or "" when unset or shut out by an explicitly chosen profile."""
        value = self.env.get(name, "") if name else ""
        if value and self.explicit:
            if name not in self.ignored:
                self.ignored.append(name)
            return ""
        return value

    def note(self, key: str, origin: str) -> None:
        """Record the source of a setting resolved elsewhere (the client secret)."""
        self.recorded[key] = origin

    def unused_hint(self, *names: str) -> str:
        """' (NAME is not used: ...)' when one of `names` is set but shut out, for error messages; else ""."""
        shut_out = [name for name in names if self.explicit and self.env.get(name)]
        if not shut_out:
            return ""
        return f" ({', '.join(shut_out)} not used: the profile was chosen by {self.chosen_by})"

    def report(self, settings: Settings, config_path: str) -> list[str]:
        """One line per setting with its source; never the secret (only where it comes from)."""
        config_origin = "environment RIGHTBRAIN_CONFIG" if self.env.get("RIGHTBRAIN_CONFIG") else DEFAULT
        cache_origin = "environment RIGHTBRAIN_CACHE_DIR" if self.env.get("RIGHTBRAIN_CACHE_DIR") else DEFAULT
        missing = "" if os.path.exists(config_path) else ", no such file"
        lines = [
            f"config file {config_path} {_from(config_origin)}{missing}",
            f"profile {self.name} {_from(self.chosen_by)}",
        ]
        for key in REPORTED:
            origin = self.recorded.get(key) or (self.in_profile if key in self.profile else DEFAULT)
            lines.append(f"{key} = {_shown(key, settings)} {_from(origin)}")
        lines.append(_secret_line(settings, self.recorded.get("secret", DEFAULT)))
        lines.append(f"cache_dir = {settings.cache_dir} {_from(cache_origin)}")
        lines += [f"{name} is set but not used: the profile was chosen by {self.chosen_by}" for name in self.ignored]
        return [f"setting {line}" for line in lines]


def _secret_line(settings: Settings, origin: str) -> str:
    """Where the client secret is read from; never the secret."""
    secret = settings.secret
    if secret.kind == "none":
        return f"client secret (none; client_auth {settings.client_auth} needs none)"
    places = {"file": f" in file {secret.origin}", "command": f" printed by {secret.origin}"}
    places["keyring"] = f" in the keyring as {secret.origin}"
    place = places.get(secret.kind, "")
    return f"client secret (not shown){place} {_from(origin)}"


def _from(origin: str) -> str:
    """'(default)' or '(from ORIGIN)'."""
    return "(default)" if origin == DEFAULT else f"(from {origin})"


def _shown(key: str, settings: Settings) -> str:
    """How a setting is shown in the report: extra_params by name only (their values may be sensitive), whole
    numbers without a fraction (60, not 60.0)."""
    if key == "scope":
        return settings.scope or "(none)"
    if key == "resource":
        return " ".join(settings.resources) or "(none)"
    if key == "extra_params":
        return ", ".join(name for name, _ in settings.extra_params) or "(none)"
    value = getattr(settings, key)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # numeric settings are floats since they may be fractional; 60, as written
    return str(value) if value != "" else "(none)"
