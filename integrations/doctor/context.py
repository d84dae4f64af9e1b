"""Doctor: what the checks share, each part made once on first use and kept, failure included.

A part that cannot be made raises the same HelperError to every check that asks; the check that owns the part
(setup.py for the config, the profile and the secret) reports it as a failure, the others skip what needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar, cast

from rightbrain_helper.errors import HelperError
from rightbrain_helper.secret_forms import credential_masks
from rightbrain_helper.settings.hosts import configured_hosts
from rightbrain_helper.settings.load import resolve_settings
from rightbrain_helper.token.client_auth import client_auth_for

if TYPE_CHECKING:
    from collections.abc import Callable

    from rightbrain_helper.runtime import Runtime
    from rightbrain_helper.settings.hosts import HostEntry
    from rightbrain_helper.settings.load import ConfigContext, Overrides
    from rightbrain_helper.settings.model import Settings
    from rightbrain_helper.settings.provenance import Origins

    from .endpoint import Probe

Part = TypeVar("Part")


class Doctor:
    """The runtime and the command line's overrides, and what is loaded from them for the checks.

    `served` is filled by the tool checks: host-list entry name -> the tools whose own configuration sends that
    host to this helper; hostlist_use.py reports the entries nobody uses."""

    def __init__(self, runtime: Runtime, overrides: Overrides) -> None:
        self.runtime = runtime
        self.overrides = overrides
        self.served: dict[str, list[str]] = {}
        self._made: dict[str, tuple[object, HelperError | None]] = {}

    @property
    def env(self) -> dict[str, str]:
        """The environment the tools' config is found with (HOME, PATH, GIT_CONFIG_GLOBAL, DOCKER_CONFIG...)."""
        return dict(self.runtime.env)

    def config(self) -> ConfigContext:
        """The config file and cache directory; HelperError (ConfigError, CacheError) when they cannot be loaded."""
        return self._once("config", self.runtime.context)

    def hosts(self) -> list[HostEntry]:
        """Every host-list entry (config file, then RIGHTBRAIN_HOSTS); ConfigError for a malformed [hosts]."""
        return self._once("hosts", lambda: configured_hosts(self.config()))

    def resolved(self) -> tuple[Settings, Origins]:
        """The profile's settings and where each came from (with --verbose, on stderr); HelperError when they do
        not resolve."""
        return self._once("settings", self._resolve)

    def settings(self) -> Settings:
        """The profile's settings (see resolved)."""
        return self.resolved()[0]

    def secret(self) -> str:
        """The client_auth method's credential (the client secret, a private key, a client assertion; "" for
        tls_client_auth), read once; every form of it is masked from all output from then on."""
        return self._once("secret", self._read_secret)

    def probe(self) -> Probe:
        """The one token request doctor makes (endpoint.py); HelperError when it cannot be made (no secret)."""
        from .endpoint import probe_token_endpoint  # noqa: PLC0415  (loads requests)

        return self._once("probe", lambda: probe_token_endpoint(self.token_settings(), self.secret(), self.runtime))

    def token_settings(self) -> Settings:
        """The settings the token request goes out with: the profile's; with an issuer, carrying the metadata
        discovered now (issuer.py), their token_url the endpoint the issuer names. HelperError when the profile
        does not resolve or discovery fails."""
        from .issuer import discovered  # noqa: PLC0415

        return self._once("token settings", lambda: discovered(self.settings(), self.runtime))

    def serve(self, name: str, tool: str) -> None:
        """Note that `tool`'s configuration sends host-list entry `name` to this helper."""
        tools = self.served.setdefault(name, [])
        if tool not in tools:
            tools.append(tool)

    def _resolve(self) -> tuple[Settings, Origins]:
        """resolve_settings, and the --verbose report of where each setting came from."""
        context = self.config()
        settings, origins = resolve_settings(context, self.overrides)
        if self.runtime.log.verbose:
            for line in origins.report(settings, context.path):
                self.runtime.log.debug(line)
        return settings, origins

    def _read_secret(self) -> str:
        """The method's credential, then masked in every form a request carries it in (a PEM key line by line)."""
        settings = self.settings()
        credential = client_auth_for(settings).credential(settings, self.runtime.clock.now())
        for form in credential_masks(credential):
            self.runtime.log.mask(form)
        return credential

    def _once(self, name: str, make: Callable[[], Part]) -> Part:
        """The part called `name`, made on first use; its HelperError raised again on every later use."""
        if name not in self._made:
            try:
                self._made[name] = (make(), None)
            except HelperError as exc:
                self._made[name] = (None, exc)
        value, error = self._made[name]
        if error is not None:
            raise error
        return cast("Part", value)
