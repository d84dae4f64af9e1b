"""The Python API: access tokens from the same shared cache the command-line tools use.

    from rightbrain_helper import get_token, BearerAuth
    token = get_token()                              # .access_token, .expires_at (epoch seconds), .scope
    requests.get(url, auth=BearerAuth())             # Authorization: Bearer ...; on a 401, one retry, fresh token

Settings come from the environment and the config file exactly as for `rightbrain-helper token` (the config file
is read once per process). Each (profile, scope, audience) has one TokenSource per process, shared by every
get_token call and every BearerAuth for it: it keeps the token in memory while it is fresh, so a request costs no
file read, and a lock makes threads that need a new token wait for one fetch instead of each making one.

Errors raised (all rightbrain_helper.errors.HelperError): ConfigError (no client id, bad config file, unusable
secret source), TokenEndpointRejected (the issuer refused), TokenEndpointUnavailable (network, timeout, 5xx or 429
after every retry), CacheError (the cache directory is unsafe). Warnings go to stderr as one line, as for the CLI.
"""

from __future__ import annotations

import threading

from rightbrain_helper.runtime import Runtime
from rightbrain_helper.settings.load import Overrides

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from rightbrain_helper.settings.model import Settings
    from rightbrain_helper.token.entry import Token


class TokenSource:
    """Tokens for one (profile, scope, audience) through a Runtime; safe to share between threads."""

    def __init__(self, overrides: Overrides, runtime: Runtime) -> None:
        self.overrides = overrides
        self.runtime = runtime
        self._lock = threading.Lock()
        self._settings: Settings | None = None
        self._token: Token | None = None

    def token(self) -> Token:
        """A token with at least the profile's `min_valid` seconds left: the one in memory, the shared cache's, or a
        new one (one fetch however many threads ask at once). Raises HelperError (see the module docstring)."""
        with self._lock:
            settings = self._load_settings()
            held = self._token
            if held is not None and self.runtime.clock.now() < held.usable_until(settings.min_valid):
                return held
            self._token = self.runtime.service.get_token(settings)
            return self._token

    def reject(self, access_token: str) -> None:
        """A server refused `access_token` (HTTP 401): forget it here and in the shared cache, so the next token()
        fetches a new one. A token that was already replaced (another thread saw the 401 first) is left alone."""
        with self._lock:
            if self._token is not None and self._token.access_token == access_token:
                self._token = None
            self.runtime.service.forget(self._load_settings(), access_token)

    def _load_settings(self) -> Settings:
        """The settings, resolved on first use (so constructing an auth object never fails); lock held."""
        if self._settings is None:
            self._settings = self.runtime.settings(self.overrides)
        return self._settings


class _Shared:
    """The process-wide Runtime and TokenSources, created on first use."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.runtime: Runtime | None = None
        self.sources: dict[tuple[str, str, str], TokenSource] = {}

    def source(self, profile: str | None, scope: str | Iterable[str] | None, audience: str | None) -> TokenSource:
        """The one TokenSource for these arguments."""
        scopes = scope if isinstance(scope, str) or scope is None else " ".join(scope)
        key = (profile or "", " ".join(sorted(set((scopes or "").split()))), audience or "")
        with self.lock:
            if self.runtime is None:
                self.runtime = Runtime()
            found = self.sources.get(key)
            if found is None:
                overrides = Overrides(profile=key[0], scope=key[1], audience=key[2])
                found = self.sources[key] = TokenSource(overrides, self.runtime)
            return found


_shared = _Shared()


def token_source(
    profile: str | None = None, *, scope: str | Iterable[str] | None = None, audience: str | None = None
) -> TokenSource:
    """The process-wide TokenSource for (profile, scope, audience); what get_token and BearerAuth use."""
    return _shared.source(profile, scope, audience)


def get_token(
    profile: str | None = None, *, scope: str | Iterable[str] | None = None, audience: str | None = None
) -> Token:
    """An access token for `profile` (default: RIGHTBRAIN_PROFILE, the config's default_profile, "default"),
    narrowed to `scope` (a space-separated string or an iterable of scopes; default: the profile's) and `audience`.

    Returns a Token: `.access_token` (str), `.expires_at` (float, Unix epoch seconds), `.scope` (str, the granted
    scopes, space-separated; "" when the issuer named none), `.token_type`. It has at least the profile's
    `min_valid` seconds (default 60) left. Raises HelperError subclasses (see the module docstring).
    """
    return token_source(profile, scope=scope, audience=audience).token()
