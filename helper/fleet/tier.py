"""What a local cache miss does when `shared_cache` is set: the fleet tier's single-flight refresh.

The caller (service.py) already holds the local file lock, so one process per machine contends fleet-wide:

    GET the sealed entry; a token with its safety margin left -> adopt it (tier "fleet")
    else take the fleet lock (SET NX PX, lease = deadline + margin, wait <= lock_timeout), GET again,
    fetch from the issuer, SET the sealed entry PX (time to the token's expiry), release the lock (Lua)

Redis is never needed for success: its first failure ends the tier's part in this call with one warning line,
and the token comes from the issuer as if there were no second tier. Issuer errors pass through unchanged, so
the caller's stale-if-error rule holds as before.
"""

from __future__ import annotations

from rightbrain_helper.errors import ConfigError
from rightbrain_helper.fleet.address import parse_address
from rightbrain_helper.token.entry import Token, decode, encode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from rightbrain_helper.fleet.seal import SealedSlot
    from rightbrain_helper.fleet.store import FleetLock, RedisStore
    from rightbrain_helper.log import Log
    from rightbrain_helper.ports import Clock
    from rightbrain_helper.settings.model import Settings

MISSING_EXTRA = (
    "shared_cache is set but the redis extra is not installed ({module} is missing): "
    "pip install 'rightbrain-credential-helper[redis]', or remove shared_cache"
)
LEASE_MARGIN_SECONDS = 2.0
MAX_TTL_MS = 30 * 24 * 3600 * 1000  # Redis refuses absurd expiry times; a month is more than any token needs


class FleetTier:
    """The fleet entry of one settings and credential: the server's address, the entry's slot, a connection.

    Raises ConfigError (one line, no password) when the extra is missing or the URL or password file is bad;
    connects lazily, so building one costs no network."""

    def __init__(self, settings: Settings, credential: str, log: Log) -> None:
        self.address = parse_address(settings)
        log.mask(self.address.password)
        try:
            from rightbrain_helper.fleet.seal import slot_for  # noqa: PLC0415  (cryptography loads only with a fleet tier)
            from rightbrain_helper.fleet.store import RedisStore  # noqa: PLC0415  (and redis-py)
        except ImportError as exc:
            raise ConfigError(MISSING_EXTRA.format(module=(exc.name or "a module").partition(".")[0])) from None
        self.slot: SealedSlot = slot_for(settings, credential)
        self.store: RedisStore = RedisStore(self.address, settings.shared_cache_timeout)

    def where(self) -> str:
        """The redacted URL, for messages."""
        return f"shared cache {self.address.redacted}"


def obtain_shared(
    settings: Settings,
    credential: str,
    *,
    fetch: Callable[[], Token],
    fresh: Callable[[Token], bool],
    clock: Clock,
    log: Log,
    not_before: float | None = None,
) -> Token:
    """A token from the fleet tier, or from `fetch` (the issuer) shared through it. `fresh` says whether a
    token still has its safety margin; with `not_before` (--force-refresh) only entries obtained after it count.
    Raises what `fetch` raises, and ConfigError for a bad fleet configuration; never a Redis failure."""
    tier = FleetTier(settings, credential, log)
    try:
        return _Call(tier, settings, fetch, fresh, clock, log, not_before).run()
    finally:
        tier.store.close()


class _Call:
    """One local miss's dealings with the tier: at most one warning, no Redis after the first failure."""

    def __init__(  # noqa: PLR0917
        self,
        tier: FleetTier,
        settings: Settings,
        fetch: Callable[[], Token],
        fresh: Callable[[Token], bool],
        clock: Clock,
        log: Log,
        not_before: float | None,
    ) -> None:
        self.tier, self.settings, self.clock, self.log = tier, settings, clock, log
        self.fetch, self.fresh, self.not_before = fetch, fresh, not_before
        self.warned = False
        self.fetched: Token | None = None

    def run(self) -> Token:
        """Adopt the fleet's token, or refresh under the fleet lock; on a Redis failure, fetch without the tier."""
        from rightbrain_helper.fleet.store import SharedCacheDown  # noqa: PLC0415

        try:
            return self._read() or self._refresh()
        except SharedCacheDown as exc:
            self._warn(f"{exc}; fetching from the token endpoint without it")
            return self.fetched if self.fetched is not None else self._fetch()

    def _refresh(self) -> Token:
        """Under the fleet lock: re-read (another machine may have refreshed while we waited), else fetch and share."""
        wait = self.settings.lock_timeout
        lease = self.settings.deadline + max(LEASE_MARGIN_SECONDS, 4 * self.settings.shared_cache_timeout)
        lock = self.tier.store.lock(self.tier.slot.lock_name, lease, wait)
        if lock is None:
            adopted = self._read()
            if adopted is not None:
                return adopted
            self._warn(f"fleet lock busy for {wait:g} s (another machine refreshing?); fetching without it")
            return self._fetch_and_share()
        try:
            token = self._read() or self._fetch_and_share()
        except BaseException:
            self._release(lock, quiet=True)  # the failure on its way out is the one worth a warning
            raise
        self._release(lock)
        return token

    def _read(self) -> Token | None:
        """The fleet entry's token if it opens and still has its margin (and is new enough); else None."""
        value = self.tier.store.get(self.tier.slot.name)
        if value is None:
            self.log.debug(f"{self.tier.where()}: no fleet entry")
            return None
        plaintext = self.tier.slot.open(value)
        token = decode(plaintext) if plaintext is not None else None
        if token is None:
            self.log.debug(
                f"{self.tier.where()}: the fleet entry does not open (tampered with, or sealed under another "
                "credential); treated as a miss"
            )
            return None
        self.log.mask(token.access_token)
        if not self.fresh(token) or (self.not_before is not None and token.obtained_at <= self.not_before):
            self.log.debug(f"{self.tier.where()}: the fleet entry is too old to serve")
            return None
        token.tier, token.profile = "fleet", self.settings.profile
        age = self.clock.now() - token.obtained_at
        self.log.debug(f"{self.tier.where()}: local miss served by the fleet tier (token obtained {age:.0f} s ago)")
        return token

    def _fetch(self) -> Token:
        """One token from the issuer (remembered, so a Redis failure after it never fetches again)."""
        self.fetched = self.fetch()
        return self.fetched

    def _fetch_and_share(self) -> Token:
        """Fetch, then SET the sealed entry with a TTL at the token's expiry; a failed SET only warns."""
        from rightbrain_helper.fleet.store import SharedCacheDown  # noqa: PLC0415

        token = self._fetch()
        ttl_ms = min(int((token.expires_at - self.clock.now()) * 1000), MAX_TTL_MS)
        if ttl_ms > 0:
            try:
                self.tier.store.set(self.tier.slot.name, self.tier.slot.seal(encode(token)), ttl_ms)
            except SharedCacheDown as exc:
                self._warn(f"{exc}; the token is used but not shared")
        return token

    def _release(self, lock: FleetLock, *, quiet: bool = False) -> None:
        """Release the fleet lock; a lost lock or a failed release is a warning (`quiet`: a debug line), never
        an error: the lease frees it in the end anyway."""
        from rightbrain_helper.fleet.store import SharedCacheDown  # noqa: PLC0415

        try:
            lock.release()
        except SharedCacheDown as exc:
            if quiet:
                self.log.debug(f"{self.tier.where()}: releasing the fleet lock: {exc}")
            else:
                self._warn(f"releasing the fleet lock: {exc}")

    def _warn(self, message: str) -> None:
        """The call's one warning line; anything after it only with --verbose."""
        line = f"{self.tier.where()}: {message}"
        if self.warned:
            self.log.debug(line)
        else:
            self.warned = True
            self.log.warn(line)
