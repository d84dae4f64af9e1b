"""The get-token use case: serve from the shared cache, or refresh under the per-key lock (single flight).

Hit path: fingerprint the credential (token/client_auth.py), read one file, compare with the clock. Everything
that loads requests or filelock is imported below only when a token must be fetched.
"""

from __future__ import annotations

from rightbrain_helper.errors import CacheError, CacheUnavailable, HelperError, LockTimeout
from rightbrain_helper.token.cache import TokenCache, entry_key
from rightbrain_helper.token.client_auth import client_auth_for

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rightbrain_helper.log import Log
    from rightbrain_helper.ports import Clock, Transport, TransportFactory
    from rightbrain_helper.settings.model import Settings
    from rightbrain_helper.token.entry import Token


def default_transport(settings: Settings) -> Transport:
    """The requests-based transport (imports requests), presenting the TLS client certificate if there is one
    (its key checked like the secret file first)."""
    from rightbrain_helper.oauth.transport import RequestsTransport  # noqa: PLC0415
    from rightbrain_helper.token.tls_identity import client_certificate  # noqa: PLC0415

    return RequestsTransport(settings.ca_bundle, client_cert=client_certificate(settings))


class TokenService:
    """Gets tokens for Settings through a cache, a clock and a transport, all passed in."""

    def __init__(self, *, clock: Clock, log: Log, transport_factory: TransportFactory = default_transport) -> None:
        self.clock = clock
        self.log = log
        self.transport_factory = transport_factory

    def get_token(self, settings: Settings, *, force_refresh: bool = False) -> Token:
        """A token with at least the safety margin left: from the cache when it has one, else freshly fetched."""
        if settings.secret.kind == "env":
            self.log.mask(settings.secret.value)
        if not settings.use_cache:
            return self._fetch(settings)
        cache = TokenCache(settings.cache_dir, self.log)
        key = entry_key(settings)
        started = self.clock.now()
        try:
            present = cache.check_directory()  # the same checks as status and clear; CacheError if refused
        except CacheUnavailable as exc:
            self.log.warn(f"{exc}; fetching a token without the cache")
            return self._fetch(settings)
        cached = cache.read(key) if present else None
        if cached is not None and not force_refresh and self._fresh(cached, settings):
            self.log.debug(
                f"cache hit {key[:12]}, usable for {cached.usable_until(settings.min_valid) - started:.0f} s"
            )
            return cached
        return self._refresh(cache, key, settings, started, force_refresh=force_refresh)

    def forget(self, settings: Settings, access_token: str = "") -> bool:
        """Drop the cached entry (only if it holds `access_token`, when given); True if one was dropped. A refused
        `access_token` is dropped from the fleet tier too, so that no machine is handed it again. A dropped token
        is then revoked at the issuer (see revoke). An entry that cannot be removed is a warning; a directory that
        must not be used, a CacheError."""
        shared = False
        if access_token and settings.shared_cache:
            from rightbrain_helper.fleet.admin import forget_shared  # noqa: PLC0415

            shared = forget_shared(settings, access_token, self.log)
        cache = TokenCache(settings.cache_dir, self.log)
        key = entry_key(settings)
        dropped = access_token if shared else ""  # the fleet entry held it: a token of ours
        try:
            cached = cache.read(key) if cache.check_directory() else None
            if cached is not None and not (access_token and cached.access_token != access_token):
                dropped = cached.access_token if cache.remove(key) else dropped
        except CacheUnavailable as exc:
            self.log.warn(f"{exc}; the cached token was not dropped")
        if dropped:
            self.revoke(settings, dropped, fleet_dropped=shared)
        return bool(dropped)

    def revoke(self, settings: Settings, access_token: str, *, fleet_dropped: bool = False) -> bool:
        """Revoke a dropped token at the issuer (RFC 7009, oauth/revoke.py) when `settings` name an issuer and
        `revoke` is on; True if revoked. With a fleet tier, only a token whose fleet entry was dropped too
        (`fleet_dropped`): other machines may still be handed it. Every failure is a warning, never an error."""
        if not (settings.issuer and settings.revoke):
            return False
        if settings.shared_cache and not fleet_dropped:
            self.log.debug("not revoked: the token may still be in the fleet tier, for other machines")
            return False
        from rightbrain_helper.oauth.revoke import revoke  # noqa: PLC0415  (requests loads only here)

        try:
            credential = self._credential(settings)
            transport = self.transport_factory(settings)
        except HelperError as exc:
            self.log.warn(f"the dropped token was not revoked: {exc}")
            return False
        return revoke(settings, access_token, credential, transport, clock=self.clock, log=self.log)

    def _refresh(
        self, cache: TokenCache, key: str, settings: Settings, started: float, *, force_refresh: bool
    ) -> Token:
        """Take the lock, re-read (another process may have refreshed meanwhile), fetch only if still needed."""
        try:
            with cache.lock(key, settings.lock_timeout):
                cached = cache.read(key, quiet=True)
                refreshed_meanwhile = cached is not None and (not force_refresh or cached.obtained_at > started)
                if cached is not None and refreshed_meanwhile and self._fresh(cached, settings):
                    self.log.debug("another process refreshed the token while we waited")
                    return cached
                return self._fetch_and_store(cache, key, settings, cached, started if force_refresh else None)
        except LockTimeout:
            problem = f"cache lock busy for {settings.lock_timeout:g} s (another process refreshing?)"
        except CacheUnavailable as exc:  # raised by taking the lock only: the block handles its own
            problem = str(exc)
        cached = cache.read(key, quiet=True)  # the holder may have finished just as we gave up
        if cached is not None and not force_refresh and self._fresh(cached, settings):
            return cached
        self.log.warn(f"{problem}; fetching without the lock")
        return self._fetch_and_store(cache, key, settings, cached, started if force_refresh else None, warned=True)

    def _fetch_and_store(
        self,
        cache: TokenCache,
        key: str,
        settings: Settings,
        stale: Token | None,
        not_before: float | None = None,
        *,
        warned: bool = False,
    ) -> Token:
        """Fetch (through the fleet tier, if any) and write the entry; on failure serve a stale token that has not
        yet expired, with a warning. `not_before`: with --force-refresh, a fleet entry older than it is no use.
        A write that fails is one warning, or a debug line when the caller has `warned` about the cache already."""
        try:
            token = self._obtain(settings, not_before)
        except HelperError as exc:
            if stale is None or not stale.is_fresh(self.clock.now(), 0):  # expired, or obtained in the future
                raise
            left = stale.expires_at - self.clock.now()
            self.log.warn(f"refresh failed ({exc}); serving the cached token, which expires in {left:.0f} s")
            return stale
        try:
            cache.write(key, token)
        except (CacheUnavailable, CacheError) as exc:
            report = self.log.debug if warned else self.log.warn
            report(f"{exc}; the token is used uncached")
        return token

    def _obtain(self, settings: Settings, not_before: float | None) -> Token:
        """From the fleet tier when `shared_cache` is set (which fetches under its fleet-wide lock), else fetched."""
        if not settings.shared_cache:
            return self._fetch(settings)
        from rightbrain_helper.fleet.tier import obtain_shared  # noqa: PLC0415  (redis-py and cryptography load only here)

        credential = self._credential(settings)
        seal_with = client_auth_for(settings).fleet_secret(settings, credential)  # secret or private key: fleet/seal.py
        self._mask_credential(seal_with)
        return obtain_shared(
            settings,
            seal_with,
            fetch=lambda: self._fetch(settings, credential),
            fresh=lambda token: self._fresh(token, settings),
            clock=self.clock,
            log=self.log,
            not_before=not_before,
        )

    def _fetch(self, settings: Settings, credential: str | None = None) -> Token:
        """One token request through the transport (with retries), authenticated by the client_auth method with
        `credential` (read now when not given: a client assertion is re-read for every fetch), at the token
        endpoint the issuer names if an issuer is set (oauth/issuer.py)."""
        from rightbrain_helper.oauth.fetch import fetch_token  # noqa: PLC0415  (requests and friends load only here)
        from rightbrain_helper.oauth.issuer import fetch_from_issuer  # noqa: PLC0415

        if credential is None:
            credential = self._credential(settings)
        transport = self.transport_factory(settings)
        fetch = fetch_from_issuer if settings.issuer else fetch_token
        token = fetch(settings, credential, transport, self.clock, self.log)
        self.log.mask(token.access_token)
        return token

    def _credential(self, settings: Settings) -> str:
        """The method's credential (secret, private key, assertion; "" for none), read and masked."""
        credential = client_auth_for(settings).credential(settings, self.clock.now())
        self._mask_credential(credential)
        return credential

    def _mask_credential(self, credential: str) -> None:
        """Mask a credential in every form the log could meet it in (secret_forms.credential_masks)."""
        from rightbrain_helper.secret_forms import credential_masks  # noqa: PLC0415  (urllib: a miss only)

        for form in credential_masks(credential):
            self.log.mask(form)

    def _fresh(self, token: Token, settings: Settings) -> bool:
        """Whether `token` still has its safety margin left."""
        return token.is_fresh(self.clock.now(), settings.min_valid)
